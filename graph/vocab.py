"""Vocabularies (closed namespaces) and every IRI citegraph mints.

The namespaces are rdflib ``DefinedNamespace`` classes: a misspelt term raises instead of
minting a wrong IRI. MeSH is open (descriptor UIs are data), so it is a plain ``Namespace``.

IRI rules (DESIGN.md section 3): a work is keyed by PMID, else PMCID, else DOI; everything
without an identifier gets a ``urn:uuid:`` that is uuid5 of a fixed, versioned namespace and
``"kind|key"``. No blank nodes, never raw text in an IRI.

Example:
    >>> from graph.model import Identifiers
    >>> str(work_iri(Identifiers(doi="10.4252/wjsc.v17.i7.106856")))
    'https://doi.org/10.4252/wjsc.v17.i7.106856'
    >>> str(FABIO.JournalArticle)
    'http://purl.org/spar/fabio/JournalArticle'
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
import uuid
from urllib.parse import quote

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, XSD, DefinedNamespace

from graph.model import Author, Chemical, Grant, Identifiers, Journal, Reference, Source

__all__ = [
    "BIRO",
    "C4O",
    "CITEGRAPH",
    "CITO",
    "DCTERMS",
    "FABIO",
    "FOAF",
    "FRBR",
    "MESH",
    "OCO",
    "PREFIXES",
    "PRISM",
    "PRO",
    "PROV",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SKOS",
    "XSD",
    "citation_iri",
    "funder_iri",
    "grant_iri",
    "journal_iri",
    "keyword_iri",
    "mesh_iri",
    "mesh_name_iri",
    "mesh_name_pair_iri",
    "mint_uuid",
    "normalize_text",
    "organization_iri",
    "person_iri",
    "reference_iri",
    "role_iri",
    "source_iri",
    "substance_iri",
    "unresolved_iri",
    "work_iri",
]


class FABIO(DefinedNamespace):
    """FRBR-aligned Bibliographic Ontology (the terms citegraph uses)."""

    _NS = Namespace("http://purl.org/spar/fabio/")
    _fail = True
    Expression: URIRef
    JournalArticle: URIRef
    ReviewArticle: URIRef
    Editorial: URIRef
    Letter: URIRef
    Comment: URIRef
    CaseReport: URIRef
    ClinicalTrialReport: URIRef
    Erratum: URIRef
    Book: URIRef
    BookChapter: URIRef
    Journal: URIRef
    hasPublicationYear: URIRef
    hasPubMedId: URIRef
    hasPubMedCentralId: URIRef
    hasPII: URIRef
    hasSubjectTerm: URIRef
    hasPrimarySubjectTerm: URIRef
    hasNLMJournalTitleAbbreviation: URIRef
    hasNationalLibraryOfMedicineJournalId: URIRef
    hasElectronicArticleIdentifier: URIRef


class CITO(DefinedNamespace):
    """Citation Typing Ontology."""

    _NS = Namespace("http://purl.org/spar/cito/")
    _fail = True
    cites: URIRef
    Citation: URIRef
    hasCitingEntity: URIRef
    hasCitedEntity: URIRef
    hasCitationCreationDate: URIRef
    hasCitationTimeSpan: URIRef
    isCorrectedBy: URIRef
    isRetractedBy: URIRef
    retracts: URIRef
    corrects: URIRef
    isCommentedOnBy: URIRef
    ridicules: URIRef
    updates: URIRef
    discusses: URIRef


class BIRO(DefinedNamespace):
    """Bibliographic Reference Ontology."""

    _NS = Namespace("http://purl.org/spar/biro/")
    _fail = True
    BibliographicReference: URIRef
    references: URIRef
    isReferencedBy: URIRef


class C4O(DefinedNamespace):
    """Citation Counting and Context Characterisation Ontology."""

    _NS = Namespace("http://purl.org/spar/c4o/")
    _fail = True
    hasContent: URIRef


class PRO(DefinedNamespace):
    """Publishing Roles Ontology."""

    _NS = Namespace("http://purl.org/spar/pro/")
    _fail = True
    RoleInTime: URIRef
    withRole: URIRef
    isHeldBy: URIRef
    isDocumentContextFor: URIRef
    relatesToOrganization: URIRef
    author: URIRef


class OCO(DefinedNamespace):
    """OpenCitations Ontology."""

    _NS = Namespace("https://w3id.org/oc/ontology/")
    _fail = True
    hasNext: URIRef


class FRBR(DefinedNamespace):
    """FRBR core."""

    _NS = Namespace("http://purl.org/vocab/frbr/core#")
    _fail = True
    partOf: URIRef


class PRISM(DefinedNamespace):
    """PRISM basic 2.0."""

    _NS = Namespace("http://prismstandard.org/namespaces/basic/2.0/")
    _fail = True
    doi: URIRef
    keyword: URIRef
    volume: URIRef
    issueIdentifier: URIRef
    startingPage: URIRef
    endingPage: URIRef
    publicationDate: URIRef
    issn: URIRef
    eIssn: URIRef


class SCHEMA(DefinedNamespace):
    """schema.org (https), the terms citegraph uses."""

    _NS = Namespace("https://schema.org/")
    _fail = True
    position: URIRef
    sameAs: URIRef
    inLanguage: URIRef
    identifier: URIRef
    funding: URIRef
    funder: URIRef
    Grant: URIRef
    alternateName: URIRef
    location: URIRef


class CITEGRAPH(DefinedNamespace):
    """citegraph's own terms, for what the standard vocabularies do not say."""

    _NS = Namespace("https://w3id.org/citegraph/ns#")
    _fail = True
    Unresolved: URIRef
    SourceRecord: URIRef
    authorListComplete: URIRef
    hasPubMedRecord: URIRef
    hasPMCRecord: URIRef
    articleNumber: URIRef
    provenance: URIRef
    sourceFormat: URIRef
    sourceFile: URIRef
    matchMethod: URIRef
    matchScore: URIRef
    substance: URIRef
    registryNumber: URIRef


MESH = Namespace("http://id.nlm.nih.gov/mesh/")
_MESH_NS = str(MESH)

PREFIXES: dict[str, str] = {
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "fabio": "http://purl.org/spar/fabio/",
    "cito": "http://purl.org/spar/cito/",
    "biro": "http://purl.org/spar/biro/",
    "c4o": "http://purl.org/spar/c4o/",
    "pro": "http://purl.org/spar/pro/",
    "oco": "https://w3id.org/oc/ontology/",
    "frbr": "http://purl.org/vocab/frbr/core#",
    "prism": "http://prismstandard.org/namespaces/basic/2.0/",
    "dcterms": str(DCTERMS),
    "foaf": str(FOAF),
    "skos": str(SKOS),
    "prov": str(PROV),
    "schema": "https://schema.org/",
    "mesh": str(MESH),
    "citegraph": "https://w3id.org/citegraph/ns#",
}
"""Prefix table shared by Turtle, JSON-LD and SPARQL output (a constant, never mutated)."""

# Fixed and versioned: changing it changes every urn:uuid: IRI, so it only ever gets a new
# version string, never an edit.
UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://w3id.org/citegraph/iri/v1")
_UUID_NS_BYTES = UUID_NAMESPACE.bytes
_MESH_UI = re.compile(r"^[DQC][0-9]{6,9}$")

_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]")


def normalize_text(text: str) -> str:
    """Normalise text for identity keys: NFKC, case-folded, punctuation dropped, spaces collapsed.

    Example:
        >>> normalize_text("  Type 1  Diabetes. ")
        'type 1 diabetes'
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _PUNCT.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def _valid_iri(value: str) -> URIRef:
    """A ``URIRef`` of an IRI citegraph built itself from safe characters (a ``urn:uuid:``, a
    MeSH UI): rdflib's check of every new ``URIRef`` costs more than building the string, and
    a corpus makes a million of them."""
    return str.__new__(URIRef, value)


def mint_uuid(kind: str, key: str) -> URIRef:
    """Return the deterministic ``urn:uuid:`` IRI of ``kind|key``.

    Example:
        >>> mint_uuid("keyword", "diabetes") == mint_uuid("keyword", "diabetes")
        True
        >>> str(mint_uuid("keyword", "diabetes")).startswith("urn:uuid:")
        True
    """
    # uuid.uuid5 computed inline (same value): the UUID object costs more than the hash,
    # and hundreds of thousands are minted per corpus. The version nibble is 5 and the
    # variant's two high bits are 10 (the first hex digit of the fourth group: 8, 9, a, b).
    h = hashlib.sha1(_UUID_NS_BYTES + f"{kind}|{key}".encode()).hexdigest()
    return _valid_iri(
        f"urn:uuid:{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"
    )


_VARIANT = {d: "89ab"[int(d, 16) & 3] for d in "0123456789abcdef"}
"""The first hex digit of a UUID's fourth group for each digit of the hash: RFC 4122's
variant bits (10) over the hash's two low bits."""


_IDENTIFIERS_ORG = {"pmid": "https://identifiers.org/pubmed:",
                    "pmcid": "https://identifiers.org/pmc:"}  # fmt: skip


def _doi_path(doi: str) -> str:
    return quote(doi, safe="/:;()._-~!$&'*+,=@")


def id_iri(scheme: str, value: str) -> URIRef:
    """Return the IRI of one identifier (``pmid``, ``pmcid`` or ``doi``).

    Example:
        >>> str(id_iri("pmid", "40740535"))
        'https://identifiers.org/pubmed:40740535'
    """
    # A PMID or PMCID of letters and digits and a DOI path (quoted: nothing an IRI forbids
    # is left) are safe as they are: no check per IRI (a corpus makes hundreds of
    # thousands). Anything else is checked by rdflib.
    prefix = _IDENTIFIERS_ORG.get(scheme)
    if prefix is not None:
        text = prefix + value
        return _valid_iri(text) if value.isalnum() and value.isascii() else URIRef(text)
    if scheme == "doi":
        return _valid_iri(f"https://doi.org/{_doi_path(value)}")
    raise ValueError(f"unknown identifier scheme {scheme!r} (known: pmid, pmcid, doi)")


def work_iri(ids: Identifiers) -> URIRef | None:
    """Return the IRI of a work from its best identifier (PMID, PMCID, DOI), or ``None``.

    Example:
        >>> str(work_iri(Identifiers(pmid="40740535", doi="10.1/x")))
        'https://identifiers.org/pubmed:40740535'
        >>> work_iri(Identifiers()) is None
        True
    """
    best = ids.best()
    return id_iri(*best) if best else None


def unresolved_iri(ref: Reference) -> URIRef:
    """Return the ``urn:uuid:`` IRI of a cited work that has no identifier.

    Keyed by (first author surname, year, normalised title); else (journal, volume, first page);
    else the normalised raw string.

    Example:
        >>> r = Reference(raw="x", ordinal=1, authors=("Doe J",), year=2020, title="A Study.")
        >>> unresolved_iri(r) == unresolved_iri(Reference(raw="y", ordinal=9,
        ...     authors=("Doe J",), year=2020, title="a study"))
        True
    """
    family = ref.first_author_family()
    if ref.title and (family or ref.year):
        key = f"atl|{normalize_text(family or '')}|{ref.year or ''}|{normalize_text(ref.title)}"
    elif ref.journal and ref.volume and ref.first_page:
        key = f"jvp|{normalize_text(ref.journal)}|{ref.volume}|{ref.first_page}"
    else:
        key = f"raw|{normalize_text(ref.raw)}"
    return mint_uuid("work", key)


def journal_iri(journal: Journal) -> URIRef | None:
    """Return ``urn:issn:`` of the linking ISSN (else print/electronic), else the NLM Catalog
    IRI, else a ``urn:uuid:`` of the normalised title; ``None`` when nothing names it.

    Example:
        >>> str(journal_iri(Journal(abbreviation="World J Stem Cells")))[:9]
        'urn:uuid:'
        >>> str(journal_iri(Journal(issn_linking="1948-0210")))
        'urn:issn:1948-0210'
    """
    issn = journal.issn_linking or journal.issn_print or journal.issn_electronic
    if issn:
        return URIRef(f"urn:issn:{issn.strip().upper()}")
    if journal.nlm_id:
        return URIRef(f"https://www.ncbi.nlm.nih.gov/nlmcatalog/{quote(journal.nlm_id.strip())}")
    name = journal.abbreviation or journal.title
    return mint_uuid("journal", normalize_text(name)) if name else None


def person_iri(author: Author, work: str, position: int) -> URIRef:
    """Return the ORCID IRI of an author, else a ``urn:uuid:`` of (work, position).

    Example:
        >>> str(person_iri(Author("A", orcid="0000-0002-1825-0097"), "w", 1))
        'https://orcid.org/0000-0002-1825-0097'
    """
    if author.orcid:
        return URIRef(f"https://orcid.org/{author.orcid}")
    return mint_uuid("person", f"{work}|{position}")


def role_iri(work: str, position: int) -> URIRef:
    """Return the IRI of the author role held at ``position`` (1-based) in ``work``."""
    return mint_uuid("role", f"{work}|{position}")


def keyword_iri(text: str) -> URIRef:
    """Return the ``skos:Concept`` IRI of an author keyword (normalised text).

    Example:
        >>> keyword_iri("Type 1 diabetes") == keyword_iri("type 1  Diabetes")
        True
    """
    return mint_uuid("keyword", normalize_text(text))


def reference_iri(citing: str, ordinal: int) -> URIRef:
    """Return the IRI of reference entry ``ordinal`` of the ``citing`` work."""
    return mint_uuid("reference", f"{citing}|{ordinal}")


def citation_iri(citing: str, cited: str) -> URIRef:
    """Return the IRI of the reified ``cito:Citation`` from ``citing`` to ``cited``."""
    return mint_uuid("citation", f"{citing}|{cited}")


def organization_iri(name: str) -> URIRef | None:
    """Return the ``urn:uuid:`` of an organisation named by an affiliation or a funding
    agency (normalised text, so the same name gives one node), or ``None`` for no name.

    Example:
        >>> organization_iri("University of Leeds") == organization_iri("university of leeds.")
        True
    """
    key = normalize_text(name)
    return mint_uuid("organization", key) if key else None


def funder_iri(grant: Grant) -> URIRef | None:
    """Return the IRI of a grant's funding agency: its Crossref Funder Registry DOI where
    the source gives one, else :func:`organization_iri` of its name; ``None`` without a
    name.

    Example:
        >>> str(funder_iri(Grant(agency="ARS", funder_id="10.13039/100007917")))
        'https://doi.org/10.13039/100007917'
        >>> funder_iri(Grant(agency="Wellcome Trust")) == organization_iri("Wellcome Trust")
        True
    """
    if not grant.agency:
        return None
    if grant.funder_id:
        return id_iri("doi", grant.funder_id)
    return organization_iri(grant.agency)


def grant_iri(grant: Grant) -> URIRef | None:
    """Return the ``urn:uuid:`` of a grant, keyed by its agency and number; ``None`` for a
    grant without a number (it cannot be told apart from the agency's other grants).

    Example:
        >>> a = grant_iri(Grant(agency="Wellcome Trust", grant_id="076053/Z/04/Z"))
        >>> a == grant_iri(Grant(agency="wellcome trust", grant_id="076053 Z 04 Z"))
        True
        >>> grant_iri(Grant(agency="Wellcome Trust")) is None
        True
    """
    number = normalize_text(grant.grant_id or "")
    if not number:
        return None
    return mint_uuid("grant", f"{normalize_text(grant.agency or '')}|{number}")


def substance_iri(chemical: Chemical) -> URIRef:
    """Return the IRI of a substance: its MeSH IRI when the record gives a MeSH UI
    (descriptor or supplementary concept), else a ``urn:uuid:`` of its normalised name.

    Example:
        >>> str(substance_iri(Chemical("Antibodies, Viral", ui="D000914")))
        'http://id.nlm.nih.gov/mesh/D000914'
        >>> str(substance_iri(Chemical("Antineoplastic Agents")))[:9]
        'urn:uuid:'
    """
    if chemical.ui and _MESH_UI.match(chemical.ui):
        return mesh_iri(chemical.ui)
    return mint_uuid("substance", normalize_text(chemical.name))


def mesh_iri(descriptor_ui: str, qualifier_ui: str | None = None) -> URIRef:
    """Return the MeSH IRI of a descriptor, or of a descriptor/qualifier pair.

    Example:
        >>> str(mesh_iri("D003922", "Q000188"))
        'http://id.nlm.nih.gov/mesh/D003922Q000188'
    """
    if _MESH_UI.match(descriptor_ui) and (qualifier_ui is None or _MESH_UI.match(qualifier_ui)):
        return _valid_iri(f"{_MESH_NS}{descriptor_ui}{qualifier_ui or ''}")
    return MESH[f"{descriptor_ui}{qualifier_ui or ''}"]


def mesh_name_iri(name: str) -> URIRef:
    """Return a ``urn:uuid:`` for a MeSH heading known only by name (MEDLINE text without UIs).

    Example:
        >>> mesh_name_iri("Women, Working") == mesh_name_iri("women working")
        True
    """
    return mint_uuid("mesh-name", normalize_text(name))


def mesh_name_pair_iri(descriptor: str, qualifier: str) -> URIRef:
    """Return a ``urn:uuid:`` for a descriptor/qualifier pair known only by names (MEDLINE
    ``MH - Diabetes Mellitus, Type 2/drug therapy``), the counterpart of a ``D...Q...`` IRI.

    Example:
        >>> a = mesh_name_pair_iri("Diabetes Mellitus, Type 2", "drug therapy")
        >>> a == mesh_name_pair_iri("diabetes mellitus type 2", "Drug Therapy"), str(a)[:9]
        (True, 'urn:uuid:')
        >>> a == mesh_name_iri("Diabetes Mellitus, Type 2")
        False
    """
    return mint_uuid("mesh-name-pair", f"{normalize_text(descriptor)}|{normalize_text(qualifier)}")


@functools.lru_cache(maxsize=64)  # a build asks twice per record: its graph and its triples
def source_iri(source: Source) -> URIRef:
    """Return the IRI of one source record (also the name of its named graph).

    Example:
        >>> str(source_iri(Source("a.xml", "pubmed-xml", 3)))[:9]
        'urn:uuid:'
    """
    return mint_uuid("source", f"{source.format}|{source.file}|{source.record}")

"""Article records to RDF triples in the citegraph vocabulary profile.

Triples are tuples of three N-Triples terms (``"<iri>"`` or a quoted literal), which is what
makes writing millions of them fast: no rdflib object is built per term. Use
:func:`to_rdflib` to get an ``rdflib.Graph`` for small data, and :mod:`graph.serialize` to
write files.

Example:
    >>> from graph.model import Article, Identifiers, Keyword
    >>> art = Article(ids=Identifiers(doi="10.1/x"), title="T", keywords=(Keyword("k"),))
    >>> triples = list(article_triples(art))
    >>> ('<https://doi.org/10.1/x>', '<http://purl.org/dc/terms/title>', '"T"') in triples
    True
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator

import rdflib
from rdflib import URIRef

from graph.model import Article, Author, Chemical, Grant, Identifiers, Journal, PubDate, Reference
from graph.vocab import (
    BIRO,
    C4O,
    CITEGRAPH,
    CITO,
    DCTERMS,
    FABIO,
    FOAF,
    FRBR,
    OCO,
    PRISM,
    PRO,
    PROV,
    RDF,
    SCHEMA,
    SKOS,
    XSD,
    citation_iri,
    funder_iri,
    grant_iri,
    id_iri,
    journal_iri,
    keyword_iri,
    mesh_iri,
    mesh_name_iri,
    mesh_name_pair_iri,
    mint_uuid,
    normalize_text,
    organization_iri,
    person_iri,
    reference_iri,
    role_iri,
    source_iri,
    substance_iri,
    unresolved_iri,
    work_iri,
)

__all__ = [
    "Triple",
    "WorkKeyer",
    "article_triples",
    "cited_work_iri",
    "iri",
    "link_triples",
    "literal",
    "to_rdflib",
]

Triple = tuple[str, str, str]
WorkKeyer = Callable[[Identifiers], URIRef | None]
"""Maps a work's identifiers to its IRI (identity resolution plugs in here)."""


# The terms of concepts that recur across a corpus (a few tens of thousands of MeSH
# descriptors and pairs, keywords), remembered instead of minted again for every record:
# pure functions of their arguments, bounded.
@functools.lru_cache(maxsize=1 << 16)
def _mesh_term(ui: str, qualifier_ui: str | None = None) -> str:
    return iri(mesh_iri(ui, qualifier_ui))


@functools.lru_cache(maxsize=1 << 16)
def _mesh_name_term(name: str) -> str:
    return iri(mesh_name_iri(name))


@functools.lru_cache(maxsize=1 << 16)
def _keyword_term(text: str) -> str:
    return iri(keyword_iri(text))


@functools.lru_cache(maxsize=1 << 16)
def _substance_term(chemical: Chemical) -> str:
    return iri(substance_iri(chemical))


@functools.lru_cache(maxsize=1 << 16)
def _organization_term(name: str) -> str | None:
    org = organization_iri(name)
    return iri(org) if org is not None else None


def iri(value: str) -> str:
    """Return the N-Triples form of an IRI.

    Example:
        >>> iri("https://doi.org/10.1/x")
        '<https://doi.org/10.1/x>'
    """
    return f"<{value}>"


_XSD_INTEGER = str(XSD.integer)
_XSD_STRING = str(XSD.string)
_GYEAR = str(XSD.gYear)
_GYEARMONTH = str(XSD.gYearMonth)
_DATE = str(XSD.date)
# A tab is escaped too (N-Triples allows it raw): citegraph's sorted quads are tab-separated.
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def literal(value: str | int, *, datatype: str | None = None, lang: str | None = None) -> str:
    """Return the N-Triples form of a literal (escaped; ints typed xsd:integer).

    Example:
        >>> literal('say "hi"\\n')
        '"say \\\\"hi\\\\"\\\\n"'
        >>> literal(2025)
        '"2025"^^<http://www.w3.org/2001/XMLSchema#integer>'
        >>> literal("2025", datatype=str(XSD.gYear))
        '"2025"^^<http://www.w3.org/2001/XMLSchema#gYear>'
    """
    if isinstance(value, int):
        return f'"{value}"^^<{_XSD_INTEGER}>'
    if "\\" in value or '"' in value or "\n" in value or "\r" in value or "\t" in value:
        value = value.translate(_ESCAPES)  # (five scans in C beat one translate per literal)
    if lang:
        return f'"{value}"@{lang}'
    if datatype and datatype != _XSD_STRING:
        return f'"{value}"^^<{datatype}>'
    return f'"{value}"'


# Predicate and class terms, formatted once (constants).
_A = iri(str(RDF.type))
_TITLE = iri(str(DCTERMS.title))
_ALTTITLE = iri(str(DCTERMS.alternative))
_ABSTRACT = iri(str(DCTERMS.abstract))
_CREATOR = iri(str(DCTERMS.creator))
_SUBJECT = iri(str(DCTERMS.subject))
_LANGUAGE = iri(str(DCTERMS.language))
_BIBCIT = iri(str(DCTERMS.bibliographicCitation))
_PUBLISHER = iri(str(DCTERMS.publisher))
_DCSOURCE = iri(str(DCTERMS.source))
_PUBDATE = iri(str(PRISM.publicationDate))
_YEAR = iri(str(FABIO.hasPublicationYear))
_VOLUME = iri(str(PRISM.volume))
_ISSUE = iri(str(PRISM.issueIdentifier))
_SPAGE = iri(str(PRISM.startingPage))
_EPAGE = iri(str(PRISM.endingPage))
_DOI = iri(str(PRISM.doi))
_KEYWORD = iri(str(PRISM.keyword))
_ISSN = iri(str(PRISM.issn))
_EISSN = iri(str(PRISM.eIssn))
_PMID = iri(str(FABIO.hasPubMedId))
_PMCID = iri(str(FABIO.hasPubMedCentralId))
_PII = iri(str(FABIO.hasPII))
_PARTOF = iri(str(FRBR.partOf))
_SAMEAS = iri(str(SCHEMA.sameAs))
_POSITION = iri(str(SCHEMA.position))
_INLANG = iri(str(SCHEMA.inLanguage))
_FUNDING = iri(str(SCHEMA.funding))
_FUNDER = iri(str(SCHEMA.funder))
_GRANT = iri(str(SCHEMA.Grant))
_IDENTIFIER = iri(str(SCHEMA.identifier))
_ALTNAME = iri(str(SCHEMA.alternateName))
_LOCATION = iri(str(SCHEMA.location))
_CITES = iri(str(CITO.cites))
_CITATION = iri(str(CITO.Citation))
_CITING_ENTITY = iri(str(CITO.hasCitingEntity))
_CITED_ENTITY = iri(str(CITO.hasCitedEntity))
_CITATION_DATE = iri(str(CITO.hasCitationCreationDate))
_BIBREF = iri(str(BIRO.BibliographicReference))
_REFERENCES = iri(str(BIRO.references))
_CONTENT = iri(str(C4O.hasContent))
_ROLE = iri(str(PRO.RoleInTime))
_WITHROLE = iri(str(PRO.withRole))
_HELDBY = iri(str(PRO.isHeldBy))
_DOCCONTEXT = iri(str(PRO.isDocumentContextFor))
_AUTHOR = iri(str(PRO.author))
_AFFILIATION = iri(str(PRO.relatesToOrganization))
_HASNEXT = iri(str(OCO.hasNext))
_PERSON = iri(str(FOAF.Person))
_AGENT_ORG = iri(str(FOAF.Organization))
_NAME = iri(str(FOAF.name))
_FAMILY = iri(str(FOAF.familyName))
_GIVEN = iri(str(FOAF.givenName))
_CONCEPT = iri(str(SKOS.Concept))
_PREFLABEL = iri(str(SKOS.prefLabel))
_SUBJECTTERM = iri(str(FABIO.hasSubjectTerm))
_PRIMARYTERM = iri(str(FABIO.hasPrimarySubjectTerm))
_JOURNAL = iri(str(FABIO.Journal))
_NLMABBREV = iri(str(FABIO.hasNLMJournalTitleAbbreviation))
_NLMID = iri(str(FABIO.hasNationalLibraryOfMedicineJournalId))
_EXPRESSION = iri(str(FABIO.Expression))
_JOURNALARTICLE = iri(str(FABIO.JournalArticle))
_UNRESOLVED = iri(str(CITEGRAPH.Unresolved))
_COMPLETE = iri(str(CITEGRAPH.authorListComplete))
_HASPUBMED = iri(str(CITEGRAPH.hasPubMedRecord))
_HASPMC = iri(str(CITEGRAPH.hasPMCRecord))
_ARTNUM = iri(str(CITEGRAPH.articleNumber))
_SOURCEREC = iri(str(CITEGRAPH.SourceRecord))
_SRCFORMAT = iri(str(CITEGRAPH.sourceFormat))
_SRCFILE = iri(str(CITEGRAPH.sourceFile))
_DERIVED = iri(str(PROV.wasDerivedFrom))
_PROVENANCE = iri(str(CITEGRAPH.provenance))
_SUBSTANCE = iri(str(CITEGRAPH.substance))
_REGISTRY = iri(str(CITEGRAPH.registryNumber))
_TRUE = f'"true"^^<{XSD.boolean}>'
_FALSE = f'"false"^^<{XSD.boolean}>'

_PUBTYPE_CLASS: dict[str, str] = {
    "review": iri(str(FABIO.ReviewArticle)),
    "systematic review": iri(str(FABIO.ReviewArticle)),
    "editorial": iri(str(FABIO.Editorial)),
    "letter": iri(str(FABIO.Letter)),
    "comment": iri(str(FABIO.Comment)),
    "case reports": iri(str(FABIO.CaseReport)),
    "clinical trial": iri(str(FABIO.ClinicalTrialReport)),
    "randomized controlled trial": iri(str(FABIO.ClinicalTrialReport)),
    "published erratum": iri(str(FABIO.Erratum)),
    # JATS article-type values ("editorial" and "letter" are spelt as above)
    "review-article": iri(str(FABIO.ReviewArticle)),
    "systematic-review": iri(str(FABIO.ReviewArticle)),
    "case-report": iri(str(FABIO.CaseReport)),
    "correction": iri(str(FABIO.Erratum)),
}

_RELATION: dict[str, str] = {
    "ErratumIn": iri(str(CITO.isCorrectedBy)),
    "ErratumFor": iri(str(CITO.corrects)),
    "RetractionIn": iri(str(CITO.isRetractedBy)),
    "RetractionOf": iri(str(CITO.retracts)),
    "CommentIn": iri(str(CITO.isCommentedOnBy)),
    "CommentOn": iri(str(CITO.discusses)),
    "UpdateOf": iri(str(CITO.updates)),
}


def _date_literal(date: PubDate) -> str:
    if date.month is None:
        return literal(f"{date.year:04d}", datatype=_GYEAR)
    if date.day is None:
        return literal(date.iso(), datatype=_GYEARMONTH)
    return literal(date.iso(), datatype=_DATE)


def cited_work_iri(ref: Reference, keyer: WorkKeyer = work_iri) -> URIRef:
    """Return the IRI of the work a reference points at: by its ids, else ``urn:uuid:``.

    Example:
        >>> from graph.model import Identifiers
        >>> str(cited_work_iri(Reference(raw="x", ordinal=1, ids=Identifiers(pmid="9"))))
        'https://identifiers.org/pubmed:9'
    """
    return keyer(ref.ids) or unresolved_iri(ref)


def _ids_triples(s: str, ids: Identifiers, main: URIRef | None) -> Iterator[Triple]:
    if ids.pmid:
        yield s, _PMID, literal(ids.pmid)
    if ids.pmcid:
        yield s, _PMCID, literal(ids.pmcid)
    if ids.doi:
        yield s, _DOI, literal(ids.doi)
    if ids.pii:
        yield s, _PII, literal(ids.pii)
    for scheme in ("pmid", "pmcid", "doi"):
        value = getattr(ids, scheme)
        if value:
            other = id_iri(scheme, value)
            if other != main:
                yield s, _SAMEAS, iri(other)


def _reference_triples(
    citing: str, citing_year: int | None, ref: Reference, keyer: WorkKeyer, graph_src: str | None
) -> Iterator[Triple]:
    cited_ref = keyer(ref.ids)
    cited_iri = cited_ref or unresolved_iri(ref)
    cited = iri(cited_iri)
    entry = iri(reference_iri(citing[1:-1], ref.ordinal))
    yield citing, _CITES, cited
    yield entry, _A, _BIBREF
    yield entry, _CONTENT, literal(ref.raw)
    yield entry, _REFERENCES, cited
    yield entry, _POSITION, literal(ref.ordinal)
    yield entry, _DOCCONTEXT, citing
    if ref.has_pubmed_record:
        yield entry, _HASPUBMED, _TRUE
    if ref.has_pmc_record:
        yield entry, _HASPMC, _TRUE
    citation = iri(citation_iri(citing[1:-1], str(cited_iri)))
    yield citation, _A, _CITATION
    yield citation, _CITING_ENTITY, citing
    yield citation, _CITED_ENTITY, cited
    if citing_year:
        yield citation, _CITATION_DATE, literal(f"{citing_year:04d}", datatype=_GYEAR)
    if graph_src:
        yield citation, _DERIVED, graph_src
    if ref.resolved_by:
        yield citation, _PROVENANCE, literal(ref.resolved_by)
    # What the reference says about the cited work.
    yield cited, _A, _EXPRESSION
    if cited_ref is None:
        yield cited, _A, _UNRESOLVED
        yield cited, _BIBCIT, literal(ref.raw)
    yield from _ids_triples(cited, ref.ids, cited_ref)
    if ref.title:
        yield cited, _TITLE, literal(ref.title)
    if ref.year:
        yield cited, _YEAR, literal(f"{ref.year:04d}", datatype=_GYEAR)
    if ref.volume:
        yield cited, _VOLUME, literal(ref.volume)
    if ref.issue:
        yield cited, _ISSUE, literal(ref.issue)
    if ref.first_page:
        yield cited, _SPAGE, literal(ref.first_page)
    if ref.last_page:
        yield cited, _EPAGE, literal(ref.last_page)
    if ref.journal:
        yield from _journal_triples(cited, Journal(abbreviation=ref.journal))
    if ref.authors:
        authors = tuple(_reference_author(name) for name in ref.authors)
        yield from _author_triples(cited, authors, complete=ref.authors_complete)


def _reference_author(name: str) -> Author:
    """ "Popoviciu MS" -> Author(name, family="Popoviciu", initials="MS")."""
    family, _, initials = name.rpartition(" ")
    if family and initials.isupper() and len(initials) <= 4:
        return Author(name=name, family=family, initials=initials)
    return Author(name=name)


def _journal_triples(s: str, journal: Journal) -> Iterator[Triple]:
    j = journal_iri(journal)
    if j is None:
        return
    jt = iri(j)
    yield s, _PARTOF, jt
    yield jt, _A, _JOURNAL
    if journal.title:
        yield jt, _TITLE, literal(journal.title)
    if journal.abbreviation:
        yield jt, _NLMABBREV, literal(journal.abbreviation)
        if not journal.title:
            yield jt, _TITLE, literal(journal.abbreviation)
    for issn in sorted({i for i in (journal.issn_print, journal.issn_linking) if i}):
        yield jt, _ISSN, literal(str(issn))
    if journal.issn_electronic:
        yield jt, _EISSN, literal(journal.issn_electronic)
    if journal.nlm_id:
        yield jt, _NLMID, literal(journal.nlm_id)
    if journal.publisher:
        yield jt, _PUBLISHER, literal(journal.publisher)


def article_triples(article: Article, keyer: WorkKeyer = work_iri) -> Iterator[Triple]:
    """Yield the triples of one article record, its authors, subjects and reference list.

    ``keyer`` maps identifiers to the work IRI; pass an identity map's keyer so works known
    under several ids get one IRI. An article without any identifier is keyed by a
    ``urn:uuid:`` of its source record (or title).

    Example:
        >>> from graph.model import Article, Identifiers
        >>> ts = list(article_triples(Article(ids=Identifiers(pmid="1"), title="T")))
        >>> ts[0]
        ('<https://identifiers.org/pubmed:1>', '<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>', '<http://purl.org/spar/fabio/JournalArticle>')
    """
    main = keyer(article.ids)
    if main is None:
        key = article.source.label() if article.source else normalize_text(article.title or "")
        main = mint_uuid("work", f"record|{key}")
    s = iri(main)
    yield s, _A, _JOURNALARTICLE
    for ptype in article.publication_types:
        cls = _PUBTYPE_CLASS.get(ptype.casefold())
        if cls:
            yield s, _A, cls
    yield from _ids_triples(s, article.ids, main)
    if article.title:
        yield s, _TITLE, literal(article.title)
        if article.vernacular_title:  # the title in the article's own language: an
            yield s, _ALTTITLE, literal(article.vernacular_title)  # alternative, not a 2nd
    elif article.vernacular_title:
        yield s, _TITLE, literal(article.vernacular_title)
    if article.abstract:
        yield s, _ABSTRACT, literal(article.abstract)
    if article.pub_date:
        yield s, _PUBDATE, _date_literal(article.pub_date)
        yield s, _YEAR, literal(f"{article.pub_date.year:04d}", datatype=_GYEAR)
    if article.volume:
        yield s, _VOLUME, literal(article.volume)
    if article.issue:
        yield s, _ISSUE, literal(article.issue)
    if article.first_page:
        yield s, _SPAGE, literal(article.first_page)
    if article.last_page:
        yield s, _EPAGE, literal(article.last_page)
    if article.article_number:
        yield s, _ARTNUM, literal(article.article_number)
    if article.language:
        yield s, _INLANG, literal(article.language)
    if article.journal:
        yield from _journal_triples(s, article.journal)
    yield from _author_triples(s, article.authors, complete=article.authors_complete)
    for kw in article.keywords:
        concept = _keyword_term(kw.text)
        yield s, _KEYWORD, literal(kw.text)
        yield s, _SUBJECT, concept
        yield concept, _A, _CONCEPT
        yield concept, _PREFLABEL, literal(kw.text)
    for heading in article.mesh:
        d = _mesh_term(heading.ui) if heading.ui else _mesh_name_term(heading.name)
        yield s, _SUBJECTTERM, d
        yield s, _SUBJECT, d
        if heading.major:
            yield s, _PRIMARYTERM, d
        if heading.name:  # the record's name: a label for MeSH IRIs too (queries show it)
            yield d, _PREFLABEL, literal(heading.name)
        for q in heading.qualifiers:
            if heading.ui and q.ui:
                pair = _mesh_term(heading.ui, q.ui)
            elif not heading.ui and q.name:  # MEDLINE text: names only
                pair = iri(mesh_name_pair_iri(heading.name, q.name))
            else:
                continue
            if heading.name and q.name:
                yield pair, _PREFLABEL, literal(f"{heading.name}/{q.name}")
            yield s, _SUBJECTTERM, pair
            if q.major:
                yield s, _PRIMARYTERM, pair
    for chemical in article.chemicals:
        c = _substance_term(chemical)
        yield s, _SUBSTANCE, c
        yield c, _PREFLABEL, literal(chemical.name)
        if chemical.registry_number:
            yield c, _REGISTRY, literal(chemical.registry_number)
    for grant in article.grants:
        yield from _grant_triples(s, grant)
    for rel in article.related:
        pred = _RELATION.get(rel.relation)
        target = keyer(rel.ids)
        if pred and target is not None:
            yield s, pred, iri(target)
    src: str | None = None
    if article.source:
        src = iri(source_iri(article.source))
        yield s, _DERIVED, src
        yield src, _A, _SOURCEREC
        yield src, _SRCFORMAT, literal(article.source.format)
        yield src, _SRCFILE, literal(article.source.file)
        yield src, _POSITION, literal(article.source.record)
    for ref in article.references:
        yield from _reference_triples(s, article.year, ref, keyer, src)


def _author_triples(s: str, authors: tuple[Author, ...], *, complete: bool) -> Iterator[Triple]:
    work = s[1:-1]
    yield s, _COMPLETE, _TRUE if complete else _FALSE
    previous: str | None = None
    for pos, author in enumerate(authors, start=1):
        role = iri(role_iri(work, pos))
        person = iri(person_iri(author, work, pos))
        yield role, _A, _ROLE
        yield role, _WITHROLE, _AUTHOR
        yield role, _HELDBY, person
        yield role, _POSITION, literal(pos)
        yield role, _DOCCONTEXT, s
        if previous:
            yield previous, _HASNEXT, role
        previous = role
        yield s, _CREATOR, person
        yield person, _A, _AGENT_ORG if author.collective else _PERSON
        yield person, _NAME, literal(author.name)
        if author.family:
            yield person, _FAMILY, literal(author.family)
        if author.given:
            yield person, _GIVEN, literal(author.given)
        for affiliation in author.affiliations:
            org = _organization_term(affiliation)
            if org is not None:
                yield role, _AFFILIATION, org
                yield from _organization_triples(org, affiliation)


def _organization_triples(org: str, name: str) -> tuple[Triple, Triple]:
    """What describes an organisation (an affiliation, a funder): its type and name."""
    return (org, _A, _AGENT_ORG), (org, _NAME, literal(name))


def _grant_triples(s: str, grant: Grant) -> Iterator[Triple]:
    funder_ref = funder_iri(grant)
    funder = iri(funder_ref) if funder_ref is not None else None
    if funder is not None and grant.agency:
        yield s, _FUNDER, funder
        yield from _organization_triples(funder, grant.agency)
        # PubMed's Acronym (NIH's institute code, "HD") and Country belong to the agency
        if grant.acronym:
            yield funder, _ALTNAME, literal(grant.acronym)
        if grant.country:
            yield funder, _LOCATION, literal(grant.country)
    g = grant_iri(grant)
    if g is None:
        return
    gt = iri(g)
    yield s, _FUNDING, gt
    yield gt, _A, _GRANT
    yield gt, _IDENTIFIER, literal(grant.grant_id or "")
    if funder is not None:
        yield gt, _FUNDER, funder


def link_triples(citing: Identifiers, cited: Identifiers, provenance: str) -> Iterator[Triple]:
    """Yield the triples of a citation known from a link service (e.g. NCBI elink), not from
    a reference list: ``cito:cites``, the reified citation with its provenance, and the ids.

    Example:
        >>> ts = list(link_triples(Identifiers(pmid="1"), Identifiers(pmid="2"), "elink"))
        >>> ts[0]
        ('<https://identifiers.org/pubmed:1>', '<http://purl.org/spar/cito/cites>', '<https://identifiers.org/pubmed:2>')
    """
    a, b = work_iri(citing), work_iri(cited)
    if a is None or b is None:
        raise ValueError("a link needs an identifier at both ends")
    s, o = iri(a), iri(b)
    yield s, _CITES, o
    citation = iri(citation_iri(str(a), str(b)))
    yield citation, _A, _CITATION
    yield citation, _CITING_ENTITY, s
    yield citation, _CITED_ENTITY, o
    yield citation, _PROVENANCE, literal(provenance)
    yield o, _A, _EXPRESSION
    yield from _ids_triples(o, cited, b)


def to_rdflib(triples: Iterable[Triple]) -> rdflib.Graph:
    """Load triples into an in-memory ``rdflib.Graph`` (for small data and tests).

    Example:
        >>> g = to_rdflib([("<urn:a>", "<urn:b>", '"c"')])
        >>> len(g)
        1
    """
    g = rdflib.Graph()
    data = "".join(f"{s} {p} {o} .\n" for s, p, o in triples)
    g.parse(data=data, format="nt")
    return g

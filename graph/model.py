"""The data model: frozen records that readers produce and every sink consumes.

An :class:`Article` is one work as one source describes it: its identifiers, bibliographic
fields, authors, subject terms and its reference list. A :class:`Reference` is one entry of a
reference list: the raw string as printed plus whatever fields and identifiers could be read
from it. Identifier normalisers live here too, so every module agrees on what "the same id" is.

Example:
    >>> a = Article(ids=Identifiers(doi=normalize_doi("https://doi.org/10.1000/ABC")),
    ...             title="A title")
    >>> a.ids.doi
    '10.1000/abc'
    >>> a.ids.best()
    ('doi', '10.1000/abc')
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

__all__ = [
    "Article",
    "Author",
    "Chemical",
    "Grant",
    "Identifiers",
    "Journal",
    "Keyword",
    "MeshHeading",
    "MeshQualifier",
    "PubDate",
    "Reference",
    "RelatedArticle",
    "Source",
    "normalize_doi",
    "normalize_pmcid",
    "normalize_pmid",
    "normalize_registry_number",
    "with_source",
]

_DOI_PREFIX = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)
_DOI_SHAPE = re.compile(r"^10\.\d{4,9}/\S+$")


def normalize_doi(value: str | None) -> str | None:
    """Return a DOI without resolver prefix, trimmed and lower-cased, or ``None``.

    Example:
        >>> normalize_doi("doi: 10.4252/WJSC.v17.i7.106856.")
        '10.4252/wjsc.v17.i7.106856'
        >>> normalize_doi("not a doi") is None
        True
    """
    if not value:
        return None
    doi = _DOI_PREFIX.sub("", value.strip()).strip()
    doi = doi.rstrip(".,;")
    doi = doi.lower()
    return doi if _DOI_SHAPE.match(doi) else None


_PMID_LABEL = re.compile(r"^\s*(?:PMID:?\s*)", re.IGNORECASE)


def normalize_pmid(value: str | int | None) -> str | None:
    """Return a PMID as its digits without leading zeros, or ``None``.

    Example:
        >>> normalize_pmid(" PMID: 040740535 ")
        '40740535'
    """
    if value is None:
        return None
    text = str(value)
    if text.isdigit():  # the common case: digits alone (the expression below keeps them)
        return text.lstrip("0") or None
    digits = _PMID_LABEL.sub("", text).strip()
    if not digits.isdigit():
        return None
    digits = digits.lstrip("0")
    return digits or None


def normalize_pmcid(value: str | int | None) -> str | None:
    """Return a PMCID as ``"PMC"`` + digits, or ``None``.

    Example:
        >>> normalize_pmcid("pmc12305139")
        'PMC12305139'
        >>> normalize_pmcid("12305139")
        'PMC12305139'
    """
    if value is None:
        return None
    text = str(value).strip().upper()
    text = text.removeprefix("PMCID:").strip()
    text = text.removeprefix("PMC")
    if not text.isdigit() or not text.lstrip("0"):
        return None
    return "PMC" + text.lstrip("0")


def normalize_registry_number(value: str | None) -> str | None:
    """Return a substance's registry number (CAS, EC, UNII) trimmed, or ``None`` for none:
    PubMed and MEDLINE write ``0`` where a substance has no number.

    Example:
        >>> normalize_registry_number(" 1C6V77QF41 "), normalize_registry_number("0")
        ('1C6V77QF41', None)
    """
    number = value.strip() if value else ""
    return number if number and number != "0" else None


@dataclass(frozen=True, slots=True)
class Identifiers:
    """The persistent identifiers of one work, each already normalised.

    Example:
        >>> Identifiers(pmid="1", doi="10.1/x").best()
        ('pmid', '1')
        >>> Identifiers().is_empty()
        True
    """

    pmid: str | None = None
    pmcid: str | None = None
    doi: str | None = None
    pii: str | None = None

    def best(self) -> tuple[str, str] | None:
        """Return ``(scheme, value)`` of the identifier that keys the work's IRI."""
        for scheme in ("pmid", "pmcid", "doi"):
            value = getattr(self, scheme)
            if value:
                return scheme, value
        return None

    def keys(self) -> list[str]:
        """Return ``"scheme:value"`` for every id that identifies the work (merge keys).

        Example:
            >>> Identifiers(pmid="5", doi="10.1/a").keys()
            ['pmid:5', 'doi:10.1/a']
        """
        return [f"{s}:{v}" for s in ("pmid", "pmcid", "doi") if (v := getattr(self, s))]

    def is_empty(self) -> bool:
        """True when no identifier is known."""
        return not (self.pmid or self.pmcid or self.doi)

    def merged(self, other: Identifiers) -> Identifiers:
        """Return these ids with the gaps filled from ``other``.

        Example:
            >>> Identifiers(doi="10.1/a").merged(Identifiers(pmid="7")).pmid
            '7'
        """
        return Identifiers(
            pmid=self.pmid or other.pmid,
            pmcid=self.pmcid or other.pmcid,
            doi=self.doi or other.doi,
            pii=self.pii or other.pii,
        )


@dataclass(frozen=True, slots=True)
class Author:
    """One author as listed: a person or a collective (group) name.

    ``name`` is the display form ("Dinesh Kumar", "Popoviciu MS"); ``family``/``given`` are
    filled when the source separates them.

    Example:
        >>> Author(name="Popoviciu MS", family="Popoviciu", initials="MS").display()
        'Popoviciu MS'
    """

    name: str
    family: str | None = None
    given: str | None = None
    initials: str | None = None
    orcid: str | None = None
    collective: bool = False
    affiliations: tuple[str, ...] = ()

    def display(self) -> str:
        """The name as a person would read it."""
        return self.name


@dataclass(frozen=True, slots=True)
class Journal:
    """A journal (or book series) as named by the source, with its publisher when given.

    Example:
        >>> Journal(abbreviation="World J Stem Cells").label()
        'World J Stem Cells'
    """

    title: str | None = None
    abbreviation: str | None = None
    issn_print: str | None = None
    issn_electronic: str | None = None
    issn_linking: str | None = None
    nlm_id: str | None = None
    publisher: str | None = None

    def label(self) -> str | None:
        """The shortest useful name: ISO abbreviation, else title."""
        return self.abbreviation or self.title


@dataclass(frozen=True, slots=True)
class PubDate:
    """A publication date at the precision the source gives (year, year-month or full date).

    Example:
        >>> PubDate(2025, 7, 26).iso()
        '2025-07-26'
        >>> PubDate(1998, text="1998 Dec-1999 Jan").iso()
        '1998'
    """

    year: int
    month: int | None = None
    day: int | None = None
    text: str | None = None

    def iso(self) -> str:
        """ISO 8601 text at the known precision."""
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True, slots=True)
class Keyword:
    """An author (or other owner's) keyword, as printed.

    Example:
        >>> Keyword("Type 1 diabetes").text
        'Type 1 diabetes'
    """

    text: str
    owner: str | None = None
    major: bool = False


@dataclass(frozen=True, slots=True)
class MeshQualifier:
    """A MeSH qualifier (subheading) on a heading."""

    name: str
    ui: str | None = None
    major: bool = False


@dataclass(frozen=True, slots=True)
class MeshHeading:
    """A MeSH descriptor with its qualifiers; ``ui`` is the descriptor UI (``D...``).

    Example:
        >>> MeshHeading("Humans", ui="D006801").ui
        'D006801'
    """

    name: str
    ui: str | None = None
    major: bool = False
    qualifiers: tuple[MeshQualifier, ...] = ()


@dataclass(frozen=True, slots=True)
class Chemical:
    """A substance the record is indexed with (PubMed's ChemicalList, MEDLINE ``RN``).

    ``name`` is the name of the substance (or, when the source gives none, its registry
    number); ``ui`` its MeSH UI (a descriptor ``D...`` or a supplementary concept ``C...``);
    ``registry_number`` its CAS or EC number, ``None`` where the source gives ``0`` (none).

    Example:
        >>> Chemical("Antibodies, Viral", ui="D000914").ui
        'D000914'
    """

    name: str
    ui: str | None = None
    registry_number: str | None = None


@dataclass(frozen=True, slots=True)
class Grant:
    """A grant the work acknowledges: its number and the agency that awarded it;
    ``funder_id`` is the agency's Crossref Funder Registry DOI (``10.13039/...``) when the
    source gives it (JATS ``institution-id``).

    Example:
        >>> Grant(agency="Austrian Science Fund FWF", grant_id="J 3545", country="Austria").country
        'Austria'
    """

    agency: str | None = None
    grant_id: str | None = None
    acronym: str | None = None
    country: str | None = None
    funder_id: str | None = None


@dataclass(frozen=True, slots=True)
class Reference:
    """One entry of a reference list.

    ``raw`` is the reference string as printed; the other fields are what could be read from
    it or from the structured markup around it. ``has_pubmed_record`` / ``has_pmc_record``
    record the "- PubMed" / "- PMC" link labels of PubMed pages; ``resolved_by`` names the
    service that found ``ids`` when the reference itself did not carry them ("ecitmatch").

    Example:
        >>> r = Reference(raw="Doe J. A study. J Test. 2020;1:1-2.", ordinal=1, year=2020)
        >>> r.first_author_family() is None
        True
    """

    raw: str
    ordinal: int
    authors: tuple[str, ...] = ()
    authors_complete: bool = True
    title: str | None = None
    journal: str | None = None
    year: int | None = None
    volume: str | None = None
    issue: str | None = None
    first_page: str | None = None
    last_page: str | None = None
    ids: Identifiers = field(default_factory=Identifiers)
    has_pubmed_record: bool = False
    has_pmc_record: bool = False
    publication_type: str | None = None
    resolved_by: str | None = None

    @property
    def pages(self) -> str | None:
        """``first-last`` or the first page alone."""
        if self.first_page and self.last_page:
            return f"{self.first_page}-{self.last_page}"
        return self.first_page

    def first_author_family(self) -> str | None:
        """The family name of the first author ("Popoviciu MS" -> "Popoviciu")."""
        if not self.authors:
            return None
        return self.authors[0].rsplit(" ", 1)[0] if " " in self.authors[0] else self.authors[0]


@dataclass(frozen=True, slots=True)
class RelatedArticle:
    """A typed link to another work (erratum, retraction, comment), from CommentsCorrections."""

    relation: str
    ids: Identifiers
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Source:
    """Where a record came from: file name (as given), format, 1-based record number, line.

    Example:
        >>> Source("page.txt", "pubmed-page", 1, 1).label()
        'page.txt#1'
    """

    file: str
    format: str
    record: int = 1
    line: int | None = None

    def label(self) -> str:
        """``file#record``: a stable name for this source record."""
        return f"{self.file}#{self.record}"


@dataclass(frozen=True, slots=True)
class Article:
    """One work as one source record describes it.

    Example:
        >>> art = Article(ids=Identifiers(pmid="1"), title="T", keywords=(Keyword("k"),))
        >>> [k.text for k in art.keywords]
        ['k']
    """

    ids: Identifiers
    title: str | None = None
    vernacular_title: str | None = None
    abstract: str | None = None
    authors: tuple[Author, ...] = ()
    authors_complete: bool = True
    journal: Journal | None = None
    pub_date: PubDate | None = None
    volume: str | None = None
    issue: str | None = None
    first_page: str | None = None
    last_page: str | None = None
    article_number: str | None = None
    language: str | None = None
    publication_types: tuple[str, ...] = ()
    keywords: tuple[Keyword, ...] = ()
    mesh: tuple[MeshHeading, ...] = ()
    chemicals: tuple[Chemical, ...] = ()
    grants: tuple[Grant, ...] = ()
    related: tuple[RelatedArticle, ...] = ()
    references: tuple[Reference, ...] = ()
    source: Source | None = None
    pmid_version: int | None = None
    deleted: bool = False

    @property
    def year(self) -> int | None:
        """Publication year, when known."""
        return self.pub_date.year if self.pub_date else None


def with_source(article: Article, source: Source) -> Article:
    """``dataclasses.replace(article, source=source)`` without ``replace``'s per-field
    machinery (a build relabels every record it reads): the record rebuilt from its fields
    by the maker unpickling uses (see :func:`_constructor_pickling`).

    Example:
        >>> a = Article(ids=Identifiers(pmid="1"), source=Source("/in/a.xml", "pubmed-xml"))
        >>> with_source(a, Source("a.xml", "pubmed-xml")).source.file
        'a.xml'
    """
    reduced = cast(tuple[Callable[..., Article], tuple[Any, ...]], article.__reduce__())
    make, values = reduced  # the maker and the fields pickling uses
    fields = list(values)
    fields[_SOURCE_AT] = source
    return make(*fields)


_SOURCE_AT = Article.__match_args__.index("source")


def _constructor_pickling(cls: type[Any]) -> None:
    """Pickle ``cls`` as its field values, rebuilt by a maker that sets the slots directly.

    The ``__getstate__``/``__setstate__`` that dataclasses give frozen slotted classes walk
    ``fields()`` for every object, which made sending parsed articles between processes
    (``--jobs``, prefetching) cost more than parsing them (30,000 articles: 4.0 s -> 0.9 s
    to pickle, 6.5 s -> 3.8 s to unpickle). Rebuilding through ``cls(*values)`` still pays
    the frozen ``__init__`` (an ``object.__setattr__`` per field); the maker, a module
    function ``_make_<Class>``, stores each slot through its descriptor: half the time.
    The classes have no ``__post_init__``, so the rebuilt object is the one pickled.
    """
    names: tuple[str, ...] = cls.__match_args__
    get: Callable[[Any], Any] = operator.attrgetter(*names)
    args = ", ".join(f"v{i}" for i in range(len(names)))
    sets = "".join(f"    set{i}(self, v{i})\n" for i in range(len(names)))
    scope: dict[str, Any] = {"new": object.__new__, "cls": cls}
    scope.update({f"set{i}": cls.__dict__[name].__set__ for i, name in enumerate(names)})
    exec(f"def make({args}):\n    self = new(cls)\n{sets}    return self\n", scope)
    make = scope["make"]
    make.__module__, make.__qualname__ = __name__, f"_make_{cls.__name__}"
    globals()[make.__qualname__] = make
    if len(names) == 1:

        def reduce(self: Any) -> tuple[Callable[..., Any], tuple[Any, ...]]:
            return make, (get(self),)
    else:

        def reduce(self: Any) -> tuple[Callable[..., Any], tuple[Any, ...]]:
            return make, get(self)

    setattr(cls, "__reduce__", reduce)  # noqa: B010  (mypy: a method set on the class)


for _cls in (Identifiers, Author, Journal, PubDate, Keyword, MeshQualifier, MeshHeading,
             Chemical, Grant, Reference, RelatedArticle, Source, Article):  # fmt: skip
    _constructor_pickling(_cls)
del _cls

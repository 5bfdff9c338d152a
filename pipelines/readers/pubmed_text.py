"""Readers for PubMed's two plain-text forms: a copied abstract page and the text export.

* **pubmed-page**: the text of a PubMed abstract page selected and copied from a browser.
  It holds one article: the journal line (". 2025 Jul 26;17(7):106856."), ``doi:``, the
  title (often twice), the author list or only "Dinesh Kumar et al. World J Stem Cells.",
  PMID/PMCID lines when shown, the abstract, keywords, references (each numbered "1." by the
  browser) with their "- PMC - PubMed" labels, MeSH terms, substances, grants and publication
  types, all among page chrome that is ignored.
* **pubmed-abstract-text**: PubMed's "Abstract (text)" export: records "N. Journal.
  Date;Vol(Issue):Pages. doi: ..." followed by blocks (title, authors with "(n)" affiliation
  markers, "Author information:", abstract, "Copyright", "DOI:", "PMCID:", "PMID:") separated
  by blank lines. Records stream one at a time.

Example:
    >>> from pathlib import Path
    >>> [art] = read_pubmed_page(Path("data/pubmed-page-wjsc-2025-106856.txt"))
    >>> art.journal.abbreviation, art.pub_date.iso(), art.volume, art.issue, art.article_number
    ('World J Stem Cells', '2025-07-26', '17', '7', '106856')
    >>> [a.name for a in art.authors], art.authors_complete, len(art.references)
    (['Dinesh Kumar'], False, 5)
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from graph.errors import MalformedRecordError, UnknownFormatError, UnreadableInputError
from graph.model import (
    Article,
    Author,
    Chemical,
    Identifiers,
    Journal,
    Keyword,
    MeshHeading,
    MeshQualifier,
    PubDate,
    RelatedArticle,
    Source,
    normalize_doi,
    normalize_pmcid,
    normalize_pmid,
)
from pipelines.readers.medline import parse_grant
from pipelines.references import parse_reference, split_pages

__all__ = [
    "parse_abstract_export",
    "parse_pubmed_page",
    "read_abstract_export",
    "read_pubmed_page",
    "sniff_abstract_export",
    "sniff_pubmed_page",
]

RecordResult = Article | MalformedRecordError

PAGE_FORMAT = "pubmed-page"
EXPORT_FORMAT = "pubmed-abstract-text"

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_YEAR = r"(?:1[5-9]|20)\d{2}"
# "World J Stem Cells. 2025 Jul 26;17(7):106856. doi: ..." (journal may be missing: ". 2025")
_CITATION = re.compile(
    r"^(?P<journal>[^\n]*?)\s*\.\s+(?P<date>" + _YEAR + r"\b[^;]*?)"
    r"(?:;(?P<vip>.*?))?\.(?=\s|$)\s*(?P<tail>.*)$"
)
_VIP = re.compile(r"^(?P<volume>[^(:]*?)\s*(?:\((?P<issue>[^)]*)\))?\s*(?::\s*(?P<pages>.+?))?$")
_DOI_IN_TEXT = re.compile(r"\bdoi:\s*(10\.\S+?)\.?(?=\s|$)", re.IGNORECASE)
_PII_IN_TEXT = re.compile(r"\bpii:\s*(\S+?)\.?(?=\s|$)")
_ARTICLE_NUMBER = re.compile(r"[eE]\d+|[A-Za-z]{0,3}\d{5,}")
_LANGUAGES = {
    "english": "eng",
    "german": "ger",
    "french": "fre",
    "spanish": "spa",
    "italian": "ita",
    "chinese": "chi",
    "japanese": "jpn",
    "russian": "rus",
    "portuguese": "por",
    "polish": "pol",
    "czech": "cze",
    "dutch": "dut",
    "korean": "kor",
    "danish": "dan",
    "swedish": "swe",
    "norwegian": "nor",
    "hungarian": "hun",
    "turkish": "tur",
    "croatian": "hrv",
    "greek, modern": "gre",
    "hebrew": "heb",
    "persian": "per",
    "finnish": "fin",
    "slovak": "slo",
    "romanian": "rum",
    "serbian": "srp",
    "slovenian": "slv",
    "ukrainian": "ukr",
    "lithuanian": "lit",
    "bulgarian": "bul",
    "arabic": "ara",
}
_RELATIONS = {
    "comment in": "CommentIn",
    "comment on": "CommentOn",
    "erratum in": "ErratumIn",
    "erratum for": "ErratumFor",
    "update of": "UpdateOf",
    "update in": "UpdateIn",
    "retraction in": "RetractionIn",
    "retraction of": "RetractionOf",
    "retracted and republished in": "RetractedandRepublishedIn",
    "retracted and republished from": "RetractedandRepublishedFrom",
    "republished in": "RepublishedIn",
    "republished from": "RepublishedFrom",
    "expression of concern in": "ExpressionOfConcernIn",
    "expression of concern for": "ExpressionOfConcernFor",
    "reprint of": "ReprintOf",
    "reprint in": "ReprintIn",
    "summary for patients in": "SummaryForPatientsIn",
    "original report in": "OriginalReportIn",
    "partial retraction in": "PartialRetractionIn",
    "partial retraction of": "PartialRetractionOf",
    "corrected and republished in": "CorrectedAndRepublishedIn",
    "corrected and republished from": "CorrectedAndRepublishedFrom",
}
_PARTICLES = frozenset(
    {"van", "von", "der", "den", "de", "del", "della", "di", "da", "dos", "das", "du", "la"}
    | {"le", "ter", "ten", "bin"}
)


# --------------------------------------------------------------------------- shared helpers


def _decode(data: bytes, file: str) -> str:
    """UTF-8 text with BOM, CR/LF and no-break spaces normalised; undecodable -> error."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UnreadableInputError(
            f"not UTF-8 text (byte {exc.start})", file=file, line=line
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UnreadableInputError("no such file", file=str(path)) from None
    except OSError as exc:
        raise UnreadableInputError(f"cannot read: {exc}", file=str(path)) from None
    if data[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise UnreadableInputError(f"bad gzip data: {exc}", file=str(path)) from None
    return data


def _pub_date(text: str) -> PubDate | None:
    """``"2025 Jul 26"`` -> PubDate(2025, 7, 26); seasons and ranges keep only the year."""
    text = text.strip()
    m = re.match(r"^(" + _YEAR + r")(?:\s+([A-Za-z]{3})[a-z]*\.?(?:\s+(\d{1,2}))?)?$", text)
    if m:
        month = _MONTHS.get(m.group(2).lower()) if m.group(2) else None
        if m.group(2) is None or month is not None:
            day = int(m.group(3)) if m.group(3) and month else None
            return PubDate(int(m.group(1)), month, day)
    y = re.match(r"^(" + _YEAR + r")\b", text)
    return PubDate(int(y.group(1)), text=text) if y else None


@dataclass
class _Citation:
    """The parts of a "Journal. Date;Vol(Issue):Pages. doi: ..." line."""

    journal: str | None = None
    date: PubDate | None = None
    volume: str | None = None
    issue: str | None = None
    first_page: str | None = None
    last_page: str | None = None
    article_number: str | None = None
    doi: str | None = None
    pii: str | None = None


def _parse_citation(text: str) -> _Citation | None:
    """Read a PubMed citation line; ``None`` when ``text`` is not one.

    Example:
        >>> c = _parse_citation(". 2025 Jul 26;17(7):106856.")
        >>> c.journal, c.date, c.volume, c.issue, c.article_number
        (None, PubDate(year=2025, month=7, day=26, text=None), '17', '7', '106856')
    """
    m = _CITATION.match(text.strip())
    if not m:
        return None
    journal = m.group("journal").strip() or None
    if journal and (len(journal) > 200 or journal.endswith(("et al", ","))):
        return None
    cit = _Citation(journal=journal, date=_pub_date(m.group("date")))
    vip = m.group("vip")
    if vip:
        v = _VIP.match(vip.strip())
        if v:
            cit.volume = v.group("volume") or None
            cit.issue = v.group("issue") or None
            pages = v.group("pages")
            cit.first_page, cit.last_page = split_pages(pages)
            if pages and cit.last_page is None and _ARTICLE_NUMBER.fullmatch(pages.strip()):
                cit.article_number = pages.strip()
    tail = m.group("tail") or ""
    doi = _DOI_IN_TEXT.search(tail)
    cit.doi = normalize_doi(doi.group(1)) if doi else None
    pii = _PII_IN_TEXT.search(tail)
    cit.pii = pii.group(1) if pii else None
    return cit


def _person(name: str, *, affiliations: tuple[str, ...] = ()) -> Author:
    """An author from "Surname Initials" (export) or "Given Family" (page) form."""
    name = re.sub(r"\s+", " ", name).strip()
    tokens = name.split(" ")
    last = tokens[-1]
    if len(tokens) >= 2 and last.isalpha() and last.isupper() and len(last) <= 4:
        return Author(
            name=name,
            family=" ".join(tokens[:-1]),
            initials=tokens[-1],
            affiliations=affiliations,
        )
    if len(tokens) >= 2:
        split = len(tokens) - 1
        while split > 1 and tokens[split - 1].lower() in _PARTICLES:
            split -= 1
        given = " ".join(tokens[:split])
        initials = "".join(w[0] for w in re.split(r"[\s-]+", given) if w[:1].isalpha()).upper()
        return Author(
            name=name,
            family=" ".join(tokens[split:]),
            given=given,
            initials=initials or None,
            affiliations=affiliations,
        )
    return Author(name=name, family=name, affiliations=affiliations)


def _mesh_lines(lines: Iterable[str]) -> tuple[MeshHeading, ...]:
    """``"Diabetes Mellitus, Type 1* / therapy"`` lines -> headings (qualifiers merged)."""
    order: list[str] = []
    heads: dict[str, tuple[bool, list[MeshQualifier]]] = {}
    for line in lines:
        parts = [p.strip() for p in line.split(" / ")]
        name = parts[0]
        major = name.endswith("*")
        name = name.rstrip("*").strip()
        if not name:
            continue
        if name not in heads:
            order.append(name)
            heads[name] = (major, [])
        was_major, quals = heads[name]
        heads[name] = (was_major or major, quals)
        for q in parts[1:]:
            q_major = q.endswith("*")
            q_name = q.rstrip("*").strip()
            if q_name and all(x.name != q_name for x in quals):
                quals.append(MeshQualifier(q_name, major=q_major))
    return tuple(MeshHeading(n, major=heads[n][0], qualifiers=tuple(heads[n][1])) for n in order)


# --------------------------------------------------------------------------- page reader

_CHROME_EXACT = frozenset(
    s.lower()
    for s in (
        "Skip to main page content",
        "U.S. flag",
        "An official website of the United States government",
        "Dot gov",
        "Https",
        "The site is secure.",
        "Expand",
        "Collapse",
        "Item in Clipboard",
        "Display options",
        "Display options Format",
        "Full text links",
        "Cite",
        "Share",
        "Add to Collections",
        "Add to My Bibliography",
        "Save",
        "Email",
        "Send to",
        "Actions",
        "Page navigation",
        "Title & authors",
        "Search in PubMed",
        "Search in NLM Catalog",
        "Add to Search",
        "Show details",
        "Show all",
        "Show less",
        "Show more",
        "See all similar articles",
        'See all "Cited by" articles',
        "Back to Top",
        "Log in",
        "Search",
        "Advanced",
        "Clipboard",
        "User Guide",
        "Free PMC article",
        "Free article",
        "No abstract available",
        "No abstract available.",
        ".",
    )
)
_CHROME_PREFIX = (
    "the .gov means",
    "federal government websites",
    "the https:// ensures",
    "access keys ",
    "show all ",
    "free pmc article",
    "free article",
    "full text links",
    "pubmed logo",
)
_HEADINGS = {
    "abstract": "abstract",
    "pubmed disclaimer": "skip",
    "conflict of interest statement": "skip",
    "similar articles": "skip",
    "cited by": "skip",
    "references": "references",
    "publication types": "ptypes",
    "mesh terms": "mesh",
    "substances": "substances",
    "grants and funding": "grants",
    "linkout - more resources": "skip",
    "full text sources": "skip",
    "figures": "skip",
    "related information": "skip",
    "other literature sources": "skip",
    "medical": "skip",
    "miscellaneous": "skip",
    "research materials": "skip",
    "associated data": "skip",
    "supplementary info": "skip",
    "collaborators": "skip",
    "affiliations": "affiliations",
    "comments": "skip",
}
_PUBLICATION_LABELS = frozenset(
    s.lower()
    for s in (
        "Review",
        "Systematic Review",
        "Meta-Analysis",
        "Editorial",
        "Comment",
        "Letter",
        "Case Reports",
        "Clinical Trial",
        "Randomized Controlled Trial",
        "Observational Study",
        "Comparative Study",
        "Multicenter Study",
        "Practice Guideline",
        "Guideline",
        "News",
        "Retracted Publication",
        "Published Erratum",
        "Preprint",
    )
)
_ET_AL_LINE = re.compile(
    r"^(?P<author>[^.,]{2,80}?),?\s+et al\.\s*(?P<journal>[^.]*?)\s*\.\s*(?P<year>"
    + _YEAR
    + r")?\s*\.?\s*\.?$"
)
_SOLE_AUTHOR_LINE = re.compile(
    r"^(?P<author>[A-Z][\w'’-]*(?: [\w'’-]+){0,4})\.\s+(?P<journal>[^.]+)\.\s*(?P<year>"
    + _YEAR
    + r")?\s*\.?\s*\.?$"
)
_EPUB_LINE = re.compile(r"^(?:Epub|eCollection|Print)\b.*$|^\[?Epub ahead of print\]?\.?$")
_DOI_LINE = re.compile(r"^doi:\s*(10\.\S+?)\.?$", re.IGNORECASE)
_REF_NUMBER = re.compile(r"^\[?\d{1,4}[.)\]]\s+")
_LABEL_ONLY = re.compile(r"^(?:\s*-\s*(?:PMC|PubMed|DOI|Google Scholar|Free PMC article))+\s*$")


def sniff_pubmed_page(head: bytes) -> bool:
    """True for the text of a PubMed page copied from a browser (not the text export).

    Example:
        >>> sniff_pubmed_page(b"Skip to main page content\\nU.S. flag\\n")
        True
        >>> sniff_pubmed_page(b"1. Phytomedicine. 2018 Dec 31;57:364-376.\\n\\nT.\\n\\nPMID: 1\\n")
        False
    """
    text = head.decode("utf-8", errors="ignore")
    if sniff_abstract_export(head):
        return False
    if "Skip to main page content" in text[:2000] or "PubMed Disclaimer" in text:
        return True
    return bool(
        re.search(r"^doi: 10\.\S+$", text, re.MULTILINE)
        and re.search(r"^[^\n]{2,80} et al\. [^\n]+\.\s*(?:\d{4})?\.?\s*\.?$", text, re.MULTILINE)
    )


def read_pubmed_page(path: Path) -> Iterator[RecordResult]:
    """Read a saved PubMed page text file (``.gz`` too); yields one Article (or an error).

    Example:
        >>> [a] = read_pubmed_page(Path("data/pubmed-page-wjsc-2025-106856.txt"))
        >>> a.source.format, a.source.line
        ('pubmed-page', 20)
    """
    yield from parse_pubmed_page(_read_bytes(path), file=str(path))


@dataclass
class _PageState:
    """What the line scan of a page collected, by section."""

    header: list[tuple[int, str]] = field(default_factory=list)
    abstract: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    mesh: list[str] = field(default_factory=list)
    ptypes: list[str] = field(default_factory=list)
    substances: list[str] = field(default_factory=list)
    grants: list[str] = field(default_factory=list)
    related: list[tuple[str, str]] = field(default_factory=list)
    affiliations: list[str] = field(default_factory=list)


def _is_chrome(line: str) -> bool:
    low = line.lower()
    return low in _CHROME_EXACT or low.startswith(_CHROME_PREFIX)


def _scan_page(lines: list[str]) -> _PageState:
    """Sort the page's lines into sections (header, abstract, references, MeSH, ...)."""
    st = _PageState()
    section = "header"
    relation = ""
    for number, line in enumerate(lines, 1):
        if not line or _is_chrome(line):
            continue
        low = line.lower().rstrip(":")
        if low in _HEADINGS:
            section = _HEADINGS[low]
            continue
        if low in _RELATIONS:
            section, relation = "related", _RELATIONS[low]
            continue
        if line.startswith("Keywords:"):
            st.keywords.extend(_keywords(line))
            section = "skip"
            continue
        if section == "affiliations":
            if re.match(r"^\d+\s+\S", line):
                st.affiliations.append(re.sub(r"^\d+\s+", "", line))
                continue
            section = "header"
        if section == "header":
            st.header.append((number, line))
        elif section == "abstract":
            if not re.match(r"^(?:Copyright\s|©|\(c\)\s)", line):
                st.abstract.append(line)
        elif section == "references":
            if _LABEL_ONLY.match(line) and st.references:
                st.references[-1] += " " + line
            else:
                st.references.append(_REF_NUMBER.sub("", line))
        elif section in ("mesh", "ptypes", "substances", "grants"):
            getattr(st, section).append(line)
        elif section == "related":
            st.related.append((relation, line))
    return st


def _keywords(line: str) -> list[str]:
    body = line.split(":", 1)[1].strip()
    if body.endswith("."):
        body = body[:-1]
    return [k.strip() for k in body.split(";") if k.strip()]


def _page_author_list(line: str) -> tuple[list[str], bool] | None:
    """``"Jane Doe 1 2, John Roe 3"`` -> (names, complete); ``None`` when not a name list."""
    text = line.strip()
    complete = True
    m = re.search(r",?\s*et al\.?$", text)
    if m:
        text, complete = text[: m.start()], False
    names: list[str] = []
    for piece in re.split(r"\s*[,;]\s*", text):
        if not piece or re.fullmatch(r"[\d\s]+", piece):
            continue  # superscript affiliation numbers copied as "1, 2"
        name = re.sub(r"(?<=[^\W\d])\s*\d+(?:\s+\d+)*$", "", piece).strip()
        words = name.split()
        if not 1 <= len(words) <= 6 or any(ch.isdigit() for ch in name):
            return None
        if not all(w[:1].isupper() or w.lower() in _PARTICLES for w in words):
            return None
        names.append(name)
    if not names or (len(names) == 1 and len(names[0].split()) < 2):
        return None
    if len(names) == 1 and line.strip().lower() in _PUBLICATION_LABELS:
        return None
    return names, complete


@dataclass
class _Header:
    citation: _Citation | None = None
    title: str | None = None
    title_line: int | None = None
    authors: list[str] = field(default_factory=list)
    complete: bool = True
    etal_author: str | None = None
    etal_complete: bool = False
    etal_journal: str | None = None
    etal_year: int | None = None
    doi: str | None = None
    pmid: str | None = None
    pmcid: str | None = None
    labels: list[str] = field(default_factory=list)
    expected_title_line: int = 1


def _read_header(header: list[tuple[int, str]]) -> _Header:
    h = _Header()
    start = 0
    for i, (number, line) in enumerate(header):
        cit = _parse_citation(line)
        if cit is not None and cit.date is not None:
            h.citation, start = cit, i + 1
            h.expected_title_line = number + 1
            if cit.doi:
                h.doi = cit.doi
            break
    for _number, line in header:
        pmid = re.search(r"\bPMID:\s*(\d+)", line)
        if pmid and h.pmid is None:
            h.pmid = normalize_pmid(pmid.group(1))
        pmcid = re.search(r"\bPMCID:\s*(PMC\d+)", line)
        if pmcid and h.pmcid is None:
            h.pmcid = normalize_pmcid(pmcid.group(1))
        doi = _DOI_LINE.match(line) or re.search(r"\bDOI:\s*(10\.\S+?)\.?(?=\s|$)", line)
        if doi and h.doi is None:
            h.doi = normalize_doi(doi.group(1))
        if line.lower() in _PUBLICATION_LABELS:
            h.labels.append(line)
    for number, line in header[start:]:
        if _is_meta_line(line):
            if h.title is None:
                h.expected_title_line = number + 1
            continue
        if h.title is None:
            if _ET_AL_LINE.match(line):
                break
            h.title, h.title_line = line, number
            continue
        if line == h.title:
            continue
        m = _ET_AL_LINE.match(line) or _SOLE_AUTHOR_LINE.match(line)
        if m and h.etal_author is None:
            h.etal_author = m.group("author").strip()
            h.etal_journal = m.group("journal").strip() or None
            h.etal_year = int(m.group("year")) if m.group("year") else None
            h.etal_complete = "et al" not in line
            continue
        names = _page_author_list(line)
        if names and not h.authors and h.etal_author is None:
            h.authors, h.complete = names
    return h


def _is_meta_line(line: str) -> bool:
    return bool(
        _DOI_LINE.match(line)
        or _EPUB_LINE.match(line)
        or re.match(r"^(?:PMID|PMCID|DOI):", line)
        or line.lower() in _PUBLICATION_LABELS
        or _parse_citation(line) is not None
    )


def parse_pubmed_page(data: bytes, *, file: str) -> Iterator[RecordResult]:
    """Parse the text of one copied PubMed page into one :class:`Article`.

    Raises :class:`UnreadableInputError` for an empty or undecodable file; yields a
    :class:`MalformedRecordError` naming the line where the title was expected when the page
    has none.

    Example:
        >>> data = Path("data/pubmed-page-wjsc-2025-106856.txt").read_bytes()
        >>> [art] = parse_pubmed_page(data, file="seed.txt")
        >>> art.ids.doi, [k.text for k in art.keywords][-1]
        ('10.4252/wjsc.v17.i7.106856', 'Type 2 diabetes')
    """
    text = _decode(data, file)
    if not text.strip():
        raise UnreadableInputError("empty file: no PubMed page text", file=file, line=1)
    lines = [line.strip() for line in text.split("\n")]
    st = _scan_page(lines)
    h = _read_header(st.header)
    if h.title is None or h.title_line is None:
        yield MalformedRecordError(
            "no article title found on the PubMed page",
            file=file,
            record=1,
            line=h.expected_title_line,
        )
        return
    cit = h.citation or _Citation()
    journal_name = cit.journal or h.etal_journal
    if h.authors:
        authors = tuple(_person(n) for n in h.authors)
        complete = h.complete
    elif h.etal_author:
        authors, complete = (_person(h.etal_author),), h.etal_complete
    else:
        authors, complete = (), False
    date = cit.date or (PubDate(h.etal_year) if h.etal_year else None)
    references = tuple(parse_reference(raw, ordinal=i) for i, raw in enumerate(st.references, 1))
    related = tuple(_related(st.related))
    ptypes = tuple(dict.fromkeys([*h.labels, *st.ptypes]))
    yield Article(
        ids=Identifiers(pmid=h.pmid, pmcid=h.pmcid, doi=h.doi or cit.doi, pii=cit.pii),
        title=h.title,
        abstract="\n".join(st.abstract) or None,
        authors=authors,
        authors_complete=complete,
        journal=Journal(abbreviation=journal_name) if journal_name else None,
        pub_date=date,
        volume=cit.volume,
        issue=cit.issue,
        first_page=cit.first_page,
        last_page=cit.last_page,
        article_number=cit.article_number,
        publication_types=ptypes,
        keywords=tuple(Keyword(k) for k in st.keywords),
        mesh=_mesh_lines(st.mesh),
        chemicals=tuple(Chemical(name) for name in st.substances),
        grants=tuple(g for line in st.grants if (g := parse_grant(line))),
        related=related,
        references=references,
        source=Source(file=file, format=PAGE_FORMAT, record=1, line=h.title_line),
    )


def _related(entries: list[tuple[str, str]]) -> Iterator[RelatedArticle]:
    """Group "Comment in" / "Erratum in" lines into entries, closing one at each PMID."""
    pending: list[str] = []
    relation = ""
    for rel, line in entries:
        if rel != relation and pending:
            yield RelatedArticle(relation, Identifiers(), " ".join(pending))
            pending = []
        relation = rel
        pending.append(line)
        pmid = re.search(r"\bPMID:\s*(\d+)", line)
        if pmid:
            yield RelatedArticle(
                relation, Identifiers(pmid=normalize_pmid(pmid.group(1))), " ".join(pending)
            )
            pending = []
    if pending:
        yield RelatedArticle(relation, Identifiers(), " ".join(pending))


# --------------------------------------------------------------------------- export reader

_RECORD_START = re.compile(r"^(\d+)\.\s+\S")
_RECORD_CITATION = re.compile(r"^\d+\.\s+.*?\.\s+" + _YEAR + r"\b")
_LABEL = re.compile(r"^[A-Z][A-Za-z0-9 ,/&()'-]{1,60}:\s")
_EXPORT_SKIP = re.compile(
    r"^(?:Copyright\b|©|\(c\)\s|Publisher:|Conflict of interest statement:|Collaborators:|"
    r"DOI:|PMCID:|PMID:|Author information:)"
)
_MARKERS = re.compile(r"(?:\((?:\d+|#|\*|†|‡)\))+")
_SUFFIX = re.compile(r"\s+(?:Jr|Sr|2nd|3rd|II|III|IV)$")
_CONNECTORS = frozenset({"of", "and", "for", "the", "on", "in", "&", "de", "la", "du"})


def _strip_suffix(name: str) -> str:
    """``"Smith SC Jr"`` -> ``"Smith SC"``, but ``"Hensel IV"`` stays (IV are initials)."""
    tokens = name.split()
    if len(tokens) >= 3 and _SUFFIX.search(name) and tokens[-2].isupper():
        return " ".join(tokens[:-1])
    return name


def _is_person(item: str) -> bool:
    """``"Keita ÅV"``, ``"Van der Goten J"``: a surname then 1-4 upper-case initials."""
    tokens = _strip_suffix(item).split()
    if not 2 <= len(tokens) <= 7:
        return False
    initials = tokens[-1]
    if not (initials.isalpha() and initials.isupper() and len(initials) <= 4):
        return False
    return all(t[:1].isalpha() for t in tokens[:-1])


def _is_collective(item: str, *, strict: bool = False) -> bool:
    """A group name such as "H-ECCO group"; ``strict`` wants every word capitalised."""
    words = item.split()
    if not 1 <= len(words) <= 20 or ". " in item or not item[:1].isalnum():
        return False
    return not strict or all(
        w[:1].isupper() or w[:1].isdigit() or w.lower() in _CONNECTORS or w.startswith("(")
        for w in words
    )


def sniff_abstract_export(head: bytes) -> bool:
    """True for PubMed's "Abstract (text)" export: "1. Journal. Year..." then PMID lines.

    Example:
        >>> sniff_abstract_export(b"\\n1. Cell. 2024;187:1-2.\\n\\nTitle.\\n\\nPMID: 123\\n")
        True
        >>> sniff_abstract_export(b"Skip to main page content\\n")
        False
    """
    text = head.decode("utf-8", errors="ignore").replace("\r", "")
    first = next((ln for ln in text.split("\n") if ln.strip()), "")
    joined = first + " " + text.lstrip().split("\n", 2)[1] if "\n" in text.lstrip() else first
    if not (_RECORD_START.match(first) and _RECORD_CITATION.match(joined)):
        return False
    return bool(re.search(r"^PMID: \d+", text, re.MULTILINE))


def read_abstract_export(path: Path) -> Iterator[RecordResult]:
    """Stream the records of an "Abstract (text)" export file (``.gz`` too).

    Example:
        >>> recs = read_abstract_export(Path(
        ...     "tests/fixtures/pubmed_abstract_text_export__literature_networks_excerpt.txt"))
        >>> first = next(recs)
        >>> first.ids.pmid, first.journal.abbreviation
        ('30831485', 'Phytomedicine')
    """
    file = str(path)
    try:
        raw = path.open("rb")
    except FileNotFoundError:
        raise UnreadableInputError("no such file", file=file) from None
    except OSError as exc:
        raise UnreadableInputError(f"cannot read: {exc}", file=file) from None
    with raw:
        magic = raw.read(2)
        raw.seek(0)
        if magic == b"\x1f\x8b":
            with gzip.open(raw, "rb") as unzipped:
                yield from _export_records(_decoded_lines(unzipped, file), file)
        else:
            yield from _export_records(_decoded_lines(raw, file), file)


def parse_abstract_export(data: bytes, *, file: str) -> Iterator[RecordResult]:
    """Parse an "Abstract (text)" export held in memory, yielding one Article per record.

    Example:
        >>> data = Path("tests/fixtures/"
        ...     "pubmed_abstract_text_export__literature_networks_excerpt.txt").read_bytes()
        >>> [a.ids.pmid for a in parse_abstract_export(data, file="x.txt")]
        ['30831485', '30820436', '30819129', '30818341']
    """
    text = _decode(data, file)
    yield from _export_records(iter(text.split("\n")), file)


def _decoded_lines(stream: Iterable[bytes], file: str) -> Iterator[str]:
    for number, raw in enumerate(stream, 1):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise UnreadableInputError(
                f"not UTF-8 text (column {exc.start + 1})", file=file, line=number
            ) from None
        yield line.rstrip("\r\n").replace("\r", "").replace("\u00a0", " ")


def _export_records(lines: Iterator[str], file: str) -> Iterator[RecordResult]:
    """Group lines into records at each "N. Journal. Year" line (N = next number) and parse."""
    record: list[str] = []
    start = 0
    expected: int | None = None
    count = 0
    seen_text = False
    previous_blank = True
    pending: str | None = None  # a candidate start line waiting for the next line to confirm
    pending_no = pending_n = 0
    for number, line in enumerate(lines, 1):
        if pending is not None:
            candidate = pending
            pending = None
            if _RECORD_CITATION.match(candidate + " " + line.strip()):
                if record:
                    count += 1
                    yield _parse_export_record(record, start, count, file)
                record, start = [candidate], pending_no
                expected = pending_n + 1
            elif record:
                record.append(candidate)
        stripped = line.strip()
        if stripped:
            seen_text = True
        m = _RECORD_START.match(line)
        if m and previous_blank and (expected is None or int(m.group(1)) == expected):
            pending, pending_no, pending_n = line, number, int(m.group(1))
        elif record:
            record.append(line)
        previous_blank = not stripped
    if pending is not None:
        if _RECORD_CITATION.match(pending):
            if record:
                count += 1
                yield _parse_export_record(record, start, count, file)
            record, start = [pending], pending_no
        elif record:
            record.append(pending)
    if record:
        count += 1
        yield _parse_export_record(record, start, count, file)
    if count == 0:
        if not seen_text:
            raise UnreadableInputError("empty file: no PubMed records", file=file, line=1)
        raise UnknownFormatError(
            'no PubMed "Abstract (text)" record ("1. Journal. Year;...") found', file=file
        )


def _blocks(lines: list[str], start: int) -> list[tuple[int, list[str]]]:
    out: list[tuple[int, list[str]]] = []
    current: list[str] = []
    first = start
    for offset, line in enumerate(lines):
        if line.strip():
            if not current:
                first = start + offset
            current.append(line.rstrip())
        elif current:
            out.append((first, current))
            current = []
    if current:
        out.append((first, current))
    return out


def _looks_like_authors(text: str) -> bool:
    if not text.endswith(".") or len(text) > 500_000:
        return False
    items = [_MARKERS.sub("", i).strip() for i in re.split(r"[,;]\s+", text[:-1])]
    persons = sum(_is_person(i) for i in items)
    collectives = sum(not _is_person(i) and _is_collective(i) for i in items)
    if persons == 0:
        return len(items) == 1 and _is_collective(items[0], strict=True) and len(items[0]) < 80
    return persons + collectives == len(items) and persons * 2 >= len(items)


def _export_authors(text: str, affiliations: dict[str, str]) -> tuple[Author, ...]:
    out: list[Author] = []
    for item in re.split(r"[,;]\s+", text.rstrip(".")):
        item = item.strip()
        markers = re.findall(r"\((\d+)\)", item)
        name = _MARKERS.sub("", item).strip()
        affs = tuple(affiliations[m] for m in markers if m in affiliations)
        if _is_person(name):
            out.append(_person(_strip_suffix(name), affiliations=affs))
        elif name:
            out.append(Author(name=name, collective=True, affiliations=affs))
    return tuple(out)


def _affiliations(lines: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    key: str | None = None
    for line in lines[1:]:
        m = re.match(r"^\((\d+)\)\s*(.*)$", line.strip())
        if m:
            key = m.group(1)
            out[key] = m.group(2).strip()
        elif key is not None:
            out[key] = f"{out[key]} {line.strip()}"
    return out


def _paragraph(lines: list[str]) -> str:
    out = ""
    for line in lines:
        line = line.strip()
        if not out:
            out = line
        elif _LABEL.match(line):
            out += "\n" + line
        else:
            out += " " + line
    return out


def _parse_export_record(lines: list[str], start: int, record: int, file: str) -> RecordResult:
    """Parse one export record (its lines from the "N. Journal..." line on)."""
    pmid = pmcid = doi = None
    for line in lines:
        m = re.match(r"^PMID:\s*(\d+)", line)
        if m:
            pmid = normalize_pmid(m.group(1))
        m = re.match(r"^PMCID:\s*(PMC\d+)", line)
        if m:
            pmcid = normalize_pmcid(m.group(1))
        m = re.match(r"^DOI:\s*(\S+)", line)
        if m:
            doi = normalize_doi(m.group(1))
    if pmid is None:
        return MalformedRecordError("record has no PMID line", file=file, record=record, line=start)
    blocks = _blocks(lines, start)
    citation_text = re.sub(r"^\d+\.\s+", "", " ".join(s.strip() for s in blocks[0][1]))
    cit = _parse_citation(citation_text) or _Citation()
    title: str | None = None
    language: str | None = None
    authors: tuple[Author, ...] = ()
    abstract: list[str] = []
    related: list[RelatedArticle] = []
    author_block: str | None = None
    affiliations: dict[str, str] = {}
    rest = blocks[1:]
    if rest and not _EXPORT_SKIP.match(rest[0][1][0]):
        title = " ".join(s.strip() for s in rest[0][1])
        if title.endswith(".") and not title.endswith(".."):
            title = title[:-1]
        rest = rest[1:]
    for index, (_first, block) in enumerate(rest):
        head = block[0].strip()
        joined = " ".join(s.strip() for s in block)
        lang = re.match(r"^\[Article in ([^;\]]+)", head)
        if lang:
            first_lang = lang.group(1).split(",")[0].strip().lower()
            language = _LANGUAGES.get(first_lang, first_lang)
            continue
        if head.startswith("Author information:"):
            affiliations = _affiliations(block)
            continue
        if head.rstrip().lower() in _RELATIONS:
            rel = _RELATIONS[head.rstrip().lower()]
            related.extend(RelatedArticle(rel, Identifiers(), s.strip()) for s in block[1:])
            continue
        if _EXPORT_SKIP.match(head):
            continue
        if author_block is None and not abstract and index <= 1 and _looks_like_authors(joined):
            author_block = joined
            continue
        abstract.append(_paragraph(block))
    if author_block is not None:
        authors = _export_authors(author_block, affiliations)
    return Article(
        ids=Identifiers(pmid=pmid, pmcid=pmcid, doi=doi or cit.doi, pii=cit.pii),
        title=title,
        abstract="\n".join(abstract) or None,
        authors=authors,
        journal=Journal(abbreviation=cit.journal) if cit.journal else None,
        pub_date=cit.date,
        volume=cit.volume,
        issue=cit.issue,
        first_page=cit.first_page,
        last_page=cit.last_page,
        article_number=cit.article_number,
        language=language,
        related=tuple(related),
        source=Source(file=file, format=EXPORT_FORMAT, record=record, line=start),
    )

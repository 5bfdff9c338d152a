"""MEDLINE / .nbib tagged text (PubMed's "MEDLINE" format, the ``.nbib`` citation download).

A record is a run of tag lines (``"PMID- 26524502"``, ``"TI  - A title"``: a tag padded to 4
characters, ``"- "``, the value) whose values go on in indented continuation lines; records
are separated by blank lines. Fields are mapped onto :class:`~graph.model.Article` the way
:mod:`pipelines.readers.pubmed_xml` maps the XML elements they are printed from, so the same
record read from either format gives the same fields where both carry the information:

* ``LID`` is the XML ``ELocationID`` (its ``[doi]`` is the DOI, its ``[pii]`` the article
  number), ``AID`` the ``ArticleIdList`` (DOI when no ``LID`` gives one, ``[pii]``), ``PMC``
  the PMCID; ``MID`` (manuscript id) has no slot in :class:`~graph.model.Identifiers` and,
  as in the XML reader, is not kept;
* ``FAU`` ("Last, First M") gives family/given, the ``AU`` after it ("Last FM") the
  initials, ``AUID- ORCID: ...`` and ``AD`` go to the author before them; ``CN`` is a
  collective author in its place in the list;
* ``TA`` (the MedlineTA) is the abbreviation, ``JT`` the title, ``IS ... (Print)`` /
  ``(Electronic)`` / ``(Linking)`` the ISSNs, ``JID`` the NLM id;
* ``DP`` is the PubDate at its precision ("2019 Jan 12", "2019 Jan", "2019"); a season
  ("2019 Spring") is kept as the text, as XML's ``<Season>`` is; anything else
  ("1998 Dec-1999 Jan", "2017 Jan-Feb", XML's ``<MedlineDate>``) keeps its year and text;
  ``DEP`` (the XML ``ArticleDate``) is used when there is no ``DP``;
* ``MH`` "Diabetes Mellitus, Type 2/*drug therapy/genetics": "/" separates qualifiers, "*"
  marks a major descriptor or qualifier; the heading is major when either is (as the XML
  reader has it). MEDLINE gives no descriptor or qualifier UIs, so ``ui`` is ``None``;
* ``RN`` "0 (Antineoplastic Agents)" gives the substance name (XML ``NameOfSubstance``)
  and its registry number (none for "0"); MEDLINE gives no substance UI;
  ``GR`` "GrantID/Acronym/Agency/Country" gives a :class:`~graph.model.Grant`
  (:func:`parse_grant`);
* the comments-corrections tags (``CIN``, ``CON``, ``EIN``, ``EFR``, ``RIN``, ``ROF``, ...)
  give :class:`~graph.model.RelatedArticle` named with the XML ``RefType`` values, text =
  the XML ``RefSource`` ("Am Fam Physician. 2010 Jun 1;81(11):1330-2"); as in the XML
  reader, only those naming a PMID are kept.

Known differences from the XML of the same record: a structured abstract is one paragraph
in MEDLINE ("BACKGROUND: ... METHODS: ...", the XML reader puts each labelled part on its
own line); the abbreviation is the MedlineTA (XML prefers the ISO abbreviation); MeSH and
qualifier UIs are absent; ``pmid_version`` is only known when the PMID line shows one
("PMID- 123.2"); ``authors_complete`` is always true (MEDLINE has no CompleteYN).

Why not ``Bio.Medline``: it keeps no line numbers; it gathers the values of a tag into one
list per record, so the order of ``FAU``/``AU``/``AD``/``AUID``/``CN`` (which author an
affiliation or ORCID belongs to, where a collective author stands) is lost; and it cuts
every line at column 6, so the lines real files hold beside the standard layout
(``"PMID-22664220"``, ``"TI  -Title"``, ``"GN - Note"``) lose characters or get wrong tags.
This module's own line parser keeps each field's line, accepts those variants of the tags
it knows, reads LF, CRLF and CR line ends and a UTF-8 BOM, and streams: one record is held
at a time.

Bad input: a record without PMID and without title, a run of lines without any tag line (text
between records) and a line that is neither a tag line nor a continuation are each yielded as
a :class:`~graph.errors.MalformedRecordError` with file, record number and line, and the
reader goes on. A record with bytes that are not UTF-8 is such an error too, except in the
file's first record: a file that does not start as UTF-8 text raises
:class:`~graph.errors.UnreadableInputError`, as does an empty file or one that cannot be
opened.

Example:
    >>> data = b"PMID- 1\\nTI  - A title\\n      in two lines.\\nAU  - Doe J\\n"
    >>> [(a.ids.pmid, a.title, a.authors[0].initials) for a in parse_medline(data)]
    [('1', 'A title in two lines.', 'J')]
"""

from __future__ import annotations

import calendar
import gzip
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import IO

from graph.errors import MalformedRecordError, UnreadableInputError
from graph.model import (
    Article,
    Author,
    Chemical,
    Grant,
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
    normalize_registry_number,
)
from pipelines.references import split_pages

__all__ = ["parse_grant", "parse_medline", "read_medline", "sniff_medline"]

FORMAT = "medline"

# Comments/corrections tags -> the RefType the XML gives the same link (PubMed DTD spelling).
RELATIONS = MappingProxyType(
    {
        "CIN": "CommentIn",
        "CON": "CommentOn",
        "EIN": "ErratumIn",
        "EFR": "ErratumFor",
        "RIN": "RetractionIn",
        "ROF": "RetractionOf",
        "UIN": "UpdateIn",
        "UOF": "UpdateOf",
        "RPI": "RepublishedIn",
        "RPF": "RepublishedFrom",
        "CRI": "CorrectedandRepublishedIn",
        "CRF": "CorrectedandRepublishedFrom",
        "RRI": "RetractedandRepublishedIn",
        "RRF": "RetractedandRepublishedFrom",
        "ECI": "ExpressionOfConcernIn",
        "ECF": "ExpressionOfConcernFor",
        "SPIN": "SummaryForPatientsIn",
        "ORI": "OriginalReportIn",
        # no RefType in the DTD; named as the page reader names "Partial retraction in/of"
        "PRIN": "PartialRetractionIn",
        "PROF": "PartialRetractionOf",
    }
)

# NLM's MEDLINE display tags: lines with these are read even off the standard layout.
KNOWN_TAGS = frozenset(
    {
        "AB", "AD", "AID", "AU", "AUID", "BTI", "CI", "CN", "COIS", "CRDT", "CTI", "DA",
        "DCOM", "DEP", "DP", "ED", "EDAT", "EN", "FAU", "FED", "FIR", "FPS", "GN", "GR", "GS",
        "IP", "IR", "IRAD", "IS", "ISBN", "JID", "JT", "LA", "LID", "LR", "MH", "MHDA", "MID",
        "NM", "OAB", "OABL", "OCI", "OID", "OT", "OTO", "OWN", "PG", "PHST", "PL", "PMC",
        "PMCR", "PMID", "PS", "PST", "PT", "PUBM", "RF", "RN", "SB", "SFM", "SI", "SO",
        "STAT", "TA", "TI", "TT", "VI", "VTI",
    }
    | set(RELATIONS)
)  # fmt: skip

_STANDARD = re.compile(r"^([A-Z][A-Z0-9]{1,3}) *- (.*)$")  # "TI  - value", tag padded to 4
_LENIENT = re.compile(r"^([A-Z][A-Z0-9]{1,3})( {0,3})-[ \t]?(.*)$")  # "PMID-1", "GN - x"
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = MappingProxyType({m: i for i, m in enumerate(_MONTH_NAMES, start=1)})
_SEASONS = frozenset({"spring", "summer", "autumn", "fall", "winter"})
_YEAR = re.compile(r"\b(1[5-9]\d\d|2[01]\d\d)\b")
_DATE = re.compile(r"^(\d{4})(?:\s+([A-Za-z]+|\d{1,2})(?:\s+(\d{1,2}))?)?$")
_DEP = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ID_TYPE = re.compile(r"^(.*?)\s*\[([A-Za-z-]+)\]$")
_PMID_IN = re.compile(r"\.?\s*PMID:\s*(\d+)\s*$")
_RN = re.compile(r"^(?:EC [\d.n-]+|[\w.-]+)\s+\((.+)\)$")
_SUFFIXES = frozenset({"Jr", "Jr.", "Sr", "Sr.", "2nd", "3rd", "4th", "II", "III"})
_ACRONYM = re.compile(r"^[A-Z]{2,4}$")
_RELATION_TAGS = frozenset(RELATIONS)


def _tag_line(line: str) -> tuple[str, str] | None:
    """``(tag, value)`` of a tag line, or ``None``.

    The standard layout is accepted for any tag; a known tag may also stand off it.
    """
    m = _STANDARD.match(line)
    if m and line.index("-") == 4:
        return m.group(1), m.group(2).strip()
    m = _LENIENT.match(line)
    if m and m.group(1) in KNOWN_TAGS and len(m.group(1)) + len(m.group(2)) <= 5:
        return m.group(1), m.group(3).strip()
    return None


def sniff_medline(head: bytes) -> bool:
    """True for MEDLINE tagged text: it starts with tag lines ("PMID- 1", "TI  - ...").

    A PubMed page, the "Abstract (text)" export and XML do not start with a tag line.

    Example:
        >>> sniff_medline(b"\\xef\\xbb\\xbfPMID- 26524502\\r\\nOWN - NLM\\r\\nTI  - A title\\r\\n")
        True
        >>> sniff_medline(b"1. Cell. 2024;187:1-2.\\n\\nTitle.\\n\\nPMID: 123\\n")
        False
        >>> sniff_medline(b'<?xml version="1.0"?><PubmedArticleSet>')
        False
    """
    text = head[:16384].decode("utf-8", errors="ignore").removeprefix("\ufeff")
    checked = tagged = 0
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line.strip():
            continue
        if line[:1].isspace():  # a continuation line: only after a tag line
            if tagged == 0:
                return False
            continue
        checked += 1
        if _tag_line(line) is not None:
            tagged += 1
        elif checked == 1:
            return False
        if checked >= 20:
            break
    return tagged >= 2 and tagged * 4 >= checked * 3


def read_medline(path: Path) -> Iterator[Article | MalformedRecordError]:
    """Stream the records of a MEDLINE / .nbib file (gzip too): one record in memory at a time.

    Example:
        >>> recs = list(read_medline(Path("tests/fixtures/jabref__NbibImporterTest.nbib")))
        >>> [(a.ids.pmid, a.ids.doi, a.source.format, a.source.line) for a in recs]
        [('27169098', '10.4103/2277-9175.180636', 'medline', 1)]
    """
    file = str(path)
    try:
        raw = path.open("rb")
    except FileNotFoundError:
        raise UnreadableInputError("no such file", file=file) from None
    except OSError as exc:
        raise UnreadableInputError(f"cannot open: {exc.strerror or exc}", file=file) from None
    with raw:
        magic = raw.read(2)
        raw.seek(0)
        if magic == b"\x1f\x8b":
            with gzip.GzipFile(fileobj=raw) as gz:
                yield from _records(gz, file)
        else:
            yield from _records(raw, file)


def parse_medline(
    data: bytes, *, file: str = "<bytes>"
) -> Iterator[Article | MalformedRecordError]:
    """Yield the records of MEDLINE text held in memory; bad records come out as errors.

    Example:
        >>> recs = list(parse_medline(b"PMID- 7\\nTI  - Fine.\\n\\nAB  - No id, no title.\\n",
        ...                           file="x.nbib"))
        >>> recs[0].ids.pmid, str(recs[1])
        ('7', 'x.nbib: record 2, line 4: record without PMID and without title')
    """
    yield from _records(io.BytesIO(data), file)


# --------------------------------------------------------------------------- line scanning


@dataclass
class _Block:
    """The lines of one record: fields in file order, lines that fit nowhere, a decode fault."""

    number: int
    line: int
    fields: list[tuple[str, list[str], int]] = field(default_factory=list)
    stray: list[tuple[int, str]] = field(default_factory=list)
    undecodable: tuple[int, str] | None = None
    gap: bool = False  # a blank line after the last field: a continuation is a new paragraph

    def has_pmid(self) -> bool:
        return any(tag == "PMID" for tag, _, _ in self.fields)


def _lines(stream: Iterable[bytes]) -> Iterator[tuple[int, str | None, str]]:
    """``(number, text, fault)``: text with line ends removed, or ``None`` and why not."""
    number = 0
    for chunk in stream:
        for raw in chunk.splitlines() or [b""]:
            number += 1
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield number, None, f"not UTF-8 text (column {exc.start + 1})"
                continue
            yield number, text, ""


def _records(
    stream: IO[bytes] | gzip.GzipFile, file: str
) -> Iterator[Article | MalformedRecordError]:
    """Group lines into blocks (records) and yield what each block reads as."""
    count = 0
    seen_text = False
    read_one = False  # once a record was read, a decode fault is its own record's alone
    block: _Block | None = None
    try:
        for number, text, fault in _lines(stream):
            if text is None:
                if not read_one:
                    raise UnreadableInputError(fault, file=file, line=number)
                if block is not None and block.gap:  # the first line of the next record
                    yield from _finish(block, file)
                    block = None
                if block is None:
                    count += 1
                    block = _Block(count, number)
                if block.undecodable is None:
                    block.undecodable = (number, fault)
                continue
            if not text.strip():
                if block is not None:
                    block.gap = True
                continue
            seen_text = True
            if block is not None and block.fields and text[:1].isspace():
                parts = block.fields[-1][1]
                parts.append(("\n" if block.gap else "") + text.strip())
                block.gap = False
                continue
            tagged = _tag_line(text)
            if (
                block is not None
                and tagged is not None
                and (block.gap or (tagged[0] == "PMID" and block.has_pmid()))
            ):
                results = _finish(block, file)
                read_one = read_one or any(isinstance(r, Article) for r in results)
                yield from results
                block = None
            if block is None:
                count += 1
                block = _Block(count, number)
            if tagged is None:  # text between records leaves the gap open
                block.stray.append((number, text))
            else:
                block.gap = False
                block.fields.append((tagged[0], [tagged[1]], number))
    except (OSError, EOFError) as exc:  # a truncated or damaged gzip stream
        if block is not None:
            yield from _finish(block, file)
        yield MalformedRecordError(f"cannot read on: {exc}", file=file, record=count + 1)
        return
    if block is not None:
        yield from _finish(block, file)
    elif not seen_text:
        raise UnreadableInputError("empty file: no MEDLINE records", file=file, line=1)


def _shown(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _finish(block: _Block, file: str) -> list[Article | MalformedRecordError]:
    """What one block reads as: errors for what could not be read, then the article."""
    n = block.number
    if block.undecodable is not None:
        line, fault = block.undecodable
        return [MalformedRecordError(fault, file=file, record=n, line=line)]
    if not block.fields:
        line, first = block.stray[0]
        return [
            MalformedRecordError(
                f"not MEDLINE: no tag line ({_shown(first)})", file=file, record=n, line=line
            )
        ]
    out: list[Article | MalformedRecordError] = [
        MalformedRecordError(
            f"neither a tag line nor a continuation, ignored: {_shown(text)}",
            file=file,
            record=n,
            line=line,
        )
        for line, text in block.stray
    ]
    out.append(_article(block, file))
    return out


# --------------------------------------------------------------------------- fields


def _value(parts: list[str]) -> str:
    """A field's value: its lines joined (a blank line inside a field is a paragraph break)."""
    text = " ".join(p for p in parts if p)
    return text.replace(" \n", "\n").strip()


def _pmid(text: str | None) -> tuple[str | None, int | None]:
    """``"26524502"`` -> ``("26524502", None)``; ``"123.2"`` -> ``("123", 2)``."""
    if not text:
        return None, None
    number, _, version = text.strip().partition(".")
    return normalize_pmid(number), int(version) if version.isdigit() else None


def _month(value: str) -> int | None:
    v = value.strip().lower()
    if v.isdigit():
        m = int(v)
        return m if 1 <= m <= 12 else None
    return _MONTHS.get(v[:3]) if v.isalpha() else None


def _pub_date(text: str | None) -> PubDate | None:
    """``DP`` at its precision, the way the XML reader reads the PubDate it is printed from.

    Example:
        >>> [_pub_date(t).iso() for t in ("2019 Jan 12", "2019 Jan", "2019")]
        ['2019-01-12', '2019-01', '2019']
        >>> _pub_date("2019 Spring").text, _pub_date("1998 Dec-1999 Jan")
        ('Spring', PubDate(year=1998, month=None, day=None, text='1998 Dec-1999 Jan'))
    """
    if not text:
        return None
    text = " ".join(text.split())
    m = _DATE.match(text)
    if m and _YEAR.fullmatch(m.group(1)):
        year = int(m.group(1))
        if m.group(2) is None:
            return PubDate(year)
        if m.group(2).lower() in _SEASONS and m.group(3) is None:
            return PubDate(year, text=m.group(2))
        month = _month(m.group(2))
        if month is not None:
            day = int(m.group(3)) if m.group(3) else None
            if day is not None and not 1 <= day <= calendar.monthrange(year, month)[1]:
                day = None
            return PubDate(year, month, day)
    y = _YEAR.search(text)
    return PubDate(int(y.group(1)), text=text) if y else None


def _dep_date(text: str | None) -> PubDate | None:
    """``DEP - 20160419`` (the XML ArticleDate) -> PubDate(2016, 4, 19)."""
    m = _DEP.match((text or "").strip())
    if not m:
        return None
    year, month, day = (int(g) for g in m.groups())
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        return None
    return PubDate(year, month, day)


def _id_value(text: str) -> tuple[str, str | None]:
    """``"10.1/x [doi]"`` -> ``("10.1/x", "doi")``; a bare value has no type."""
    m = _ID_TYPE.match(text)
    return (m.group(1).strip(), m.group(2).lower()) if m else (text.strip(), None)


def _strip_suffix(tokens: list[str]) -> list[str]:
    return tokens[:-1] if len(tokens) >= 2 and tokens[-1] in _SUFFIXES else tokens


@dataclass
class _Person:
    """An author being read: FAU (family, given), then AU (initials), AUID, AD."""

    family: str | None = None
    given: str | None = None
    initials: str | None = None
    short: str | None = None  # the AU line
    orcid: str | None = None
    collective: str | None = None
    affiliations: list[str] = field(default_factory=list)
    from_full: bool = False

    def author(self) -> Author | None:
        if self.collective:
            return Author(self.collective, collective=True, affiliations=tuple(self.affiliations))
        family = self.family
        if family is None and self.short:
            tokens = _strip_suffix(self.short.split())
            family = " ".join(tokens[:-1]) if self.initials and len(tokens) > 1 else self.short
        if not family:
            return None
        name = f"{family} {self.initials}" if self.initials else family
        return Author(name, family=family, given=self.given, initials=self.initials,
                      orcid=self.orcid, affiliations=tuple(self.affiliations))  # fmt: skip


def _full_name(text: str) -> _Person:
    """``FAU - Long, Vicky`` -> family "Long", given "Vicky"; "Selvamani" is a family name."""
    family, comma, given = text.partition(",")
    tokens = _strip_suffix(given.replace(",", " ").split()) if comma else []
    return _Person(family=family.strip() or None, given=" ".join(tokens) or None, from_full=True)


def _initials(short: str) -> str | None:
    """``AU - Long V`` -> "V"; ``AU - Selvamani`` has none."""
    tokens = _strip_suffix(short.split())
    last = tokens[-1] if len(tokens) > 1 else ""
    return last if last.isalpha() and last.isupper() and len(last) <= 4 else None


def _orcid(text: str) -> str | None:
    """``AUID - ORCID: http://orcid.org/0000-0001-9778-1920`` -> the bare ORCID iD."""
    kind, _, value = text.partition(":")
    if kind.strip().upper() != "ORCID":
        return None
    return value.strip().rstrip("/").rsplit("/", 1)[-1] or None


def _authors(fields: list[tuple[str, str]]) -> tuple[Author, ...]:
    people: list[_Person] = []
    pending: list[str] = []  # affiliations before any author
    for tag, value in fields:
        if tag == "FAU":
            people.append(_full_name(value))
        elif tag == "AU":
            current = people[-1] if people else None
            if current is None or not current.from_full or current.short is not None:
                current = _Person()
                people.append(current)
            current.short = value
            current.initials = _initials(value)
        elif tag == "CN":
            people.append(_Person(collective=value))
        elif tag == "AUID" and people:
            people[-1].orcid = people[-1].orcid or _orcid(value)
        elif tag == "AD":
            if people:
                people[-1].affiliations.append(value)
            else:
                pending.append(value)
        if people and pending:
            people[0].affiliations[:0] = pending
            pending = []
    return tuple(a for p in people if (a := p.author()) is not None)


def _mesh(value: str) -> MeshHeading | None:
    """``"Women, Working/*history/psychology"`` -> heading, qualifiers, major flags."""
    descriptor, *qualifiers = (part.strip() for part in value.split("/"))
    star = descriptor.startswith("*")
    name = descriptor.lstrip("*").strip()
    if not name:
        return None
    quals = tuple(
        MeshQualifier(q.lstrip("*").strip(), major=q.startswith("*"))
        for q in qualifiers
        if q.lstrip("*").strip()
    )
    return MeshHeading(name, major=star or any(q.major for q in quals), qualifiers=quals)


def parse_grant(value: str) -> Grant | None:
    """A MEDLINE ``GR`` value (also a PubMed page's "Grants and funding" line) as a grant.

    GR is GrantID/Acronym/Agency/Country with empty parts left out; a grant id may hold "/"
    itself ("076053/Z/04/Z/Wellcome Trust/United Kingdom"); with two parts there is no grant
    id (Agency/Country), with one only the agency.

    Example:
        >>> g = parse_grant("U10 HD041267/HD/NICHD NIH HHS/United States")
        >>> g.grant_id, g.acronym, g.agency, g.country
        ('U10 HD041267', 'HD', 'NICHD NIH HHS', 'United States')
        >>> parse_grant("076053/Z/04/Z/Wellcome Trust/United Kingdom").grant_id
        '076053/Z/04/Z'
    """
    parts = [p.strip() for p in value.split("/")]
    if len(parts) < 3:
        named = [p for p in parts if p]
        if not named:
            return None
        return Grant(agency=named[0], country=named[1] if len(named) > 1 else None)
    agency, country = parts[-2] or None, parts[-1] or None
    rest = parts[:-2]
    acronym = None
    if len(rest) >= 2 and _ACRONYM.match(rest[-1]):
        acronym = rest.pop()
    grant_id = "/".join(rest).strip("/").strip() or None
    if agency is None and grant_id is None:
        return None
    return Grant(agency=agency, grant_id=grant_id, acronym=acronym, country=country)


def _chemical(value: str) -> Chemical | None:
    """``"0 (Antineoplastic Agents)"`` -> the substance (no registry number: "0"); a bare
    number is the registry number and stands for the name too."""
    value = value.strip()
    if not value:
        return None
    m = _RN.match(value)
    if m is None:
        return Chemical(value, registry_number=normalize_registry_number(value))
    number = normalize_registry_number(value[: m.start(1) - 1])
    return Chemical(m.group(1).strip(), registry_number=number)


def _related(tag: str, value: str) -> RelatedArticle | None:
    """``CIN - Am Fam Physician. 2010;81(11):1330-2. PMID: 20521750`` -> CommentIn 20521750."""
    m = _PMID_IN.search(value)
    pmid = normalize_pmid(m.group(1)) if m else None
    if pmid is None:
        return None
    source = value[: m.start()].strip() if m else value
    return RelatedArticle(RELATIONS[tag], Identifiers(pmid=pmid), source or None)


@dataclass(frozen=True)
class _Fields:
    """A record's fields in file order, values joined, with their lines."""

    items: tuple[tuple[str, str, int], ...]

    def first(self, tag: str) -> str | None:
        return next((v for t, v, _ in self.items if t == tag and v), None)

    def every(self, tag: str) -> list[str]:
        return [v for t, v, _ in self.items if t == tag and v]

    def pairs(self, tags: frozenset[str]) -> list[tuple[str, str]]:
        return [(t, v) for t, v, _ in self.items if t in tags and v]


_AUTHOR_TAGS = frozenset({"FAU", "AU", "CN", "AUID", "AD"})
_KEYWORD_TAGS = frozenset({"OTO", "OT"})


def _error(block: _Block, file: str, message: str) -> MalformedRecordError:
    return MalformedRecordError(message, file=file, record=block.number, line=block.line)


def _article(block: _Block, file: str) -> Article | MalformedRecordError:
    f = _Fields(tuple((tag, _value(parts), line) for tag, parts, line in block.fields))
    pmid_text = f.first("PMID")
    pmid, version = _pmid(pmid_text)
    title = " ".join(f.every("TI")) or None
    if pmid_text and pmid is None:
        return _error(block, file, f"PMID line holds no PMID: {_shown(pmid_text)}")
    if pmid is None and title is None and f.first("BTI") is None:
        return _error(block, file, "record without PMID and without title")
    try:
        return _build(f, pmid, version, title, Source(file, FORMAT, block.number, block.line))
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        label = f" (PMID {pmid})" if pmid else ""
        return _error(block, file, f"cannot read record{label}: {exc}")


def _ids(f: _Fields, pmid: str | None) -> tuple[Identifiers, str | None]:
    """Identifiers (LID doi first, as the XML reader takes ELocationID first) and the
    article number (the LID pii, the XML ELocationID pii)."""
    doi = pii = pmcid = article_number = None
    for tag in ("LID", "AID"):
        for value in f.every(tag):
            text, kind = _id_value(value)
            if kind == "doi" or (kind is None and normalize_doi(text)):
                doi = doi or normalize_doi(text)
            elif kind == "pii" and tag == "LID":
                article_number = article_number or text or None
            elif kind == "pii":
                pii = pii or text or None
            elif kind in ("pmc", "pmcid"):
                pmcid = pmcid or normalize_pmcid(text)
    for value in f.every("PMC"):
        pmcid = pmcid or normalize_pmcid(value)
    return Identifiers(pmid=pmid, pmcid=pmcid, doi=doi, pii=pii), article_number


def _journal(f: _Fields) -> Journal | None:
    issn: dict[str, str] = {}
    for value in f.every("IS"):
        number, kind = value, "print"
        m = re.match(r"^(\S+)\s*\((\w+)\)$", value)
        if m:
            number, kind = m.group(1), m.group(2).lower()
        key = kind if kind in ("electronic", "linking") else "print"
        issn.setdefault(key, number)
    journal = Journal(
        title=f.first("JT"),
        abbreviation=f.first("TA"),
        issn_print=issn.get("print"),
        issn_electronic=issn.get("electronic"),
        issn_linking=issn.get("linking"),
        nlm_id=f.first("JID"),
    )
    return None if journal == Journal() else journal


def _keywords(f: _Fields) -> tuple[Keyword, ...]:
    out: list[Keyword] = []
    owner: str | None = None
    for tag, value in f.pairs(_KEYWORD_TAGS):
        if tag == "OTO":
            owner = value
            continue
        major = value.startswith("*")
        text = value.lstrip("*").strip().rstrip(".")
        if text:
            out.append(Keyword(text, owner=owner, major=major))
    return tuple(out)


def _build(
    f: _Fields, pmid: str | None, version: int | None, title: str | None, source: Source
) -> Article:
    ids, article_number = _ids(f, pmid)
    first, last = split_pages(f.first("PG"))
    journal = _journal(f)
    book_title = f.first("BTI")
    publication_types = tuple(f.every("PT"))
    if book_title and (journal is None or not (journal.title or journal.abbreviation)):
        # a PubMed book or chapter: the XML reader's _book (title, book as container, "Book")
        journal = Journal(title=book_title) if title and book_title != title else None
        title = title or book_title
        if "Book" not in publication_types:
            publication_types = ("Book", *publication_types)
    abstracts = f.every("AB")
    return Article(
        ids=ids,
        title=title,
        vernacular_title=" ".join(f.every("TT")) or None,
        abstract="\n".join(abstracts) or None,
        authors=_authors(f.pairs(_AUTHOR_TAGS)),
        journal=journal,
        pub_date=_pub_date(f.first("DP")) or _dep_date(f.first("DEP")),
        volume=f.first("VI"),
        issue=f.first("IP"),
        first_page=first,
        last_page=last,
        article_number=article_number,
        language=f.first("LA"),
        publication_types=publication_types,
        keywords=_keywords(f),
        mesh=tuple(h for v in f.every("MH") if (h := _mesh(v)) is not None),
        chemicals=tuple(c for v in f.every("RN") if (c := _chemical(v))),
        grants=tuple(g for v in f.every("GR") if (g := parse_grant(v))),
        related=tuple(r for t, v in f.pairs(_RELATION_TAGS) if (r := _related(t, v)) is not None),
        source=source,
        pmid_version=version,
    )

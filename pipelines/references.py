"""Parse free-text reference strings into :class:`~graph.model.Reference` records.

The parser reads the reference styles met in PubMed and PMC: NLM/Vancouver strings as PubMed
pages and ``<Citation>`` elements print them ("Popoviciu MS, Kaka N. Title. J Pers Med.
2023;13:422."), PMC's space-separated author lists ("Bo S Ciccone G: Title. Diabet Med 2005;
22(3):258-65"), author-year styles ("Barrett RL (2007) Title. Nuytsia 17: 37-60.") and the
"Surname, I., and Surname, I.: Title, Journal, 10, 1-5, 2013." style of Copernicus.

Authors come out as "Surname Initials" strings, "et al." sets ``authors_complete=False``.
Page ranges keep what is printed after the dash except that a shortened numeric last page is
expanded ("365-75" -> 365, 375); e-locators are kept whole ("6152-6164.e18" -> 6152,
6164.e18; "106856" -> 106856). The "- PMC - PubMed" link labels of PubMed pages set
``has_pmc_record`` / ``has_pubmed_record`` and are removed from ``raw``.

Example:
    >>> ref = parse_reference(
    ...     "Arte PA, Tungare K, Bhori M, Jobby R, Aich J. Treatment of type 2 diabetes "
    ...     "mellitus with stem cells. Hum Cell. 2024;37:54–84. - PubMed", ordinal=3)
    >>> ref.authors[:2], ref.journal, ref.year, ref.volume, ref.first_page, ref.last_page
    (('Arte PA', 'Tungare K'), 'Hum Cell', 2024, '37', '54', '84')
    >>> ref.has_pubmed_record, ref.has_pmc_record, ref.raw.endswith("54–84.")
    (True, False, True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graph.model import Identifiers, Reference, normalize_doi, normalize_pmcid, normalize_pmid

__all__ = ["parse_reference", "split_pages"]

_DASH = "-–—‐‑"  # hyphen, en dash, em dash, Unicode hyphen, non-breaking hyphen
_LABELS = re.compile(
    r"(?:\s*[-–]\s*(?:PMC|PubMed|DOI|Google Scholar|Free PMC article|Free article))+\s*$"
)
_DOI = re.compile(
    r"(?:\bdoi\s*:?\s*|\bhttps?://(?:dx\.|www\.)?doi\.org/|(?<![\w/.]))"
    r"(10\.\d{4,9}/[^\s\"<>]+)",
    re.IGNORECASE,
)
_PMID = re.compile(r"\bPMID\s*:?\s*(\d{1,9})\b", re.IGNORECASE)
_PMCID = re.compile(r"\b(?:PMCID\s*:?\s*)?(PMC\d{3,9})\b", re.IGNORECASE)
_URL = re.compile(r"\(?(?:\bsee\s+)?(?:https?://|www\.)\S+\)?", re.IGNORECASE)
_TRAILING_NUMBERS = re.compile(r"(?<=[^\s:;,(])((?:\s+\d{5,9}){1,3})\s*\.?\s*$")
_SOURCE_LABELS = re.compile(r"\s*\b(?:Reference|Data) Source\s*$")
_LANGUAGE_NOTE = re.compile(r"\s*\[(?:in|In) [A-Z][a-z]+(?: with [^\]]*)?\]\.?\s*$")
_COLLECTIVE_WORD = (
    r"(?:Association|Group|Committee|Force|Consortium|Collaboration|Collaborators|Society|"
    r"Institute|Organization|Organisation|Program|Programme|Council|Panel|Investigators|"
    r"Network|Foundation|Agency|Centre|Center|Team|Alliance|Federation|Board|College)"
)
_COLLECTIVE_ITEM = re.compile(
    r"^(?:The |the )?(?:[A-Z][\w.&'’-]*\s+|of\s+|and\s+|for\s+|on\s+"
    r"|\(\w+\)\s+)*" + _COLLECTIVE_WORD + r"$"
)
_CONTINUATION = re.compile(
    r"^(?:Working|Research|Study|Writing|Steering|Task|Advisory|Expert|"
    + _COLLECTIVE_WORD[3:-1]
    + r")\b"
)
_LEADING_DATE = re.compile(
    r"^\(?(?:\d{1,2}\s+\d{1,2}\s+)?" + r"(?P<year>(?:1[5-9]|20)\d{2})[a-z]?"
    r"\)?\.\s+"
)

_PARTICLES = frozenset(
    [
        "van",
        "von",
        "der",
        "den",
        "de",
        "del",
        "della",
        "di",
        "da",
        "dos",
        "das",
        "du",
        "la",
        "le",
        "ten",
        "ter",
        "te",
        "bin",
        "al",
        "el",
        "st",
    ]
)
_SUFFIXES = frozenset({"Jr", "Jr.", "Sr", "Sr.", "II", "III", "IV", "2nd", "3rd"})
_INITIALS = re.compile(r"^(?:[A-Z](?:[-‐]?[A-Z]){0,3}|(?:[A-Z][a-z]?\.\s*-?){1,4})$")
_SURNAME_WORD = re.compile(r"^(?:[^\W\d_]['’]?)?[^\W\d_][\w'’‐\-.]*$")

_YEAR = r"(?P<year>(?:1[5-9]|20)\d{2})[a-z]?"
_DATE_TAIL = (
    r"(?:\s+(?:[A-Z][a-z]{2,8}\.?|Spring|Summer|Fall|Autumn|Winter)"
    r"(?:\s*[-–/]\s*[A-Z][a-z]{2,8}\.?)?(?:\s+\d{1,2}(?:\s*[-–]\s*\d{1,2})?)?)?"
)
_PAGES = r"(?P<pages>[A-Za-z]{0,3}\d[\w.]*(?:\s*[" + _DASH + r"]\s*[A-Za-z]{0,3}\d[\w.]*)?)"
_VOLUME = r"(?P<volume>[A-Za-z]?\d[\w.]*(?:\s+(?:Suppl|Pt|Spec)\.?\s*\w+)?)"
_ISSUE = r"(?:\s*\((?P<issue>[^()]*)\))?"
# NLM/Vancouver: 2023;13(2):422-30 / 2023 Jan 5;13:422 / 1991:221-53
_NLM_ANCHOR = re.compile(
    r"(?<![\w.])"
    + _YEAR
    + _DATE_TAIL
    + r"\s*;\s*(?:"
    + _VOLUME
    + r")?"
    + _ISSUE
    + r"(?:\s*:\s*"
    + _PAGES
    + r")?"
)
_NLM_ANCHOR_GLUED = re.compile(
    r"(?<=[^\W\d])" + _YEAR + r"\s*;\s*" + _VOLUME + _ISSUE + r"(?:\s*:\s*" + _PAGES + r")?"
)
_YEAR_PAGES_ANCHOR = re.compile(r"(?<![\w.])" + _YEAR + r"\s*:\s*" + _PAGES)
_YEAR_ONLY_ANCHOR = re.compile(r"(?<![\w])" + _YEAR + _DATE_TAIL + r"\s*(?:[.;]\s*)?$")
# author-year styles: Journal 17(2): 37-60 / Journal (4): 23-24
_VOL_PAGES = re.compile(
    r"(?:(?<=\s)|(?<=[^\W\d]))(?P<volume>\d[\w]*)?" + _ISSUE + r"\s*:\s*" + _PAGES + r"\s*\.?\s*$"
)
# Copernicus: Title, Journal, 10, 1-5, 2013.
_COMMA_STYLE = re.compile(
    r",\s*(?P<journal>[^,]+?),\s*(?P<volume>\d[\w]*)(?:\s*\((?P<issue>[^()]*)\))?,\s*"
    + _PAGES
    + r",\s*"
    + _YEAR
    + r"\s*\.?\s*$"
)
_AUTHOR_YEAR = re.compile(r"\s*\(\s*" + _YEAR + r"\s*\)\s*\.?\s*")
_SENTENCE_END = re.compile(
    r"(?<=[.?!”\"])\s+|(?<=[?!])(?=[A-Z])|(?<=[a-z)\]]\.)(?=[A-Z][a-z])|(?<=[a-z]\))(?=[A-Z][a-z])"
)
_PUBLISHER = re.compile(
    r"\s*:\s*[^:;.]*\b(?:Press|Publishers?|Springer|Elsevier|Wiley|Academic|University|Books)\b"
    r"[^:;]*$"
)
_IN_BOOK = re.compile(r"[.?!]\s+(?:In|En)\b\s*:?\s+")


@dataclass
class _Parts:
    """Mutable scratch record for the fields found so far."""

    authors: tuple[str, ...] = ()
    complete: bool = True
    title: str | None = None
    journal: str | None = None
    year: int | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None


_PAGE_DASH = re.compile(r"\s*[" + _DASH + r"]\s*")
_PAGE_NUMBER = re.compile(r"([A-Za-z]*)(\d+)")


def split_pages(pages: str | None) -> tuple[str | None, str | None]:
    """Split a printed page range into first and last page, expanding a shortened last page.

    Example:
        >>> split_pages("365–75")
        ('365', '375')
        >>> split_pages("6152–6164.e18")
        ('6152', '6164.e18')
        >>> split_pages("S62–9"), split_pages("e0145752")
        (('S62', 'S69'), ('e0145752', None))
    """
    if not pages:
        return None, None
    text = pages.strip().rstrip(".,;")
    first, dash, last = text.partition("-")
    if dash and first.isdecimal() and last.isdecimal() and text.isascii():
        # "123-33", nine in ten PubMed ranges: what the patterns below give, without them
        # (a regular expression costs several microseconds here, called once per record)
        return first, _full_last(first, last)
    return _split_pages(text)


def _full_last(digits: str, tail: str) -> str:
    """A shortened last page made whole from the first's digits: ("365", "75") -> "375"."""
    return digits[: len(digits) - len(tail)] + tail if len(tail) < len(digits) else tail


def _split_pages(text: str) -> tuple[str | None, str | None]:
    parts = _PAGE_DASH.split(text, maxsplit=1)
    first = parts[0] or None
    if len(parts) == 1 or not parts[1]:
        return first, None
    last = parts[1]
    m_first = _PAGE_NUMBER.fullmatch(first or "")
    m_last = _PAGE_NUMBER.fullmatch(last)
    if m_first and m_last and m_last.group(1) in ("", m_first.group(1)):
        prefix, digits = m_first.groups()
        last = prefix + _full_last(digits, m_last.group(2))
    return first, last


def parse_reference(text: str, *, ordinal: int = 1) -> Reference:
    """Parse one reference string into a :class:`Reference`.

    Fields that cannot be read are left ``None``; ``raw`` always holds the cleaned string.

    Example:
        >>> r = parse_reference("Bo S Ciccone G Rosato R: Renal damage in type 2 diabetes. "
        ...                     "Diabet Med 2005; 22 (3): 258–65 15717872")
        >>> r.authors, r.title, r.journal, r.issue, r.last_page, r.ids.pmid
        (('Bo S', 'Ciccone G', 'Rosato R'), 'Renal damage in type 2 diabetes', \
'Diabet Med', '3', '265', '15717872')
    """
    raw = re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()
    raw = re.sub(r"^\s*\[?\d{1,4}[.)\]]\s+", "", raw)  # a list number copied with the text
    labels = _LABELS.search(raw)
    has_pmc = has_pubmed = False
    if labels:
        found = labels.group(0)
        has_pmc = bool(re.search(r"\bPMC\b", found))
        has_pubmed = "PubMed" in found
        raw = raw[: labels.start()].rstrip()
    work, ids = _take_identifiers(raw)
    parts = _Parts()
    rest = _take_authors(work, parts)
    _read_body(rest, parts)
    first, last = split_pages(parts.pages)
    return Reference(
        raw=raw,
        ordinal=ordinal,
        authors=parts.authors,
        authors_complete=parts.complete,
        title=_clean_field(parts.title),
        journal=_clean_field(parts.journal, abbreviated_ok=True),
        year=parts.year,
        volume=_clean_field(parts.volume),
        issue=_clean_field(parts.issue),
        first_page=first,
        last_page=last,
        ids=ids,
        has_pubmed_record=has_pubmed,
        has_pmc_record=has_pmc,
    )


def _take_identifiers(text: str) -> tuple[str, Identifiers]:
    """Remove DOI, PMID, PMCID, URLs and trailing link labels; return the rest and the ids."""
    doi = pmid = pmcid = None
    m = _DOI.search(text)
    if m:
        doi = normalize_doi(m.group(1).rstrip(".,;)]"))
        text = text[: m.start()] + text[m.end() :]
    m = _PMID.search(text)
    if m:
        pmid = normalize_pmid(m.group(1))
        text = text[: m.start()] + text[m.end() :]
    m = _PMCID.search(text)
    if m:
        pmcid = normalize_pmcid(m.group(1))
        text = text[: m.start()] + text[m.end() :]
    text = _URL.sub(" ", text)
    text = _LANGUAGE_NOTE.sub("", text)
    text = re.sub(r"\s*\bdoi\s*:?\s*(?=[.,;]?\s*$)", "", text, flags=re.IGNORECASE)
    text = _SOURCE_LABELS.sub("", text)
    text = re.sub(
        r"[.,;]?\s*\(?\b(?:in press|epub ahead of print)\)?\.?\s*$", ".", text, flags=re.IGNORECASE
    )
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"(?:\s*[.,;]\s*)+$", lambda mm: "." if "." in mm.group(0) else "", text)
    m = _TRAILING_NUMBERS.search(text)
    if m:  # PMC prints the PMID (and PMCID) of a reference as bare numbers at its end
        numbers = m.group(1).split()
        if pmid is None:
            pmid = normalize_pmid(numbers[0])
        if len(numbers) > 1 and pmcid is None:
            pmcid = normalize_pmcid(numbers[1])
        text = text[: m.start()].rstrip()
    return text.strip(), Identifiers(pmid=pmid, pmcid=pmcid, doi=doi)


def _take_authors(text: str, parts: _Parts) -> str:
    """Find the author list at the start of ``text``; fill ``parts``; return the rest."""
    m = _AUTHOR_YEAR.search(text)
    if m and m.start() > 0:
        names = _names(text[: m.start()])
        if names is not None:
            parts.authors, parts.complete = names
            parts.year = int(m.group("year"))
            return text[m.end() :]
    colon = re.search(r"\s*:\s", text)
    if colon and colon.start() > 0:
        names = _names(text[: colon.start()])
        if names is not None:
            parts.authors, parts.complete = names
            return text[colon.end() :]
    for m in re.finditer(r"\.(?=\s|$)", text):
        names = _names(text[: m.start()])
        if names is not None:
            parts.authors, parts.complete = names
            return text[m.end() :]
        if m.start() > 600:
            break
    return _take_collective(text, parts)


def _take_collective(text: str, parts: _Parts) -> str:
    """A group author run into the title: "American Diabetes Association Physical activity"."""
    words = text.split(" ")
    for i, word in enumerate(words[:25]):
        if not re.fullmatch(r"[A-Z][\w.&'’-]*|of|and|for|on|the|\(\w+\)", word):
            return text
        if re.fullmatch(_COLLECTIVE_WORD, word) and i + 1 < len(words):
            nxt = words[i + 1]
            if nxt[:1].isupper() and not _CONTINUATION.match(nxt):
                parts.authors = (" ".join(words[: i + 1]),)
                return " ".join(words[i + 1 :])
    return text


def _names(segment: str) -> tuple[tuple[str, ...], bool] | None:
    """Read an author list in any known form, or ``None`` when ``segment`` is not one."""
    seg = segment.strip().rstrip(",;")
    if not seg or len(seg) > 2000:
        return None
    complete = True
    et_al = re.search(r"[,;]?\s*\bet\.?\s*al\b\.?\s*(?:,\s*editors?)?$", seg)
    if et_al:
        complete = False
        seg = seg[: et_al.start()].strip()
        if not seg:
            return None
    if re.search(r"\b(?:and|&)\b", seg) or re.search(r",\s*(?:[A-Z][a-z]?\.\s*-?)+(?:,|$)", seg):
        authors = _names_surname_comma_initials(seg)
        if authors:
            return authors, complete
    authors = _names_comma_separated(seg)
    if authors:
        return authors, complete
    authors = _names_space_separated(seg)
    if authors:
        return authors, complete
    return None


def _names_comma_separated(seg: str) -> tuple[str, ...]:
    """``Popoviciu MS, Kaka N, Shapiro AMJ`` -> names, or ``()`` when not such a list."""
    out: list[str] = []
    for item in re.split(r"\s*[,;]\s*", seg):
        item = item.strip().rstrip(".")
        if not item:
            return ()
        if item in _SUFFIXES and out:
            continue
        name = _one_name(item.split())
        if name is None:
            if not _COLLECTIVE_ITEM.match(item):
                return ()
            name = item
        out.append(name)
    return tuple(out)


def _one_name(tokens: list[str]) -> str | None:
    """``["Van", "Vliet", "SH"]`` -> ``"Van Vliet SH"``; ``None`` when not a person's name."""
    if len(tokens) > 2 and tokens[-1] in _SUFFIXES:
        tokens = tokens[:-1]
    if len(tokens) < 2 or len(tokens) > 5:
        return None
    *family, initials = tokens
    if not _INITIALS.match(initials) or not all(_is_surname_word(w) for w in family):
        return None
    if not any(w[:1].isupper() or w[:2].lower() in ("d'", "d’") for w in family):
        return None
    initials = re.sub(r"[.\s]", "", initials)
    return f"{' '.join(family)} {initials}"


def _is_surname_word(word: str) -> bool:
    if re.fullmatch(r"[A-Z]{1,4}", word):  # initials, not a surname
        return False
    return bool(_SURNAME_WORD.match(word)) and (
        word[:1].isupper() or word in _PARTICLES or word[:2].lower() in ("d'", "d’")
    )


def _names_space_separated(seg: str) -> tuple[str, ...]:
    """``Bo S Ciccone G Van Vliet SH Smith SC Jr`` -> names, or ``()``."""
    out: list[str] = []
    family: list[str] = []
    tokens: list[str] = []
    for token in seg.replace(",", " ").split():
        glued = re.fullmatch(r"(\w+['’])([A-Z]{1,4})", token)  # "Boule'NG"
        tokens.extend(glued.groups() if glued else (token,))
    for token in tokens:
        if token in _SUFFIXES and out and not family:
            continue
        elif family and _INITIALS.match(token):
            out.append(f"{' '.join(family)} {re.sub(r'[.]', '', token)}")
            family = []
        elif _is_surname_word(token) and len(family) < 4:
            family.append(token)
        else:
            return ()
    if family or (not out and len(tokens) == 1 and re.fullmatch(r"[A-Z]{2,}", tokens[0])):
        if out or len(tokens) != 1:
            return ()
        family = tokens
        out.append(family[0])  # a lone name without initials: "IUCN (2012)"
    return tuple(out)


def _names_surname_comma_initials(seg: str) -> tuple[str, ...]:
    """``Best, M. J., Cox, P. M., and Warrilow, D.`` -> ``("Best MJ", "Cox PM", ...)``."""
    seg = re.sub(r",?\s+(?:and|&)\s+", ", ", seg)
    items = [i.strip() for i in seg.split(",") if i.strip()]
    if len(items) % 2:
        return ()
    out: list[str] = []
    for family, given in zip(items[0::2], items[1::2], strict=True):
        if not all(_is_surname_word(w) for w in family.split()):
            return ()
        if not re.fullmatch(r"(?:[A-Z][a-z]?\.?\s*-?\s*){1,4}", given):
            return ()
        out.append(family + " " + re.sub(r"[.\s-]", "", given))
    return tuple(out)


def _read_body(rest: str, parts: _Parts) -> None:
    """Read title, journal, year, volume, issue and pages from what follows the authors."""
    rest = rest.strip()
    lead = _LEADING_DATE.match(rest)
    if lead and parts.year is None:  # "Smith J. 2012. Title. Journal 3: 1-5."
        parts.year = int(lead.group("year"))
        rest = rest[lead.end() :]
    book = _IN_BOOK.search(rest)
    if book:  # "Chapter title. In: Book title. Publisher; 2002 p. 355-64"
        parts.title = rest[: book.start()].strip()
        container = rest[book.end() :]
        editors = re.match(
            r"^[^.:()]*?\((?:Eds?|eds?|editors?)\.?\)\s*|^[^.:]*?:\s*Eds\.\s*"
            r"|^[^.:()]*?,\s*(?:eds?|editors?)\.\s*",
            container,
        )
        if editors:
            container = container[editors.end() :]
        first_sentence = _SENTENCE_END.search(container)
        parts.journal = container[: first_sentence.start()] if first_sentence else container
        year = re.search(r"(?<!\d)((?:1[5-9]|20)\d{2})(?!\d)", container)
        if year and parts.year is None:
            parts.year = int(year.group(1))
        pages = re.search(
            r"(?:\bpp?\.?\s*|[,:;]\s*)(\d+\s*[" + _DASH + r"]\s*\d+)\s*\.?\s*$", container
        )
        if pages:
            parts.pages = pages.group(1)
        return
    if parts.year is not None:  # author-year style: "Title. Journal 17(2): 37-60."
        m = _VOL_PAGES.search(rest)
        if m:
            parts.volume, parts.issue, parts.pages = m.group("volume", "issue", "pages")
            _title_journal(rest[: m.start()], parts)
        else:
            parts.title = _split_title(rest)[0]
        return
    m = _COMMA_STYLE.search(rest)
    if m and "," in rest[: m.start()] + "," and ";" not in rest[m.start() :]:
        parts.journal = m.group("journal")
        parts.volume, parts.issue, parts.pages = m.group("volume", "issue", "pages")
        parts.year = int(m.group("year"))
        parts.title = rest[: m.start()].strip()
        return
    anchor = (
        _NLM_ANCHOR.search(rest)
        or _NLM_ANCHOR_GLUED.search(rest)
        or _YEAR_PAGES_ANCHOR.search(rest)
        or _YEAR_ONLY_ANCHOR.search(rest)
    )
    if anchor is None:
        m = _VOL_PAGES.search(rest)
        if m:  # no year: "Diabetes Care 33(4):748-50"
            parts.volume, parts.issue, parts.pages = m.group("volume", "issue", "pages")
            _title_journal(rest[: m.start()], parts)
        else:
            parts.title = _split_title(rest)[0]
        return
    groups = anchor.groupdict()
    parts.year = int(groups["year"])
    parts.volume = groups.get("volume")
    parts.issue = groups.get("issue")
    parts.pages = groups.get("pages")
    _title_journal(rest[: anchor.start()], parts, lone_is_journal=bool(parts.volume))


def _title_journal(before: str, parts: _Parts, *, lone_is_journal: bool = False) -> None:
    """Split "Title. Journal." (what precedes the year or volume) into title and journal."""
    before = before.strip().rstrip(",;: ")
    if before.endswith("."):
        before = before[:-1].rstrip()
    publisher = _PUBLISHER.search(before)
    if publisher:  # "Chapter. Book title: Springer; 2011" / "Book title: Univ Press; 1983"
        before = before[: publisher.start()]
        title, journal = _split_title(before)
        if journal is None:
            title, journal = None, title
    else:
        title, journal = _split_title(before)
        if journal is None and lone_is_journal:  # "Kumar D et al. World J Stem Cells. 2025;17:1"
            title, journal = None, title
    parts.title = title
    parts.journal = journal


def _split_title(text: str) -> tuple[str | None, str | None]:
    """Split at the last sentence end; keep abbreviated journal words with the journal."""
    text = text.strip()
    if not text:
        return None, None
    cuts = [m for m in _SENTENCE_END.finditer(text) if m.start() > 0]
    if not cuts:
        return text.rstrip("."), None
    i = len(cuts) - 1
    while i > 0:  # "J. Biol. Chem": the journal takes short capitalised words before dots
        prev_end = cuts[i - 1].end()
        word = text[prev_end : cuts[i].start()].rstrip(".")
        if re.fullmatch(r"[A-Z][a-z]{0,4}", word) and text[cuts[i].start() - 1] == ".":
            i -= 1
            continue
        break
    cut = cuts[i]
    title = text[: cut.start()].strip()
    journal = text[cut.end() :].strip()
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1]
    return (title or None), (journal or None)


def _clean_field(value: str | None, *, abbreviated_ok: bool = False) -> str | None:
    """Trim spaces and separators; drop a final period unless it ends an abbreviation.

    ``abbreviated_ok`` keeps it for names abbreviated with periods ("Bound.-Lay. Meteorol.").
    """
    if value is None:
        return None
    value = re.sub(r"\s+", " ", value).strip().strip(",;:").strip()
    keep = abbreviated_ok and "." in value[:-1]
    if value.endswith(".") and not keep and not re.search(r"\b[A-Z][a-z]{0,4}\.$", value):
        value = value[:-1].rstrip()
    return value or None

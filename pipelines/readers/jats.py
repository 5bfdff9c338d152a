"""PMC and publisher JATS XML (and the NLM DTDs before it): a hardened, streaming reader.

A file holds one ``<article>`` or a ``<pmc-articleset>`` of many (an efetch ``db=pmc``
answer); each article is one record. Articles are streamed with lxml's ``iterparse`` as
:mod:`pipelines.readers.pubmed_xml` does (no entity expansion, no DTD, no network, each record
cleared once read). JATS files name their DTD and use its entities (``&nbsp;``, ``&ndash;``):
they stay unexpanded and their text is recovered from the standard entity names. A file
without a DOCTYPE that uses one is not well-formed XML: a file without a DOCTYPE that fails is
read once more as if it named an external DTD (the records already yielded are not yielded
again), so its entities too come out as text, and a fault of another kind is reported from
there, with the line and column it has in the file.

What is read, from ``front`` (``sub-article`` and ``response`` are left out):

* ``article-id``: ``pmid``, ``pmc``/``pmcid``, ``doi``, ``publisher-id`` (-> ``ids.pii``);
* ``article-title`` (+ ``subtitle``) with inline markup and MathML as plain text, footnote
  marks dropped; ``trans-title`` -> ``vernacular_title`` (the title in the other language);
* the main ``abstract`` (the first without ``abstract-type``): a section's title is its label,
  ``"Label: text"`` lines as PubMed XML labelled abstracts come out;
* ``contrib contrib-type="author"`` in order: ``surname``/``given-names`` -> family/given,
  initials derived ("Rosanna A" -> "RA"), display name "Family Initials" as in PubMed;
  ``collab`` -> a collective author; ``contrib-id contrib-id-type="orcid"`` -> ORCID iD;
  affiliations through ``xref ref-type="aff"`` (or the contrib's own ``aff``, or the group's
  ``aff``s when its contribs carry no aff links);
* ``journal-meta``: title, abbreviation (``iso-abbrev``, else ``nlm-ta``, else any
  ``abbrev-journal-title``), ISSNs by ``pub-type``/``publication-format``, publisher;
* the publication date at the precision given, from the ``pub-date`` of the electronic
  publication (``epub``), else the print one (``ppub``), else ``epub-ppub``, an untyped
  ``pub``, the ``collection`` (issue) date, else any other: PubMed dates a PMC article by its
  electronic publication when it has one, and that date is the most precise;
* ``volume``, ``issue``, ``fpage``/``lpage``, ``elocation-id`` -> ``article_number``,
  ``article-type`` -> ``publication_types``, ``kwd-group`` keywords (owner:
  ``kwd-group-type``), ``xml:lang`` -> ``language`` (as written, lower-cased: "en");
* ``funding-group``: each ``award-group`` gives one :class:`~graph.model.Grant` per
  ``award-id`` (one without a number when it has none), the agency being its
  ``funding-source`` (the ``institution`` names in it, without the funder-id), with its
  Crossref Funder Registry DOI when an ``institution-id`` or ``xlink:href`` gives one.

The ``ref-list``: each ``ref`` with a ``mixed-citation``, ``element-citation``, ``citation``
or ``nlm-citation`` is one :class:`~graph.model.Reference` (the first citation of a ``ref``
holding several); ``ordinal`` is the position of the ``ref`` in the reference list. ``raw`` is
:func:`rendered_text` of the citation; fields come from its markup, and where a citation
written out as text (a ``mixed-citation``, most legacy ``citation``s) leaves a field or an
identifier untagged, from :func:`~pipelines.references.parse_reference` of ``raw`` (that
field only). People in a ``person-group`` other than the authors (editors ...) are left out.

Example:
    >>> xml = (b'<article article-type="research-article"><front><article-meta>'
    ...        b'<article-id pub-id-type="pmid">1</article-id><title-group><article-title>'
    ...        b'CO<sub>2</sub> uptake</article-title></title-group></article-meta></front>'
    ...        b'<back><ref-list><ref><mixed-citation><person-group><name><surname>Bo</surname>'
    ...        b'<given-names>S</given-names></name></person-group>. A title. Diabet Med '
    ...        b'2005;22:258-65.</mixed-citation></ref></ref-list></back></article>')
    >>> (art,) = parse_jats(xml, file="a.xml")
    >>> art.ids.pmid, art.title, art.publication_types
    ('1', 'CO2 uptake', ('research-article',))
    >>> ref = art.references[0]
    >>> ref.raw, ref.authors, ref.journal, ref.year, ref.first_page, ref.last_page
    ('Bo S. A title. Diabet Med 2005;22:258-65.', ('Bo S',), 'Diabet Med', 2005, '258', '265')
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from graph.errors import MalformedRecordError, UnreadableInputError
from graph.model import (
    Article,
    Author,
    Grant,
    Identifiers,
    Journal,
    Keyword,
    PubDate,
    Reference,
    Source,
    normalize_doi,
    normalize_pmcid,
    normalize_pmid,
)
from pipelines.readers.pubmed_xml import sniff_pubmed_xml
from pipelines.readers.xmlutil import (
    ByteSource,
    element_text,
    entity_text,
    gunzipped,
    hardened_iterparse,
    inline_entities,
    local_name,
    month_number,
    normalize_orcid,
    release,
    source_line,
    syntax_error,
    walk_text,
)
from pipelines.references import parse_reference, split_pages

__all__ = ["parse_jats", "read_jats", "rendered_text", "sniff_jats"]

FORMAT = "jats"
_RECORD_TAGS = ("{*}article",)
_CITATIONS = ("mixed-citation", "element-citation", "citation", "nlm-citation")
_INLINE = frozenset(
    {"italic", "bold", "sub", "sup", "sc", "underline", "monospace", "roman", "styled-content"}
)
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_SPACE = re.compile(r"\s+")
_YEAR = re.compile(r"\b(1[5-9]\d\d|2[01]\d\d)")
_WORD_BOUNDARY = re.compile(r"(?<=\w)\x00+(?=\w)")
_SENTENCE_BOUNDARY = re.compile(r"(?<=[a-z)]\.)\x00+(?=[A-Z])")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+(?=[,;:.])")
# An element's end (\x03) meeting the next one's start (\x02) with nothing but space between
_AFF_JOIN = re.compile(
    r"(?<=[^\s,;:(\x00-\x03])[\s\x00]*\x03\s*\x02[\s\x00]*(?=[^\s,;:.)\x00-\x03])"
)
_AFF_MARKS = re.compile(r"[\x02\x03]")
_ID_IN_TEXT = re.compile(r"10\.\d{4,9}/|\bPMID\b|\bPMC\d", re.IGNORECASE)
_ET_AL = re.compile(r"\bet\.?\s+al\b")
_DOI_URL = re.compile(r"doi\.org/(10\.\d{4,9}/\S+)", re.IGNORECASE)
_PUBMED_URL = re.compile(r"ncbi\.nlm\.nih\.gov/pubmed/(\d+)", re.IGNORECASE)
_PMC_URL = re.compile(r"ncbi\.nlm\.nih\.gov/pmc/articles/(PMC\d+)", re.IGNORECASE)
_DOI_PARAGRAPH = re.compile(r"^DOI:\s*\S+$")

_SNIFF_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
_SNIFF_DOCTYPE = re.compile(rb"<!DOCTYPE[^\[>]*(?:\[.*?\]\s*)?>", re.DOTALL)
_SNIFF_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s/>]")
_SNIFF_JATS = re.compile(
    rb"-//NLM//DTD|JATS|TaxonX|jats\.nlm\.nih\.gov|dtd\.nlm\.nih\.gov"
    rb"|<front[\s>]|<article-meta[\s>]|<journal-meta[\s>]"
)
_HEAD = 65536
_ADDED_DOCTYPE = b'<!DOCTYPE article SYSTEM "JATS-archivearticle1.dtd">'

# Ranks of pub-date kinds (see the module docstring); unlisted kinds come after.
_DATE_ORDER = ("epub", "ppub", "epub-ppub", "pub", "collection")


def sniff_jats(head: bytes) -> bool:
    """True for JATS / NLM article XML: an ``<article>`` root with a JATS or NLM DTD or JATS
    front matter, or a ``<pmc-articleset>``; never for PubMed XML.

    Example:
        >>> sniff_jats(b'<?xml version="1.0"?>\\n<!DOCTYPE article PUBLIC "-//NLM//DTD JATS '
        ...            b'(Z39.96) Journal Archiving and Interchange DTD v1.1//EN" "x.dtd">'
        ...            b'<article article-type="research-article">')
        True
        >>> sniff_jats(b"<pmc-articleset><article>"), sniff_jats(b"<PubmedArticleSet>")
        (True, False)
        >>> sniff_jats(b'<article xmlns="http://docbook.org/ns/docbook"><info>')
        False
    """
    if sniff_pubmed_xml(head):
        return False
    text = _SNIFF_COMMENT.sub(b"", head.removeprefix(b"\xef\xbb\xbf"))
    doctype = _SNIFF_DOCTYPE.search(text)
    body = text[doctype.end() :] if doctype else text
    root = _SNIFF_ROOT.search(body)
    if root is None:
        return False
    name = root.group(1)
    if name == b"pmc-articleset":
        return True
    return name == b"article" and bool(_SNIFF_JATS.search(text))


def read_jats(path: Path) -> Iterator[Article | MalformedRecordError]:
    """Stream the articles of a JATS file (``.xml``, ``.nxml``, also gzip-compressed).

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.nxml"
        >>> _ = p.write_bytes(b'<pmc-articleset><article><front><article-meta><article-id '
        ...                   b'pub-id-type="pmc">3299399</article-id></article-meta></front>'
        ...                   b'</article></pmc-articleset>')
        >>> [a.ids.pmcid for a in read_jats(p)]
        ['PMC3299399']
    """
    try:
        with path.open("rb") as fh:
            compressed = fh.read(2) == b"\x1f\x8b"
    except OSError as exc:
        raise UnreadableInputError(f"cannot open: {exc.strerror}", file=str(path)) from None

    @contextlib.contextmanager
    def open_stream() -> Iterator[ByteSource]:
        with path.open("rb") as raw:
            if not compressed:
                yield raw
                return
            with gunzipped(raw) as gz:  # (every record before a cut is read)
                yield gz

    yield from _iter_records(open_stream, str(path))


def parse_jats(data: bytes, *, file: str = "<bytes>") -> Iterator[Article | MalformedRecordError]:
    """Yield the articles of JATS XML held in memory (an efetch ``db=pmc`` answer, say).

    Example:
        >>> bad = b"<article><front><article-meta><title-group><article-title>T"
        >>> [str(e) for e in parse_jats(bad, file="cut.xml")]  # doctest: +ELLIPSIS
        ['cut.xml: record 1, line 1: not well-formed XML, column ...: Premature end of data...']
    """
    yield from _iter_records(lambda: contextlib.nullcontext(io.BytesIO(data)), file)


# --- streaming -------------------------------------------------------------------------


class _Prefixed:
    """A byte stream that remembers whether its head declares a DOCTYPE and can add one
    (after the XML declaration, on the same line, so line numbers stay as in the file)."""

    def __init__(self, fh: ByteSource, *, add_doctype: bool) -> None:
        self._fh = fh
        head = fh.read(_HEAD)
        start = 3 if head.startswith(b"\xef\xbb\xbf") else 0
        self.has_doctype = b"<!DOCTYPE" in head
        # Only an ASCII-compatible head can take the added bytes.
        self.can_add = head[start:].lstrip()[:1] == b"<"
        self.added = add_doctype and self.can_add and not self.has_doctype
        if self.added:
            at = start
            if head.startswith(b"<?xml", start):
                end = head.find(b"?>", start)
                at = end + 2 if end >= 0 else start
            head = head[:at] + _ADDED_DOCTYPE + head[at:]
        self._pending = head

    def read(self, size: int = -1) -> bytes:
        if self._pending:
            if size is None or size < 0:
                out, self._pending = self._pending + self._fh.read(), b""
            else:
                out, self._pending = self._pending[:size], self._pending[size:]
            return out
        return self._fh.read(size)


@dataclass
class _Retry:
    after: int | None = None  # records already yielded when the first pass stopped


def _iter_records(
    open_stream: Callable[[], AbstractContextManager[ByteSource]], file: str
) -> Iterator[Article | MalformedRecordError]:
    retry = _Retry()
    with open_stream() as fh:
        yield from _stream(_Prefixed(fh, add_doctype=False), file, skip=0, retry=retry)
    if retry.after is not None:
        with open_stream() as fh:
            yield from _stream(_Prefixed(fh, add_doctype=True), file, skip=retry.after)


def _stream(
    fh: _Prefixed, file: str, *, skip: int, retry: _Retry | None = None
) -> Iterator[Article | MalformedRecordError]:
    context = hardened_iterparse(fh, _RECORD_TAGS)
    record = 0
    try:
        for _, el in context:
            record += 1
            if record > skip:
                yield _record(el, file, record)
            release(el)
    except etree.XMLSyntaxError as exc:
        # Without a DOCTYPE a named entity is fatal, and lxml does not always say so (it
        # may report "Start tag expected" at line 1): any fault of such a file has the file
        # read again as if it named a DTD; a fault that is not an entity is met again there.
        if retry is not None and fh.can_add and not fh.has_doctype:
            retry.after = record
            return
        shift = len(_ADDED_DOCTYPE) if fh.added else 0
        yield syntax_error(
            exc, file=file, record=record + 1, log=context.error_log, line1_shift=shift
        )
    except (OSError, EOFError) as exc:  # truncated gzip and the like
        yield MalformedRecordError(f"cannot read on: {exc}", file=file, record=record + 1)


def _record(el: etree._Element, file: str, record: int) -> Article | MalformedRecordError:
    line = source_line(el)
    try:
        if isinstance(el.tag, str) and el.tag.startswith("{"):
            _drop_namespace(el)
        inline_entities(el)
        return _article(el, file, record, line)
    except (ValueError, TypeError, AttributeError) as exc:
        return MalformedRecordError(
            f"cannot read article: {exc}", file=file, record=record, line=line
        )


def _drop_namespace(el: etree._Element) -> None:
    """Read a JATS file in a default namespace like one in none (MathML etc. keep theirs)."""
    prefix = el.tag.split("}", 1)[0] + "}"
    for node in el.iter():
        if isinstance(node.tag, str) and node.tag.startswith(prefix):
            node.tag = node.tag[len(prefix) :]


# --- text ----------------------------------------------------------------------------


def _skip_alternative(child: etree._Element) -> bool:
    """Of ``alternatives`` (MathML, TeX, a graphic) keep one: MathML, else the first."""
    parent = child.getparent()
    if parent is None or local_name(parent.tag) != "alternatives":
        return False
    kept = next((c for c in parent if local_name(c.tag) == "math"), None)
    if kept is None:
        kept = next((c for c in parent if isinstance(c.tag, str)), None)
    return child is not kept


def _skip_in_title(child: etree._Element) -> bool:
    return local_name(child.tag) in ("xref", "fn") or _skip_alternative(child)


def _plain(text: str | None) -> str | None:
    """No-break spaces (``&nbsp;``, ``&#160;``) read as spaces."""
    if text is None or "\xa0" not in text:
        return text
    return _SPACE.sub(" ", text).strip() or None


def _text(el: etree._Element | None) -> str | None:
    return _plain(element_text(el, skip=_skip_alternative))


def _title_text(el: etree._Element | None) -> str | None:
    return _plain(element_text(el, skip=_skip_in_title))


def _field_boundary(child: etree._Element) -> bool:
    return local_name(child.tag) not in _INLINE


def _render(
    el: etree._Element, parts: list[str], skip: Callable[[etree._Element], bool] | None
) -> None:
    walk_text(el, parts, skip, _field_boundary)


def _rendered(el: etree._Element, skip: Callable[[etree._Element], bool] | None) -> str:
    parts: list[str] = []
    _render(el, parts, skip)
    text = _WORD_BOUNDARY.sub(" ", "".join(parts))
    text = _SENTENCE_BOUNDARY.sub(" ", text)
    return _SPACE.sub(" ", text.replace("\x00", "")).strip()


def rendered_text(element: etree._Element) -> str:
    """The text of a citation as a reader sees it: tags stripped, whitespace normalised, and
    a space where a field element boundary falls between two word characters
    (``<surname>Bo</surname><given-names>S</given-names>`` -> "Bo S") or between the period
    ending a field and a capital; inline formatting (italic, sup, ...) joins as written.

    Example:
        >>> el = etree.fromstring(
        ...     b"<mixed-citation><name><surname>Bo</surname><given-names>S</given-names></name>"
        ...     b"<article-title>Renal damage in type <italic>2</italic> diabetes.</article-title>"
        ...     b"<source>Diabet Med</source><year>2005</year></mixed-citation>")
        >>> rendered_text(el)
        'Bo S Renal damage in type 2 diabetes. Diabet Med 2005'
    """
    return _rendered(element, None)


# --- front matter --------------------------------------------------------------------


def _article(
    el: etree._Element, file: str, record: int, line: int | None
) -> Article | MalformedRecordError:
    front = el.find("front")
    meta = front.find("article-meta") if front is not None else None
    if front is None or meta is None:
        return MalformedRecordError(
            "article without <front>/<article-meta>", file=file, record=record, line=line
        )
    ids = _ids(meta)
    title = _title(meta.find("title-group"))
    if ids.is_empty() and not title:
        return MalformedRecordError(
            "article without any identifier or title", file=file, record=record, line=line
        )
    authors, complete = _contributors(meta)
    first_page, last_page = _pages(_text(meta.find("fpage")), _text(meta.find("lpage")))
    article_type = (el.get("article-type") or "").strip()
    language = (el.get(_XML_LANG) or "").strip().lower()
    return Article(
        ids=ids,
        title=title,
        vernacular_title=_trans_title(meta.find("title-group")),
        abstract=_abstract(meta),
        authors=authors,
        authors_complete=complete,
        journal=_journal(front.find("journal-meta")),
        pub_date=_pub_date(meta),
        volume=_text(meta.find("volume")),
        issue=_text(meta.find("issue")),
        first_page=first_page,
        last_page=last_page,
        article_number=_text(meta.find("elocation-id")),
        language=language or None,
        publication_types=(article_type,) if article_type else (),
        keywords=_keywords(meta),
        grants=_grants(meta),
        references=_references(el),
        source=Source(file, FORMAT, record, line),
    )


def _ids(meta: etree._Element) -> Identifiers:
    found: dict[str, str | None] = {"pmid": None, "pmcid": None, "doi": None, "pii": None}
    for aid in meta.iterfind("article-id"):
        kind = (aid.get("pub-id-type") or "").strip().lower()
        value = _text(aid)
        if kind == "pmid":
            found["pmid"] = found["pmid"] or normalize_pmid(value)
        elif kind in ("pmc", "pmcid"):
            found["pmcid"] = found["pmcid"] or normalize_pmcid(value)
        elif kind == "doi":
            found["doi"] = found["doi"] or normalize_doi(value)
        elif kind in ("publisher-id", "pii"):
            found["pii"] = found["pii"] or value
    return Identifiers(**found)


def _pages(first: str | None, last: str | None) -> tuple[str | None, str | None]:
    """First and last page, a shortened last page expanded ("365", "75" -> "375")."""
    if first and last:
        return split_pages(f"{first}-{last}")
    return first, last


def _with_subtitle(title: str | None, subtitle: str | None) -> str | None:
    if title and subtitle:
        return f"{title.rstrip(':')}: {subtitle}"
    return title or subtitle


def _title(group: etree._Element | None) -> str | None:
    if group is None:
        return None
    return _with_subtitle(
        _title_text(group.find("article-title")), _title_text(group.find("subtitle"))
    )


def _trans_title(group: etree._Element | None) -> str | None:
    if group is None:
        return None
    for tg in group.iterfind("trans-title-group"):
        title = _with_subtitle(
            _title_text(tg.find("trans-title")), _title_text(tg.find("trans-subtitle"))
        )
        if title:
            return title
    return _with_subtitle(
        _title_text(group.find("trans-title")), _title_text(group.find("trans-subtitle"))
    )


def _abstract(meta: etree._Element) -> str | None:
    abstracts = meta.findall("abstract")
    if not abstracts:
        return None
    main = next((a for a in abstracts if not a.get("abstract-type")), abstracts[0])
    parts: list[str] = []
    for child in main:
        tag = local_name(child.tag)
        if tag in ("", "title", "label", "object-id"):
            continue
        text = _section_text(child)  # a section is one "Title: text" line
        if text and not _DOI_PARAGRAPH.match(text):
            parts.append(text)
    return "\n".join(parts) or None


def _section_text(el: etree._Element) -> str | None:
    """The text of an abstract's part; a section's title leads it as its label."""
    if local_name(el.tag) != "sec":
        return _text(el)
    label = _text(el.find("title"))
    body = " ".join(
        t for c in el if local_name(c.tag) not in ("", "title", "label") and (t := _section_text(c))
    )
    return f"{label.rstrip(':.')}: {body}" if label and body else body or label


def _initials(given: str | None) -> str | None:
    """Initials of given names: "Rosanna A" -> "RA", "Jun-Ki" -> "JK", "J. L." -> "JL"."""
    if not given:
        return None
    out = []
    for token in re.split(r"[\s.\-‐‑–]+", given):
        letters = "".join(ch for ch in token if ch.isalpha())
        if not letters:
            continue
        if letters.isupper() and len(letters) <= 3 and len(letters) == len(token):
            out.append(letters)  # already initials ("JA")
        else:
            out.append(letters[0].upper())
    return "".join(out) or None


def _skip_in_aff(child: etree._Element) -> bool:
    tag = local_name(child.tag)
    if tag in ("label", "institution-id", "ext-link"):
        return True
    parent = child.getparent()
    # A leading <sup>1</sup> is the affiliation's mark, not its text.
    return (
        tag == "sup"
        and parent is not None
        and child.getprevious() is None
        and not (parent.text or "").strip()
        and local_name(parent.tag) == "aff"
    )


def _aff_text(aff: etree._Element) -> str | None:
    """An affiliation as one line: its parts (institution, address lines, country) joined
    with ", " where the markup gives no separator of its own."""
    parts: list[str] = [aff.text or ""]
    for child in aff:
        if isinstance(child.tag, str) and not _skip_in_aff(child):
            parts.append("\x02")
            _render(child, parts, _skip_in_aff)
            parts.append("\x03")
        elif isinstance(child, etree._Entity):
            parts.append(entity_text(str(getattr(child, "name", ""))))
        parts.append(child.tail or "")
    text = _AFF_MARKS.sub("", _AFF_JOIN.sub(", ", "".join(parts)))
    text = _WORD_BOUNDARY.sub(" ", text).replace("\x00", "")
    text = _SPACE_BEFORE_PUNCT.sub("", _SPACE.sub(" ", text)).strip(" ,;")
    return text or None


def _affiliations(meta: etree._Element) -> dict[str, str]:
    out: dict[str, str] = {}
    for alt in meta.iter("aff-alternatives"):
        first = alt.find("aff")
        key = alt.get("id")
        text = _aff_text(first) if first is not None else None
        if key and text:
            out[key] = text
    for aff in meta.iter("aff"):
        key = aff.get("id")
        if key and key not in out and (text := _aff_text(aff)):
            out[key] = text
    return out


def _person_name(name: etree._Element) -> tuple[str | None, str | None]:
    family = _text(name.find("surname"))
    given = _text(name.find("given-names"))
    if family is None and given is None and len(name) == 0:
        family = _text(name)  # a <string-name> written out: "Smith J"
    return family, given


def _contributors(meta: etree._Element) -> tuple[tuple[Author, ...], bool]:
    affs = _affiliations(meta)
    authors: list[Author] = []
    complete = True
    linked = {
        rid
        for x in meta.iterfind("contrib-group/contrib/xref")
        if x.get("ref-type") == "aff"
        for rid in (x.get("rid") or "").split()
    }

    def unlinked(candidates: list[etree._Element]) -> tuple[str, ...]:
        return tuple(t for a in candidates if a.get("id") not in linked and (t := _aff_text(a)))

    # An author without an affiliation of their own has those no author links to: the
    # group's, else the article's (all of them where no author links any).
    common = unlinked(meta.findall("aff"))
    for group in meta.iterfind("contrib-group"):
        contribs = list(group.iterfind("contrib"))
        shared = unlinked(group.findall("aff")) or common
        for c in contribs:
            if (c.get("contrib-type") or "author").strip().lower() != "author":
                continue
            author = _contributor(c, affs, shared)
            if author is not None:
                authors.append(author)
        if group.find("etal") is not None:
            complete = False
    return tuple(authors), complete


def _contributor(c: etree._Element, affs: dict[str, str], shared: tuple[str, ...]) -> Author | None:
    rids = [
        rid
        for x in c.iterfind("xref")
        if x.get("ref-type") == "aff"
        for rid in (x.get("rid") or "").split()
    ]
    own = [t for a in c.iterfind("aff") if (t := _aff_text(a))]
    affiliations = tuple(dict.fromkeys(own + [affs[r] for r in rids if r in affs])) or shared
    orcid = None
    for cid in c.iterfind("contrib-id"):
        if (cid.get("contrib-id-type") or "").strip().lower() == "orcid" and orcid is None:
            orcid = normalize_orcid(_text(cid))
    name = c.find("name")
    if name is None:
        name = c.find("string-name")
    if name is None:
        name = c.find("name-alternatives/name")
    if name is None:
        collab = c.find("collab")
        label = element_text(collab, skip=lambda x: local_name(x.tag) == "contrib-group")
        if not label:
            return None
        return Author(label, orcid=orcid, collective=True, affiliations=affiliations)
    family, given = _person_name(name)
    if not family and not given:
        return None
    initials = _initials(given)
    display = f"{family} {initials}" if family and initials else (family or given or "")
    return Author(display, family=family, given=given, initials=initials, orcid=orcid,
                  affiliations=affiliations)  # fmt: skip


def _journal(jmeta: etree._Element | None) -> Journal | None:
    if jmeta is None:
        return None
    title = _text(jmeta.find("journal-title-group/journal-title")) or _text(
        jmeta.find("journal-title")
    )
    ids: dict[str, str] = {}
    for j in jmeta.iterfind("journal-id"):
        kind, value = (j.get("journal-id-type") or "").lower(), _text(j)
        if value and kind not in ids:
            ids[kind] = value
    abbrevs: dict[str, str] = {}
    for a in jmeta.iter("abbrev-journal-title"):
        kind, value = (a.get("abbrev-type") or "").lower(), _text(a)
        if value and kind not in abbrevs:
            abbrevs[kind] = value
    abbreviation = (
        ids.get("iso-abbrev")
        or abbrevs.get("iso-abbrev")
        or ids.get("nlm-ta")
        or abbrevs.get("nlm-ta")
        or abbrevs.get("pubmed")
        or next(iter(abbrevs.values()), None)
    )
    issn_print: str | None = None
    issn_electronic: str | None = None
    for issn in jmeta.iterfind("issn"):
        kind = (issn.get("pub-type") or issn.get("publication-format") or "").lower()
        value = _text(issn)
        if kind in ("epub", "electronic"):
            issn_electronic = issn_electronic or value
        else:
            issn_print = issn_print or value
    issn_linking = _text(jmeta.find("issn-l"))
    publisher = _text(jmeta.find("publisher/publisher-name"))
    if not (title or abbreviation or issn_print or issn_electronic):
        return None
    return Journal(title=title, abbreviation=abbreviation, issn_print=issn_print,
                   issn_electronic=issn_electronic, issn_linking=issn_linking,
                   publisher=publisher)  # fmt: skip


def _date_kind(d: etree._Element) -> str:
    kind = d.get("pub-type")
    if kind:
        return kind.strip().lower()
    date_type = (d.get("date-type") or "pub").strip().lower()
    if date_type == "pub":
        fmt = (d.get("publication-format") or "").strip().lower()
        return {"electronic": "epub", "print": "ppub"}.get(fmt, "pub")
    return date_type


def _date(d: etree._Element) -> PubDate | None:
    year = (d.findtext("year") or "").strip()
    if year[:4].isdigit() and len(year) >= 4:
        month = month_number(d.findtext("month"))
        day_text = (d.findtext("day") or "").strip()
        day = int(day_text) if month and day_text.isdigit() and 1 <= int(day_text) <= 31 else None
        season = _text(d.find("season"))
        return PubDate(int(year[:4]), month, day, season)
    text = _text(d.find("string-date")) or _text(d)
    m = _YEAR.search(text or "")
    return PubDate(int(m.group(1)), text=text) if m else None


def _pub_date(meta: etree._Element) -> PubDate | None:
    dates = meta.findall("pub-date")

    def rank(d: etree._Element) -> int:
        kind = _date_kind(d)
        return _DATE_ORDER.index(kind) if kind in _DATE_ORDER else len(_DATE_ORDER)

    for d in sorted(dates, key=rank):
        date = _date(d)
        if date is not None:
            return date
    return None


def _keywords(meta: etree._Element) -> tuple[Keyword, ...]:
    out = []
    for group in meta.iterfind("kwd-group"):
        owner = (group.get("kwd-group-type") or "").strip() or None
        for k in group.iter("kwd"):
            text = _title_text(k)
            if text and text.rstrip("."):
                out.append(Keyword(text.rstrip("."), owner=owner))
    return tuple(out)


def _grants(meta: etree._Element) -> tuple[Grant, ...]:
    out: list[Grant] = []
    for group in meta.iter("award-group"):
        sources = list(group.iterfind("funding-source"))
        names = [_funder(source) for source in sources]
        agency = "; ".join(n for n in names if n) or None
        funder_id = None
        if len(sources) == 1:  # (a registry DOI names one funder)
            funder_id = _funder_id(sources[0]) or _registry_doi(group.get(_XLINK_HREF))
        numbers: list[str | None] = [t for a in group.iterfind("award-id") if (t := _text(a))]
        out.extend(Grant(agency=agency, grant_id=n, funder_id=funder_id)
                   for n in numbers or [None] if agency or n)  # fmt: skip
    return tuple(dict.fromkeys(out))


def _registry_doi(value: str | None) -> str | None:
    """A Crossref Funder Registry DOI (``10.13039/...``) from a DOI or doi.org URL."""
    doi = normalize_doi(value)
    return doi if doi is not None and doi.startswith("10.13039/") else None


def _funder_id(source: etree._Element) -> str | None:
    """The funder-registry DOI of a ``funding-source``: an ``institution-id`` (FundRef,
    funder-id, doi) or the source's own ``xlink:href``."""
    found = {d for i in source.iter("institution-id") if (d := _registry_doi(_text(i)))}
    if (d := _registry_doi(source.get(_XLINK_HREF))) is not None:
        found.add(d)
    return found.pop() if len(found) == 1 else None


def _funder(source: etree._Element) -> str | None:
    """The name of a ``funding-source``: its ``institution`` names, else its own text
    without the ``institution-id`` (a funder registry DOI is not a name)."""
    names = [t for i in source.iter("institution") if (t := _text(i))]
    if names:
        return ", ".join(names)
    return _plain(element_text(source, skip=lambda x: local_name(x.tag) == "institution-id"))


# --- references ----------------------------------------------------------------------


def _outside_sub_articles(node: etree._Element, article: etree._Element) -> bool:
    for anc in node.iterancestors():
        if anc is article:
            return True
        if local_name(anc.tag) in ("sub-article", "response"):
            return False
    return True


def _references(article: etree._Element) -> tuple[Reference, ...]:
    refs = []
    position = 0
    for ref in article.iter("ref"):
        if not _outside_sub_articles(ref, article):
            continue
        position += 1
        citation = next((c for c in ref if local_name(c.tag) in _CITATIONS), None)
        if citation is None:
            citation = next(ref.iter(*_CITATIONS), None)  # inside <citation-alternatives>
        if citation is not None:
            refs.append(_reference(citation, position))
    return tuple(refs)


def _first(cit: etree._Element, tag: str) -> etree._Element | None:
    for el in cit.iter(tag):
        if not any(local_name(a.tag) == "date-in-citation" for a in _ancestors(el, cit)):
            return el
    return None


def _ancestors(el: etree._Element, stop: etree._Element) -> Iterator[etree._Element]:
    for anc in el.iterancestors():
        if anc is stop:
            return
        yield anc


def _field(value: str | None, *, abbreviated_ok: bool = False) -> str | None:
    """A field as printed less the separators around it; a final period goes unless it ends
    an abbreviated name ("Antarct. Sci.")."""
    if value is None:
        return None
    value = value.strip().strip(",;:").strip()
    if (
        value.endswith(".")
        and not value.endswith("..")
        and not (abbreviated_ok and "." in value[:-1])
    ):
        value = value[:-1].rstrip()
    return value or None


def _ref_authors(cit: etree._Element) -> tuple[tuple[str, ...], bool, bool]:
    """Authors as "Surname Initials", whether the list is complete, and whether the citation
    tags people at all (editors and other roles are tagged but are not its authors)."""
    authors: list[str] = []
    complete = True
    tagged = False
    for node in cit.iter("name", "string-name", "collab", "etal"):
        ancestors = list(_ancestors(node, cit))
        if any(local_name(a.tag) in ("name", "string-name", "collab") for a in ancestors):
            continue
        tagged = True
        group = next((a for a in ancestors if local_name(a.tag) == "person-group"), None)
        role = (group.get("person-group-type") or "author") if group is not None else "author"
        if role.strip().lower() != "author":
            continue
        tag = local_name(node.tag)
        if tag == "etal":
            complete = False
        elif tag == "collab":
            label = _text(node)
            if label:
                authors.append(label)
        else:
            family, given = _person_name(node)
            initials = _initials(given)
            if family:
                authors.append(f"{family} {initials}" if initials else family)
            elif given:
                authors.append(given)
    return tuple(authors), complete, tagged


def _link_ids(cit: etree._Element) -> dict[str, str | None]:
    ids: dict[str, str | None] = {"pmid": None, "pmcid": None, "doi": None}
    for p in cit.iter("pub-id", "object-id"):
        kind = (p.get("pub-id-type") or "").strip().lower()
        value = _text(p)
        if kind in ("pmid", "pubmed"):
            ids["pmid"] = ids["pmid"] or normalize_pmid(value)
        elif kind in ("pmcid", "pmc"):
            ids["pmcid"] = ids["pmcid"] or normalize_pmcid(value)
        elif kind == "doi":
            ids["doi"] = ids["doi"] or normalize_doi(value)
    for link in cit.iter("ext-link", "uri"):
        href = (link.get(_XLINK_HREF) or "").strip()
        if (link.get("ext-link-type") or "").strip().lower() == "doi":
            ids["doi"] = ids["doi"] or normalize_doi(href) or normalize_doi(_text(link))
        for target in (href, _text(link) or ""):
            if m := _DOI_URL.search(target):
                ids["doi"] = ids["doi"] or normalize_doi(m.group(1).rstrip(".,;)]"))
            if m := _PUBMED_URL.search(target):
                ids["pmid"] = ids["pmid"] or normalize_pmid(m.group(1))
            if m := _PMC_URL.search(target):
                ids["pmcid"] = ids["pmcid"] or normalize_pmcid(m.group(1))
    return ids


def _written_out(cit: etree._Element) -> bool:
    """True for a citation written out as text (a mixed-citation, most legacy citations):
    text outside its field elements, which parse_reference can read; an element-only one
    (element-citation, nlm-citation, some legacy citations) gives it nothing to go on."""
    if (cit.text or "").strip():
        return True
    return any((child.tail or "").strip() for child in cit)


def _written_et_al(cit: etree._Element) -> bool:
    """ "et al." written out between the names rather than tagged ``<etal/>``."""
    texts = [cit.text, *(c.tail for c in cit)]
    for group in cit.iter("person-group"):
        texts += [group.text, *(c.tail for c in group)]
    return any(_ET_AL.search(t) for t in texts if t)


def _reference(cit: etree._Element, ordinal: int) -> Reference:
    raw = rendered_text(cit)
    kind = (cit.get("publication-type") or cit.get("citation-type") or "").strip() or None
    authors, complete, tagged = _ref_authors(cit)
    if tagged and complete and _written_et_al(cit):
        complete = False
    titles = [_first(cit, t) for t in ("article-title", "chapter-title", "data-title")]
    source_el = _first(cit, "source")
    title = next((t for el in titles if (t := _title_text(el))), None)
    journal = _text(source_el)
    if title is None and journal is not None and kind not in (None, "journal"):
        title, journal = journal, None  # a book, report, software ... named by its source
    year_el = _first(cit, "year")
    m = _YEAR.search(_text(year_el) or "")
    year = int(m.group(1)) if m else None
    first_page, last_page = _pages(_text(_first(cit, "fpage")), _text(_first(cit, "lpage")))
    if first_page is None:
        page_range = _text(_first(cit, "page-range"))
        if page_range:
            first_page, last_page = split_pages(page_range)
        else:
            first_page = _text(_first(cit, "elocation-id"))
    volume = _text(_first(cit, "volume"))
    issue = _text(_first(cit, "issue"))
    ids = _link_ids(cit)
    if raw and _written_out(cit):
        untagged_title = title is None and source_el is None
        untagged_volume = _first(cit, "volume") is None
        untagged_issue = _first(cit, "issue") is None
        untagged = (not tagged, untagged_title, source_el is None, year_el is None,
                    untagged_volume, untagged_issue, first_page is None)  # fmt: skip
        missing_id = any(v is None for v in ids.values()) and _ID_IN_TEXT.search(raw)
        if any(untagged) or missing_id:
            parsed = parse_reference(raw, ordinal=ordinal)
            if not tagged:
                authors, complete = parsed.authors, parsed.authors_complete
            if untagged_title:
                title = parsed.title
            if source_el is None:
                journal = parsed.journal
            if year_el is None:
                year = parsed.year
            if untagged_volume:
                volume = parsed.volume
            if untagged_issue:
                issue = parsed.issue
            if first_page is None:
                first_page, last_page = parsed.first_page, parsed.last_page
            for scheme in ("pmid", "pmcid", "doi"):
                ids[scheme] = ids[scheme] or getattr(parsed.ids, scheme)
    return Reference(
        raw=raw,
        ordinal=ordinal,
        authors=authors,
        authors_complete=complete,
        title=_field(title),
        journal=_field(journal, abbreviated_ok=True),
        year=year,
        volume=volume,
        issue=issue,
        first_page=first_page,
        last_page=last_page,
        ids=Identifiers(**ids),
        publication_type=kind,
    )

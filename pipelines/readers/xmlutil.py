"""What the XML readers (PubMed XML, JATS) share: the hardened streaming parser, the text of
elements with inline markup, errors that name their position, and small normalisers.

The parser never expands an entity, loads no DTD and touches no network. A named entity the
parser leaves unexpanded (``&nbsp;`` of the JATS DTD, say) is kept as an entity node; the
text helpers turn the standard character-entity names (HTML/ISO sets) into their characters
and leave any other name as it is written. Entities declared in the document itself are never
expanded, so nothing a file declares (``SYSTEM "file:///..."``, a "billion laughs" chain) is
ever read or multiplied.

Example:
    >>> import io
    >>> ctx = hardened_iterparse(io.BytesIO(b"<r><t>A <i>b</i>&#x2013;c</t></r>"), ("t",))
    >>> [element_text(el) for _, el in ctx]
    ['A b–c']
"""

from __future__ import annotations

import functools
import gzip
import re
import sys
from collections.abc import Callable, Iterable
from html.entities import html5
from typing import IO, Any, Protocol

from lxml import etree

from graph.errors import MalformedRecordError

__all__ = [
    "ByteSource",
    "Gunzipped",
    "element_text",
    "entity_text",
    "gunzipped",
    "hardened_iterparse",
    "hardened_parser",
    "inline_entities",
    "local_name",
    "month_number",
    "normalize_orcid",
    "release",
    "source_line",
    "syntax_error",
    "walk_text",
]

_SPACE = re.compile(r"\s+")
_POSITION_SUFFIX = re.compile(r", line \d+, column \d+$")
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, start=1)}

Skip = Callable[[etree._Element], bool]


class ByteSource(Protocol):
    """What the parser reads from: an open binary file, a gzip stream, ``io.BytesIO``."""

    def read(self, size: int = ..., /) -> bytes: ...


_GzipFile: type[gzip.GzipFile]
try:  # ISA-L's gzip (a subclass of GzipFile): the same stream, decompressed 2.4 times faster
    from isal.igzip import IGzipFile as _GzipFile
except ImportError:  # (a dependency, but an install without it still reads .gz files)
    _GzipFile = gzip.GzipFile


def gunzipped(raw: IO[bytes]) -> Gunzipped:
    """The decompressed stream of the gzip file open as ``raw``: ISA-L's reader (the
    ``isal`` package) where it is installed, else the standard library's. A whole PubMed
    baseline file (174 MB of XML) takes 0.09 s of CPU to decompress with it, 0.23 s with
    ``gzip``. A truncated or corrupt stream raises ``EOFError`` or ``OSError``, but only
    once every byte before the damage has been read (see :class:`Gunzipped`): a parser gets
    all the records before it, however small the file.

    Example:
        >>> import io
        >>> gunzipped(io.BytesIO(gzip.compress(b"<r/>"))).read()
        b'<r/>'
        >>> whole = b"<r>" + b"".join(b"<a n='%d'/>" % i for i in range(5000))
        >>> packed = gzip.compress(whole)
        >>> cut = gunzipped(io.BytesIO(packed[: len(packed) // 2]))
        >>> head = cut.read(1 << 20)
        >>> whole.startswith(head) and len(head) > 10_000
        True
        >>> cut.read(1 << 20)
        Traceback (most recent call last):
        ...
        EOFError: Compressed file ended before the end-of-stream marker was reached
    """
    return Gunzipped(raw)


class Gunzipped:
    """A gzip stream read up to its damage: :meth:`read` returns the bytes decompressed
    before a cut or a corrupt block, and raises the error at the next call.

    ISA-L's reader drops what it decompressed in the call that meets the damage (the
    standard library's returns it first). So at the first error this reader starts again
    with the standard library's, skips what it has already given, and goes on from there:
    a damaged file costs one more decompression of its start, a sound one nothing.
    """

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._start = raw.tell()
        self._gz: gzip.GzipFile = _GzipFile(fileobj=raw)
        self._given = 0  # bytes returned so far
        self._damage: BaseException | None = None

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes (all that are left when ``size`` is negative)."""
        if self._damage is not None:
            raise self._damage
        want = sys.maxsize if size < 0 else size
        out = bytearray()
        try:
            while len(out) < want and (block := self._gz.read1(min(want - len(out), 1 << 20))):
                out += block
        except (OSError, EOFError) as exc:
            if type(self._gz) is not gzip.GzipFile:  # ISA-L's: read the rest with gzip's
                self._gz = self._standard_reader(self._given + len(out))
                self._given += len(out)
                return bytes(out) + self.read(want - len(out))
            if not out:
                raise
            self._damage = exc
        self._given += len(out)
        return bytes(out)

    def _standard_reader(self, skip: int) -> gzip.GzipFile:
        """The standard library's reader of the same stream, ``skip`` bytes into it."""
        self._gz.close()
        self._raw.seek(self._start)
        gz = gzip.GzipFile(fileobj=self._raw)
        while skip > 0 and (block := gz.read(min(skip, 1 << 20))):
            skip -= len(block)
        return gz

    def close(self) -> None:
        self._gz.close()

    def __enter__(self) -> Gunzipped:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# What both parsers are told: never expand an entity, load a DTD or touch the network.
_HARDENING: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": True,
    "remove_comments": True,
    "remove_pis": True,
}


def hardened_iterparse(
    source: ByteSource, tags: Iterable[str]
) -> etree.iterparse[tuple[str, etree._Element]]:
    """An ``iterparse`` over ``source`` yielding the ``end`` of each element named in ``tags``:
    no entity expansion, no DTD, no network, comments and processing instructions dropped.

    Example:
        >>> import io
        >>> xml = b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r><a>&x;</a></r>'
        >>> [etree.tostring(el) for _, el in hardened_iterparse(io.BytesIO(xml), ["a"])]
        [b'<a>&x;</a>']
    """
    return etree.iterparse(source, events=("end",), tag=tuple(tags), **_HARDENING)


def hardened_parser() -> etree.XMLParser:
    """An ``XMLParser`` for whole documents with the same hardening as :func:`hardened_iterparse`.

    Example:
        >>> root = etree.fromstring(b'<!DOCTYPE r SYSTEM "r.dtd"><r>&nbsp;<!-- c --></r>',
        ...                         hardened_parser())
        >>> etree.tostring(root)
        b'<r>&nbsp;</r>'
    """
    return etree.XMLParser(**_HARDENING)


def release(el: etree._Element) -> None:
    """Free a record once read: clear it (keeping its tail) and drop the siblings before it,
    so that memory stays flat however many records a file holds.

    Example:
        >>> root = etree.fromstring(b"<s><a>1</a><a>2</a></s>")
        >>> release(root[1])
        >>> etree.tostring(root)
        b'<s><a/></s>'
    """
    el.clear(keep_tail=True)  # type: ignore[call-arg]  # (lxml-stubs lack keep_tail)
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


def syntax_error(
    exc: etree.XMLSyntaxError,
    *,
    file: str,
    record: int | str | None,
    log: etree._ListErrorLog | None = None,
    line1_shift: int = 0,
) -> MalformedRecordError:
    """The error for a file that is not well-formed, with its line and column.

    Where lxml reports no position (a fatal error it words "no element found"), the last
    fatal entry of the parser's error ``log`` gives the position and the real message.
    ``line1_shift`` is the number of bytes a reader put at the start of line 1 (columns on
    line 1 are given as in the file).

    Example:
        >>> try:
        ...     etree.fromstring(b"<r>\\n<a></b></r>")
        ... except etree.XMLSyntaxError as exc:
        ...     err = syntax_error(exc, file="f.xml", record=1)
        >>> err.where(), err.message.split(":")[0]
        ('f.xml: record 1, line 2', 'not well-formed XML, column 8')
        >>> err.message.split(": ", 1)[1]
        'Opening and ending tag mismatch: a line 2 and b'
    """
    line = exc.position[0] if exc.position else exc.lineno
    col = exc.position[1] if exc.position else None
    msg = exc.msg
    if not line and log is not None:
        fatal = [e for e in log if e.level_name == "FATAL"]
        if fatal:
            line, col, msg = fatal[-1].line, fatal[-1].column, fatal[-1].message
    msg = _POSITION_SUFFIX.sub("", msg)  # the position is given before the message
    if line == 1 and col and col > line1_shift:
        col -= line1_shift
    where = f", column {col}" if col else ""
    return MalformedRecordError(
        f"not well-formed XML{where}: {msg}", file=file, record=record, line=line or None
    )


_BIG_LINE = 65535  # libxml2 keeps a node's line in 16 bits up to here


def source_line(el: etree._Element) -> int | None:
    """The 1-based line an element starts on, when the parser knows it.

    Past line 65,535 libxml2 gives an element the line of its first text (where that text
    ends, found through the first children when the element has none of its own), so an
    element whose text starts with a newline came out one line late in a big file (29,512
    of the 30,000 records of a baseline file). Where this libxml2 does that
    (:func:`_late_big_lines`), the newlines of that text are taken off again: exact
    wherever the text before the first child is whitespace, as in PubMed and PMC files.

    Example:
        >>> source_line(etree.fromstring(b"\\n<r/>"))
        2
        >>> doc = b"<s>" + b"\\n" * 70_000 + b"<r>\\n  <t>x</t></r></s>"
        >>> source_line(etree.fromstring(doc)[0])
        70001
    """
    line = el.sourceline
    if not isinstance(line, int):
        return None
    if line > _BIG_LINE and _late_big_lines():
        node = el
        while node.text is None and len(node):
            node = node[0]
        if node.text and node.text.isspace():
            line -= node.text.count("\n")
    return line


@functools.cache
def _late_big_lines() -> bool:
    """Whether this libxml2 gives elements past line 65,535 the line where their text ends
    (probed once per process on a small document)."""
    doc = b"<s>" + b"\n" * (_BIG_LINE + 10) + b"<r>\n</r></s>"
    line: object = etree.fromstring(doc)[0].sourceline
    return line == _BIG_LINE + 12


def local_name(tag: object) -> str:
    """The tag of an element without its namespace; ``""`` for comments, PIs and entities.

    Example:
        >>> local_name("{http://www.w3.org/1998/Math/MathML}math"), local_name(etree.Comment)
        ('math', '')
    """
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def entity_text(name: str) -> str:
    """The character(s) of a standard named entity (HTML / ISO sets), else ``&name;``.

    Example:
        >>> entity_text("nbsp"), entity_text("ndash"), entity_text("unknownthing")
        ('\\xa0', '–', '&unknownthing;')
    """
    return html5.get(name + ";") or f"&{name};"


def inline_entities(el: etree._Element) -> None:
    """Replace the unexpanded entity nodes inside ``el`` by the text of :func:`entity_text`.

    Example:
        >>> p = etree.XMLParser(resolve_entities=False)
        >>> root = etree.fromstring(b'<!DOCTYPE r SYSTEM "r.dtd"><r>a&nbsp;b&ndash;c</r>', p)
        >>> inline_entities(root)
        >>> root.text
        'a\\xa0b–c'
    """
    for ent in list(el.iter(etree.Entity)):
        parent = ent.getparent()
        if parent is None:
            continue
        text = entity_text(str(getattr(ent, "name", ""))) + (ent.tail or "")
        prev = ent.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + text
        else:
            parent.text = (parent.text or "") + text
        ent.tail = None
        parent.remove(ent)


def walk_text(
    el: etree._Element, parts: list[str], skip: Skip | None, boundary: Skip | None = None
) -> None:
    """Append the text inside ``el`` to ``parts``, entities as their text; children for which
    ``skip`` is true are left out (their tail kept); around a child for which ``boundary`` is
    true a ``"\\x00"`` marks where a field starts and ends.

    Example:
        >>> parts: list[str] = []
        >>> walk_text(etree.fromstring(b"<r>a<b>c</b>d</r>"), parts, None, lambda c: True)
        >>> "".join(parts)
        'a\\x00c\\x00d'
    """
    if el.text:
        parts.append(el.text)
    for child in el:
        if isinstance(child, etree._Entity):
            parts.append(entity_text(str(getattr(child, "name", ""))))
        elif isinstance(child.tag, str) and not (skip is not None and skip(child)):
            marked = boundary is not None and boundary(child)
            if marked:
                parts.append("\x00")
            walk_text(child, parts, skip, boundary)
            if marked:
                parts.append("\x00")
        if child.tail:
            parts.append(child.tail)


def element_text(el: etree._Element | None, *, skip: Skip | None = None) -> str | None:
    """All text inside ``el`` (inline markup and MathML flattened), whitespace normalised;
    ``None`` when there is none. Children for which ``skip`` is true are left out (their tail
    text is kept).

    Example:
        >>> el = etree.fromstring(b"<t>Title<x>*</x> of <i>E. coli</i>\\n  ok</t>")
        >>> element_text(el), element_text(el, skip=lambda c: c.tag == "x")
        ('Title* of E. coli ok', 'Title of E. coli ok')
    """
    if el is None:
        return None
    if len(el) == 0:  # no inline markup: the common case, and the fast one
        plain = el.text
        if plain is None:
            return None
        text = _SPACE.sub(" ", plain).strip() if "  " in plain or "\n" in plain else plain.strip()
        return text or None
    if skip is None:
        text = _SPACE.sub(" ", "".join(str(t) for t in el.itertext())).strip()
    else:
        parts: list[str] = []
        walk_text(el, parts, skip)
        text = _SPACE.sub(" ", "".join(parts)).strip()
    return text or None


def month_number(value: str | None) -> int | None:
    """A month as 1-12 from digits or an English name or abbreviation.

    Example:
        >>> month_number("02"), month_number("Sept"), month_number("13"), month_number("Spring")
        (2, 9, None, None)
    """
    if not value:
        return None
    v = value.strip().lower()
    if v.isdigit():
        m = int(v)
        return m if 1 <= m <= 12 else None
    return _MONTHS.get(v[:3])


def normalize_orcid(value: str | None) -> str | None:
    """An ORCID iD without its resolver prefix (the last path segment), or ``None``.

    Example:
        >>> normalize_orcid(" http://orcid.org/0000-0002-7361-560X ")
        '0000-0002-7361-560X'
    """
    if not value:
        return None
    return value.strip().rsplit("/", 1)[-1] or None

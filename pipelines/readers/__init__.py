"""Readers: one module per input format, chosen by content (not only by extension).

Every reader module offers a pair, like ``networkx.readwrite.graphml``:

* ``parse_X(data: bytes, *, file: str) -> Iterator[Article | MalformedRecordError]``: pure,
* ``read_X(path) -> Iterator[Article | MalformedRecordError]``: opens (and un-gzips) the file
  and delegates to ``parse_X`` (or streams it, for large formats),

plus ``sniff_X(head: bytes) -> bool`` that recognises the format from the first bytes.

A reader *yields* a :class:`~graph.errors.MalformedRecordError` for a record it cannot read
and goes on with the next one; it *raises* :class:`~graph.errors.InputError` only when the
whole file is unusable. The caller counts both.

Example:
    >>> from pathlib import Path
    >>> spec = detect(Path("data/pubmed-page-wjsc-2025-106856.txt"))
    >>> spec.name
    'pubmed-page'
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from graph.errors import MalformedRecordError, UnknownFormatError, UnreadableInputError
from graph.model import Article
from pipelines.readers.xmlutil import gunzipped

__all__ = ["ReaderSpec", "RecordResult", "detect", "read_any", "read_head", "readers"]

RecordResult = Article | MalformedRecordError

HEAD_BYTES = 65536


@dataclass(frozen=True)
class ReaderSpec:
    """One input format: its name, a content sniffer and the reader."""

    name: str
    sniff: Callable[[bytes], bool]
    read: Callable[[Path], Iterator[RecordResult]]
    description: str


def read_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    """Return the first ``size`` bytes of a file, un-gzipped when it is gzip. A gzip file
    cut short gives what it holds before the cut (its reader then reports the cut, after
    the records before it).

    Example:
        >>> read_head(Path("data/pubmed-page-wjsc-2025-106856.txt"), 25)
        b'Skip to main page content'
    """
    try:
        with path.open("rb") as fh:
            magic = fh.read(2)
        if magic == b"\x1f\x8b":
            with path.open("rb") as raw, gunzipped(raw) as gz:
                return gz.read(size)  # (up to a cut: the error comes at the next read)
        with path.open("rb") as fh:
            return fh.read(size)
    except FileNotFoundError:
        raise UnreadableInputError("no such file", file=str(path)) from None
    except IsADirectoryError:
        raise UnreadableInputError("is a directory", file=str(path)) from None
    except (OSError, EOFError) as exc:
        raise UnreadableInputError(f"cannot read: {exc}", file=str(path)) from None


def _registry() -> tuple[ReaderSpec, ...]:
    import pipelines.readers.pubmed_text as pubmed_text

    specs: list[ReaderSpec] = [
        ReaderSpec(
            "pubmed-page",
            pubmed_text.sniff_pubmed_page,
            pubmed_text.read_pubmed_page,
            "text of a PubMed abstract page copied from a browser",
        ),
        ReaderSpec(
            "pubmed-abstract-text",
            pubmed_text.sniff_abstract_export,
            pubmed_text.read_abstract_export,
            "PubMed 'Abstract (text)' export: records separated by PMID lines",
        ),
    ]
    specs.extend(_optional_specs())
    return tuple(specs)


def _optional_specs() -> list[ReaderSpec]:
    """Readers for the structured formats (PubMed XML, MEDLINE, JATS)."""
    specs: list[ReaderSpec] = []
    try:
        import pipelines.readers.pubmed_xml as pubmed_xml
    except ImportError:  # pragma: no cover - module added by the readers issue
        pass
    else:
        specs.append(
            ReaderSpec(
                "pubmed-xml",
                pubmed_xml.sniff_pubmed_xml,
                pubmed_xml.read_pubmed_xml,
                "PubMed/MEDLINE XML (efetch, baseline and update files)",
            )
        )
    try:
        import pipelines.readers.jats as jats
    except ImportError:  # pragma: no cover
        pass
    else:
        specs.append(
            ReaderSpec("jats", jats.sniff_jats, jats.read_jats, "PMC / publisher JATS XML")
        )
    try:
        import pipelines.readers.medline as medline
    except ImportError:  # pragma: no cover
        pass
    else:
        specs.append(
            ReaderSpec(
                "medline", medline.sniff_medline, medline.read_medline, "MEDLINE / .nbib text"
            )
        )
    return specs


def readers() -> tuple[ReaderSpec, ...]:
    """All known readers, most specific first.

    Example:
        >>> "pubmed-page" in [r.name for r in readers()]
        True
    """
    return _registry()


def detect(path: Path, *, specs: tuple[ReaderSpec, ...] | None = None) -> ReaderSpec:
    """Return the reader whose sniffer recognises the file's content.

    Raises :class:`UnknownFormatError` naming the file when none does.
    """
    head = read_head(path)
    if not head.strip():
        raise UnknownFormatError("empty file", file=str(path))
    for spec in specs if specs is not None else readers():
        if spec.sniff(head):
            return spec
    known = ", ".join(s.name for s in (specs if specs is not None else readers()))
    raise UnknownFormatError(f"not a format citegraph reads (known: {known})", file=str(path))


def read_any(path: Path) -> Iterator[RecordResult]:
    """Detect the format of ``path`` and yield its records (or per-record errors).

    Example:
        >>> arts = list(read_any(Path("data/pubmed-page-wjsc-2025-106856.txt")))
        >>> arts[0].ids.doi
        '10.4252/wjsc.v17.i7.106856'
    """
    spec = detect(path)
    yield from spec.read(path)

"""The triples of GNU sort's sorted quad lines, cut in C, with their Turtle in the same pass.

:class:`graph.serialize.QuadSorter` hands GNU sort its quads as lines (``<s> <p> "o" .\\t12``:
a triple, a tab, the number of its graph). What comes out sorted is cut here by the C
extension ``graph._ntcut``, built when citegraph is installed: each distinct triple once
(the quads of dropped graphs left out) to graph.nt, the bytes ``awk`` wrote, and at the
same time to graph.ttl, the bytes Oxigraph's Turtle serialiser writes for those sorted
triples (the test suite compares the two on real records). One pass over the lines
instead of three (awk, then Oxigraph reading graph.nt back and writing Turtle): about 2 s
less CPU for the 3 M triples of a 30,000-article baseline file.

Where the extension could not be built (no C compiler at install time), :func:`native`
says so and the sorter falls back to ``awk`` and Oxigraph.

Example:
    >>> import os, tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "quads").write_bytes(
    ...     b'<urn:a> <http://purl.org/dc/terms/title> "T" .\\t0\\n'
    ...     b'<urn:a> <http://purl.org/dc/terms/title> "T" .\\t1\\n'
    ...     b'<urn:a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
    ...     b'<http://purl.org/spar/fabio/Expression> .\\t1\\n')
    >>> if native():
    ...     with open(d / "quads", "rb") as src, open(d / "nt", "wb") as nt, \\
    ...             open(d / "ttl", "wb") as ttl:
    ...         n = cut_sorted(src.fileno(), nt.fileno(), ttl.fileno())
    ...     assert (n, (d / "ttl").read_text()) == (
    ...         2, '<urn:a> dcterms:title "T" ;\\n\\ta fabio:Expression .\\n')
"""

from __future__ import annotations

from collections.abc import Iterable
from types import ModuleType
from typing import Any

from graph.vocab import PREFIXES

__all__ = ["cut_sorted", "native", "quad_writer"]


def _load() -> ModuleType | None:
    try:
        from graph import _ntcut  # type: ignore[attr-defined]
    except ImportError:
        return None
    return _ntcut  # type: ignore[no-any-return]


_NTCUT = _load()  # (a module, loaded once: constant)

_PREFIX_BYTES = tuple((name.encode(), ns.encode()) for name, ns in PREFIXES.items())
"""citegraph's prefixes, as ``graph._ntcut`` takes them (it tries the longest first)."""


def _module() -> ModuleType:
    if _NTCUT is None:
        raise RuntimeError("graph._ntcut was not built (no C compiler at install time)")
    return _NTCUT


def native() -> bool:
    """Whether the C cutter (``graph._ntcut``) was built with this installation.

    Example:
        >>> native() in (True, False)
        True
    """
    return _NTCUT is not None


def quad_writer(fd: int) -> Any:
    """A ``graph._ntcut.QuadWriter`` on the file descriptor ``fd`` (GNU sort's input): its
    ``add(triples, end)`` writes ``f"{s} {p} {o}{end}"`` for each triple, UTF-8, in 1 MB
    writes (no Python string made per line: about 1 s less CPU for the 3.3 M quads of a
    30,000-article file); ``write(data)`` writes bytes; ``flush()``; ``close()`` drops what
    is not yet written. Raises :class:`RuntimeError` when :func:`native` is false.

    Example:
        >>> import os
        >>> r, w = os.pipe()
        >>> if native():
        ...     out = quad_writer(w)
        ...     assert out.add(iter([("<urn:a>", "<urn:p>", '"é"')]), b" .\\t3\\n") == 1
        ...     out.flush()
        ...     assert os.read(r, 100) == '<urn:a> <urn:p> "é" .\\t3\\n'.encode()
        >>> os.close(r); os.close(w)
    """
    return _module().QuadWriter(fd)


def cut_sorted(source: int, ntriples: int, turtle: int = -1, drop: Iterable[int] = ()) -> int:
    """Read sorted quad lines from the file descriptor ``source`` to its end; write each
    distinct triple once, the quads of the graphs numbered in ``drop`` left out, as
    N-Triples to ``ntriples`` and, unless ``turtle`` is -1, as Turtle without its
    ``@prefix`` lines (:data:`graph.vocab.PREFIXES` names compacted) to ``turtle``. Return
    how many triples were written. The descriptors are written with ``write(2)``, unbuffered
    here (flush a Python file object before handing over its descriptor).

    Raises :class:`OSError` on a failed read or write and :class:`ValueError` naming the
    first line that is not a quad line; :class:`RuntimeError` when :func:`native` is false.

    Example:
        >>> import os
        >>> r, w = os.pipe()
        >>> _ = os.write(w, b'<urn:a> <urn:p> "1" .\\t0\\n<urn:b> <urn:p> "2" .\\t3\\n')
        >>> os.close(w)
        >>> out_r, out_w = os.pipe()
        >>> cut_sorted(r, out_w, drop=[3]) if native() else 1
        1
        >>> for fd in (r, out_r, out_w):
        ...     os.close(fd)
    """
    count: int = _module().cut(source, ntriples, turtle, tuple(drop), _PREFIX_BYTES)
    return count

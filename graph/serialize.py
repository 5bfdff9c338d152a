"""Writing triples: sorted N-Quads/N-Triples in bounded memory, Turtle / JSON-LD streamed.

:class:`QuadSorter` collects N-Quads lines (each triple with the named graph of its source
record), spills sorted chunks to a temporary directory when it holds too many, and merges
them (dropping duplicates) into one sorted stream; :func:`triples_of` turns that stream into
sorted, distinct N-Triples. Turtle and JSON-LD are written from the sorted N-Triples subject
by subject, so no serialiser ever holds the whole graph. The same input always gives
byte-identical output.

Example:
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> sorter = QuadSorter()
    >>> sorter.add(("<urn:b>", "<urn:p>", '"2"'), "<urn:g1>")
    >>> sorter.add(("<urn:a>", "<urn:p>", '"1"'), "<urn:g1>")
    >>> sorter.add(("<urn:a>", "<urn:p>", '"1"'), "<urn:g2>")
    >>> write_ntriples(triples_of(sorter.lines()), d / "g.nt")
    2
    >>> (d / "g.nt").read_text().splitlines()[0]
    '<urn:a> <urn:p> "1" .'
"""

from __future__ import annotations

import contextlib
import functools
import heapq
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from importlib import resources
from itertools import islice
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from graph import ntcut
from graph.atomic import atomic_path, atomic_write
from graph.rdf import Triple
from graph.vocab import PREFIXES, RDF

__all__ = [
    "GrowingFile",
    "QuadSorter",
    "big_writes",
    "count_lines",
    "gnu_sort",
    "join_jsonld",
    "join_turtle",
    "jsonld_context",
    "jsonld_piece",
    "parse_nq_line",
    "parse_nt_line",
    "subject_cuts",
    "triple_blocks",
    "triples_of",
    "turtle_following",
    "turtle_piece",
    "widen_pipe",
    "write_jsonld",
    "write_ntriple_blocks",
    "write_ntriples",
    "write_turtle",
]


@functools.cache  # one probe per process: every build asks
def gnu_sort() -> str | None:
    """The path of GNU ``sort`` (coreutils) when this machine has it, else ``None``.

    Example:
        >>> gnu_sort() is None or gnu_sort().endswith("sort")
        True
    """
    program = shutil.which("sort")
    if program is None:
        return None
    try:
        version = subprocess.run(
            [program, "--version"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return program if "GNU coreutils" in version else None


_WRITE_BLOCK = "-o64K"  # stdbuf's option: see big_writes()


@functools.cache  # one probe per process, like gnu_sort()
def big_writes() -> tuple[str, ...]:
    """The prefix that makes a C helper write its standard output in 64 KB blocks:
    coreutils' ``stdbuf -o64K`` where this machine has it and it works, else nothing
    (``()``).

    GNU sort and awk write their output through C's stdio, in 4 KB blocks when it goes to
    a pipe or a file here: about 100,000 system calls each for the 400 MB of a
    30,000-article build. In 64 KB blocks the sort-and-cut pipeline spends about a third
    less time in the kernel. Larger blocks were slower again here (1 MB blocks: ``sort |
    awk`` pinned to one CPU took 2.45-2.77 s against 2.19-2.41 s in 64 KB blocks, and awk
    alone spent 0.13-0.81 s in the kernel against 0.12-0.16 s), most likely because a
    block that big is out of the CPU's nearest caches by the time the kernel copies it.

    Example:
        >>> big_writes() in ((), (shutil.which("stdbuf"), "-o64K"))
        True
    """
    program = shutil.which("stdbuf")
    if program is None:
        return ()
    try:  # (stdbuf works by preloading a library: a system without it says so here)
        done = subprocess.run([program, _WRITE_BLOCK, "true"], capture_output=True,
                              timeout=10, check=False)  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return ()
    return (program, _WRITE_BLOCK) if done.returncode == 0 else ()


def widen_pipe(fd: int, size: int = 1 << 20) -> None:
    """Give a pipe ``size`` bytes of buffer instead of Linux's 64 KB, where the system
    allows (elsewhere nothing changes): the hundreds of MB that go through GNU sort then pass
    in far fewer, larger steps.

    Example:
        >>> r, w = os.pipe()
        >>> widen_pipe(w)
        >>> os.close(r); os.close(w)
    """
    try:
        import fcntl
    except ImportError:  # not on POSIX
        return
    setsize = getattr(fcntl, "F_SETPIPE_SZ", None)
    if setsize is not None:
        with contextlib.suppress(OSError):  # above /proc/sys/fs/pipe-max-size
            fcntl.fcntl(fd, setsize, size)


class QuadSorter:
    """Sort and de-duplicate quads in bounded memory (external merge sort).

    Each triple is kept with the named graph of the source record it came from, so a
    superseded or deleted record can be dropped at the end. A quad is held as its N-Triples
    line, a tab, and a number for its graph (graphs are numbered as they come; see
    :meth:`_number`): ``<s> <p> "o" .\t12\n``. Literals never hold a raw tab
    (:func:`graph.rdf.literal` escapes it), so the triple is the first tab-separated field
    and sorted quads sort their triples as N-Triples lines sort; the number is about 45 bytes
    shorter than the graph IRI it stands for (a quarter less to sort, on another core or
    not). :meth:`lines` gives the quads with their graph IRIs back, in the order of those
    lines. ``chunk_lines`` lines at
    most are held in memory. Beyond that, the lines go to GNU ``sort`` (``LC_ALL=C sort -u``,
    which orders UTF-8 bytes as Python orders code points, so the output is the same) where
    the machine has it: it sorts on another core while the build goes on, in C. Without it,
    sorted chunks go to a temporary directory and are merged here. Either way the temporary
    files are removed by :meth:`close` (or once :meth:`lines` is exhausted).
    ``external=False`` keeps everything in this process. What GNU sort gives is cut into
    N-Triples (and Turtle) in C by :mod:`graph.ntcut` where that extension was built, else by
    ``awk`` and Oxigraph; ``native=False`` takes the second way where both exist.
    """

    def __init__(
        self, chunk_lines: int = 250_000, *, external: bool | None = None, native: bool = True
    ) -> None:
        self._chunk_lines = chunk_lines
        self._native = native and ntcut.native()
        self._writer: Any = None  # graph._ntcut.QuadWriter on the sort's input, once it runs
        self._buffer: set[str] = set()
        self._chunks: list[Path] = []
        self._tmpdir: Path | None = None
        self._external = gnu_sort() is not None if external is None else external
        self._sort: subprocess.Popen[str] | None = None
        self._graphs: list[str] = []  # number -> graph IRI (the caller's string, shared)
        self.added = 0

    def _number(self, graph: str) -> str:
        """The number of ``graph``: the last one's again, else a new one. A graph added
        again after others gets a second number (its quads are then told apart by IRI):
        no table of every graph is kept, only this list of one pointer per graph."""
        graphs = self._graphs
        if not graphs or graphs[-1] != graph:
            graphs.append(graph)
        return str(len(graphs) - 1)

    def add(self, triple: Triple, graph: str) -> None:
        """Add one triple in ``graph`` (an N-Triples IRI term such as ``"<urn:uuid:...>"``)."""
        self._add_lines([f"{triple[0]} {triple[1]} {triple[2]} .\t{self._number(graph)}\n"])

    def add_all(self, triples: Iterable[Triple], graph: str) -> None:
        """Add many triples to one graph (one set update, not a call per triple; once GNU
        sort runs, written to it in C where :mod:`graph.ntcut` is built: no line is made
        in Python)."""
        end = f" .\t{self._number(graph)}\n"
        if self._writer is not None:
            self.added += self._writer.add(triples, end.encode())
            return
        self._add_lines([f"{s} {p} {o}{end}" for s, p, o in triples])

    def _add_lines(self, lines: list[str]) -> None:
        """Add quad lines as :meth:`add` makes them (``<s> <p> "o" .\\t<number>\\n``)."""
        self.added += len(lines)
        if self._writer is not None:
            self._writer.write("".join(lines).encode())
            return
        if self._sort is not None:
            assert self._sort.stdin is not None
            self._sort.stdin.write("".join(lines))
            return
        self._buffer.update(lines)
        if len(self._buffer) >= self._chunk_lines:
            self._spill()

    def _temp(self) -> Path:
        if self._tmpdir is None:
            self._tmpdir = Path(tempfile.mkdtemp(prefix="citegraph-sort-"))
        return self._tmpdir

    def _spill(self) -> None:
        if self._external and self._sort is None and not self._chunks:
            program = gnu_sort()
            if program is not None:
                self._sort = subprocess.Popen(
                    [*big_writes(), program, "-u", "-S", "64M", "-T", str(self._temp())],
                    # 1 MB buffers: the lines of one article (about 13 kB) are written in
                    # far fewer, larger writes (one system call per MB, not per article)
                    bufsize=1 << 20,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    env={**os.environ, "LC_ALL": "C"},
                    encoding="utf-8",  # (no \r ever: N-Triples escapes it)
                )
                assert self._sort.stdin is not None and self._sort.stdout is not None
                widen_pipe(self._sort.stdin.fileno())
                widen_pipe(self._sort.stdout.fileno())
                self._sort.stdin.write("".join(self._buffer))
                self._buffer = set()
                if self._native:  # the next lines go to the sort's input from C
                    self._sort.stdin.flush()
                    self._writer = ntcut.quad_writer(self._sort.stdin.fileno())
                return
        path = self._temp() / f"chunk{len(self._chunks):05d}.nq"
        with path.open("w", encoding="utf-8", newline="\n") as fh:
            fh.writelines(sorted(self._buffer))
        self._chunks.append(path)
        self._buffer = set()

    def lines(self) -> Iterator[str]:
        """Yield every distinct quad line once (``<s> <p> "o" .\\t<g>\\n``, the graph's
        IRI), in sorted (code point) order.

        Example:
            >>> q = QuadSorter(external=False)
            >>> q.add(("<urn:a>", "<urn:p>", '"1"'), "<urn:g2>")
            >>> q.add(("<urn:a>", "<urn:p>", '"1"'), "<urn:g1>")
            >>> list(q.lines())
            ['<urn:a> <urn:p> "1" .\\t<urn:g1>\\n', '<urn:a> <urn:p> "1" .\\t<urn:g2>\\n']
        """
        for block in self.blocks():
            yield from block

    def blocks(self, size: int = 1 << 20) -> Iterator[list[str]]:
        """The lines of :meth:`lines` in lists of about ``size`` characters (or 8,192 lines):
        the same lines, for consumers that work a block at a time."""
        for quads, _ in self._named_blocks(size, frozenset(), nquads=False):
            yield quads

    def _named_blocks(
        self, size: int, drop: frozenset[str], *, nquads: bool
    ) -> Iterator[tuple[list[str], list[str]]]:
        """The sorted quads a block at a time, with their graphs' IRIs, the graphs numbered
        in ``drop`` left out: each block as its quad lines (``<s> <p> "o" .\\t<g>\\n``, or
        N-Quads lines with ``nquads``) and its distinct triple lines. A triple's quads come
        sorted by IRI, each once (a graph added again after others has two numbers)."""
        name = dict(zip(map(str, range(len(self._graphs))), self._graphs, strict=True))
        back, tail = (1, " .\n") if nquads else (-1, "\n")  # (cut the line's " ." or keep)
        run: list[str] = []  # the quads of the last triple: they may go on in the next block
        previous = None
        for block in self._numbered_blocks(size):
            quads: list[str] = []
            triples: list[str] = []
            for line in block:
                cut = line.rindex("\t")
                number = line[cut + 1 : -1]
                if number in drop:
                    continue
                quad = f"{line[: cut - back]}{name[number]}{tail}"
                triple = line[:cut]
                if triple == previous:
                    run.append(quad)
                    continue
                quads += sorted(set(run)) if len(run) > 1 else run
                run, previous = [quad], triple
                triples.append(f"{triple}\n")
            yield quads, triples
        yield sorted(set(run)), []

    def _numbered_blocks(self, size: int = 1 << 20) -> Iterator[list[str]]:
        """The sorted, distinct lines as they are held (graphs by number), in blocks."""
        try:
            if self._sort is not None:
                yield from self._sorted_externally(self._sort, size)
                return
            yield from _batched(self._merged(), 8192)
        finally:
            self.close()

    def _merged(self) -> Iterator[str]:
        if not self._chunks:
            yield from sorted(self._buffer)
            return
        if self._buffer:
            self._spill()
        handles = [p.open("r", encoding="utf-8", newline="\n") for p in self._chunks]
        try:
            previous = None
            for line in heapq.merge(*handles):
                if line != previous:
                    yield line
                    previous = line
        finally:
            for h in handles:
                h.close()

    def seal(self) -> None:
        """No more lines will come: let an external sort start its final merge now (and
        close its input before the caller forks a process, which would hold it open)."""
        proc = self._sort
        if proc is not None and proc.stdin is not None and not proc.stdin.closed:
            if self._writer is not None:
                self._writer.flush()
                self._writer.close()
                self._writer = None
            if self._buffer:
                proc.stdin.write("".join(self._buffer))
                self._buffer = set()
            proc.stdin.close()

    def triples(
        self, size: int = 1 << 20, *, drop_graphs: frozenset[str] = frozenset()
    ) -> Iterator[list[str]]:
        """The sorted, distinct N-Triples lines of every quad (whatever its graph), in
        blocks, leaving out the quads of the graphs in ``drop_graphs``. With GNU sort, its
        output goes through ``awk`` (or GNU ``cut -f1 | uniq`` when nothing is dropped),
        in C, on the other core, instead of being cut here.

        Example:
            >>> q = QuadSorter(external=False)
            >>> q.add(("<urn:a>", "<urn:p>", '"1"'), "<urn:g2>")
            >>> q.add(("<urn:a>", "<urn:p>", '"1"'), "<urn:g1>")
            >>> q.add(("<urn:b>", "<urn:p>", '"2"'), "<urn:g2>")
            >>> [line for block in q.triples(drop_graphs=frozenset({"<urn:g2>"}))
            ...  for line in block]
            ['<urn:a> <urn:p> "1" .\\n']
        """
        drop = self._numbers(drop_graphs)
        commands = None if self._sort is None else _cutter(bool(drop))
        if commands is None:
            yield from triple_blocks(self._numbered_blocks(size), drop_graphs=drop)
            return
        with self._piped_cut(subprocess.PIPE, drop, commands) as cutter:
            assert cutter.stdout is not None
            widen_pipe(cutter.stdout.fileno())
            yield from _read_blocks(cutter.stdout, size)
            cutter.stdout.close()

    def quads_and_triples(
        self, nquads: IO[str], *, drop_graphs: frozenset[str] = frozenset()
    ) -> Iterator[list[str]]:
        """Write every quad (the graphs in ``drop_graphs`` left out) to ``nquads`` as N-Quads
        lines, and yield the lines of :meth:`triples` meanwhile: one pass gives both files.

        Example:
            >>> import io
            >>> q, nq = QuadSorter(external=False), io.StringIO()
            >>> q.add(("<urn:a>", "<urn:p>", '"1"'), "<urn:g2>")
            >>> q.add(("<urn:a>", "<urn:p>", '"1"'), "<urn:g1>")
            >>> [t for block in q.quads_and_triples(nq) for t in block], nq.getvalue()
            (['<urn:a> <urn:p> "1" .\\n'], '<urn:a> <urn:p> "1" <urn:g1> .\\n<urn:a> <urn:p> "1" <urn:g2> .\\n')
        """  # noqa: E501
        named = self._named_blocks(1 << 20, self._numbers(drop_graphs), nquads=True)
        for quads, triples in named:
            nquads.write("".join(quads))
            yield triples

    @property
    def writes_turtle(self) -> bool:
        """Whether :meth:`write_triples` writes Turtle in the same pass as N-Triples (in C,
        after GNU sort): then no Turtle writer need follow or read graph.nt."""
        return self._sort is not None and self._native

    def write_triples(
        self,
        path: Path | str,
        *,
        drop_graphs: frozenset[str] = frozenset(),
        on_open: Callable[[Path], None] | None = None,
        turtle: Path | str | None = None,
    ) -> int:
        """Write the lines of :meth:`triples` to ``path`` atomically; return how many. With
        ``turtle``, write their Turtle there too (atomically; the bytes of
        :func:`write_turtle`).

        With GNU sort, C code after it writes the files itself: the lines never pass
        through Python (about 3 s less CPU for 3 M triples), and where :mod:`graph.ntcut` is
        built, N-Triples and Turtle come from one pass over the sorted lines. ``on_open`` is
        called with the temporary file's path once it exists, before any line is written:
        a reader may follow the file as it grows (see :class:`GrowingFile`).

        Example:
            >>> import tempfile, pathlib
            >>> p = pathlib.Path(tempfile.mkdtemp()) / "g.nt"
            >>> q = QuadSorter(external=False)
            >>> q.add(("<urn:a>", "<urn:p>", '"1"'), "<urn:g>")
            >>> q.write_triples(p, turtle=p.with_suffix(".ttl")), p.read_text()
            (1, '<urn:a> <urn:p> "1" .\\n')
            >>> p.with_suffix(".ttl").read_text().endswith('\\n<urn:a> <urn:p> "1" .\\n')
            True
        """
        drop = self._numbers(drop_graphs)
        if self.writes_turtle:
            return self._cut_natively(Path(path), drop, on_open, turtle)
        commands = None if self._sort is None else _cutter(bool(drop))
        with atomic_path(path) as tmp:
            with tmp.open("wb") as fh:
                if on_open is not None:
                    on_open(tmp)
                if commands is None:
                    blocks = triple_blocks(self._numbered_blocks(), drop_graphs=drop)
                    count = _write_blocks(blocks, fh)
                else:
                    with self._piped_cut(fh, drop, commands):
                        pass
            if commands is not None:
                count = count_lines(tmp)
        if turtle is not None:
            write_turtle(path, turtle)
        return count

    def _cut_natively(
        self,
        path: Path,
        drop: frozenset[str],
        on_open: Callable[[Path], None] | None,
        turtle: Path | str | None,
    ) -> int:
        """:meth:`write_triples` by :func:`graph.ntcut.cut_sorted`, from GNU sort's output."""
        proc = self._sort
        assert proc is not None and proc.stdout is not None
        self.seal()
        try:
            with contextlib.ExitStack() as stack:
                tmp = stack.enter_context(atomic_path(path))
                nt = stack.enter_context(tmp.open("wb"))
                ttl = None
                if turtle is not None:
                    ttl = stack.enter_context(stack.enter_context(atomic_path(turtle)).open("wb"))
                    ttl.write(_TURTLE_HEADER)
                    ttl.flush()
                if on_open is not None:
                    on_open(tmp)
                try:
                    count = ntcut.cut_sorted(
                        proc.stdout.fileno(),
                        nt.fileno(),
                        -1 if ttl is None else ttl.fileno(),
                        map(int, drop),
                    )
                except ValueError as exc:
                    raise OSError(f"sort's output in {self._tmpdir}: {exc}") from exc
                proc.stdout.close()
                self._sort_done(proc)
                return count
        finally:
            self.close()  # (a sort still running is stopped: its reader has gone)

    def _numbers(self, graphs: frozenset[str]) -> frozenset[str]:
        """The numbers of those of ``graphs`` that hold quads here."""
        if not graphs:
            return frozenset()
        return frozenset(str(n) for n, g in enumerate(self._graphs) if g in graphs)

    @contextlib.contextmanager
    def _piped_cut(
        self, stdout: Any, drop: frozenset[str], commands: list[list[str]]
    ) -> Iterator[subprocess.Popen[Any]]:
        """Run ``sort | awk > stdout`` (or ``sort | cut -f1 | uniq``: the :func:`_cutter`
        ``commands``) to its end, the quads of the graphs numbered in ``drop`` left out
        (helpers killed on early exit)."""
        proc = self._sort
        assert proc is not None and proc.stdout is not None
        self.seal()
        env = {**os.environ, "LC_ALL": "C"}
        text = "utf-8" if stdout == subprocess.PIPE else None
        helpers: list[subprocess.Popen[Any]] = []
        try:
            if drop:
                dropped = self._temp() / "dropped"
                dropped.write_text("".join(f"{n}\n" for n in sorted(drop)), encoding="ascii")
                commands = [[*commands[0], str(dropped), "-"]]
            source: IO[Any] | None = proc.stdout
            for i, command in enumerate(commands):
                last = i == len(commands) - 1
                helper = subprocess.Popen(command, stdin=source,
                                          stdout=stdout if last else subprocess.PIPE, env=env,
                                          encoding=text if last else None)  # fmt: skip
                helpers.append(helper)
                assert source is not None
                source.close()  # the helper holds it now
                source = helper.stdout
            yield helpers[-1]
            # The helpers first: a sort whose reader died would wait for ever on a pipe
            # that a forked process of this one still holds open.
            helper_codes = [h.wait() for h in helpers]
            if any(helper_codes) and proc.poll() is None:
                proc.kill()
            codes = (proc.wait(), *helper_codes)
            if any(codes):
                names = " | ".join(_program(c) for c in commands)
                raise OSError(f"sort | {names} failed (exits {codes}) in {self._tmpdir}")
            self._sort = None
        finally:
            for helper in helpers:  # stopped early: no helper left behind
                if helper.poll() is None:
                    helper.kill()
                    helper.wait()
                if helper.stdout is not None:
                    with contextlib.suppress(OSError):
                        helper.stdout.close()
            self.close()

    def _sorted_externally(self, proc: subprocess.Popen[str], size: int) -> Iterator[list[str]]:
        assert proc.stdout is not None
        self.seal()
        yield from _read_blocks(proc.stdout, size)
        self._sort_done(proc)

    def _sort_done(self, proc: subprocess.Popen[str]) -> None:
        """Wait for GNU sort, whose output has been read to its end; raise if it failed."""
        if proc.wait() != 0:
            raise OSError(f"sort failed (exit {proc.returncode}) in {self._tmpdir}")
        self._sort = None

    def rewritten(self, rewrite: Callable[[Triple], Triple | None]) -> QuadSorter:
        """Return a new sorter holding every quad of this one with its triple passed through
        ``rewrite`` (``None`` drops it). Used to re-key works once identity resolution has
        seen the whole input.

        Quads that ``rewrite`` leaves as they are stay in sorted order, so they go straight
        to one chunk file; only the changed ones are sorted again.
        """
        out = QuadSorter(self._chunk_lines, external=False)
        out._graphs = self._graphs  # the same numbers
        kept = out._temp() / "kept.nq"
        with kept.open("w", encoding="utf-8", newline="\n") as fh:
            for block in self._numbered_blocks():
                for line in block:
                    cut = line.rindex("\t")
                    s, p, o = parse_nt_line(line[:cut] + "\n")
                    t = rewrite((s, p, o))
                    if t == (s, p, o):
                        fh.write(line)
                    elif t is not None:
                        out._add_lines([f"{t[0]} {t[1]} {t[2]} .{line[cut:]}"])
        out._chunks.append(kept)
        return out

    def close(self) -> None:
        """Stop an unfinished sort and remove the temporary files."""
        if self._writer is not None:
            self._writer.close()  # (what it holds unwritten is dropped with the sort)
            self._writer = None
        if self._sort is not None:
            self._sort.kill()
            self._sort.wait()
            for stream in (self._sort.stdin, self._sort.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
            self._sort = None
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None
            self._chunks = []


def parse_nt_line(line: str) -> Triple:
    """Split one N-Triples line (as citegraph writes them) into its three terms.

    Example:
        >>> parse_nt_line('<urn:a> <urn:p> "x y" .\\n')
        ('<urn:a>', '<urn:p>', '"x y"')
    """
    s, p, rest = line.split(" ", 2)
    return s, p, rest.rstrip("\n")[:-2]


def parse_nq_line(line: str) -> tuple[str, str, str, str]:
    """Split one N-Quads line (as citegraph writes them: always with a graph) into its terms.

    Example:
        >>> parse_nq_line('<urn:a> <urn:p> "x y" <urn:g> .\\n')
        ('<urn:a>', '<urn:p>', '"x y"', '<urn:g>')
    """
    s, p, rest = line.split(" ", 2)
    o, g = rest.rstrip("\n")[:-2].rsplit(" ", 1)
    return s, p, o, g


def triples_of(
    quad_lines: Iterable[str],
    *,
    drop_graphs: frozenset[str] = frozenset(),
    nquads: IO[str] | None = None,
) -> Iterator[str]:
    """Turn sorted quad lines (as :class:`QuadSorter` holds them) into sorted, distinct
    N-Triples lines.

    Quads of a graph in ``drop_graphs`` are left out; every kept quad is also written to
    ``nquads`` as an N-Quads line when given (one pass gives both files).

    Example:
        >>> list(triples_of(['<urn:a> <urn:p> "1" .\\t<urn:g1>\\n',
        ...                  '<urn:a> <urn:p> "1" .\\t<urn:g2>\\n']))
        ['<urn:a> <urn:p> "1" .\\n']
    """
    for block in triple_blocks(_batched(quad_lines, 8192), drop_graphs=drop_graphs,
                               nquads=nquads):  # fmt: skip
        yield from block


def triple_blocks(
    quad_blocks: Iterable[list[str]],
    *,
    drop_graphs: frozenset[str] = frozenset(),
    nquads: IO[str] | None = None,
) -> Iterator[list[str]]:
    """:func:`triples_of` a block of lines at a time (as :meth:`QuadSorter.blocks` gives
    them): the same lines, about twice as fast when no graph is dropped and no N-Quads are
    written, as each block is cut with one list comprehension.

    Example:
        >>> list(triple_blocks([['<urn:a> <urn:p> "1" .\\t<urn:g1>\\n'],
        ...                     ['<urn:a> <urn:p> "1" .\\t<urn:g2>\\n']]))
        [['<urn:a> <urn:p> "1" .\\n'], []]
    """
    previous: str | None = None
    for block in quad_blocks:
        if not block:
            continue
        if drop_graphs or nquads is not None:
            out = []
            for line in block:
                cut = line.rindex("\t")
                graph = line[cut + 1 : -1]
                if graph in drop_graphs:
                    continue
                if nquads is not None:
                    nquads.write(f"{line[: cut - 1]}{graph} .\n")
                triple = line[:cut] + "\n"
                if triple != previous:
                    out.append(triple)
                    previous = triple
            yield out
            continue
        # A quad line is its triple's N-Triples line, a tab and the graph.
        triples = [line[: line.rindex("\t")] + "\n" for line in block]
        # the same triple in several graphs: its quads are next to each other, sorted
        yield [t for t, before in zip(triples, [previous, *triples[:-1]], strict=True)
               if t != before]  # fmt: skip
        previous = triples[-1]


# Takes the triple off each sorted quad line and writes each triple once (its quads are next
# to each other in the sorted lines); the dropping one first reads the file of graph numbers
# to leave out. Graph numbers are plain decimals: awk reads "12" as the key "12" (a token
# such as "1e5" could be read as a number and miss its key).
_AWK_CUT = "-F\t", "$1 != p { print $1; p = $1 }"
_AWK_CUT_DROPPING = "-F\t", "NR == FNR { d[$0]; next } !($2 in d) && $1 != p { print $1; p = $1 }"


@functools.cache  # probed once per process, like gnu_sort()
def _cutter(dropping: bool) -> list[list[str]] | None:
    """The commands that cut triples from sorted quad lines after GNU sort, in C: ``mawk``
    or ``gawk`` (about 40 % less CPU than ``cut -f1 | uniq``; the only one that can leave
    graphs out), else ``cut -f1 | uniq`` when nothing is dropped; ``None`` when this
    machine has neither (the lines are then cut in Python).

    Example:
        >>> _cutter(False) is None or _cutter(False)[-1][len(big_writes())].rsplit("/")[-1] in (
        ...     "mawk", "gawk", "uniq")
        True
    """
    for name in ("mawk", "gawk"):
        if (awk := shutil.which(name)) is not None:
            return [[*big_writes(), awk, *(_AWK_CUT_DROPPING if dropping else _AWK_CUT)]]
    if not dropping and all(shutil.which(p) is not None for p in ("cut", "uniq")):
        return [[*big_writes(), "cut", "-f1"], [*big_writes(), "uniq"]]
    return None


def _program(command: list[str]) -> str:
    """The program a helper's command runs (past ``stdbuf -o64K``): ``mawk``, ``uniq``..."""
    words = command[2:] if Path(command[0]).name == "stdbuf" else command
    return Path(words[0]).name


def count_lines(path: Path | str) -> int:
    """The number of lines in a file (a last line without a newline counts too), counted
    by ``wc -l`` where the machine has it, else here in 4 MB blocks.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "g.nt"
        >>> _ = p.write_text("a\\nb\\n")
        >>> count_lines(p), p.write_text("a\\nb") and count_lines(p)
        (2, 2)
    """
    with open(path, "rb") as fh:
        size = fh.seek(0, 2)
        if size == 0:
            return 0
        fh.seek(size - 1)
        unterminated = fh.read(1) != b"\n"
        fh.seek(0)
        wc = shutil.which("wc")
        if wc is not None:  # coreutils' wc: 0.1 s for 370 MB, Python's count 0.3 s or more
            done = subprocess.run([wc, "-l"], stdin=fh, capture_output=True, check=False)
            if done.returncode == 0:
                return int(done.stdout.split()[0]) + unterminated
            fh.seek(0)
        count = 0
        while block := fh.read(1 << 22):
            count += block.count(b"\n")
    return count + unterminated


def _read_blocks(stream: IO[str], size: int) -> Iterator[list[str]]:
    while block := stream.readlines(size):
        yield block


def _batched(lines: Iterable[str], n: int) -> Iterator[list[str]]:
    it = iter(lines)
    while block := list(islice(it, n)):
        yield block


def write_ntriples(lines: Iterable[str], path: Path | str) -> int:
    """Write N-Triples lines atomically and return how many were written."""
    return write_ntriple_blocks(_batched(lines, 8192), path)


def write_ntriple_blocks(blocks: Iterable[list[str]], path: Path | str) -> int:
    """:func:`write_ntriples` for lines in blocks (one write per block).

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "g.nt"
        >>> write_ntriple_blocks([['<urn:a> <urn:p> "1" .\\n'], []], p)
        1
        >>> p.read_text()
        '<urn:a> <urn:p> "1" .\\n'
    """
    with atomic_write(path, "wb") as fh:
        return _write_blocks(blocks, fh)


def _write_blocks(blocks: Iterable[list[str]], fh: IO[bytes]) -> int:
    """Write the lines of ``blocks`` (UTF-8, one write per block); return how many."""
    count = 0
    for block in blocks:
        fh.write("".join(block).encode("utf-8"))
        count += len(block)
    return count


# ---------------------------------------------------------------- compact names

_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")
_PREFIX_OF_NS = {ns: prefix for prefix, ns in PREFIXES.items()}
_RDF_TYPE = f"<{RDF.type}>"
_URN_PREFIXES = any(ns.startswith("urn:") for ns in _PREFIX_OF_NS)


def _compact(term: str) -> str | None:
    """``<http://purl.org/spar/fabio/JournalArticle>`` -> ``fabio:JournalArticle``, or None.

    Every citegraph namespace ends in ``/`` or ``#``, so the namespace of an IRI is found by
    one dictionary look-up instead of a scan of the prefix table.
    """
    if term.startswith("<urn:") and not _URN_PREFIXES:  # (most subjects: no name to find)
        return None
    iri = term[1:-1]
    cut = max(iri.rfind("/"), iri.rfind("#")) + 1
    if cut == 0:
        return None
    prefix = _PREFIX_OF_NS.get(iri[:cut])
    if prefix is None:
        return None
    local = iri[cut:]
    return f"{prefix}:{local}" if _LOCAL.match(local) else None


def subject_cuts(nt: Path | str, parts: int) -> list[int]:
    """Byte offsets that cut a sorted N-Triples file into ``parts`` pieces of about equal
    size, each cut where the subject changes (so each piece's Turtle can be written on its
    own): ``[0, ..., size]``.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "g.nt"
        >>> _ = p.write_text('<urn:a> <urn:p> "1" .\\n<urn:a> <urn:p> "2" .\\n'
        ...                  '<urn:b> <urn:p> "3" .\\n')
        >>> subject_cuts(p, 2)
        [0, 44, 66]
    """
    size = os.path.getsize(nt)
    cuts = [0]
    with open(nt, "rb") as fh:
        for k in range(1, parts):
            target = max(cuts[-1], size * k // parts)
            # From a little before the target, to know the subject of the line before it.
            fh.seek(max(cuts[-1], target - 65536))
            if fh.tell() > 0:
                fh.seek(fh.tell() - 1)
                fh.readline()  # to the start of the next line
            pos, previous, cut = fh.tell(), None, size
            while line := fh.readline():
                subject = line.split(b" ", 1)[0]
                if pos >= target and previous is not None and subject != previous:
                    cut = pos
                    break
                previous = subject
                pos += len(line)
            cuts.append(cut)
    cuts.append(size)
    return cuts


def write_turtle(nt: Path | str, path: Path | str) -> None:
    """Write a sorted N-Triples file citegraph wrote as Turtle, atomically, with Oxigraph's
    Turtle serialiser (:func:`turtle_piece`, then :func:`join_turtle`).

    Example:
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (d / "g.nt").write_text(
        ...     '<urn:a> <http://purl.org/dc/terms/title> "T" .\\n'
        ...     '<urn:a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
        ...     '<http://purl.org/spar/fabio/Expression> .\\n')
        >>> write_turtle(d / "g.nt", d / "g.ttl")
        >>> (d / "g.ttl").read_text().split("\\n\\n")[1]
        '<urn:a> dcterms:title "T" ;\\n\\ta fabio:Expression .\\n'
    """
    _write_turtle_of(os.fspath(nt), path)


def _write_turtle_of(source: io.RawIOBase | str, path: Path | str) -> None:
    """The Turtle of the sorted N-Triples bytes of ``source``, to ``path`` atomically (with
    citegraph's ``@prefix`` lines, in their fixed order)."""
    target = Path(path)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    try:
        _turtle_of(source, name)
        join_turtle([name], target)
    finally:
        os.unlink(name)


def turtle_piece(nt: Path | str, piece: Path | str, start: int = 0, end: int | None = None) -> None:
    """Write Oxigraph's Turtle of a sorted N-Triples file citegraph wrote, or of its bytes
    ``start`` to ``end`` (cut where the subject changes: :func:`subject_cuts`), to ``piece``;
    :func:`join_turtle` makes the Turtle file of pieces.

    Oxigraph parses and writes in Rust: about a million triples a second here (CPU),
    against 0.7 million for the Python writer it replaced and 8,000 for rdflib's
    serialiser. It joins a subject's predicates with ``;`` and a predicate's objects with
    ``,`` as the triples come, so a sorted file gives each subject once, and it compacts
    names in citegraph's vocabularies. A piece starts with Oxigraph's ``@prefix`` lines,
    whose order changes from run to run.
    """
    size = os.path.getsize(nt) if end is None else end
    with open(nt, "rb") as src:
        _turtle_of(_ByteRange(src, start, size), piece)


def _turtle_of(source: io.RawIOBase | str, piece: Path | str) -> None:
    """Oxigraph's Turtle of the sorted N-Triples bytes ``source`` gives (or of the whole file
    at the path ``source``, which Oxigraph then reads itself: no Python read calls), to
    ``piece``."""
    lenient = True  # citegraph's own output: its IRIs are checked when made
    if isinstance(source, str):
        triples = ox.parse(path=source, format=ox.RdfFormat.N_TRIPLES, lenient=lenient)
    else:
        triples = ox.parse(io.BufferedReader(source, 1 << 20), ox.RdfFormat.N_TRIPLES,
                           lenient=lenient)  # fmt: skip
    ox.serialize(triples, str(piece), ox.RdfFormat.TURTLE, prefixes=_PREFIX_IRIS)


def turtle_following(growing: GrowingFile, path: Path | str) -> None:
    """Write the Turtle of a sorted N-Triples file that is still being written (see
    :class:`GrowingFile`) to ``path`` atomically, as the lines come: the same bytes
    :func:`write_turtle` writes once the file is whole.

    Example:
        >>> import tempfile, pathlib, threading
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> nt = d / "g.nt"
        >>> writer = nt.open("wb", buffering=0)
        >>> growing = GrowingFile(nt)
        >>> done = threading.Thread(target=turtle_following, args=(growing, d / "g.ttl"))
        >>> done.start()
        >>> _ = writer.write(b'<urn:a> <http://purl.org/dc/terms/title> "T" .\\n')
        >>> growing.ends_at(writer.tell()); writer.close(); done.join()
        >>> (d / "g.ttl").read_text().split("\\n\\n")[1]
        '<urn:a> dcterms:title "T" .\\n'
    """
    _write_turtle_of(growing, path)


class GrowingFile(io.RawIOBase):
    """A file that another process (or thread) is still writing, read from its start as it
    grows: a read at its current end waits for more, until :meth:`ends_at` has said how many
    bytes it will hold and they have all been read. Opened at once, so the writer may rename
    the file meanwhile.

    A writer that fails calls :meth:`ends_at` with ``None``: the reader then raises
    :class:`OSError` instead of waiting for ever. ``ends_at`` may be called from another
    thread; across processes, :meth:`ends_at_from` takes the size from a pipe.
    """

    POLL_SECONDS = 0.005
    """How long a read at the current end sleeps before it looks again."""

    def __init__(self, path: Path | str) -> None:
        super().__init__()
        self._fh = open(path, "rb", buffering=0)  # noqa: SIM115  (closed by close())
        self._read = 0
        self._size: int | None = None
        self._ended = threading.Event()
        self._conn: Any = None

    def ends_at(self, size: int | None) -> None:
        """The file is whole and holds ``size`` bytes (``None``: its writer failed)."""
        self._size = size
        self._ended.set()

    def ends_at_from(self, conn: Any) -> None:
        """Take :meth:`ends_at`'s size from ``conn`` (a ``multiprocessing`` pipe end), when
        it comes: the writer sends it there from another process."""
        self._conn = conn

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while True:
            n = self._fh.readinto(buffer) or 0
            if n:
                self._read += n
                return n
            if self._ended.is_set():
                if self._size is None:  # (its writer failed)
                    raise OSError("the file being read was not written to its end")
                if self._read >= self._size:
                    return 0
                if os.fstat(self._fh.fileno()).st_size > self._read:
                    continue
                raise OSError(f"the file ends at byte {self._read}, not {self._size}")
            if self._conn is not None:
                if self._conn.poll(self.POLL_SECONDS):
                    try:
                        self.ends_at(self._conn.recv())
                    except EOFError:  # the writer's side is gone without a word
                        self.ends_at(None)
            else:
                self._ended.wait(self.POLL_SECONDS)

    def close(self) -> None:
        self._fh.close()
        super().close()


def join_turtle(pieces: Iterable[Path | str], path: Path | str) -> None:
    """Write citegraph's ``@prefix`` lines (always in the same order), then each
    :func:`turtle_piece` without its own, to ``path`` atomically: pieces cut where the
    subject changes give the file one writer of the whole would."""
    with atomic_write(path, "wb") as out:
        out.write(_TURTLE_HEADER)
        for piece in pieces:
            with open(piece, "rb") as fh:
                head = fh.read(1 << 16)
                body = 0
                while head.startswith(b"@prefix ", body):
                    body = head.index(b"\n", body) + 1
                out.write(head[body:])
                _append(fh, len(head), out)


def _append(src: IO[bytes], start: int, out: IO[bytes]) -> None:
    """Copy ``src`` from byte ``start`` to its end onto ``out``: in the kernel
    (``copy_file_range``) where it can, else through a buffer."""
    out.flush()
    size = os.fstat(src.fileno()).st_size
    copy = getattr(os, "copy_file_range", None)
    with contextlib.suppress(OSError):  # (another file system, an old kernel: copied below)
        while copy is not None and start < size:
            copied = copy(src.fileno(), out.fileno(), size - start, start)
            if copied == 0:
                break
            start += copied
    if start < size:
        src.seek(start)
        shutil.copyfileobj(src, out, 1 << 20)


_PREFIX_IRIS = {prefix: str(ns) for prefix, ns in PREFIXES.items()}
_TURTLE_HEADER = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in _PREFIX_IRIS.items()).encode()
_TURTLE_HEADER += b"\n"


class _ByteRange(io.RawIOBase):
    """Bytes ``start`` to ``end`` of an open binary file, as a readable stream."""

    def __init__(self, fh: io.BufferedIOBase, start: int, end: int) -> None:
        super().__init__()
        self._fh = fh
        fh.seek(start)
        self._left = end - start

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._left <= 0:
            return 0
        n = self._fh.readinto(memoryview(buffer)[: min(len(buffer), self._left)]) or 0
        self._left -= n
        return n


# ---------------------------------------------------------------- JSON-LD

_LITERAL = re.compile(r'^"(.*)"(?:\^\^<([^>]+)>|@([A-Za-z0-9\-]+))?$', re.DOTALL)
_NT_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\", "b": "\b", "f": "\f"}


def _unescape(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        if m.group(1) or m.group(2):
            return chr(int(m.group(1) or m.group(2), 16))
        return _SIMPLE_ESCAPES.get(m.group(3), m.group(3))

    return _NT_ESCAPE.sub(repl, text)


def jsonld_context() -> dict[str, Any]:
    """Return the JSON-LD context shipped with citegraph (``graph/context.jsonld``).

    Example:
        >>> jsonld_context()["@context"]["fabio"]
        'http://purl.org/spar/fabio/'
    """
    text = resources.files("graph").joinpath("context.jsonld").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _jsonld_name(term: str) -> str:
    return _compact(term) or term[1:-1]


def write_jsonld(lines: Iterable[str], path: Path | str) -> int:
    """Write sorted N-Triples lines as JSON-LD with citegraph's context inlined (no remote
    context is ever referenced). Returns the number of nodes written.

    Names (predicates, classes, datatypes) are compacted once and remembered; a literal is
    unescaped only when it holds an escape.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "g.jsonld"
        >>> write_jsonld(['<urn:a> <http://purl.org/dc/terms/title> "T\\\\u00e9"@en .\\n'], p)
        1
        >>> json.loads(p.read_text())["@graph"]
        [{'@id': 'urn:a', 'dcterms:title': [{'@language': 'en', '@value': 'Té'}]}]
    """
    with atomic_write(path) as fh:
        fh.write(_jsonld_head())
        nodes = _jsonld_nodes(lines, fh)
        fh.write(_JSONLD_TAIL)
    return nodes


def jsonld_piece(nt: Path | str, piece: Path | str, start: int = 0, end: int | None = None) -> int:
    """Write the JSON-LD nodes of a sorted N-Triples file's bytes ``start`` to ``end`` (cut
    where the subject changes: :func:`subject_cuts`) to ``piece``, separated as in the
    ``@graph`` array (nothing before the first); :func:`join_jsonld` makes the JSON-LD
    file of pieces (the bytes :func:`write_jsonld` writes for the whole). Returns the
    number of nodes.
    """
    size = os.path.getsize(nt) if end is None else end
    with open(nt, "rb") as src, open(piece, "w", encoding="utf-8", newline="\n") as fh:
        raw = io.BufferedReader(_ByteRange(src, start, size), 1 << 20)
        return _jsonld_nodes(io.TextIOWrapper(raw, encoding="utf-8", newline="\n"), fh, "")


def join_jsonld(pieces: Iterable[Path | str], path: Path | str) -> None:
    """Write the JSON-LD head (the inlined context), the :func:`jsonld_piece` pieces with the
    array's separator between non-empty ones, and the tail, to ``path`` atomically."""
    with atomic_write(path, "wb") as out:
        out.write(_jsonld_head().encode())
        written = False
        for piece in pieces:
            with open(piece, "rb") as fh:
                if os.fstat(fh.fileno()).st_size == 0:
                    continue
                out.write((_JSONLD_SEPARATOR if written else _JSONLD_LEAD).encode())
                _append(fh, 0, out)
                written = True
        out.write(_JSONLD_TAIL.encode())


_JSONLD_LEAD = "\n    "
_JSONLD_SEPARATOR = "," + _JSONLD_LEAD


@functools.cache  # the context file is read once per process
def _jsonld_head() -> str:
    context = json.dumps(jsonld_context()["@context"], indent=2, sort_keys=True)
    return '{\n  "@context": ' + context.replace("\n", "\n  ") + ',\n  "@graph": ['


_JSONLD_TAIL = "\n  ]\n}\n"


_JSON_SPECIAL = re.compile(r'[\x00-\x1f"\\]')
"""What ``json.dumps(..., ensure_ascii=False)`` escapes in a string."""


def _json_string(text: str) -> str:
    """``text`` as ``json.dumps(text, ensure_ascii=False)`` writes it (quoted directly when
    nothing in it needs an escape)."""
    if _JSON_SPECIAL.search(text) is None:
        return f'"{text}"'
    return json.dumps(text, ensure_ascii=False)


def _jsonld_nodes(lines: Iterable[str], fh: IO[str], lead: str = _JSONLD_LEAD) -> int:
    """Write the nodes of sorted N-Triples lines, one a line, with :data:`_JSONLD_SEPARATOR`
    between them and ``lead`` before the first.

    Each node is the text ``json.dumps(node, ensure_ascii=False, sort_keys=True)`` gives
    for its dict, written from the terms directly: a literal's N-Triples form is already its
    JSON string unless it holds an escape or a control character, and names are turned
    into JSON once and remembered (a quarter less time than building the dicts).
    """
    names: dict[str, tuple[str, str]] = {}  # term -> its compact name, and that as JSON
    ids: dict[str, str] = {}  # an IRI object term (not urn:) -> its value's JSON
    heads: dict[str, str] = {}  # what follows a literal's quotes -> its value's JSON head

    def name(term: str) -> tuple[str, str]:
        known = names.get(term)
        if known is None:
            compact = _jsonld_name(term)
            known = (compact, _json_string(compact))
            if not term.startswith("<urn:"):
                names[term] = known
        return known

    def value(term: str) -> str:
        if term[0] == "<":
            known = ids.get(term)
            if known is None:
                known = f'{{"@id": {name(term)[1]}}}'
                if not term.startswith("<urn:"):
                    ids[term] = known
            return known
        end = term.rfind('"')
        lexical = term[1:end]
        text = _json_string(_unescape(lexical) if "\\" in lexical else lexical)
        rest = term[end + 1 :]
        head = heads.get(rest)
        if head is None:
            if rest.startswith("^^<"):
                head = f'{{"@type": {name(rest[2:])[1]}, "@value": '
            elif rest.startswith("@"):
                head = f'{{"@language": {_json_string(rest[1:])}, "@value": '
            else:
                head = '{"@value": '
            heads[rest] = head
        return f"{head}{text}}}"

    def node(subject: str, groups: list[tuple[str, list[str]]]) -> str:
        entries = [("@id", '"@id"', _json_string(_jsonld_name(subject)))]
        for pred, objs in groups:
            if pred == _RDF_TYPE:
                types = ", ".join([name(o)[1] for o in objs])
                entries.append(("@type", '"@type"', f"[{types}]"))
            else:
                key, key_json = name(pred)
                entries.append((key, key_json, f"[{', '.join([value(o) for o in objs])}]"))
        entries.sort()  # (the keys differ, so only they decide the order)
        return "{" + ", ".join([f"{key_json}: {text}" for _, key_json, text in entries]) + "}"

    nodes = 0
    for subject, groups in _subject_groups(lines):
        fh.write(_JSONLD_SEPARATOR if nodes else lead)
        fh.write(node(subject, groups))
        nodes += 1
    return nodes


def _subject_groups(lines: Iterable[str]) -> Iterator[tuple[str, list[tuple[str, list[str]]]]]:
    """Sorted N-Triples lines as ``(subject, [(predicate, [object, ...]), ...])``, one per
    subject, the terms as written."""
    subject: str | None = None
    predicate: str | None = None
    groups: list[tuple[str, list[str]]] = []
    objects: list[str] = []
    for line in lines:
        s, p, rest = line.split(" ", 2)
        if s != subject:
            if subject is not None:
                yield subject, groups
            subject, predicate, groups = s, None, []
        if p != predicate:
            predicate, objects = p, []
            groups.append((p, objects))
        objects.append(rest.rstrip("\n")[:-2])
    if subject is not None:
        yield subject, groups

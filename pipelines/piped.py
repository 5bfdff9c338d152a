"""Serialisers fed through a pipe: Turtle / JSON-LD written by a forked process from the
N-Triples lines this process writes, at the same time (one pass over the sorted triples, the
work on two cores).

The child reads the lines from a pipe and writes its file atomically. Its input ends with an
end mark: a child whose input stops without it (this process failed, or was killed) raises,
so its temporary file is removed and no half-written file is ever renamed into place.

Example:
    >>> import pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "g.ttl"
    >>> with PipedSerialiser("turtle", out) as ttl:
    ...     _ = ttl.write('<urn:a> <http://purl.org/dc/terms/title> "T" .\\n')
    >>> out.read_text().splitlines()[-2:]
    ['<urn:a>', '    dcterms:title "T" .']
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal

from graph.errors import ExportError
from graph.serialize import widen_pipe, write_jsonld, write_turtle

__all__ = ["PipedSerialiser"]

_DONE = "\x00done\n"  # never an N-Triples line (they start with "<" or "_")
_WRITERS = {"turtle": write_turtle, "jsonld": write_jsonld}


class _InputCut(ExportError):
    """The pipe closed before the end mark."""


def _until_done(fh: IO[str]) -> Iterator[str]:
    """The lines before the end mark, read a block at a time (the mark is the last line,
    so only each block's last line is looked at)."""
    while block := fh.readlines(1 << 20):
        if block[-1] == _DONE:
            yield from block[:-1]
            return
        yield from block
    raise _InputCut("the N-Triples input stopped before its end")


def _child(conn: Any, read_fd: int, close_fds: list[int], kind: str, path: Path) -> None:
    for fd in close_fds:  # the write ends this process inherited: else no EOF ever comes
        os.close(fd)
    try:
        with open(read_fd, encoding="utf-8", newline="\n", buffering=1 << 20) as fh:
            _WRITERS[kind](_until_done(fh), path)
        conn.send(("ok", None))
    except BaseException as exc:  # reported in the parent, which raises it
        conn.send(("error", exc))
    finally:
        conn.close()


class PipedSerialiser:
    """A forked process writing ``path`` as ``kind`` from the lines given to :meth:`write`.

    Use as a context manager: on a clean exit the end mark is sent and the child's result
    awaited (its error raised here); on an exception the child is told to stop and its
    temporary file is removed. ``others`` are serialisers already started, whose pipe ends
    the new child must not keep open.
    """

    def __init__(
        self,
        kind: Literal["turtle", "jsonld"],
        path: Path,
        *,
        others: tuple[PipedSerialiser, ...] = (),
    ) -> None:
        read_fd, write_fd = os.pipe()
        widen_pipe(write_fd)
        ctx = multiprocessing.get_context("fork")
        self._conn, child_conn = ctx.Pipe(duplex=False)
        inherited = [write_fd, *(o.fileno() for o in others)]
        self._proc = ctx.Process(
            target=_child, args=(child_conn, read_fd, inherited, kind, path), daemon=True
        )
        self._proc.start()
        os.close(read_fd)
        child_conn.close()
        self.path = path
        # closed by finish() or cancel(), not here
        self._stream = open(  # noqa: SIM115
            write_fd, "w", encoding="utf-8", newline="\n", buffering=1 << 20
        )
        self.write = self._stream.write

    def fileno(self) -> int:
        """The write end of the pipe."""
        return self._stream.fileno()

    def __enter__(self) -> PipedSerialiser:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.finish()
        elif isinstance(exc, BrokenPipeError):
            self.finish()  # the child failed first: raise its error, not the broken pipe
        else:
            self.cancel()

    def finish(self) -> None:
        """Send the end mark, wait for the child and raise its error if it failed."""
        try:
            self._stream.write(_DONE)
            self._stream.flush()
        except BrokenPipeError:
            pass  # the child failed: its error is waiting on the connection
        with contextlib.suppress(OSError):
            self._stream.close()
        try:
            kind, value = self._conn.recv()
        except EOFError:
            kind, value = "error", ExportError(f"the process writing {self.path} died")
        self._proc.join()
        if kind == "error":
            raise value

    def cancel(self) -> None:
        """Close the pipe without the end mark: the child stops and removes its temp file."""
        with contextlib.suppress(OSError):  # the child may be gone already
            self._stream.close()
        self._proc.join(30)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join()

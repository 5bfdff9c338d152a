"""Queries with a time limit: a worker process that can be killed.

Oxigraph has no query timeout and no way to cancel a running query, and a Python thread
cannot be stopped either: a thread left running a runaway query would go on using a core and
memory until the query ends, however long that is. So a query with a time limit runs in a
worker *process* that opens the source itself (a store directory read-only, or an RDF file
loaded into memory) and answers queries over a pipe; when a query overruns, the worker is
killed (the operating system frees everything it held) and a fresh one takes its place. The
worker is started with ``spawn``, never ``fork``: forking a process that holds an open
RocksDB store (with its background threads and locks) is unsafe.

Results cross the pipe in the standard serialisations (SPARQL results JSON, N-Triples, or
whatever format the caller asks for) and are parsed back into pyoxigraph objects, so
:class:`TimedSource` has the ``query`` method of :class:`pyoxigraph.Store`.

Example:
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "g.nt"
    >>> _ = f.write_text('<urn:a> <urn:p> "x" .\\n')
    >>> with TimedSource(f, timeout=30) as src:
    ...     [str(row["o"]) for row in src.query("SELECT ?o WHERE { ?s ?p ?o }")]
    ['"x"']
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import threading
import time
from collections.abc import Mapping
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType
from typing import Any

import pyoxigraph as ox

from graph.errors import CitegraphError, QueryError

__all__ = ["RawResult", "TimedSource", "WorkerPool"]

RawResult = tuple[str, bytes]
"""``(kind, data)``: kind is ``"solutions"``, ``"boolean"`` or ``"triples"``; data is the
result serialised in the format asked for."""


def _timeout_message(seconds: float) -> str:
    return (
        f"query stopped after {seconds:g} s (--timeout): it ran too long; "
        "narrow it down (a parameter, a LIMIT) or allow more time"
    )


def _answer(
    store: Any,
    text: str,
    prefixes: dict[str, str] | None,
    substitutions: dict[ox.Variable, Any] | None,
    results_format: str | None,
    rdf_format: str | None,
) -> RawResult:
    result = store.query(
        text,
        prefixes=prefixes,
        substitutions=substitutions,
    )
    if isinstance(result, ox.QueryBoolean):
        rfmt = ox.QueryResultsFormat.from_media_type(results_format or "") or (
            ox.QueryResultsFormat.JSON
        )
        return "boolean", result.serialize(format=rfmt) or b""
    if isinstance(result, ox.QuerySolutions):
        rfmt = ox.QueryResultsFormat.from_media_type(results_format or "") or (
            ox.QueryResultsFormat.JSON
        )
        return "solutions", result.serialize(format=rfmt) or b""
    gfmt = ox.RdfFormat.from_media_type(rdf_format or "") or ox.RdfFormat.N_TRIPLES
    return "triples", result.serialize(format=gfmt) or b""


def _serve(source: str, conn: Connection) -> None:  # pragma: no cover - runs in the child
    from graph.store import open_store

    try:
        store = open_store(source)
    except CitegraphError as exc:
        conn.send(("error", exc))
        return
    except Exception as exc:
        conn.send(("error", QueryError(f"cannot open {source}: {exc}")))
        return
    conn.send(("ready", None))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        try:
            conn.send(("ok", _answer(store, *request)))
        except SyntaxError as exc:
            conn.send(("error", QueryError(f"SPARQL syntax error: {exc}")))
        except Exception as exc:
            conn.send(("error", QueryError(f"query failed: {exc}")))


class _Worker:
    """One worker process serving one source."""

    def __init__(self, source: str) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(source, child), daemon=True)
        self.proc.start()
        child.close()
        try:
            status, payload = self.conn.recv()
        except EOFError:
            self.kill()
            raise QueryError(f"the query worker for {source} died while opening it") from None
        if status != "ready":
            self.kill()
            raise payload

    def run(
        self, request: tuple[Any, ...], timeout: float | None, limit: float | None = None
    ) -> RawResult:
        self.conn.send(request)
        if timeout is not None and not self.conn.poll(timeout):
            self.kill()
            raise QueryError(_timeout_message(limit if limit is not None else timeout))
        try:
            status, payload = self.conn.recv()
        except EOFError:
            self.kill()
            raise QueryError("the query worker died (out of memory?)") from None
        if status != "ok":
            raise payload
        result: RawResult = payload
        return result

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.proc.join(2)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5)
        self.conn.close()


def _parse(raw: RawResult) -> Any:
    kind, data = raw
    if kind == "triples":
        return [q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]
    return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)


class WorkerPool:
    """``size`` worker processes over one source; a query that overruns ``timeout`` seconds
    has its worker killed and replaced. Safe to use from many threads at once.

    Example:
        >>> import tempfile, pathlib
        >>> f = pathlib.Path(tempfile.mkdtemp()) / "g.nt"
        >>> _ = f.write_text('<urn:a> <urn:p> "x" .\\n')
        >>> with WorkerPool(f, size=1, timeout=30) as pool:
        ...     pool.run("ASK { ?s ?p ?o }")
        ('boolean', b'{"head":{},"boolean":true}')
    """

    def __init__(self, source: Path | str, *, size: int = 2, timeout: float | None = None) -> None:
        self.source = str(source)
        self.timeout = timeout
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(max(1, size)):
            self._add(_Worker(self.source))

    def _add(self, worker: _Worker) -> None:
        with self._lock:
            if self._closed:
                worker.close()
                return
            self._workers.append(worker)
        self._idle.put(worker)

    def _replace(self, dead: _Worker) -> None:
        with self._lock:
            if dead in self._workers:
                self._workers.remove(dead)

        def start() -> None:
            with contextlib.suppress(CitegraphError):  # the source may have vanished
                self._add(_Worker(self.source))

        threading.Thread(target=start, daemon=True).start()

    def run(
        self,
        text: str,
        *,
        prefixes: dict[str, str] | None = None,
        substitutions: Mapping[ox.Variable, Any] | None = None,
        results_format: str | None = None,
        rdf_format: str | None = None,
        timeout: float | None = None,
    ) -> RawResult:
        """Run a query in a free worker and return its serialised result (see
        :data:`RawResult`); raise :class:`QueryError` when it fails or overruns."""
        limit = self.timeout if timeout is None else timeout
        started = time.monotonic()
        try:
            worker = self._idle.get(timeout=None if limit is None else max(limit, 60))
        except queue.Empty:
            raise QueryError("every query worker is busy; try again later") from None
        try:
            left = None if limit is None else max(0.0, limit - (time.monotonic() - started))
            request = (text, prefixes, dict(substitutions or {}) or None, results_format,
                       rdf_format)  # fmt: skip
            result = worker.run(request, left, limit)
        except QueryError:
            if not worker.proc.is_alive():
                self._replace(worker)
            else:
                self._idle.put(worker)
            raise
        self._idle.put(worker)
        return result

    def close(self) -> None:
        """Stop every worker."""
        with self._lock:
            self._closed = True
            workers, self._workers = self._workers, []
        for w in workers:
            w.close()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class TimedSource:
    """A file or store directory queried in a worker process with a time limit, with the
    ``query`` method of :class:`pyoxigraph.Store`."""

    def __init__(self, source: Path | str, *, timeout: float) -> None:
        self.timeout = timeout
        self.pool = WorkerPool(source, size=1, timeout=timeout)

    def query(
        self,
        query: str,
        *,
        prefixes: dict[str, str] | None = None,
        substitutions: Mapping[ox.Variable, Any] | None = None,
        **_: Any,
    ) -> Any:
        """Run ``query`` in the worker; raise :class:`QueryError` when it overruns."""
        return _parse(self.pool.run(query, prefixes=prefixes, substitutions=substitutions))

    def close(self) -> None:
        """Stop the worker."""
        self.pool.close()

    def __enter__(self) -> TimedSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

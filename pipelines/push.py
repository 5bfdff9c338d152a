"""``citegraph push``: load a store or RDF file into a SPARQL server, in chunks, with retries.

Two standard protocols:

* ``update`` (default): SPARQL 1.1 Update ``INSERT DATA`` requests to the endpoint (Virtuoso:
  ``/sparql`` with the SPARQL_UPDATE grant, Fuseki: ``/ds/update``, GraphDB:
  ``/repositories/x/statements``). Every triple keeps its named graph (one per source record)
  unless ``graph`` puts them all into one.
* ``gsp``: SPARQL 1.1 Graph Store Protocol ``POST`` of N-Triples to ``endpoint?graph=IRI``
  (Virtuoso: ``/sparql-graph-crud-auth``, Fuseki: ``/ds/data``), one graph per request.

A graph is dropped (``DROP SILENT GRAPH``) before its first chunk when ``replace`` is on, so
pushing the same data twice leaves the server as after one push. A chunk that fails with a
network error, a timeout, HTTP 429 or 5xx is sent again after a pause that doubles each time
(``Retry-After`` is honoured); any other HTTP error stops the push with the server's message.

Example:
    >>> chunk = [ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal("x"),
    ...                  ox.NamedNode("urn:g"))]
    >>> print(insert_data(chunk))
    INSERT DATA {
    GRAPH <urn:g> {
    <urn:a> <urn:p> "x" .
    }
    }
"""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby, islice
from pathlib import Path
from typing import Literal

import pyoxigraph as ox

from graph.endpoint import open_url
from graph.errors import FetchError, UnreadableInputError
from graph.store import is_endpoint, open_store, rdf_format

__all__ = ["PushReport", "insert_data", "iter_quads", "push"]

RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})


@dataclass
class PushReport:
    """What a push sent."""

    quads: int = 0
    requests: int = 0
    retries: int = 0
    graphs: int = 0
    seconds: float = 0.0


def iter_quads(source: Path | str) -> Iterator[ox.Quad]:
    """Stream the quads of a store directory or an RDF file (triples of a triple format come
    in the default graph), without loading a file into memory. The default graph of a store
    that has record graphs is their merge (see :mod:`graph.store`) and is not sent: the
    server holds the record graphs themselves.

    Example:
        >>> import tempfile
        >>> f = Path(tempfile.mkdtemp()) / "g.nt"
        >>> _ = f.write_text('<urn:a> <urn:p> "x" .\\n')
        >>> [str(q.object) for q in iter_quads(f)]
        ['"x"']
    """
    path = Path(source)
    if path.is_dir():
        store = open_store(path)
        derived = next(iter(store.named_graphs()), None) is not None
        for q in store:
            if not (derived and isinstance(q.graph_name, ox.DefaultGraph)):
                yield q
        return
    if not path.is_file():
        raise UnreadableInputError("no such file or store directory", file=str(path))
    fmt = rdf_format(path)
    try:
        for item in ox.parse(path=str(path), format=fmt):
            yield (
                item
                if isinstance(item, ox.Quad)
                else ox.Quad(item.subject, item.predicate, item.object)
            )
    except SyntaxError as exc:
        raise UnreadableInputError(f"not valid {fmt.name}: {exc}", file=str(path)) from None


def _graph_key(q: ox.Quad) -> str:
    return "" if isinstance(q.graph_name, ox.DefaultGraph) else str(q.graph_name)


def insert_data(chunk: Iterable[ox.Quad], drop: Iterable[str] = ()) -> str:
    """One SPARQL Update request: ``DROP SILENT GRAPH`` for each of ``drop``, then
    ``INSERT DATA`` of ``chunk`` grouped by graph (terms written by pyoxigraph)."""
    parts = [f"DROP SILENT GRAPH {g} ;\n" for g in drop]
    body: list[str] = ["INSERT DATA {\n"]
    for graph, quads in groupby(sorted(chunk, key=_graph_key), key=_graph_key):
        triples = "".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in quads)
        body.append(f"GRAPH {graph} {{\n{triples}}}\n" if graph else triples)
    body.append("}")
    return "".join(parts) + "".join(body)


def _send(
    url: str,
    body: bytes,
    content_type: str,
    *,
    user: str | None,
    password: str | None,
    retries: int,
    timeout: float,
    report: PushReport,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    pause = 0.5
    for attempt in range(retries + 1):
        req = urllib.request.Request(url, data=body, method="POST")
        req.add_header("Content-Type", content_type)
        req.add_header("User-Agent", "citegraph")
        report.requests += 1
        try:
            with open_url(req, timeout, user, password) as resp:
                resp.read()
            return
        except urllib.error.HTTPError as exc:
            detail = " ".join(exc.read().decode("utf-8", "replace").split())[:500]
            if exc.code not in RETRY_STATUS or attempt == retries:
                raise FetchError(f"{url} refused the data: HTTP {exc.code}: {detail}") from None
            wait = exc.headers.get("Retry-After")
            delay = float(wait) if wait and wait.isdigit() else pause
        except (urllib.error.URLError, OSError) as exc:
            if attempt == retries:
                reason = getattr(exc, "reason", exc)
                raise FetchError(f"{url}: {reason} (after {retries + 1} tries)") from None
            delay = pause
        report.retries += 1
        sleep(delay)
        pause *= 2


def push(
    source: Path | str,
    endpoint: str,
    *,
    graph: str | None = None,
    protocol: Literal["update", "gsp"] = "update",
    chunk_size: int = 500,
    replace: bool = True,
    retries: int = 4,
    timeout: float = 120.0,
    user: str | None = None,
    password: str | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> PushReport:
    """Send every quad of ``source`` (store directory or RDF file) to ``endpoint``.

    ``graph`` (an IRI) puts every triple into that one graph; otherwise triples keep their
    named graphs (default-graph triples go to the server's default graph). Raises
    :class:`FetchError` when the server refuses a chunk or stays unreachable after
    ``retries``.
    """
    if not is_endpoint(endpoint):
        raise FetchError(f"not an endpoint URL: {endpoint!r}")
    if protocol not in ("update", "gsp"):
        raise FetchError(f"unknown protocol {protocol!r} (known: update, gsp)")
    target = ox.NamedNode(graph) if graph else None
    start = time.perf_counter()
    report = PushReport()
    seen: set[str] = set()
    quads: Iterator[ox.Quad] = iter_quads(source)
    if target is not None:
        quads = (ox.Quad(q.subject, q.predicate, q.object, target) for q in quads)
    while True:
        chunk = list(islice(quads, chunk_size))
        if not chunk:
            break
        names = {_graph_key(q) for q in chunk}
        fresh = sorted(g for g in names - seen if g) if replace else []
        seen |= names
        if protocol == "update":
            text = insert_data(chunk, fresh)
            _send(endpoint, urllib.parse.urlencode({"update": text}).encode(),
                  "application/x-www-form-urlencoded", user=user, password=password,
                  retries=retries, timeout=timeout, report=report)  # fmt: skip
        else:
            for name, group in groupby(sorted(chunk, key=_graph_key), key=_graph_key):
                data = "".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in group)
                param = {"graph": name[1:-1]} if name else {"default": ""}
                url = endpoint + ("&" if "?" in endpoint else "?") + urllib.parse.urlencode(param)
                if name in fresh:
                    _drop_gsp(url, user, password, timeout)
                _send(url, data.encode(), "application/n-triples", user=user, password=password,
                      retries=retries, timeout=timeout, report=report)  # fmt: skip
        report.quads += len(chunk)
        if on_chunk is not None:
            on_chunk(report.quads)
    report.graphs = len(seen)
    report.seconds = time.perf_counter() - start
    return report


def _drop_gsp(url: str, user: str | None, password: str | None, timeout: float) -> None:
    req = urllib.request.Request(url, method="DELETE")
    try:
        with open_url(req, timeout, user, password) as resp:
            resp.read()
    except urllib.error.HTTPError as exc:
        if exc.code != 404:
            raise FetchError(f"{url}: cannot replace the graph: HTTP {exc.code}") from None

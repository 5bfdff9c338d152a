"""``citegraph serve``: a read-only SPARQL 1.1 Protocol endpoint over a store or RDF file.

``http://127.0.0.1:PORT/sparql`` answers queries sent by GET (``?query=``) or POST (a form
with ``query=``, or an ``application/sparql-query`` body). SELECT and ASK results come as
SPARQL JSON, XML, CSV or TSV as the ``Accept`` header asks (JSON by default); CONSTRUCT and
DESCRIBE as Turtle or N-Triples. Updates, ``LOAD`` and ``SERVICE`` are refused with HTTP 400
and a message. ``/`` (and ``/sparql`` without a query) is a page to type a query into.

Queries run in a pool of worker processes (:class:`graph.worker.WorkerPool`): a query that
overruns ``timeout`` is stopped (its worker killed and replaced) and answered with HTTP 503;
the threads of the HTTP server only wait, so a slow query never blocks the others.

Example:
    >>> import tempfile, pathlib, threading, urllib.request, json
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "g.nt"
    >>> _ = f.write_text('<urn:a> <urn:p> "x" .\\n')
    >>> server = make_server(f, port=0, workers=1)
    >>> t = threading.Thread(target=server.serve_forever, daemon=True); t.start()
    >>> url = f"http://127.0.0.1:{server.server_address[1]}/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D"
    >>> json.load(urllib.request.urlopen(url))["boolean"]
    True
    >>> server.shutdown(); server.close()
"""

from __future__ import annotations

import html
import json
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from graph.errors import ForbiddenQueryError, QueryError
from graph.sparql import check_query
from graph.vocab import PREFIXES
from graph.worker import WorkerPool

__all__ = ["SparqlServer", "endpoint_url", "make_server", "negotiate"]

MAX_BODY = 1_000_000

RESULT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
RDF_TYPES = {"turtle": "text/turtle", "ntriples": "application/n-triples"}
_ALIASES = {
    "application/json": "json",
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "ntriples",
    "text/plain": "ntriples",
}


def _accepted(header: str) -> list[str]:
    """Media types of an Accept header, best first (q-values honoured, order kept on ties)."""
    items: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if fields[0]:
            items.append((-q, i, fields[0].lower()))
    return [m for q, _, m in sorted(items) if q < 0]


def negotiate(accept: str, form: str | None, construct: bool) -> str:
    """Pick the output format: ``format=`` parameter first, then the Accept header.

    Example:
        >>> negotiate("text/csv, application/json;q=0.5", None, False)
        'csv'
        >>> negotiate("*/*", None, True)
        'turtle'
    """
    table = RDF_TYPES if construct else RESULT_TYPES
    if form:
        name = _ALIASES.get(form.lower(), form.lower())
        if name in table:
            return name
    for media in _accepted(accept or "*/*"):
        found = _ALIASES.get(media)
        if found in table:
            return str(found)
    return "turtle" if construct else "json"


def _is_construct(text: str) -> bool:
    from graph.endpoint import _query_form

    return _query_form(text) in ("CONSTRUCT", "DESCRIBE")


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>citegraph SPARQL</title>
<style>body{{font:14px system-ui,sans-serif;margin:2em;max-width:70em}}
textarea{{width:100%;height:12em;font:13px monospace}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}}
.err{{color:#a00;white-space:pre-wrap}}</style></head><body>
<h1>citegraph SPARQL endpoint</h1>
<p>Read-only: updates, LOAD and SERVICE are refused. Prefixes known without declaration:
{prefixes}.</p>
<form method="post" action="/sparql"><textarea name="query">{query}</textarea>
<input type="hidden" name="format" value="html">
<p><button type="submit">Run</button></p></form>
{result}</body></html>
"""

_DEFAULT_QUERY = """SELECT ?work ?title (COUNT(?citing) AS ?citations) WHERE {
  ?citing cito:cites ?work .
  OPTIONAL { ?work dcterms:title ?title }
}
GROUP BY ?work ?title ORDER BY DESC(?citations) LIMIT 20"""


def _html_result(kind: str, data: bytes) -> str:
    """The result for the query page: the SPARQL JSON results read with ``json`` (not as
    pyoxigraph objects, which must not be dropped on another thread than their own)."""
    if kind == "triples":
        return f"<pre>{html.escape(data.decode('utf-8'))}</pre>"
    parsed = json.loads(data)
    if "boolean" in parsed:
        return f"<p>{'true' if parsed['boolean'] else 'false'}</p>"
    names = parsed["head"]["vars"]
    rows = [[html.escape(b[n]["value"]) if n in b else "" for n in names]
            for b in parsed["results"]["bindings"]]  # fmt: skip
    head = "".join(f"<th>{html.escape(n)}</th>" for n in names)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<p>{len(rows)} rows</p><table><tr>{head}</tr>{body}</table>"


class SparqlServer(ThreadingHTTPServer):
    """The threaded HTTP server; holds the worker pool that answers its queries."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], pool: WorkerPool) -> None:
        self.pool = pool
        super().__init__(address, _Handler)

    def close(self) -> None:
        """Stop the server socket and the workers."""
        self.server_close()
        self.pool.close()


class _Handler(BaseHTTPRequestHandler):
    server: SparqlServer
    server_version = "citegraph"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: no line per request on stderr."""

    # ------------------------------------------------------------ plumbing

    def _send(self, status: int, ctype: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, message: str, as_html: bool = False) -> None:
        if as_html:
            self._page("", f'<p class="err">{html.escape(message)}</p>', status)
        else:
            self._send(status, "text/plain; charset=utf-8", (message + "\n").encode())

    def _page(self, query: str, result: str, status: int = 200) -> None:
        prefixes = ", ".join(sorted(PREFIXES))
        body = _PAGE.format(
            prefixes=html.escape(prefixes), query=html.escape(query or _DEFAULT_QUERY),
            result=result,
        )  # fmt: skip
        self._send(status, "text/html; charset=utf-8", body.encode())

    # ------------------------------------------------------------ methods

    def do_GET(self) -> None:
        """GET /sparql?query=... (or the query page)."""
        url = urllib.parse.urlsplit(self.path)
        params = urllib.parse.parse_qs(url.query)
        if url.path not in ("/", "/sparql"):
            self._error(HTTPStatus.NOT_FOUND, f"no such page: {url.path} (the endpoint is /sparql)")
            return
        if "update" in params:
            self._error(HTTPStatus.BAD_REQUEST, "updates are refused: this endpoint is read-only")
            return
        if "query" not in params:
            self._page("", "")
            return
        self._answer(params["query"][0], params.get("format", [None])[0])

    def do_POST(self) -> None:
        """POST /sparql with a form (query=...) or an application/sparql-query body."""
        url = urllib.parse.urlsplit(self.path)
        if url.path not in ("/", "/sparql"):
            self._error(HTTPStatus.NOT_FOUND, f"no such page: {url.path} (the endpoint is /sparql)")
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "query too long")
            return
        raw = self.rfile.read(length) if length else b""
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        params = urllib.parse.parse_qs(url.query)
        if ctype == "application/sparql-update" or (
            ctype == "application/x-www-form-urlencoded"
            and "update" in urllib.parse.parse_qs(raw.decode("utf-8", "replace"))
        ):
            self._error(HTTPStatus.BAD_REQUEST, "updates are refused: this endpoint is read-only")
            return
        if ctype == "application/sparql-query":
            text = raw.decode("utf-8", "replace")
        elif ctype in ("application/x-www-form-urlencoded", ""):
            form = urllib.parse.parse_qs(raw.decode("utf-8", "replace"))
            params.update(form)
            if "query" not in params:
                self._error(HTTPStatus.BAD_REQUEST, "no query given (form field 'query')")
                return
            text = params["query"][0]
        else:
            self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, f"cannot read a {ctype} body")
            return
        self._answer(text, params.get("format", [None])[0])

    def do_HEAD(self) -> None:
        """HEAD: as GET without the body."""
        self.do_GET()

    # ------------------------------------------------------------ answering

    def _answer(self, text: str, form_format: str | None) -> None:
        as_html = form_format == "html"
        prefixed = "".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items()) + text
        try:
            check_query(prefixed)
        except ForbiddenQueryError as exc:
            self._error(HTTPStatus.BAD_REQUEST, str(exc), as_html)
            return
        except QueryError as exc:
            self._error(HTTPStatus.BAD_REQUEST, str(exc), as_html)
            return
        construct = _is_construct(prefixed)
        fmt = "json" if as_html else negotiate(self.headers.get("Accept", ""), form_format,
                                                construct)  # fmt: skip
        media = (RDF_TYPES if construct else RESULT_TYPES).get(fmt, "application/json")
        try:
            kind, data = self.server.pool.run(
                text,
                prefixes=PREFIXES,
                results_format=None if construct else media,
                rdf_format=media if construct else None,
            )
        except QueryError as exc:
            message = str(exc)
            status = (
                HTTPStatus.SERVICE_UNAVAILABLE if "--timeout" in message else HTTPStatus.BAD_REQUEST
            )
            self._error(status, message, as_html)
            return
        if as_html:
            self._page(text, _html_result(kind, data))
            return
        charset = "; charset=utf-8" if media.startswith("text/") or "json" in media else ""
        self._send(HTTPStatus.OK, media + charset, data)


def make_server(
    source: Path | str,
    *,
    port: int = 8000,
    host: str = "127.0.0.1",
    workers: int = 2,
    timeout: float | None = 30.0,
) -> SparqlServer:
    """Open ``source`` in ``workers`` worker processes and bind the endpoint (not started:
    call ``serve_forever``). ``port=0`` picks a free port (see ``server_address``).

    Raises the :class:`graph.errors.InputError` of an unreadable source.
    """
    pool = WorkerPool(source, size=workers, timeout=timeout)
    try:
        return SparqlServer((host, port), pool)
    except OSError:
        pool.close()
        raise


def endpoint_url(server: SparqlServer) -> str:
    """The URL of a server's endpoint.

    Example:
        >>> import tempfile, pathlib
        >>> f = pathlib.Path(tempfile.mkdtemp()) / "g.nt"
        >>> _ = f.write_text("")
        >>> server = make_server(f, port=0, workers=1)
        >>> endpoint_url(server).startswith("http://127.0.0.1:")
        True
        >>> server.close()
    """
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}/sparql"

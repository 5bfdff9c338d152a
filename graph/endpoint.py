"""A SPARQL 1.1 Protocol client: query a remote endpoint like a local store.

:class:`SparqlEndpoint` has the ``query(text, prefixes=..., substitutions=...)`` method of
:class:`pyoxigraph.Store` and returns the same objects (``QuerySolutions``, ``QueryBoolean``,
a list of ``Triple``), parsed from the standard result formats, so named queries, the
citation graph and exports work on a Virtuoso, Fuseki, GraphDB or QLever server as on a file.

The SPARQL protocol has no parameter binding, so :func:`bind_values` binds parameters with
the standard ``VALUES`` clause placed at the start of the query's ``WHERE`` group: each value
is written as an RDF term by pyoxigraph's serialiser (IRIs are validated, literals escaped),
never pasted in as text, so a value cannot change the query's structure.

Example:
    >>> print(bind_values("SELECT ?w WHERE { ?w ?p ?o }",
    ...                   {ox.Variable("w"): ox.NamedNode("urn:x")}))
    SELECT ?w WHERE { VALUES (?w) { (<urn:x>) } ?w ?p ?o }
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

import pyoxigraph as ox

from graph.errors import QueryError

__all__ = ["SparqlEndpoint", "bind_values", "open_url"]

_JSON = "application/sparql-results+json"
_XML = "application/sparql-results+xml"
_ACCEPT = f"{_JSON}, {_XML};q=0.9"
_RDF_ACCEPT = "application/n-triples, text/turtle;q=0.9"

# Tokens that may hold braces or the word WHERE without meaning them.
_SKIP = re.compile(
    r"""
      \#[^\n]*                                   # comment
    | "\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"         # long strings
    | '''(?:[^'\\]|\\.|'(?!''))*'''
    | "(?:[^"\\\n]|\\.)*"                        # strings
    | '(?:[^'\\\n]|\\.)*'
    | <[^<>"{}|^`\\\x00-\x20]*>                  # IRI
    """,
    re.VERBOSE,
)
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def _code_positions(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` that are query syntax (outside comments, strings and IRIs)."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in _SKIP.finditer(text):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text)))
    return spans


def _where_brace(text: str) -> int:
    """Index of the ``{`` that opens the outermost WHERE group."""
    for start, end in _code_positions(text):
        m = _WHERE.search(text, start, end)
        if m:
            return m.end() - 1
    for start, end in _code_positions(text):
        head = text[start:end]
        i = head.find("{")
        if i >= 0 and re.search(r"\b(SELECT|ASK)\b", text[: start + i], re.IGNORECASE):
            return start + i
    raise QueryError("cannot bind parameters: the query has no WHERE group")


def bind_values(text: str, substitutions: Mapping[ox.Variable, Any] | None) -> str:
    """Return ``text`` with ``substitutions`` bound by a ``VALUES`` block opening the
    outermost ``WHERE`` group (the SPARQL 1.1 way to bind a variable for a remote endpoint).

    Example:
        >>> q = 'SELECT ?a WHERE { ?a <urn:p> "{" }'
        >>> bind_values(q, {ox.Variable("a"): ox.Literal('x"} }')})
        'SELECT ?a WHERE { VALUES (?a) { ("x\\\\"} }") } ?a <urn:p> "{" }'
    """
    if not substitutions:
        return text
    names = " ".join(str(v) for v in substitutions)
    values = " ".join(str(t) for t in substitutions.values())
    at = _where_brace(text) + 1
    return f"{text[:at]} VALUES ({names}) {{ ({values}) }}{text[at:]}"


def _prefix_block(prefixes: Mapping[str, str] | None) -> str:
    return "".join(f"PREFIX {k}: <{v}>\n" for k, v in (prefixes or {}).items())


class SparqlEndpoint:
    """A remote SPARQL 1.1 endpoint with the query interface of :class:`pyoxigraph.Store`.

    ``timeout`` (seconds) bounds each HTTP request. ``user``/``password`` are sent with HTTP
    Basic or Digest authentication, whichever the server asks for.

    Example:
        >>> SparqlEndpoint("http://127.0.0.1:1/sparql").url
        'http://127.0.0.1:1/sparql'
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float | None = None,
        user: str | None = None,
        password: str | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise QueryError(f"not an endpoint URL: {url!r}")
        self.url = url
        self.timeout = timeout
        self.user = user
        self.password = password

    def request(
        self,
        body: bytes | None,
        content_type: str | None,
        accept: str,
        *,
        params: Mapping[str, str] | None = None,
        method: str = "POST",
    ) -> tuple[str, bytes]:
        """Send one HTTP request to the endpoint; return (content type, body).

        Raises :class:`QueryError` with the server's message for an HTTP error, and for a
        connection failure or timeout.
        """
        url = self.url
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        req = urllib.request.Request(url, data=body, method=method)
        req.add_header("Accept", accept)
        req.add_header("User-Agent", "citegraph")
        if content_type:
            req.add_header("Content-Type", content_type)
        try:
            with open_url(req, self.timeout, self.user, self.password) as resp:
                return resp.headers.get("Content-Type", ""), resp.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace").strip()
            detail = " ".join(detail.split())[:500]
            raise QueryError(f"{self.url} answered HTTP {exc.code}: {detail}") from None
        except TimeoutError:
            raise QueryError(
                f"{self.url} did not answer within {self.timeout:g} s (--timeout)"
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError):
                raise QueryError(
                    f"{self.url} did not answer within {self.timeout:g} s (--timeout)"
                ) from None
            raise QueryError(f"cannot reach {self.url}: {reason}") from None

    def query(
        self,
        query: str,
        *,
        prefixes: dict[str, str] | None = None,
        substitutions: Mapping[ox.Variable, Any] | None = None,
        **_: Any,
    ) -> Any:
        """Run a query on the endpoint (POST, SPARQL 1.1 Protocol) and parse its answer.

        The endpoint's default graph is used (on most servers, the union of all graphs).
        """
        text = _prefix_block(prefixes) + bind_values(query, substitutions)
        kind = _query_form(text)
        accept = _RDF_ACCEPT if kind in ("CONSTRUCT", "DESCRIBE") else _ACCEPT
        body = urllib.parse.urlencode({"query": text}).encode()
        ctype, data = self.request(body, "application/x-www-form-urlencoded", accept)
        mime = ctype.split(";")[0].strip().lower()
        try:
            if kind in ("CONSTRUCT", "DESCRIBE"):
                fmt = ox.RdfFormat.from_media_type(mime) or ox.RdfFormat.N_TRIPLES
                return [q.triple for q in ox.parse(data, format=fmt)]
            rfmt = ox.QueryResultsFormat.from_media_type(mime)
            if rfmt is None:
                rfmt = (
                    ox.QueryResultsFormat.XML
                    if data.lstrip().startswith(b"<")
                    else (ox.QueryResultsFormat.JSON)
                )
            return ox.parse_query_results(data, format=rfmt)
        except (SyntaxError, ValueError) as exc:
            raise QueryError(f"{self.url} sent an answer citegraph cannot read: {exc}") from None

    def update(self, text: str) -> None:
        """Send a SPARQL 1.1 Update (``update=`` form body)."""
        body = urllib.parse.urlencode({"update": text}).encode()
        self.request(body, "application/x-www-form-urlencoded", "*/*")


def _query_form(text: str) -> str:
    for start, end in _code_positions(text):
        m = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", text[start:end], re.IGNORECASE)
        if m:
            return m.group(1).upper()
    return "SELECT"


def open_url(
    req: urllib.request.Request,
    timeout: float | None,
    user: str | None = None,
    password: str | None = None,
) -> Any:
    """Open ``req`` with ``timeout``; with credentials, answer Basic or Digest challenges."""
    if user is None:
        return urllib.request.urlopen(req, timeout=timeout)
    manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    manager.add_password(None, req.full_url, user, password or "")
    opener = urllib.request.build_opener(
        urllib.request.HTTPDigestAuthHandler(manager),
        urllib.request.HTTPBasicAuthHandler(manager),
    )
    return opener.open(req, timeout=timeout)

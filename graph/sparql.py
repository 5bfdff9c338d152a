"""SPARQL: named queries shipped as ``.rq`` files, parameters bound as RDF terms, and output.

A named query file starts with comment lines that document it::

    # summary: Works ranked by how many works in the graph cite them.
    # param article iri optional: restrict to the works this article cites

Parameters are passed to Oxigraph as substitutions (SEP-0007): the value becomes an RDF term
bound to the variable, and the query text is never edited. A parameter's variable must be in
the query's SELECT projection (an Oxigraph rule), so named queries project it; a ``-`` in a
parameter's name is ``_`` in its variable (``major-only`` binds ``?major_only``). Queries that would reach the
network or change data (``SERVICE``, ``LOAD``, any update) are refused before they run.

Example:
    >>> {"authors", "cited-works", "citing"} <= {q.name for q in named_queries()}
    True
    >>> check_query("SELECT * WHERE { SERVICE <http://x> { ?s ?p ?o } }")
    Traceback (most recent call last):
    ...
    graph.errors.ForbiddenQueryError: SERVICE queries reach other servers and are refused (run them on the server itself)
"""  # noqa: E501

from __future__ import annotations

import contextlib
import csv
import functools
import gc
import io
import itertools
import json
import re
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from graph.errors import ForbiddenQueryError, QueryError, UnknownQueryError
from graph.ordering import sort_rows, split_order
from graph.vocab import PREFIXES

__all__ = [
    "NamedQuery",
    "QueryParam",
    "QueryResult",
    "check_query",
    "format_result",
    "iter_rows",
    "iter_select",
    "load_query",
    "named_queries",
    "run_query",
]

PARAM_TYPES = ("iri", "string", "integer", "boolean")


@dataclass(frozen=True)
class QueryParam:
    """One declared parameter of a named query."""

    name: str
    type: str
    required: bool
    description: str


@dataclass(frozen=True)
class NamedQuery:
    """A query shipped in ``graph/queries/`` (or read from a file), with its documentation."""

    name: str
    text: str
    summary: str
    params: tuple[QueryParam, ...] = ()

    def param(self, name: str) -> QueryParam | None:
        """The declared parameter called ``name``, if any."""
        return next((p for p in self.params if p.name == name), None)


_HEADER = re.compile(r"^#\s*(summary|param):\s*(.*)$")
_PARAM = re.compile(r"^(\w[\w-]*)\s+(\w+)\s+(required|optional)\s*:\s*(.*)$")
_PARAM_HEAD = re.compile(r"^#\s*param\s+(.*)$")


def _parse_header(name: str, text: str) -> NamedQuery:
    summary: list[str] = []
    params: list[QueryParam] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        m = _PARAM_HEAD.match(line)
        if m:
            pm = _PARAM.match(m.group(1).strip())
            if not pm or pm.group(2) not in PARAM_TYPES:
                raise QueryError(f"query {name!r}: bad parameter line {line!r}")
            params.append(QueryParam(pm.group(1), pm.group(2), pm.group(3) == "required",
                                     pm.group(4).strip()))  # fmt: skip
            continue
        h = _HEADER.match(line)
        if h and h.group(1) == "summary":
            summary.append(h.group(2).strip())
        elif line.strip("# ").strip() and summary and not h:
            summary.append(line.lstrip("# ").strip())
    return NamedQuery(name, text, " ".join(summary), tuple(params))


def named_queries() -> list[NamedQuery]:
    """All queries shipped in ``graph/queries/``, sorted by name.

    Example:
        >>> "most-cited" in {q.name for q in named_queries()}
        True
    """
    folder = resources.files("graph").joinpath("queries")
    out = []
    for entry in folder.iterdir():
        if entry.name.endswith(".rq"):
            name = entry.name[:-3]
            out.append(_parse_header(name, entry.read_text(encoding="utf-8")))
    return sorted(out, key=lambda q: q.name)


def load_query(spec: str) -> NamedQuery:
    """Resolve a query given as SPARQL text, ``@file.rq``, or the name of a shipped query.

    Example:
        >>> load_query("citing").param("work").required
        True
        >>> load_query("SELECT * WHERE { ?s ?p ?o }").name
        '<inline>'
    """
    if spec.startswith("@"):
        path = Path(spec[1:])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UnknownQueryError(f"cannot read query file {path}: {exc.strerror}") from None
        return _parse_header(path.stem, text)
    if re.fullmatch(r"[a-z][a-z0-9-]*", spec.strip()):
        for q in named_queries():
            if q.name == spec.strip():
                return q
        known = ", ".join(q.name for q in named_queries())
        raise UnknownQueryError(f"no named query {spec!r} (known: {known})")
    return _parse_header("<inline>", spec)


def _walk_names(node: Any, seen: set[str]) -> None:
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        seen.add(node.name)
        for v in node.values():
            _walk_names(v, seen)
    elif isinstance(node, list | tuple) or hasattr(node, "asList"):
        for v in node:
            _walk_names(v, seen)


# rdflib's SPARQL grammar (pyparsing, packrat cache) is not thread-safe: the endpoint checks
# queries from many HTTP threads at once, and concurrent parses failed now and then.
_PARSER_LOCK = threading.Lock()


def check_query(text: str) -> None:
    """Refuse updates, ``LOAD`` and ``SERVICE``; raise :class:`QueryError` on bad syntax.

    The verdict on a text is remembered (parsing takes milliseconds, more than a small query
    takes to run).

    Example:
        >>> check_query("SELECT ?s WHERE { ?s ?p ?o }") is None
        True
        >>> check_query("DELETE WHERE { ?s ?p ?o }")
        Traceback (most recent call last):
        ...
        graph.errors.ForbiddenQueryError: updates are refused: citegraph queries are read-only
    """
    refusal = _refusal(text)
    if refusal is not None:
        kind, message = refusal
        raise kind(message)


@functools.lru_cache(maxsize=256)
def _refusal(text: str) -> tuple[type[QueryError], str] | None:
    try:
        _check_query(text)
    except QueryError as exc:
        return type(exc), str(exc)
    return None


def _check_query(text: str) -> None:
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        with _PARSER_LOCK:
            parsed = parseQuery(text)
    except ParseException as exc:
        try:
            with _PARSER_LOCK:
                update = parseUpdate(text)
        except ParseException:
            raise QueryError(
                f"SPARQL syntax error at line {exc.lineno}, column {exc.col}: {exc.msg}"
            ) from None
        names: set[str] = set()
        _walk_names(update, names)
        if "Load" in names:
            raise ForbiddenQueryError("LOAD is refused: citegraph queries are read-only") from None
        raise ForbiddenQueryError("updates are refused: citegraph queries are read-only") from None
    names = set()
    _walk_names(parsed, names)
    if "ServiceGraphPattern" in names:
        raise ForbiddenQueryError(
            "SERVICE queries reach other servers and are refused (run them on the server itself)"
        )


def _term(param: QueryParam | None, name: str, value: str) -> ox.NamedNode | ox.Literal:
    kind = param.type if param else ("iri" if re.match(r"^(https?:|urn:|<)", value) else "string")
    try:
        if kind == "iri":
            iri = value[1:-1] if value.startswith("<") and value.endswith(">") else value
            return ox.NamedNode(iri)
        if kind == "integer":
            return ox.Literal(
                str(int(value)), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
            )
        if kind == "boolean":
            if value.lower() not in ("true", "false"):
                raise ValueError(value)
            return ox.Literal(
                value.lower(), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
            )
    except ValueError:
        raise UnknownQueryError(f"parameter {name}: {value!r} is not a valid {kind}") from None
    return ox.Literal(value)


@dataclass
class QueryResult:
    """The outcome of a query: ``variables`` and ``rows`` (SELECT), ``boolean`` (ASK) or
    ``triples`` (CONSTRUCT/DESCRIBE), and the elapsed seconds."""

    variables: list[str] = field(default_factory=list)
    rows: list[tuple[ox.NamedNode | ox.BlankNode | ox.Literal | None, ...]] = field(
        default_factory=list
    )
    boolean: bool | None = None
    triples: list[ox.Triple] | None = None
    seconds: float = 0.0


def run_query(
    store: ox.Store,
    query: NamedQuery,
    params: Mapping[str, str] | None = None,
    *,
    limit: int | None = None,
) -> QueryResult:
    """Run ``query`` on ``store`` with ``params`` bound as RDF terms (never spliced).

    Every declared required parameter must be given; an undeclared one is refused for named
    queries. The citegraph prefixes are predeclared.

    Example:
        >>> store = ox.Store()
        >>> q = load_query("SELECT ?x WHERE { BIND(1 AS ?x) }")
        >>> run_query(store, q).rows[0][0].value
        '1'
    """
    params = dict(params or {})
    check_query(_with_prefixes(query.text))
    subs: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {}
    if query.params or query.name != "<inline>":
        for p in query.params:
            if p.required and p.name not in params:
                raise UnknownQueryError(
                    f"query {query.name!r} needs --param {p.name}=... ({p.description})"
                )
        for key in params:
            if query.param(key) is None:
                declared = ", ".join(p.name for p in query.params) or "none"
                raise UnknownQueryError(
                    f"query {query.name!r} takes no parameter {key!r} (it takes: {declared})"
                )
    for key, value in params.items():
        subs[ox.Variable(key.replace("-", "_"))] = _term(query.param(key), key, value)
    start = time.perf_counter()
    out = _collect(store, query.text, subs, limit)
    out.seconds = time.perf_counter() - start
    return out


def _collect(
    store: ox.Store, text: str, subs: dict[ox.Variable, Any], limit: int | None
) -> QueryResult:
    """Run the query and collect its answer as plain values.

    A frame of its own: :func:`check_query`'s parser leaves reference cycles that hold the
    frames it was called from (tracebacks of the exceptions it raises and catches as it
    goes), so the caller's frame may outlive the call until the cycle collector runs,
    on whatever thread it next runs on. Pyoxigraph's results must be dropped on the thread
    that made them; here they are, when this frame ends.
    """
    plan = split_order(text) if sorts_in_python(store) else None
    result = _evaluate(store, plan.text if plan else text, subs)
    out = QueryResult()
    if isinstance(result, ox.QueryBoolean):
        out.boolean = bool(result)
    elif isinstance(result, ox.QuerySolutions):
        out.variables = [v.value for v in result.variables]
        with _collector_paused():
            if plan is None:
                out.rows = [tuple(sol) for sol in itertools.islice(result, limit)]
            else:
                ordered = sort_rows([tuple(sol) for sol in result], out.variables, plan)
                if ordered is None:  # not sortable outside the engine: run it as written
                    result = _evaluate(store, text, subs)
                    ordered = [tuple(sol) for sol in result]
                out.rows = ordered[:limit]
    else:
        out.triples = list(result)
    return out


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while rows are built: the tuples of RDF terms cannot
    form cycles, and the collector would otherwise walk the growing heap again and again
    (a quarter of the time of a 79,000-row result)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def sorts_in_python(source: object) -> bool:
    """Whether :func:`run_query` applies a query's outer ``ORDER BY`` itself (see
    :mod:`graph.ordering`): for Oxigraph stores, local or in a worker process, whose own
    sort decodes terms from disk on every comparison; a remote endpoint sorts on its side.

    Example:
        >>> sorts_in_python(ox.Store())
        True
    """
    from graph.worker import TimedSource

    return isinstance(source, ox.Store | TimedSource)


def _evaluate(store: ox.Store, text: str, subs: dict[ox.Variable, Any]) -> Any:
    try:
        return store.query(text, prefixes=PREFIXES, substitutions=subs or None)
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error: {exc}") from None
    except (OSError, RuntimeError, ValueError) as exc:
        raise QueryError(f"query failed: {exc}") from None


def _with_prefixes(text: str) -> str:
    decl = "".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items())
    return decl + text


# ---------------------------------------------------------------- output

_PREFIX_ITEMS = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))


def _plain(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode | ox.Literal | ox.BlankNode):
        return term.value
    return str(term)


def _short(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        for prefix, ns in _PREFIX_ITEMS:
            if term.value.startswith(ns) and prefix not in ("rdf", "xsd"):
                return f"{prefix}:{term.value[len(ns) :]}"
        return term.value
    return _plain(term)


def _json_term(term: object) -> dict[str, str] | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        d = {"type": "literal", "value": term.value}
        if term.language:
            d["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            d["datatype"] = term.datatype.value
        return d
    return {"type": "literal", "value": str(term)}


def format_result(result: QueryResult, fmt: str = "table", *, width: int = 60) -> str:
    """Render a result as ``table`` (aligned text), ``csv``, ``tsv`` or ``json`` (SPARQL 1.1
    Query Results JSON). CONSTRUCT results are N-Triples in every format.

    Example:
        >>> r = QueryResult(variables=["n"], rows=[(ox.Literal("1"),)])
        >>> print(format_result(r, "csv"), end="")
        n
        1
    """
    if fmt not in ("table", "csv", "tsv", "json"):
        raise QueryError(f"unknown output format {fmt!r} (known: table, csv, tsv, json)")
    if result.boolean is not None:
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": result.boolean}) + "\n"
        return ("true" if result.boolean else "false") + "\n"
    if result.triples is not None:
        return "".join(f"{t.subject} {t.predicate} {t.object} .\n" for t in result.triples)
    if fmt == "json":
        bindings = [
            {v: jt for v, t in zip(result.variables, row, strict=True)
             if (jt := _json_term(t)) is not None}
            for row in result.rows
        ]  # fmt: skip
        doc = {"head": {"vars": result.variables}, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    if fmt in ("csv", "tsv"):
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(result.variables)
        for row in result.rows:
            writer.writerow([_plain(t) for t in row])
        return buf.getvalue()
    return _table(result, width)


def _table(result: QueryResult, width: int) -> str:
    def cell(t: object) -> str:
        s = " ".join(_short(t).split())
        return s if len(s) <= width else s[: width - 1] + "…"

    cells = [[cell(t) for t in row] for row in result.rows]
    widths = [len(v) for v in result.variables]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    lines = [
        "  ".join(v.ljust(w) for v, w in zip(result.variables, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    n = len(result.rows)
    lines.append(f"({n} row{'s' if n != 1 else ''})")
    return "\n".join(lines) + "\n"


def iter_rows(store: ox.Store, text: str) -> Iterator[tuple[str, ...]]:
    """Run a SELECT whose every variable is always bound (citegraph prefixes) and yield its
    rows as tuples of plain values: no dict per row, for big results.

    Example:
        >>> list(iter_rows(ox.Store(), "SELECT ?x ?y WHERE { BIND(2 AS ?x) BIND('a' AS ?y) }"))
        [('2', 'a')]
    """
    result = store.query(text, prefixes=PREFIXES)
    assert isinstance(result, ox.QuerySolutions)
    width = len(result.variables)
    for sol in result:
        yield tuple(sol[i].value for i in range(width))


def iter_select(store: ox.Store, text: str) -> Iterator[dict[str, str | None]]:
    """Run a SELECT with citegraph prefixes and yield rows as ``{var: plain value}``.

    Example:
        >>> list(iter_select(ox.Store(), "SELECT ?x WHERE { BIND(2 AS ?x) }"))
        [{'x': '2'}]
    """
    result = store.query(text, prefixes=PREFIXES)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    for sol in result:
        yield {n: (None if sol[n] is None else _plain(sol[n])) for n in names}

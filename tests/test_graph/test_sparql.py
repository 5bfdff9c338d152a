"""Named queries over the seed build, parameters bound as terms, and refused queries."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.errors import ForbiddenQueryError, QueryError, UnknownQueryError
from graph.sparql import check_query, format_result, load_query, named_queries, run_query
from graph.store import open_store
from tests.conftest import SEED_IRI, SEED_REFERENCE_TITLES


@pytest.fixture(scope="module")
def store(seed_out: Path) -> ox.Store:
    return open_store(seed_out / "graph.ttl")


def test_shipped_queries_document_themselves() -> None:
    names = {q.name for q in named_queries()}
    assert {"cited-works", "keywords", "most-cited", "citing", "authors"} <= names
    for q in named_queries():
        assert q.summary, q.name


def test_cited_works_of_the_seed_in_reference_order(store: ox.Store) -> None:
    result = run_query(store, load_query("cited-works"), {"article": SEED_IRI})
    titles = [row[result.variables.index("title")].value for row in result.rows]  # type: ignore[union-attr]
    assert titles == SEED_REFERENCE_TITLES
    positions = [int(row[result.variables.index("position")].value) for row in result.rows]  # type: ignore[union-attr]
    assert positions == [1, 2, 3, 4, 5]


def test_keywords_and_authors(store: ox.Store) -> None:
    kw = run_query(store, load_query("keywords"))
    assert len(kw.rows) == 10
    authors = run_query(store, load_query("authors"), {"article": SEED_IRI})
    assert [r[authors.variables.index("name")].value for r in authors.rows] == ["Dinesh Kumar"]  # type: ignore[union-attr]


def test_most_cited_and_citing(store: ox.Store) -> None:
    top = run_query(store, load_query("most-cited"))
    assert len(top.rows) == 5
    assert {int(r[top.variables.index("citations")].value) for r in top.rows} == {1}  # type: ignore[union-attr]
    cited = top.rows[0][0]
    citing = run_query(store, load_query("citing"), {"work": cited.value})  # type: ignore[union-attr]
    assert [r[citing.variables.index("citing")].value for r in citing.rows] == [SEED_IRI]  # type: ignore[union-attr]


def test_parameter_is_bound_as_a_term_not_spliced(store: ox.Store) -> None:
    evil = '" } UNION { ?w ?p ?t } #'
    query = load_query("SELECT ?w ?t WHERE { ?w dcterms:title ?t }")
    assert len(run_query(store, query).rows) == 12  # 6 works and their 6 journals
    assert run_query(store, query, {"t": evil}).rows == []
    with pytest.raises(UnknownQueryError, match=r"parameter work: .* is not a valid iri"):
        run_query(store, load_query("citing"), {"work": "urn:x> } UNION { ?s ?p ?o } #"})


def test_missing_and_unknown_parameters(store: ox.Store) -> None:
    with pytest.raises(UnknownQueryError, match="needs --param work"):
        run_query(store, load_query("citing"))
    with pytest.raises(UnknownQueryError, match="takes no parameter 'year'"):
        run_query(store, load_query("citing"), {"work": SEED_IRI, "year": "2020"})
    with pytest.raises(UnknownQueryError, match="no named query 'most-cite'"):
        load_query("most-cite")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
        ("LOAD <http://example.org/data.ttl>", "LOAD"),
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "updates are refused"),
        ("DELETE WHERE { ?s ?p ?o }", "updates are refused"),
        ("DROP ALL", "updates are refused"),
    ],
)
def test_network_and_update_queries_are_refused(text: str, message: str) -> None:
    with pytest.raises(ForbiddenQueryError, match=message):
        check_query(text)


def test_syntax_error_names_the_position() -> None:
    with pytest.raises(QueryError, match="line 1"):
        check_query("SELECT ?s WHERE { ?s ?p }}")


def test_output_formats(store: ox.Store) -> None:
    result = run_query(store, load_query("authors"), {"article": SEED_IRI})
    doc = json.loads(format_result(result, "json"))
    assert doc["head"]["vars"] == ["article", "position", "name", "person"]
    assert doc["results"]["bindings"][0]["name"] == {"type": "literal", "value": "Dinesh Kumar"}
    csv_text = format_result(result, "csv")
    assert csv_text.splitlines()[0] == "article,position,name,person"
    assert "\t" in format_result(result, "tsv")
    table = format_result(result, "table")
    assert "Dinesh Kumar" in table and table.rstrip().endswith("(1 row)")


XSD = "http://www.w3.org/2001/XMLSchema#"


def _kinds_store() -> ox.Store:
    """One subject per value, of every kind an ORDER BY meets: blank nodes, IRIs, strings,
    language strings, numbers of four types, booleans, years; and a subject without one."""

    def typed(value: str, dt: str) -> ox.Literal:
        return ox.Literal(value, datatype=ox.NamedNode(XSD + dt))

    values: list[ox.NamedNode | ox.BlankNode | ox.Literal] = [
        ox.BlankNode("b2"), ox.BlankNode("b10"), ox.NamedNode("urn:b"), ox.NamedNode("urn:a"),
        ox.NamedNode("http://z"), ox.Literal("b"), ox.Literal("B"), ox.Literal("é"),
        ox.Literal(""), ox.Literal("x", language="en"), ox.Literal("a", language="en"),
        typed("10", "integer"), typed("9", "integer"), typed("-3", "integer"),
        typed("2.5", "decimal"), typed("1.5e1", "double"), typed("-INF", "double"),
        typed("true", "boolean"), typed("false", "boolean"), typed("2019", "gYear"),
        typed("1998", "gYear"), typed("abc", "integer"), typed("2020-01-01", "date"),
    ]  # fmt: skip
    store = ox.Store()
    for i, value in enumerate(values):
        subject = ox.NamedNode(f"urn:s{i:02d}")
        store.add(ox.Quad(subject, ox.NamedNode("urn:v"), value))
        store.add(ox.Quad(subject, ox.NamedNode("urn:i"), typed(str(i % 4), "integer")))
    store.add(ox.Quad(ox.NamedNode("urn:none"), ox.NamedNode("urn:i"), typed("0", "integer")))
    return store


@pytest.mark.parametrize(
    "where",
    [
        "FILTER(!BOUND(?v) || !isLiteral(?v))",  # unbound, blank nodes, IRIs
        "FILTER(!BOUND(?v) || !isLiteral(?v) || DATATYPE(?v) = xsd:string)",
        'FILTER(isLiteral(?v) && LANG(?v) = "en")',
        "FILTER(isNumeric(?v))",  # integers, a decimal, doubles: compared by value
        "FILTER(!isLiteral(?v) || DATATYPE(?v) IN (xsd:boolean))",
        "FILTER(isLiteral(?v) && DATATYPE(?v) = xsd:gYear)",
        "FILTER(isLiteral(?v) && DATATYPE(?v) = xsd:date)",  # left to the engine
    ],
)
@pytest.mark.parametrize(
    "order", ["?v ?s", "DESC(?v) ?s", "?i DESC(?v) ?s", "DESC(?i) ?v ?s LIMIT 5 OFFSET 3"]
)
def test_order_by_in_python_is_the_engine_order(where: str, order: str) -> None:
    """run_query applies a simple outer ORDER BY itself; the rows come out as Oxigraph's own
    sort gives them, term kind by term kind, ascending and descending, sliced."""
    store = _kinds_store()
    text = (
        "SELECT ?s ?v ?i WHERE { ?s <urn:i> ?i OPTIONAL { ?s <urn:v> ?v } "
        f"{where} }} ORDER BY {order}"
    )
    expected = [tuple(row) for row in store.query(text, prefixes={"xsd": XSD})]
    assert expected or "OFFSET" in order
    assert run_query(store, load_query(text)).rows == expected


def test_only_simple_order_clauses_leave_the_engine() -> None:
    from graph.ordering import split_order

    assert split_order("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 2").keys == (("s", False),)
    assert split_order("SELECT ?s WHERE { ?s ?p ?o } ORDER BY STR(?s)") is None
    assert split_order("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s VALUES ?s { <urn:a> }") is None
    assert split_order("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } ORDER BY ?s") is None
    assert split_order('SELECT ?s WHERE { ?s ?p "} ORDER BY ?s" }') is None
    inner = split_order("SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s } }")
    assert inner is None
    # a sort variable that is not projected: the query runs as written
    store = _kinds_store()
    q = load_query("SELECT ?s WHERE { ?s <urn:i> ?i } ORDER BY DESC(?i) ?s")
    assert run_query(store, q).rows == [tuple(r) for r in store.query(q.text)]


def test_literals_sparql_leaves_unordered_follow_a_fixed_order_of_kinds() -> None:
    """Oxigraph's own sort aborts the process on such a column (its comparison is not a
    total order); in Python they come in a fixed order of kinds, each kind in SPARQL order."""
    store = _kinds_store()
    text = "SELECT ?v WHERE { ?s <urn:v> ?v FILTER(isLiteral(?v)) } ORDER BY ?v"
    got = [str(row[0]) for row in run_query(store, load_query(text)).rows]
    assert got == [
        '"-INF"^^<http://www.w3.org/2001/XMLSchema#double>',
        '"-3"^^<http://www.w3.org/2001/XMLSchema#integer>',
        '"2.5"^^<http://www.w3.org/2001/XMLSchema#decimal>',
        '"9"^^<http://www.w3.org/2001/XMLSchema#integer>',
        '"10"^^<http://www.w3.org/2001/XMLSchema#integer>',
        '"15"^^<http://www.w3.org/2001/XMLSchema#double>',
        '"false"^^<http://www.w3.org/2001/XMLSchema#boolean>',
        '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>',
        '"1998"^^<http://www.w3.org/2001/XMLSchema#gYear>',
        '"2019"^^<http://www.w3.org/2001/XMLSchema#gYear>',
        '""', '"B"', '"b"', '"é"',
        '"a"@en', '"x"@en',
        '"2020-01-01"^^<http://www.w3.org/2001/XMLSchema#date>',
        '"abc"^^<http://www.w3.org/2001/XMLSchema#integer>',
    ]  # fmt: skip


def test_query_results_are_freed_when_run_query_returns(store: ox.Store) -> None:
    """Pyoxigraph's results must be dropped on the thread that made them. The SPARQL
    parser that checks a new query text leaves reference cycles holding its callers'
    frames, so run_query keeps no result in a frame of its own: the results are freed when
    it returns, not by the cycle collector later on some other thread (an HTTP server's)."""
    text = 'SELECT ?t WHERE { ?w dcterms:title ?t FILTER(?t != "not a title, 7c1e") } ORDER BY ?t'
    gc.collect()
    gc.disable()  # only reference counting frees anything here
    try:
        result = run_query(store, load_query(text))  # a text never parsed before
        alive = [o for o in gc.get_objects() if isinstance(o, ox.QuerySolutions)]
    finally:
        gc.enable()
    assert len(result.rows) == 12  # 6 works and their 6 journals
    assert alive == []

"""Named queries over the seed build, parameters bound as terms, and refused queries."""

from __future__ import annotations

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

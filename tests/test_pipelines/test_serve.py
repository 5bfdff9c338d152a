"""citegraph serve: a plain HTTP client talks SPARQL 1.1 Protocol to a store of real records."""

from __future__ import annotations

import csv
import io
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from pipelines.build import Builder, BuildOptions
from pipelines.serve import SparqlServer, endpoint_url, make_server
from pipelines.storebuild import load_build
from tests.conftest import FIXTURES

PART_A = FIXTURES / "store" / "pubmed20n0014_refs_a.xml.gz"

COUNT_CITES = "SELECT (COUNT(*) AS ?n) WHERE { ?a cito:cites ?b }"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparqlServer]:
    root = tmp_path_factory.mktemp("serve")
    builder = Builder()
    builder.add_inputs([PART_A])
    result = builder.finish(BuildOptions(out=root / "out", html=False, jsonld=False, nquads=True))
    load_build(root / "db", result)
    srv = make_server(root / "db", port=0, workers=2, timeout=5)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.close()


def _get(server: SparqlServer, query: str, accept: str = "application/sparql-results+json"):  # type: ignore[no-untyped-def]
    url = endpoint_url(server) + "?" + urllib.parse.urlencode({"query": query})
    req = urllib.request.Request(url, headers={"Accept": accept})
    return urllib.request.urlopen(req, timeout=30)


def _post(server: SparqlServer, body: bytes, ctype: str, accept: str = "*/*"):  # type: ignore[no-untyped-def]
    req = urllib.request.Request(
        endpoint_url(server), data=body, headers={"Content-Type": ctype, "Accept": accept}
    )
    return urllib.request.urlopen(req, timeout=30)


def _error(call) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(urllib.error.HTTPError) as info:
        call()
    return info.value.code, info.value.read().decode()


def test_get_answers_sparql_json(server: SparqlServer) -> None:
    with _get(server, COUNT_CITES) as resp:
        assert resp.headers["Content-Type"].startswith("application/sparql-results+json")
        doc = json.load(resp)
    assert doc["head"]["vars"] == ["n"]
    n = doc["results"]["bindings"][0]["n"]
    assert n["datatype"] == "http://www.w3.org/2001/XMLSchema#integer"
    # the 120 records of the fixture cite this many works in total (each reference once)
    assert int(n["value"]) > 1000


def test_post_form_and_sparql_query_body_give_the_same_answer(server: SparqlServer) -> None:
    q = "SELECT ?w WHERE { ?w a fabio:JournalArticle } ORDER BY ?w LIMIT 5"
    with _post(
        server,
        urllib.parse.urlencode({"query": q}).encode(),
        "application/x-www-form-urlencoded",
        "application/sparql-results+json",
    ) as r1:
        a = json.load(r1)
    with _post(
        server, q.encode(), "application/sparql-query", "application/sparql-results+json"
    ) as r2:
        b = json.load(r2)  # fmt: skip
    assert a == b and len(a["results"]["bindings"]) == 5


@pytest.mark.parametrize(
    ("accept", "ctype"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
    ],
)
def test_result_formats_by_accept_header(server: SparqlServer, accept: str, ctype: str) -> None:
    with _get(server, "SELECT ?w WHERE { ?w a fabio:JournalArticle } ORDER BY ?w", accept) as r:
        assert r.headers["Content-Type"].startswith(ctype)
        text = r.read().decode()
    if ctype == "text/csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == ["w"] and len(rows) == 121
    elif ctype == "text/tab-separated-values":
        lines = text.strip().splitlines()
        assert lines[0] == "?w" and len(lines) == 121 and lines[1].startswith("<https://")
    else:
        assert text.count("<result>") == 120


def test_construct_as_turtle_and_ntriples(server: SparqlServer) -> None:
    q = "CONSTRUCT { ?a cito:cites ?b } WHERE { ?a cito:cites ?b } LIMIT 3"
    with _get(server, q, "text/turtle") as r:
        assert r.headers["Content-Type"].startswith("text/turtle")
        assert "<http://purl.org/spar/cito/cites>" in r.read().decode()
    with _get(server, q, "application/n-triples") as r:
        lines = r.read().decode().strip().splitlines()
        assert len(lines) == 3 and all(line.endswith(" .") for line in lines)


def test_update_load_and_service_are_refused_with_400(server: SparqlServer) -> None:
    code, msg = _error(
        lambda: _post(server, b"update=DROP+ALL", "application/x-www-form-urlencoded")
    )
    assert code == 400 and "updates are refused" in msg
    code, msg = _error(lambda: _post(server, b"DROP ALL", "application/sparql-update"))
    assert code == 400 and "read-only" in msg
    code, msg = _error(lambda: _get(server, "INSERT DATA { <urn:a> <urn:b> <urn:c> }"))
    assert code == 400 and "updates are refused" in msg
    code, msg = _error(lambda: _get(server, "LOAD <http://example.org/x.ttl>"))
    assert code == 400 and "LOAD is refused" in msg
    code, msg = _error(
        lambda: _get(server, "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    )
    assert code == 400 and "SERVICE queries reach other servers" in msg
    code, msg = _error(lambda: _get(server, "SELECT WHERE {"))
    assert code == 400 and "syntax error" in msg
    # the data is unchanged
    with _get(server, "ASK { ?s ?p ?o }") as r:
        assert json.load(r)["boolean"] is True


def test_a_runaway_query_gets_503_and_the_server_goes_on(server: SparqlServer) -> None:
    code, msg = _error(
        lambda: _get(server, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    )
    assert code == 503 and "query stopped after 5 s" in msg
    with _get(server, COUNT_CITES) as r:
        assert json.load(r)["results"]["bindings"]


def test_the_query_page_escapes_what_it_shows(server: SparqlServer) -> None:
    with urllib.request.urlopen(endpoint_url(server).replace("/sparql", "/"), timeout=30) as r:
        page = r.read().decode()
    assert '<textarea name="query">' in page and "<form" in page
    q = 'SELECT ?x WHERE { BIND("<img src=x onerror=alert(1)>" AS ?x) }'
    body = urllib.parse.urlencode({"query": q, "format": "html"}).encode()
    with _post(server, body, "application/x-www-form-urlencoded") as r:
        page = r.read().decode()
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_1000_sequential_and_8_concurrent_queries(server: SparqlServer) -> None:
    with _get(server, COUNT_CITES) as r:
        expected = json.load(r)
    for _ in range(1000):
        with _get(server, COUNT_CITES) as r:
            assert r.status == 200
            assert json.load(r) == expected

    def one(i: int) -> dict[str, object]:
        q = f"SELECT ?w WHERE {{ ?w a fabio:JournalArticle }} ORDER BY ?w OFFSET {i % 120} LIMIT 1"
        with _get(server, q) as r:
            return json.load(r)  # type: ignore[no-any-return]

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(one, range(8 * 25)))
    firsts = [a["results"]["bindings"][0]["w"]["value"] for a in answers]  # type: ignore[index]
    assert len(set(firsts)) == 120  # 120 articles, one per offset
    assert all(firsts[i] == firsts[i % 120] for i in range(len(firsts)))


def test_the_query_page_shows_rows_unbound_cells_and_ask(server: SparqlServer) -> None:
    def page(q: str) -> str:
        body = urllib.parse.urlencode({"query": q, "format": "html"}).encode()
        with _post(server, body, "application/x-www-form-urlencoded") as r:
            return str(r.read().decode())

    shown = page('SELECT ?a ?b WHERE { VALUES (?a ?b) { ("x" UNDEF) ("y" "z") } }')
    assert "<p>2 rows</p>" in shown
    assert "<th>a</th><th>b</th>" in shown
    assert "<tr><td>x</td><td></td></tr>" in shown and "<tr><td>y</td><td>z</td></tr>" in shown
    assert "<p>true</p>" in page("ASK { }")

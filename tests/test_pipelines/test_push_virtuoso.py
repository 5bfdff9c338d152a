"""citegraph push into a real Virtuoso (Debian package virtuoso-opensource), then every named
query gives the same rows from Virtuoso as from the local store.

The fixture starts its own ``virtuoso-t`` on free 127.0.0.1 ports with a temporary database
directory and its own virtuoso.ini, grants SPARQL_UPDATE to the anonymous SPARQL user (so
``/sparql`` takes SPARQL 1.1 Update) and stops the server afterwards. Virtuoso is required:
without it the tests fail and say how to install it.

Rows are compared as sets of plain values, normalised where the two stores write the same
value differently: Virtuoso returns booleans (stored, computed or bound) as ``1``/``0``,
sometimes typed ``xsd:integer`` (Oxigraph: ``true``/``false``), and builds ``GROUP_CONCAT``
lists in its own order, so those lists are compared sorted.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from graph.endpoint import SparqlEndpoint
from graph.errors import FetchError
from graph.sparql import QueryResult, load_query, named_queries, run_query
from graph.store import open_source
from pipelines.build import Builder, BuildOptions
from pipelines.push import push
from pipelines.storebuild import load_build
from tests.conftest import FIXTURES, SEED

PARTS = [FIXTURES / "store" / "pubmed20n0014_refs_a.xml.gz",
         FIXTURES / "store" / "pubmed20n0014_refs_b.xml.gz"]  # fmt: skip
BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
LISTS = {"citing_works", "shared_references"}
BOOLEAN_COLUMNS = {"resolved", "major_only"}  # Virtuoso answers these as 1/0 integers

INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
DirsAllowed = ., {d}
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
ServerThreads = 8
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 0
MaxQueryCostEstimationTime = 0
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running Virtuoso; yields its SPARQL endpoint URL."""
    binary, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt") or shutil.which("isql")
    if binary is None or isql is None:
        pytest.fail(
            "Virtuoso is not installed (virtuoso-t / isql-vt not on PATH): "
            "apt-get install -y virtuoso-opensource (see .ci/run)"
        )
    d = tmp_path_factory.mktemp("virtuoso")
    sql, http = _free_port(), _free_port()
    (d / "virtuoso.ini").write_text(INI.format(d=d, sql=sql, http=http))
    log = (d / "stdout.log").open("wb")
    proc = subprocess.Popen([binary, "-f", "-c", str(d / "virtuoso.ini")], cwd=d, stdout=log,
                            stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{http}/sparql"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"virtuoso-t exited with {proc.returncode}: {(d / 'stdout.log').read_text()}"
                )
            try:
                with urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=5) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail("Virtuoso did not answer within 120 s")
            time.sleep(0.5)
        grant = subprocess.run(
            [isql, f"127.0.0.1:{sql}", "dba", "dba", 'exec=grant SPARQL_UPDATE to "SPARQL";'],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert grant.returncode == 0, grant.stdout + grant.stderr
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The local store of both fixture files."""
    root = tmp_path_factory.mktemp("local")
    builder = Builder()
    builder.add_inputs(PARTS)
    result = builder.finish(BuildOptions(out=root / "out", html=False, jsonld=False, nquads=True))
    load_build(root / "db", result)
    return root / "db"


def _norm(name: str, term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        value = term.value
        if term.datatype.value == BOOLEAN or name in BOOLEAN_COLUMNS:
            value = {"1": "true", "0": "false"}.get(value, value)
        if name in LISTS:
            value = " ".join(sorted(value.split()))
        return value
    if isinstance(term, ox.NamedNode | ox.BlankNode):
        return term.value
    return str(term)


def _rows(result: QueryResult) -> set[tuple[str, ...]]:
    return {
        tuple(_norm(v, t) for v, t in zip(result.variables, row, strict=True))
        for row in result.rows
    }


def _params(local_source: object) -> dict[str, list[dict[str, str]]]:
    """Parameter values for the queries that need one, taken from the data itself."""
    top = run_query(local_source, load_query("most-cited"), limit=1).rows[0][0]  # type: ignore[arg-type]
    major = run_query(
        local_source,  # type: ignore[arg-type]
        load_query(
            "SELECT ?t (COUNT(*) AS ?n) WHERE { ?w fabio:hasPrimarySubjectTerm ?t "
            'FILTER(!CONTAINS(STR(?t), "Q")) } GROUP BY ?t ORDER BY DESC(?n) ?t LIMIT 1'
        ),
    ).rows[0][0]
    assert top is not None and major is not None
    return {
        "citing": [{"work": top.value}],
        "mesh-cooccurrence": [
            {},
            {"major-only": "true"},
            {"term": "http://id.nlm.nih.gov/mesh/D006801"},
            {"term": major.value, "major-only": "true"},
        ],
    }


@pytest.fixture(scope="module")
def pushed(virtuoso: str, local: Path) -> str:
    report = push(local, virtuoso)  # SPARQL 1.1 Update, one named graph per record
    store = open_source(local)
    assert report.quads == len(store) - sum(1 for _ in store.quads_for_pattern(
        None, None, None, ox.DefaultGraph()))  # fmt: skip
    assert report.graphs == 240 and report.requests >= report.quads // 500
    return virtuoso


def test_every_named_query_gives_the_same_rows_from_virtuoso(pushed: str, local: Path) -> None:
    local_source = open_source(local)
    remote = SparqlEndpoint(pushed, timeout=120)
    params = _params(local_source)
    compared = []
    for q in named_queries():
        runs = params.get(q.name) or [{}]
        for values in runs:
            mine = _rows(run_query(local_source, q, values))
            theirs = _rows(run_query(remote, q, values))  # type: ignore[arg-type]
            assert theirs == mine, (q.name, values, sorted(mine ^ theirs)[:5])
            compared.append((q.name, len(mine)))
    names = {n for n, _ in compared}
    assert names == {q.name for q in named_queries()}
    sizes = dict(compared)
    assert sizes["co-citation"] > 100 and sizes["most-cited"] > 1000
    assert sum(1 for _, n in compared if n > 0) >= len(names) - 2  # keywords data is thin


def test_the_named_graphs_arrive_in_virtuoso(pushed: str, local: Path) -> None:
    remote = SparqlEndpoint(pushed, timeout=60)
    rows = list(remote.query(
        "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?g a "
        "<https://w3id.org/citegraph/ns#SourceRecord> } }"
    ))  # fmt: skip
    assert rows[0]["n"].value == "240"


def test_pushing_twice_changes_nothing(virtuoso: str, tmp_path: Path) -> None:
    builder = Builder()
    builder.add_inputs([SEED])
    result = builder.finish(BuildOptions(out=tmp_path, html=False, jsonld=False, nquads=True))
    remote = SparqlEndpoint(virtuoso, timeout=60)
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:citegraph:test:seed> { ?s ?p ?o } }"
    push(tmp_path / "graph.nq", virtuoso, graph="urn:citegraph:test:seed", chunk_size=50)
    first = next(iter(remote.query(count)))["n"].value
    push(tmp_path / "graph.nq", virtuoso, graph="urn:citegraph:test:seed", chunk_size=50)
    assert next(iter(remote.query(count)))["n"].value == first == str(result.triples)


def test_graph_store_protocol_with_digest_auth(virtuoso: str, tmp_path: Path) -> None:
    builder = Builder()
    builder.add_inputs([SEED])
    result = builder.finish(BuildOptions(out=tmp_path, html=False, jsonld=False, nquads=True))
    gsp = virtuoso.replace("/sparql", "/sparql-graph-crud-auth")
    report = push(tmp_path / "graph.nt", gsp, graph="urn:citegraph:test:gsp", protocol="gsp",
                  user="dba", password="dba")  # fmt: skip
    assert report.quads == result.triples
    rows = list(SparqlEndpoint(virtuoso).query(
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:citegraph:test:gsp> { ?s ?p ?o } }"
    ))  # fmt: skip
    assert rows[0]["n"].value == str(result.triples)


def test_query_command_on_the_endpoint(pushed: str) -> None:
    from pipelines.cli import app

    out = CliRunner().invoke(app, ["query", pushed, "citations-per-year", "--format", "csv"])
    assert out.exit_code == 0, out.output
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "year,citations,citing_works,cited_works" and len(lines) >= 4


def test_an_unreachable_endpoint_is_a_clear_error(local: Path) -> None:
    port = _free_port()
    with pytest.raises(FetchError, match=rf"127\.0\.0\.1:{port}/sparql: .*\(after 2 tries\)"):
        push(local, f"http://127.0.0.1:{port}/sparql", retries=1)

"""On-disk stores: builds loaded idempotently, named graphs per record, queries over stores,
files and the timeout, on real PubMed records (tests/fixtures/store, see its README)."""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from collections.abc import Callable
from itertools import combinations
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from graph.errors import ForbiddenQueryError, QueryError
from graph.model import Article
from graph.sparql import load_query, named_queries, run_query
from graph.store import (
    distinct_triples,
    open_source,
    open_store,
    triple_count,
)
from graph.vocab import funder_iri, grant_iri, mesh_iri, mesh_name_iri, substance_iri
from pipelines.build import Builder, BuildOptions, BuildResult, build
from pipelines.identity import IdentityMap
from pipelines.readers.pubmed_xml import read_pubmed_xml
from pipelines.storebuild import load_build, seed_identity
from tests.conftest import FIXTURES, SEED, SHARED_DATA

PART_A = FIXTURES / "store" / "pubmed20n0014_refs_a.xml.gz"
PART_B = FIXTURES / "store" / "pubmed20n0014_refs_b.xml.gz"


def _build(inputs: list[Path], out: Path, store: Path | None = None) -> BuildResult:
    builder = Builder()
    if store is not None:
        seed_identity(builder, store)
    builder.add_inputs(inputs)
    result = builder.finish(BuildOptions(out=out, html=False, jsonld=False, nquads=True))
    if store is not None:
        load_build(store, result)
    return result


def _nt_triples(path: Path) -> list[tuple[str, str, str]]:
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    return list(distinct_triples(store))


def _default_graph(store: ox.Store) -> list[tuple[str, str, str]]:
    return [
        (str(q.subject), str(q.predicate), str(q.object))
        for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())
    ]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Build A alone, B alone, A+B at once (graph.nt) and a store holding A then B."""
    root = tmp_path_factory.mktemp("store")
    _build([PART_A], root / "a")
    _build([PART_B], root / "b")
    _build([PART_A, PART_B], root / "ab")
    _build([PART_A], root / "a-into", root / "db")
    _build([PART_B], root / "b-into", root / "db")
    return {"root": root, "db": root / "db"}


def test_one_named_graph_per_source_record(built: dict[str, Path]) -> None:
    store = open_store(built["db"])
    graphs = {g.value for g in store.named_graphs()}
    assert len(graphs) == 240  # 120 records in each file, one graph each
    # every article states the record it came from, and lives in that record's graph
    rows = list(
        store.query(
            "SELECT ?g (COUNT(?w) AS ?n) WHERE { GRAPH ?g { ?w a <http://purl.org/spar/fabio/"
            "JournalArticle> ; <http://www.w3.org/ns/prov#wasDerivedFrom> ?g } } GROUP BY ?g"
        )
    )
    assert len(rows) == 240 and {r["n"].value for r in rows} == {"1"}


def test_second_input_adds_exactly_its_new_triples(built: dict[str, Path]) -> None:
    root = built["root"]
    a = set(_nt_triples(root / "a" / "graph.nt"))
    b = set(_nt_triples(root / "b" / "graph.nt"))
    ab = set(_nt_triples(root / "ab" / "graph.nt"))
    store = open_store(built["db"])
    assert a & b, "the two parts share works (journals, cited works)"
    assert set(distinct_triples(store)) == ab == a | b
    assert triple_count(store) == len(a) + len(b - a)
    assert set(_default_graph(store)) == ab  # what queries read: the merge, each triple once


def test_building_the_same_input_twice_changes_nothing(
    built: dict[str, Path], tmp_path: Path
) -> None:
    db = tmp_path / "db"
    shutil.copytree(built["db"], db)
    before_quads = len(open_store(db))
    before = triple_count(open_store(db))
    _build([PART_B], tmp_path / "again", db)
    _build([PART_A], tmp_path / "again-a", db)
    store = open_store(db)
    assert triple_count(store) == before == len(_default_graph(store))
    assert len(store) == before_quads


def test_a_newer_record_of_a_work_replaces_the_older_one(tmp_path: Path) -> None:
    """The same record read from a file under another name is a second source record of the
    same work: the one loaded last wins, so authors and citations are not doubled."""
    db = tmp_path / "db"
    _build([PART_A], tmp_path / "1", db)
    count = triple_count(open_store(db))
    renamed = tmp_path / "renamed.xml.gz"
    shutil.copy(PART_A, renamed)
    result = _build([renamed], tmp_path / "2", db)
    store = open_store(db)
    files = {
        r["f"].value
        for r in store.query(
            "SELECT DISTINCT ?f WHERE { ?s <https://w3id.org/citegraph/ns#sourceFile> ?f }"
        )
    }
    assert files == {"renamed.xml.gz"}
    roles = store.query(
        "SELECT ?w ?pos (COUNT(?r) AS ?n) WHERE { ?r <http://purl.org/spar/pro/"
        "isDocumentContextFor> ?w ; <https://schema.org/position> ?pos ; a "
        "<http://purl.org/spar/pro/RoleInTime> } GROUP BY ?w ?pos HAVING (COUNT(?r) > 1)"
    )
    assert list(roles) == []
    # the new record's source triples replace the old ones one for one
    assert triple_count(store) == count
    assert result.articles == 120


def test_a_work_known_by_doi_is_rekeyed_when_a_record_gives_its_pmid(tmp_path: Path) -> None:
    """First the store learns of an article from a source that knows only its DOI (the real
    PubMed record 28731372 with its PMID left out, as a page export would give it); then the
    full record arrives. The work moves to its PubMed IRI and the DOI-only record, now an
    older record of the same work, is dropped: one work, one set of author roles."""
    from dataclasses import replace

    from graph.model import Identifiers, Source
    from pipelines.readers import read_any

    record = next(r for r in read_any(FIXTURES / "metapub__pmid_28731372.xml"))
    assert not isinstance(record, Exception) and record.ids.pmid == "28731372"
    doi_only = replace(
        record,
        ids=Identifiers(doi=record.ids.doi),
        source=Source("page-export.txt", "pubmed-abstract-text", 1),
    )
    db = tmp_path / "db"
    for name, article in (("doi", doi_only), ("full", record)):
        builder = Builder()
        seed_identity(builder, db)
        builder.add_article(article)
        result = builder.finish(
            BuildOptions(out=tmp_path / name, html=False, jsonld=False, nquads=True)
        )
        report = load_build(db, result)
    store = open_store(db)
    doi = ox.NamedNode("https://doi.org/10.1177/1352458517722646")
    pubmed = ox.NamedNode("https://identifiers.org/pubmed:28731372")
    assert list(store.quads_for_pattern(doi, None, None, None)) == []
    assert report.superseded_graphs and len(list(store.named_graphs())) == 1
    full = set(_nt_triples(tmp_path / "full" / "graph.nt"))
    assert set(distinct_triples(store)) == full == set(_default_graph(store))
    assert list(store.quads_for_pattern(pubmed, None, None, None))


def test_every_named_query_runs_on_a_store_directory(built: dict[str, Path]) -> None:
    source = open_source(built["db"])
    assert isinstance(source, ox.Store)
    sizes = {}
    for q in named_queries():
        if any(p.required for p in q.params):
            continue
        sizes[q.name] = len(run_query(source, q).rows)
    assert sizes["co-citation"] > 100 and sizes["coupling"] > 10
    assert sizes["most-cited"] > 1000 and sizes["citations-per-year"] >= 3
    assert sizes["coauthors"] > 0


def test_co_citation_rows_match_a_count_in_python(built: dict[str, Path]) -> None:
    from collections import Counter
    from itertools import combinations

    triples = _nt_triples(built["root"] / "ab" / "graph.nt")
    cites: dict[str, set[str]] = {}
    for s, p, o in triples:
        if p == "<http://purl.org/spar/cito/cites>":
            cites.setdefault(s, set()).add(o[1:-1])
    pairs: Counter[tuple[str, str]] = Counter()
    for refs in cites.values():
        pairs.update(combinations(sorted(refs), 2))
    expected = {(a, b, n) for (a, b), n in pairs.items() if n > 1}
    rows = run_query(open_source(built["db"]), load_query("co-citation")).rows
    got = {(r[0].value, r[1].value, int(r[2].value)) for r in rows}  # type: ignore[union-attr]
    assert got == expected


def _latest_records(paths: list[Path]) -> list[Article]:
    """The records a store keeps: the last one read of each PMID."""
    latest: dict[str, Article] = {}
    for path in paths:
        for item in read_pubmed_xml(path):
            assert isinstance(item, Article), item
            if not item.deleted:
                latest[item.ids.pmid or item.title or ""] = item
    return list(latest.values())


def _per_work(articles: list[Article], terms: Callable[[Article], set[str]]) -> list[set[str]]:
    """``terms`` of each work: records that share an identifier (two PMIDs with one DOI) are
    one work in the graph, holding the terms of both."""
    identity = IdentityMap()
    for a in articles:
        identity.add(a.ids)
    works: dict[str, set[str]] = {}
    for a in articles:
        works.setdefault(str(identity.keyer(a.ids)), set()).update(terms(a))
    return list(works.values())


def _pairs(sets: list[set[str]]) -> Counter[tuple[str, str]]:
    out: Counter[tuple[str, str]] = Counter()
    for items in sets:
        out.update(combinations(sorted(items), 2))
    return out


def _descriptors(article: Article, *, major_only: bool) -> set[str]:
    return {
        str(mesh_iri(h.ui) if h.ui else mesh_name_iri(h.name))
        for h in article.mesh
        if not major_only or h.major or any(q.major for q in h.qualifiers)
    }


def _counted_pairs(rows: list[Any]) -> set[tuple[str, str, int]]:
    return {(r[0].value, r[1].value, int(r[2].value)) for r in rows}


def test_mesh_cooccurrence_counts_match_the_records(built: dict[str, Path]) -> None:
    articles = _latest_records([PART_A, PART_B])
    source = open_source(built["db"])
    q = load_query("mesh-cooccurrence")
    every = _pairs(_per_work(articles, lambda a: _descriptors(a, major_only=False)))
    major = _pairs(_per_work(articles, lambda a: _descriptors(a, major_only=True)))
    assert len(every) > 1000 and 100 < len(major) < len(every)
    rows = run_query(source, q).rows
    assert _counted_pairs(rows) == {(a, b, n) for (a, b), n in every.items()}
    assert [int(r[2].value) for r in rows] == sorted((n for n in every.values()), reverse=True)  # type: ignore[union-attr]
    rows = run_query(source, q, {"major-only": "true"}).rows
    assert _counted_pairs(rows) == {(a, b, n) for (a, b), n in major.items()}
    term = "http://id.nlm.nih.gov/mesh/D006801"  # Humans
    rows = run_query(source, q, {"term": term}).rows
    assert _counted_pairs(rows) == {(a, b, n) for (a, b), n in every.items() if term in (a, b)}
    assert {r[3].value for r in rows} == {term}  # type: ignore[union-attr]


def test_funders_and_substances_count_the_records(built: dict[str, Path]) -> None:
    """The funders and substances queries against a count over the records themselves."""
    articles = _latest_records([PART_A, PART_B])
    source = open_source(built["db"])
    grants = [g for a in articles for g in a.grants if g.agency]
    names = {(str(funder_iri(g)), g.agency) for g in grants}

    def funders_of(a: Article) -> set[str]:
        return {str(funder_iri(g)) for g in a.grants if g.agency}

    def substances_of(a: Article) -> set[str]:
        return {str(substance_iri(c)) for c in a.chemicals}

    funders = Counter(f for work in _per_work(articles, funders_of) for f in work)
    numbered = {(str(funder_iri(g)), str(grant_iri(g))) for g in grants if grant_iri(g)}
    grants_of = Counter(f for f, _ in numbered)
    assert len(funders) >= 3 and len(numbered) >= 10
    rows = run_query(source, load_query("funders")).rows
    got = {tuple(t.value for t in r if t is not None) for r in rows}
    assert got == {(f, n, str(funders[f]), str(grants_of[f])) for f, n in names}

    labels = {(str(substance_iri(c)), c.name) for a in articles for c in a.chemicals}
    used = Counter(t for work in _per_work(articles, substances_of) for t in work)
    assert len(used) > 100 and max(used.values()) > 5
    rows = run_query(source, load_query("substances")).rows
    got = {tuple(t.value for t in r if t is not None) for r in rows}
    assert got == {(t, n, str(used[t])) for t, n in labels}
    assert [int(r[2].value) for r in rows] == sorted(  # type: ignore[union-attr]
        (used[t] for t, _ in labels), reverse=True
    )


def test_mesh_terms_count_and_name_the_records_descriptors(built: dict[str, Path]) -> None:
    """mesh-terms against a count over the records: articles per descriptor, those of them
    with it as a major topic, and the name the records give it."""
    articles = _latest_records([PART_A, PART_B])
    every = Counter(d for work in _per_work(articles, lambda a: _descriptors(a, major_only=False))
                    for d in work)  # fmt: skip
    major = Counter(d for work in _per_work(articles, lambda a: _descriptors(a, major_only=True))
                    for d in work)  # fmt: skip
    names: dict[str, set[str]] = {}
    for a in articles:
        for h in a.mesh:
            names.setdefault(str(mesh_iri(h.ui) if h.ui else mesh_name_iri(h.name)), set()).add(
                h.name
            )
    for a in articles:  # a substance with a descriptor UI is named by the record too
        for c in a.chemicals:
            if str(substance_iri(c)) in names:
                names[str(substance_iri(c))].add(c.name)
    assert len(every) > 1000
    rows = run_query(open_source(built["db"]), load_query("mesh-terms")).rows
    got = {tuple(t.value for t in r) for r in rows}  # type: ignore[union-attr]
    assert got == {(d, min(names[d]), str(n), str(major[d])) for d, n in every.items()}
    assert sum(major.values()) > 500 and 0 < len(major) < len(every)
    assert [int(r[2].value) for r in rows] == sorted(every.values(), reverse=True)  # type: ignore[union-attr]
    assert rows[0][1].value == "Humans"  # type: ignore[union-attr]


FATCAT_2019 = SHARED_DATA / "pubmed_xml" / "fatcat__pubmedsample_2019.xml"


@pytest.mark.skipif(not FATCAT_2019.exists(), reason="needs ../shared/data (AGPL sample)")
def test_build_store_option_and_keyword_cooccurrence_on_a_real_sample(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pipelines.cli import app

    db = tmp_path / "db"
    args = ["build", str(FATCAT_2019), "--no-html", "-q", "--store", str(db)]
    first = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "one")])
    assert first.exit_code == 0, first.output
    quads = len(open_store(db))
    again = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "two")])
    assert again.exit_code == 0, again.output
    assert len(open_store(db)) == quads
    report = json.loads((tmp_path / "two" / "report.json").read_text())
    articles = _latest_records([FATCAT_2019])
    assert report["store"]["quads"] == quads
    assert report["store"]["records_replaced"] == report["store"]["records_loaded"] > 0
    assert triple_count(open_store(db)) == len(_nt_triples(tmp_path / "two" / "graph.nt"))

    expected = _pairs(_per_work(articles, lambda a: {k.text for k in a.keywords}))
    assert max(expected.values()) > 1
    rows = run_query(open_source(db), load_query("keyword-cooccurrence")).rows
    assert _counted_pairs(rows) == {(a, b, n) for (a, b), n in expected.items()}
    mesh = _pairs(_per_work(articles, lambda a: _descriptors(a, major_only=False)))
    rows = run_query(open_source(db), load_query("mesh-cooccurrence")).rows
    assert _counted_pairs(rows) == {(a, b, n) for (a, b), n in mesh.items()}


def test_timeout_stops_a_runaway_query_with_a_message(built: dict[str, Path]) -> None:
    source = open_source(built["db"], timeout=1.5)
    runaway = load_query("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    start = time.monotonic()
    with pytest.raises(QueryError, match=r"query stopped after 1\.5 s \(--timeout\)"):
        run_query(source, runaway)
    assert time.monotonic() - start < 10
    # the worker was replaced: the next query answers
    assert len(run_query(source, load_query("citations-per-year")).rows) >= 3
    source.close()


def test_timeout_source_reports_an_unreadable_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("<urn:a> <urn:p> .\n")
    with pytest.raises(Exception, match=r"bad\.ttl: not valid"):
        open_source(bad, timeout=5)


def test_forbidden_queries_are_refused_before_they_reach_the_store(
    built: dict[str, Path],
) -> None:
    source = open_source(built["db"])
    with pytest.raises(ForbiddenQueryError):
        run_query(source, load_query("DROP ALL"))


def test_an_empty_directory_is_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="not an Oxigraph store"):
        open_store(tmp_path)


def test_build_function_output_loads_into_a_store(tmp_path: Path) -> None:
    result = build([SEED], BuildOptions(out=tmp_path / "o", html=False, nquads=True))
    report = load_build(tmp_path / "db", result)
    assert report.record_graphs == 1
    assert triple_count(open_store(tmp_path / "db")) == result.triples


def test_named_queries_give_the_same_rows_on_the_store_as_on_the_built_file(
    built: dict[str, Path],
) -> None:
    """Row for row, duplicates included: a triple stated by several records (a cited work
    described by two reference lists) must count once on the store too. (GROUP_CONCAT lists
    have no defined order, so they are compared sorted.)"""
    store = open_source(built["db"])
    nt = open_source(built["root"] / "ab" / "graph.nt")

    def rows(source: object, q: object) -> list[tuple[str, ...]]:
        result = run_query(source, q)  # type: ignore[arg-type]
        lists = [v in ("citing_works", "shared_references") for v in result.variables]
        return sorted(
            tuple(
                " ".join(sorted(t.value.split())) if is_list and t is not None else str(t)
                for t, is_list in zip(row, lists, strict=True)
            )
            for row in result.rows
        )

    for q in named_queries():
        if any(p.required for p in q.params):
            continue
        assert rows(store, q) == rows(nt, q), q.name


def test_named_queries_sorted_in_python_give_the_engine_rows_in_its_order(
    built: dict[str, Path],
) -> None:
    """run_query sorts the rows of a store query in Python (graph.ordering); every named
    query, with its parameters, gives exactly the rows, in exactly the order, that plain
    SPARQL evaluation of the same text gives (their ORDER BY clauses are total orders)."""
    from graph.sparql import _term, sorts_in_python
    from graph.vocab import PREFIXES

    store = open_store(built["db"])
    assert sorts_in_python(store)
    top = run_query(store, load_query("most-cited"), limit=1).rows[0][0]
    citing = run_query(store, load_query("cited-works"), limit=1).rows[0][0]
    assert top is not None and citing is not None
    params: dict[str, list[dict[str, str]]] = {
        "citing": [{"work": top.value}],
        "cited-works": [{}, {"article": citing.value}],
        "mesh-cooccurrence": [
            {},
            {"major-only": "true"},
            {"term": "http://id.nlm.nih.gov/mesh/D006801"},
            {"term": "http://id.nlm.nih.gov/mesh/D006801", "major-only": "true"},
        ],
    }
    sizes = []
    for q in named_queries():
        for values in params.get(q.name, [{}]):
            subs = {ox.Variable(k.replace("-", "_")): _term(q.param(k), k, v)
                    for k, v in values.items()}  # fmt: skip
            plain = store.query(q.text, prefixes=PREFIXES, substitutions=subs or None)
            expected = [tuple(row) for row in plain]
            got = run_query(store, q, values).rows
            assert got == expected, (q.name, values)
            sizes.append(len(got))
    assert sum(n > 100 for n in sizes) >= 7, sizes  # keywords are thin in these records
    with open_source(built["db"], timeout=60) as timed:  # sorted on this side of the pipe
        q = load_query("authors")
        assert run_query(timed, q).rows == run_query(store, q).rows


def test_loading_a_builds_own_files_in_one_pass_gives_the_same_store(
    built: dict[str, Path], tmp_path: Path
) -> None:
    """graph.nq + graph.nt of a build (lenient: files citegraph wrote) are scanned as bytes
    and bulk-loaded as one stream; the store and the report are those of the general path
    (N-Quads parsed line by line, one bulk load per file), also when loaded over a store."""
    from graph.store import _scan_nquads, _scan_own_nquads, create_store, update_store

    out = built["root"] / "a"
    nq, nt = out / "graph.nq", out / "graph.nt"
    lines, _, records = _scan_nquads(nq)
    assert _scan_own_nquads(nq) == (lines, records) and len(records) == 120

    def quads(store: ox.Store) -> list[str]:
        return sorted(str(q) for q in store.quads_for_pattern(None, None, None, None))

    reports = []
    stores = []
    for name, lenient in (("one-pass", True), ("general", False)):
        store = create_store(tmp_path / name)
        first = update_store(store, nq, triples=nt, lenient=lenient)
        assert first.quads == len(store)
        ab = built["root"] / "ab"
        again = update_store(store, ab / "graph.nq", triples=ab / "graph.nt", lenient=lenient)
        assert again.quads == len(store)
        reports.append([(r.loaded, r.record_graphs, r.replaced_graphs, r.quads, r.rekeyed)
                        for r in (first, again)])  # fmt: skip
        stores.append(quads(store))
    assert reports[0] == reports[1] and stores[0] == stores[1]
    assert reports[0][1][2] == 120  # the records of part A were replaced by the second load

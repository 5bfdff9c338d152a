"""The HTML view as a document: self-contained, escaped, atomic, counted, pruned.

What the page does in a browser is tested in test_render_browser.py."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import math
import re
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest

from graph.errors import ExportError
from graph.layout import force_layout
from graph.render import LAYOUT_THRESHOLD, html_document, write_html
from tests.conftest import SEED_IRI, SEED_REFERENCE_TITLES, SEED_TITLE
from tests.test_graph.render_graphs import LINQS, XSS, corpus_graph, seed_graph

needs_corpus = pytest.mark.skipif(not LINQS.exists(), reason=f"corpus not found: {LINQS}")

BLOB = re.compile(r'<script type="application/json" id="citegraph-data">(.*?)</script>', re.S)
SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def page_data(page: str) -> dict[str, Any]:
    blobs = BLOB.findall(page)
    assert len(blobs) == 1
    data: dict[str, Any] = json.loads(blobs[0])
    return data


@pytest.fixture(scope="module")
def seed() -> nx.DiGraph[str]:
    return seed_graph()


@pytest.fixture(scope="module")
def corpus() -> nx.DiGraph[str]:
    return corpus_graph(2000)


def test_seed_page_holds_the_six_works_and_five_citations(seed: nx.DiGraph[str]) -> None:
    data = page_data(html_document(seed, title="seed"))
    assert data["total"] == {"nodes": 6, "edges": 5}
    assert data["shown"] == {"nodes": 6, "edges": 5}
    assert data["omitted"] is None
    by_id = {n["id"]: n for n in data["nodes"]}
    assert by_id[SEED_IRI]["t"] == SEED_TITLE
    assert by_id[SEED_IRI]["k"] == "article"
    assert by_id[SEED_IRI]["doi"] == "10.4252/wjsc.v17.i7.106856"
    assert by_id[SEED_IRI]["yr"] == 2025
    assert len(by_id[SEED_IRI]["kw"].split("; ")) == 10
    assert not {"me", "su", "fu"} & set(by_id[SEED_IRI])  # a page gives none of these
    cited = [n for n in data["nodes"] if n["id"] != SEED_IRI]
    assert sorted(n["t"] for n in cited) == sorted(SEED_REFERENCE_TITLES)
    index = [n["id"] for n in data["nodes"]]
    assert sorted((index[a], index[b]) for a, b, _, _ in data["edges"]) == sorted(seed.edges())
    assert {e[2] for e in data["edges"]} == {seed.edges[e]["provenance"] for e in seed.edges}
    assert sorted(e[3] for e in data["edges"]) == [1, 2, 3, 4, 5]
    assert data["layout"] == "physics"


def test_no_network_reference_of_any_kind(seed: nx.DiGraph[str]) -> None:
    page = html_document(seed)
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.I)
    assert not re.search(r"<link\b", page, re.I)
    assert not re.search(r"<(iframe|img|object|embed|base)\b", page, re.I)
    assert not re.search(r"@import", page, re.I)
    assert not re.search(r"sourceMappingURL", page)
    # every url(...) in the inlined CSS is a data: URL
    assert all(u.startswith("data:") for u in re.findall(r"url\(\s*[\"']?([^\"')]*)", page))
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)


def test_csp_allows_no_network_and_only_our_scripts(seed: nx.DiGraph[str]) -> None:
    page = html_document(seed)
    metas = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    assert len(metas) == 1
    csp = {d.split()[0]: d.split()[1:] for d in metas[0].replace("&#x27;", "'").split("; ") if d}
    assert csp["default-src"] == ["'none'"]
    assert csp["connect-src"] == ["'none'"]
    assert csp["img-src"] == ["data:", "blob:"]
    scripts = SCRIPT.findall(page)
    assert len(scripts) == 2  # vis-network and ours; the data blob is not executable
    expected = [
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in scripts
    ]
    assert csp["script-src"] == expected
    assert "vis-network" in scripts[0][:200]
    assert "'unsafe-eval'" not in metas[0] and "http" not in metas[0]


def test_every_text_is_escaped(seed: nx.DiGraph[str]) -> None:
    g = copy.deepcopy(seed)
    evil = {
        "title": f"{XSS} </script><script>window.__xss=2</script>",
        "label": "<!-- x --> & <b>bold</b>",
        "authors": 'O\'Brien & "Smith" \u2028',
        "abstract": "a < b && c > d",
        "keywords": "</style><style>body{display:none}</style>",
    }
    g.nodes[SEED_IRI].update(evil)
    page = html_document(g, title=f"Title {XSS}")
    plain = html_document(seed, title="Title")
    for raw in (XSS, "</script><script>window", "<!-- x", "<b>bold", "</style><style>"):
        assert raw not in page
    assert page.count("<script") == plain.count("<script")
    assert page.lower().count("</script") == plain.lower().count("</script") == 3
    assert "<title>Title &lt;img src=x onerror=window.__xss=1&gt;</title>" in page
    node = next(n for n in page_data(page)["nodes"] if n["id"] == SEED_IRI)
    assert node["t"] == evil["title"]
    assert node["l"] == evil["label"]
    assert node["a"] == evil["authors"].strip()
    assert node["ab"] == evil["abstract"]
    assert node["kw"] == evil["keywords"]


def test_graph_is_not_modified(seed: nx.DiGraph[str]) -> None:
    before = nx.node_link_data(seed, edges="edges")
    html_document(seed, size_by="pagerank", max_nodes=3)
    assert nx.node_link_data(seed, edges="edges") == before


def test_write_html_is_atomic(
    seed: nx.DiGraph[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "view" / "graph.html"
    assert write_html(seed, out, title="seed") == out
    assert out.read_text(encoding="utf-8") == html_document(seed, title="seed")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["graph.html", "view"]  # no lib/
    old = out.read_bytes()
    with pytest.raises(ExportError, match="size_by"):
        write_html(seed, out, size_by="degree")  # type: ignore[arg-type]

    def broken(*args: object, **kwargs: object) -> object:
        return ["not", "text"]  # the write itself fails half-way

    monkeypatch.setattr("graph.render.html_document", broken)
    with pytest.raises(TypeError):
        write_html(seed, out)
    assert out.read_bytes() == old
    assert sorted(p.name for p in out.parent.iterdir()) == ["graph.html"]


def test_size_by_citations_or_pagerank() -> None:
    g: nx.DiGraph[str] = nx.DiGraph()
    g.add_edges_from([("a", "hub"), ("b", "hub"), ("c", "hub"), ("hub", "d"), ("e", "f")])
    for n in g:
        g.nodes[n]["kind"] = "cited"
    cit = {n["id"]: n["s"] for n in page_data(html_document(g))["nodes"]}
    assert max(cit, key=cit.__getitem__) == "hub"
    assert cit["a"] == cit["b"] == cit["e"] < cit["f"] < cit["hub"]
    pr = {n["id"]: n["s"] for n in page_data(html_document(g, size_by="pagerank"))["nodes"]}
    ranks = nx.pagerank(g)
    assert max(pr, key=pr.__getitem__) == max(ranks, key=ranks.__getitem__)
    for x in g:  # sizes follow PageRank
        for y in g:
            if ranks[x] < ranks[y] - 1e-9:
                assert pr[x] <= pr[y]
    assert pr["d"] > cit["d"]  # d is cited once but inherits the hub's rank


@needs_corpus
def test_max_nodes_keeps_articles_and_highest_pagerank(corpus: nx.DiGraph[str]) -> None:
    g = nx.compose(corpus, seed_graph())
    for n in corpus:
        g.nodes[n]["kind"] = "cited"  # the seed's article is the only input article
    assert g.number_of_nodes() == 2006
    data = page_data(html_document(g, max_nodes=500))
    kept = [n["id"] for n in data["nodes"]]
    assert len(kept) == 500 == data["shown"]["nodes"]
    assert SEED_IRI in kept  # the one input article, whatever its rank
    ranks = nx.pagerank(g)
    others = sorted((n for n in g if n != SEED_IRI), key=lambda n: -ranks[n])
    assert set(kept) - {SEED_IRI} == set(others[:499])
    kept_set = set(kept)
    kept_edges = [(u, v) for u, v in g.edges if u in kept_set and v in kept_set]
    assert len(data["edges"]) == len(kept_edges) == data["shown"]["edges"]
    assert data["omitted"]["nodes"] == 2006 - 500
    assert data["omitted"]["edges"] == g.number_of_edges() - len(kept_edges)
    assert data["total"] == {"nodes": 2006, "edges": g.number_of_edges()}
    # above the layout threshold every node comes with a position, physics off
    assert data["layout"] == "python" and LAYOUT_THRESHOLD < 500
    assert all(math.isfinite(n["x"]) and math.isfinite(n["y"]) for n in data["nodes"])


@needs_corpus
def test_all_nodes_drawn_when_they_fit(corpus: nx.DiGraph[str]) -> None:
    data = page_data(html_document(corpus))
    assert data["shown"] == data["total"] == {"nodes": 2000, "edges": corpus.number_of_edges()}
    assert data["omitted"] is None


def test_max_nodes_must_be_positive(seed: nx.DiGraph[str]) -> None:
    with pytest.raises(ExportError, match="max_nodes"):
        html_document(seed, max_nodes=0)


@needs_corpus
def test_python_layout_puts_cited_works_near_their_citers(corpus: nx.DiGraph[str]) -> None:
    pos = force_layout(corpus, seed=3)
    assert pos == force_layout(corpus, seed=3)
    xy = np.array([pos[n] for n in corpus])
    assert np.isfinite(xy).all()
    index = {n: i for i, n in enumerate(corpus)}
    edge_len = np.array([np.linalg.norm(xy[index[u]] - xy[index[v]]) for u, v in corpus.edges])
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, len(xy), 5000), rng.integers(0, len(xy), 5000)
    random_len = np.linalg.norm(xy[a] - xy[b], axis=1)
    assert np.median(edge_len) < 0.3 * np.median(random_len)
    # no pile-up: few nodes closer to each other than a node's size
    close = np.linalg.norm(xy[a] - xy[b], axis=1) < 5
    assert close[a != b].mean() < 0.01

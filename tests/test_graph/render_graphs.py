"""Graphs the render tests draw: the seed page through the real pipeline, and slices of the
real LINQS Pubmed-Diabetes citation corpus (read from ../shared/data, not copied: the data set
states no licence of its own)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from tests.conftest import SEED, SHARED_DATA

LINQS = SHARED_DATA / "corpus" / "linqs_Pubmed-Diabetes.DIRECTED.cites.tab"
XSS = "<img src=x onerror=window.__xss=1>"


def seed_graph() -> nx.DiGraph[str]:
    """The seed page read by the page reader and made into the citation graph (6 nodes)."""
    from graph.model import Article
    from graph.network import add_metrics, citation_graph
    from pipelines.readers import read_any

    records = list(read_any(SEED))
    articles = [r for r in records if isinstance(r, Article)]
    assert articles == records, records
    return add_metrics(citation_graph(articles))


def linqs_edges(path: Path = LINQS) -> list[tuple[str, str]]:
    """(citing PMID, cited PMID) pairs in file order."""
    edges = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            parts = line.split()
            edges.append((parts[1].split(":", 1)[1], parts[3].split(":", 1)[1]))
    return edges


def corpus_graph(n: int, path: Path = LINQS) -> nx.DiGraph[str]:
    """The subgraph induced by the first ``n`` PMIDs of the corpus (in order of appearance),
    with citegraph's node ids and attributes: a paper that cites another one in the slice is
    an ``article``, the others are ``cited`` works."""
    edges = linqs_edges(path)
    order = list(dict.fromkeys(p for e in edges for p in e))[:n]
    keep = set(order)
    g: nx.DiGraph[str] = nx.DiGraph()
    iri = "https://identifiers.org/pubmed:{}".format
    for pmid in order:
        g.add_node(iri(pmid), pmid=pmid, label=f"PMID {pmid}", kind="cited")
    for a, b in edges:
        if a in keep and b in keep and a != b:
            g.add_edge(iri(a), iri(b), relation="cites", provenance="linqs")
            g.nodes[iri(a)]["kind"] = "article"
    for node in g:
        g.nodes[node]["in_corpus_citations"] = g.in_degree(node)
    return g

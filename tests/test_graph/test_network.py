"""Graph metrics on a real record's citation graph, with and without layer nodes."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from graph.network import add_metrics, pagerank
from pipelines.build import BuildOptions, build
from tests.conftest import FIXTURES

RECORD = FIXTURES / "metapub__pmid_28731372.xml"


@pytest.mark.parametrize("layers", [(), ("authors", "mesh")])
def test_metrics_count_citation_edges_only(tmp_path: Path, layers: tuple[str, ...]) -> None:
    result = build([RECORD], BuildOptions(out=tmp_path, html=False, layers=layers))
    g = result.graph
    assert g is not None
    cites = [(a, b) for a, b, d in g.edges(data=True) if d.get("relation", "cites") == "cites"]
    assert len(cites) == 34  # its 34 references (33 with ids, 1 without: an unresolved work)
    assert (len(cites) < g.number_of_edges()) == bool(layers)
    citation_graph: nx.DiGraph[str] = nx.DiGraph(cites)
    citation_graph.add_nodes_from(g)
    expected = nx.pagerank(citation_graph)
    add_metrics(g)
    for n, d in g.nodes(data=True):
        assert d["in_corpus_citations"] == citation_graph.in_degree(n)
        assert d["references"] == citation_graph.out_degree(n)
        assert d["pagerank"] == pytest.approx(expected[n], abs=1e-8)
    article = next(n for n, d in g.nodes(data=True) if d.get("pmid") == "28731372")
    assert g.nodes[article]["references"] == 34


def test_pagerank_is_networkx_pagerank(tmp_path: Path) -> None:
    """numpy's power iteration gives networkx's PageRank (scipy's) on the citation graph of
    real records (articles citing each other, cited works with no references: dangling),
    plus a cycle and an isolated node; an empty graph has none."""
    result = build([FIXTURES / "store" / "pubmed20n0014_refs_a.xml.gz"],
                   BuildOptions(out=tmp_path, html=False))  # fmt: skip
    g = result.graph
    assert g is not None and g.number_of_edges() > 100
    g = nx.DiGraph(g.edges())
    g.add_edges_from([("x", "y"), ("y", "x"), ("y", next(iter(g)))])
    g.add_node("alone")
    expected = nx.pagerank(g, weight=None)
    got = pagerank(g)
    assert list(got) == list(g)
    assert max(abs(got[n] - expected[n]) for n in g) < 1e-12
    assert sum(got.values()) == pytest.approx(1.0)
    assert pagerank(nx.DiGraph()) == {}
    with pytest.raises(nx.PowerIterationFailedConvergence):
        pagerank(g, max_iter=2)


def test_article_nodes_carry_substances_and_funders(tmp_path: Path) -> None:
    """The record's ChemicalList and GrantList as node attributes (so GraphML and CSV
    exports have them), and in the GraphML file itself."""
    result = build([RECORD], BuildOptions(out=tmp_path, html=False))
    assert result.graph is not None
    (node,) = [d for _, d in result.graph.nodes(data=True) if d.get("pmid") == "28731372"]
    assert node["substances"] == (
        "Antibodies, Viral; Epstein-Barr Virus Nuclear Antigens; Cholecalciferol; "
        "EBV-encoded nuclear antigen 1"
    )
    assert node["funders"] == "Austrian Science Fund FWF"
    written = nx.read_graphml(tmp_path / "citations.graphml")
    assert written.nodes["https://identifiers.org/pubmed:28731372"]["funders"] == node["funders"]


def test_the_graph_rebuilt_from_rdf_names_every_work_as_the_build_does(tmp_path: Path) -> None:
    """`citegraph render` and `export` rebuild the graph from the RDF: each node gets the
    label the build gave it (a cited work known only by its PMID is "PMID n", not
    "untitled": 39,802 of the 69,801 nodes of the baseline file were before), and the same
    nodes and citation edges."""
    from graph.network import citation_graph_from_store
    from graph.store import open_store

    out = tmp_path / "out"
    build([FIXTURES / "store" / "pubmed20n0014_refs_a.xml.gz"], BuildOptions(out=out, html=False))
    built = nx.read_graphml(out / "citations.graphml")
    rebuilt = citation_graph_from_store(open_store(out / "graph.nt"))
    assert set(rebuilt) == set(built) and set(rebuilt.edges()) == set(built.edges())
    labels = {n: d["label"] for n, d in built.nodes(data=True)}
    assert {n: d["label"] for n, d in rebuilt.nodes(data=True)} == labels
    assert sum(label.startswith("PMID ") for label in labels.values()) > 100
    # MeSH descriptors, substances and funders of each article, and the reference text of
    # each cited work, as the build's graph has them (names sorted here: RDF has no order)
    for key in ("mesh", "substances", "funders", "reference"):
        theirs = {n: sorted(set(str(d[key]).split("; "))) for n, d in built.nodes(data=True)
                  if key in d and (key != "reference" or d["kind"] != "article")}  # fmt: skip
        ours = {n: sorted(set(str(d[key]).split("; "))) for n, d in rebuilt.nodes(data=True)
                if key in d}  # fmt: skip
        assert ours == theirs and (len(ours) > 10 or key == "funders"), key

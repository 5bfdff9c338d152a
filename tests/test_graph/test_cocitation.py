"""Co-citation and coupling networks: the counts of the SPARQL queries, as graphs to export."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from graph.cocitation import network
from graph.errors import ExportError
from graph.export import export
from graph.network import add_metrics, citation_graph_from_store
from graph.sparql import load_query, run_query
from graph.store import open_store
from pipelines.build import BuildOptions, build
from pipelines.cli import app
from tests.conftest import FIXTURES

STORE = FIXTURES / "store"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The RDF of 240 real PubMed records with their reference lists (two excerpts of one
    baseline file)."""
    out = tmp_path_factory.mktemp("cocitation")
    build([STORE / "pubmed20n0014_refs_a.xml.gz", STORE / "pubmed20n0014_refs_b.xml.gz"],
          BuildOptions(out=out, html=False))  # fmt: skip
    return out / "graph.nt"


@pytest.mark.parametrize("kind", ["co-citation", "coupling"])
def test_networks_weigh_each_pair_as_the_named_query_counts_it(built: Path, kind: str) -> None:
    """Every pair the co-citation (coupling) query finds on the same RDF is an edge with
    that count as its weight, and no other pair is."""
    store = open_store(built)
    h = network(add_metrics(citation_graph_from_store(store)), kind)
    rows = run_query(store, load_query(kind)).rows
    expected = {(r[0].value, r[1].value, int(r[2].value)) for r in rows}  # type: ignore[union-attr]
    got = {(*sorted((a, b)), w) for a, b, w in h.edges(data="weight")}
    assert got == expected and len(expected) > 10
    assert not h.is_directed() and h.graph["network"] == kind
    assert all(h.degree(n) > 0 for n in h)  # only works with a link
    some = next(iter(h))
    assert h.nodes[some]["label"] and "in_corpus_citations" in h.nodes[some]


def test_min_weight_keeps_the_stronger_links(built: Path) -> None:
    g = add_metrics(citation_graph_from_store(open_store(built)))
    ones, twos, threes = (network(g, "co-citation", min_weight=n) for n in (1, 2, 3))
    weights = [w for _, _, w in ones.edges(data="weight")]
    assert ones.number_of_edges() > twos.number_of_edges() > threes.number_of_edges() > 0
    assert twos.number_of_edges() == sum(w >= 2 for w in weights)
    assert min(w for _, _, w in threes.edges(data="weight")) == 3
    with pytest.raises(ExportError, match="unknown network 'cocite'"):
        network(g, "cocite")
    with pytest.raises(ExportError, match="--min-weight must be 1 or more, not 0"):
        network(g, "coupling", min_weight=0)


def test_every_format_writes_a_weighted_undirected_network(built: Path, tmp_path: Path) -> None:
    """GraphML and GEXF read back undirected with their weights; Pajek as weighted *Edges
    (igraph reads it); the CLI writes it with --network."""
    import igraph
    from typer.testing import CliRunner

    h = network(add_metrics(citation_graph_from_store(open_store(built))), "co-citation")
    pairs = {frozenset((a, b)): w for a, b, w in h.edges(data="weight")}
    for fmt, reader in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        (path,) = export(h, fmt, tmp_path / f"cocitation.{fmt}")
        back = reader(path)
        assert not back.is_directed()
        assert {frozenset((a, b)): int(w) for a, b, w in back.edges(data="weight")} == pairs
    (net,) = export(h, "pajek", tmp_path / "cocitation.net")
    ig = igraph.Graph.Read_Pajek(str(net))
    assert not ig.is_directed() and ig.ecount() == len(pairs)
    assert sorted(ig.es["weight"]) == sorted(pairs.values())
    out = tmp_path / "cli.net"
    result = CliRunner().invoke(app, ["export", str(built), "-f", "pajek", "-o", str(out),
                                      "--network", "coupling", "--min-weight", "3"])  # fmt: skip
    assert result.exit_code == 0, result.output
    coupled = network(add_metrics(citation_graph_from_store(open_store(built))), "coupling",
                      min_weight=3)  # fmt: skip
    assert igraph.Graph.Read_Pajek(str(out)).ecount() == coupled.number_of_edges() > 0
    bad = CliRunner().invoke(app, ["export", str(built), "-f", "pajek", "-o", str(out),
                                   "--network", "cocite"])  # fmt: skip
    assert bad.exit_code == 2 and "unknown network 'cocite'" in bad.stderr

"""Every export format of the seed's citation graph loads back with the same nodes and edges."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import networkx as nx
import pytest

from graph.errors import ExportError
from graph.export import EXPORTERS, export, exporter, sanitize
from tests.conftest import SEED_IRI, SEED_REFERENCE_TITLES, refs_a_articles


def _expected_edges() -> int:
    return len(SEED_REFERENCE_TITLES)


def test_graphml_is_a_directed_graph_of_six_nodes_and_five_edges(seed_out: Path) -> None:
    g = nx.read_graphml(seed_out / "citations.graphml")
    assert g.is_directed()
    assert g.number_of_nodes() == 6 and g.number_of_edges() == _expected_edges()
    assert g.nodes[SEED_IRI]["kind"] == "article"
    assert all(g.has_edge(SEED_IRI, n) for n in g if n != SEED_IRI)
    titles = sorted(d["title"] for n, d in g.nodes(data=True) if n != SEED_IRI)
    assert titles == sorted(SEED_REFERENCE_TITLES)
    assert {type(d["year"]) for _, d in g.nodes(data=True)} == {int}


def test_gexf_loads(seed_out: Path) -> None:
    g = nx.read_gexf(seed_out / "citations.gexf")
    assert g.number_of_nodes() == 6 and g.number_of_edges() == 5
    assert g.nodes[SEED_IRI]["doi"] == "10.4252/wjsc.v17.i7.106856"


def test_node_link_json_loads(seed_out: Path) -> None:
    data = json.loads((seed_out / "citations.json").read_text())
    g = nx.node_link_graph(data, edges="links")
    assert g.is_directed() and g.number_of_nodes() == 6 and g.number_of_edges() == 5
    assert g.nodes[SEED_IRI]["in_corpus_citations"] == 0


def test_csv_tables_load(seed_out: Path) -> None:
    with (seed_out / "nodes.csv").open() as fh:
        nodes = list(csv.DictReader(fh))
    with (seed_out / "edges.csv").open() as fh:
        edges = list(csv.DictReader(fh))
    assert len(nodes) == 6 and len(edges) == 5
    assert {e["source"] for e in edges} == {SEED_IRI}
    assert {e["target"] for e in edges} == {n["id"] for n in nodes} - {SEED_IRI}
    assert all(e["relation"] == "cites" and e["provenance"] == "page" for e in edges)


def test_cytoscape_json_round_trips(seed_out: Path, tmp_path: Path) -> None:
    g = nx.read_graphml(seed_out / "citations.graphml")
    (path,) = export(g, "cytoscape", tmp_path / "g.cyjs")
    back = nx.cytoscape_graph(json.loads(path.read_text()))
    assert back.number_of_nodes() == 6 and back.number_of_edges() == 5


def test_sanitize_drops_none_joins_lists_and_unifies_types() -> None:
    g: nx.DiGraph[str] = nx.DiGraph()
    g.add_node("a", year=2020, tags=["x", "y"], missing=None, flag=True)
    g.add_node("b", year="in press")
    h = sanitize(g)
    assert h.nodes["a"] == {"year": "2020", "tags": "x; y", "flag": True}
    assert "missing" not in h.nodes["a"]
    assert g.nodes["a"]["tags"] == ["x", "y"]  # the caller's graph is untouched


def test_unknown_format_lists_the_known_ones() -> None:
    with pytest.raises(ExportError, match="known: graphml, gexf, json, cytoscape, csv, pajek"):
        exporter("pdf")
    assert {e.name for e in EXPORTERS} == {"graphml", "gexf", "json", "cytoscape", "csv", "pajek"}
    assert exporter("net").name == "pajek"


def test_pajek_opens_in_igraph_and_networkx_with_every_node_edge_and_label(
    tmp_path: Path,
) -> None:
    """The citation graph of 120 real PubMed records (with their reference lists) as Pajek
    .net: igraph's reader (igraph.Graph.Read_Pajek) and networkx's both get every node with
    its label (a title with double quotes in it too) and every arc, citing -> cited."""
    import igraph

    from graph.network import citation_graph

    arts = refs_a_articles()
    g = citation_graph(arts)
    first = next(iter(g))
    g.nodes[first]["label"] = 'Smith 2020 "Quoted"\ntitle'
    (path,) = export(g, "pajek", tmp_path / "citations.net")
    nodes = list(g)
    labels = [" ".join(str(g.nodes[n].get("label") or n).replace('"', "'").split()) for n in nodes]
    edges = sorted((nodes.index(a), nodes.index(b)) for a, b in g.edges())
    assert g.number_of_nodes() > 1_000 and len(edges) > 1_000
    ig = igraph.Graph.Read_Pajek(str(path))
    assert ig.is_directed() and ig.vcount() == len(nodes)
    assert ig.vs["name"] == labels  # (igraph keeps a Pajek label as the vertex's name)
    assert sorted(e.tuple for e in ig.es) == edges
    assert labels[0] == "Smith 2020 'Quoted' title"
    back = nx.read_pajek(path)
    assert back.number_of_nodes() == len(set(labels)) and back.number_of_edges() == len(edges)


def test_failed_export_leaves_no_file(tmp_path: Path) -> None:
    class Unwritable:
        def __str__(self) -> str:
            raise RuntimeError("boom")

    g: nx.DiGraph[str] = nx.DiGraph()
    g.add_node("a", obj=Unwritable())
    with pytest.raises(RuntimeError):
        export(g, "graphml", tmp_path / "g.graphml")
    assert list(tmp_path.iterdir()) == []


def test_outputs_get_the_usual_file_mode(seed_out: Path) -> None:
    import os
    import stat

    umask = os.umask(0)
    os.umask(umask)
    for name in ("graph.nt", "graph.ttl", "citations.graphml", "report.json"):
        mode = stat.S_IMODE((seed_out / name).stat().st_mode)
        assert mode == 0o666 & ~umask, (name, oct(mode))


def test_graphml_reads_back_as_networkx_writes_it(seed_out: Path, tmp_path: Path) -> None:
    """citegraph's streamed GraphML and networkx's own writer give the same graph when read
    back: nodes, edges, every attribute with its type; plus what networkx's writer cannot
    take (a control character in a title, booleans, graph attributes)."""
    g = nx.read_graphml(seed_out / "citations.graphml")
    g.graph.clear()  # read_graphml adds node_default/edge_default
    first = next(iter(g))
    g.nodes[first]["title"] = 'A \x0btitle <with> markup & "quotes"'
    g.nodes[first]["flag"] = True
    g.graph["name"] = "seed & co"
    export(g, "graphml", tmp_path / "ours.graphml")
    ours = nx.read_graphml(tmp_path / "ours.graphml")
    assert ours.graph["name"] == "seed & co"
    del g.graph["name"]
    assert ours.nodes[first]["title"] == 'A title <with> markup & "quotes"'
    assert ours.nodes[first]["flag"] is True
    del g.nodes[first]["title"]
    del ours.nodes[first]["title"]
    nx.write_graphml(sanitize(g), tmp_path / "theirs.graphml")
    theirs = nx.read_graphml(tmp_path / "theirs.graphml")
    assert dict(ours.nodes(data=True)) == dict(theirs.nodes(data=True))
    assert sorted(ours.edges(data=True)) == sorted(theirs.edges(data=True))


def test_graphml_ids_with_markup_and_mixed_types_read_back(seed_out: Path, tmp_path: Path) -> None:
    """Node ids with ``&``, quotes and an apostrophe are quoted as XML wants (the plain ones
    take the fast path); an attribute that is an int on one node and a float on another is
    one double key, an int and a string one string key."""
    g = nx.read_graphml(seed_out / "citations.graphml")
    g.graph.clear()
    a, b = list(g)[:2]
    odd = {a: 'urn:x?a=1&b="2"', b: "it's <here>"}
    g = nx.relabel_nodes(g, odd)
    g.nodes[odd[a]]["score"] = 3
    g.nodes[odd[b]]["score"] = 0.5
    g.nodes[odd[a]]["v"] = 7
    g.nodes[odd[b]]["v"] = "seven"
    export(g, "graphml", tmp_path / "ours.graphml")
    text = (tmp_path / "ours.graphml").read_text(encoding="utf-8")
    assert 'attr.name="score" attr.type="double"' in text
    assert 'attr.name="v" attr.type="string"' in text
    ours = nx.read_graphml(tmp_path / "ours.graphml")
    assert set(ours) == set(g)
    assert ours.nodes[odd[a]]["score"] == 3.0 and ours.nodes[odd[b]]["score"] == 0.5
    assert (ours.nodes[odd[a]]["v"], ours.nodes[odd[b]]["v"]) == ("7", "seven")
    assert sorted(ours.edges()) == sorted(g.edges())

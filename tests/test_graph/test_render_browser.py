"""The HTML view in a real browser: Debian's headless Chromium driven by Playwright.

Chromium must be installed (`apt-get install chromium`; `.ci/run` does it): these tests fail,
they do not skip, when it is missing. Set CITEGRAPH_UPDATE_DOCS=1 to also refresh the README
screenshots docs/seed.png and docs/corpus.png.
"""

from __future__ import annotations

import base64
import copy
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from graph.render import write_html
from tests.conftest import REPO, SEED_IRI, SEED_REFERENCE_TITLES, SEED_TITLE
from tests.test_graph.render_graphs import LINQS, XSS, corpus_graph, seed_graph

CHROMIUM = Path(os.environ.get("CITEGRAPH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DOCS = REPO / "docs"
READY = "body[data-state=ready]"

needs_corpus = pytest.mark.skipif(not LINQS.exists(), reason=f"corpus not found: {LINQS}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: the browser tests need it. "
            "Install it with `apt-get install chromium` (.ci/run does this).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class Loaded:
    page: Any
    url: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def body(self, name: str) -> str | None:
        value: str | None = self.page.get_attribute("body", f"data-{name}")
        return value

    def js(self, expr: str, arg: Any = None) -> Any:
        return self.page.evaluate(expr, arg)


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    pages: list[Any] = []

    def _open(path: Path) -> Loaded:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        pages.append(page)
        loaded = Loaded(page, path.resolve().as_uri())
        page.on(
            "console",
            lambda m: loaded.errors.append(m.text) if m.type in ("error", "warning") else None,
        )
        page.on("pageerror", lambda e: loaded.errors.append(f"pageerror: {e}"))
        page.on("requestfailed", lambda r: loaded.errors.append(f"request failed: {r.url}"))
        page.on("request", lambda r: loaded.requests.append(r.url))
        page.goto(loaded.url)
        page.wait_for_selector(READY, state="attached", timeout=30_000)
        return loaded

    yield _open
    for p in pages:
        p.close()


def screenshot(loaded: Loaded, tmp_path: Path, name: str) -> Path:
    shot = tmp_path / name
    loaded.page.screenshot(path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("CITEGRAPH_UPDATE_DOCS") == "1":
        DOCS.mkdir(exist_ok=True)
        shutil.copyfile(shot, DOCS / name)
    return shot


def node_index(loaded: Loaded, iri: str) -> int:
    index: int = loaded.js("iri => window.citegraph.ids.indexOf(iri)", iri)
    assert index >= 0
    return index


def click_canvas_point(loaded: Loaded, canvas_xy: dict[str, float]) -> None:
    dom = loaded.js("p => window.citegraph.network.canvasToDOM(p)", canvas_xy)
    box = loaded.page.locator("#network").bounding_box()
    loaded.page.mouse.click(box["x"] + dom["x"], box["y"] + dom["y"])


def click_node(loaded: Loaded, index: int) -> None:
    xy = loaded.js("i => window.citegraph.network.getPositions([i])[i]", index)
    click_canvas_point(loaded, xy)


def drawn_counts(loaded: Loaded) -> tuple[int, int]:
    """What vis-network holds as drawn (not just our own counters)."""
    nodes, edges = loaded.js(
        """() => { const b = window.citegraph.network.body;
        return [b.nodeIndices.length,
                b.edgeIndices.filter(i => b.edges[i].connected).length]; }"""
    )
    return int(nodes), int(edges)


@pytest.fixture(scope="module")
def seed() -> nx.DiGraph[str]:
    return seed_graph()


@pytest.fixture
def seed_page(seed: nx.DiGraph[str], tmp_path: Path, open_page: Any) -> Loaded:
    out = write_html(seed, tmp_path / "seed.html", title=f"citegraph: {SEED_TITLE}")
    loaded: Loaded = open_page(out)
    return loaded


def test_seed_renders_six_nodes_offline(seed_page: Loaded, tmp_path: Path) -> None:
    assert seed_page.body("nodes") == "6"
    assert seed_page.body("edges") == "5"
    assert drawn_counts(seed_page) == (6, 5)
    assert seed_page.errors == []
    assert seed_page.requests == [seed_page.url]
    assert seed_page.page.locator("#counts").text_content() == "6 works · 5 citation links"
    legend = seed_page.page.locator("#legend li").all_text_contents()
    assert [t.strip() for t in legend] == ["◆ Input article (1)", "■ Unresolved reference (5)"]
    # still: two frames a moment apart show the same positions
    before = seed_page.js("() => window.citegraph.network.getPositions()")
    seed_page.page.wait_for_timeout(300)
    assert seed_page.js("() => window.citegraph.network.getPositions()") == before
    screenshot(seed_page, tmp_path, "seed.png")


def test_click_node_opens_panel_with_links_and_neighbours(seed_page: Loaded) -> None:
    click_node(seed_page, node_index(seed_page, SEED_IRI))
    panel = seed_page.page.locator("#panel")
    assert panel.is_visible()
    assert panel.locator("h2").text_content() == SEED_TITLE
    links = panel.locator("a")
    assert links.count() == 1  # the page gives a DOI only
    assert links.first.get_attribute("href") == "https://doi.org/10.4252/wjsc.v17.i7.106856"
    assert links.first.text_content() == "doi.org"
    assert panel.locator("h3").all_text_contents() == ["Cites (5)", "Cited by (0)"]
    cited = panel.locator("section").first.locator("li").all_text_contents()
    assert sorted(t.split(": ", 1)[1] for t in cited) == sorted(SEED_REFERENCE_TITLES)
    assert "Keywords" in panel.locator("dt").all_text_contents()
    # from the list to a cited work, whose panel lists its citer
    panel.locator("section").first.locator("button").first.click()
    assert panel.locator("h2").text_content() in SEED_REFERENCE_TITLES
    assert panel.locator("h3").all_text_contents() == ["Cites (0)", "Cited by (1)"]
    assert seed_page.errors == []


def test_panel_shows_mesh_substances_and_funders(tmp_path: Path, open_page: Any) -> None:
    """A built PubMed record (metapub's): its MeSH terms, ChemicalList and GrantList in the
    details panel, as text."""
    from pipelines.build import BuildOptions, build
    from tests.conftest import FIXTURES

    build([FIXTURES / "metapub__pmid_28731372.xml"], BuildOptions(out=tmp_path, jsonld=False))
    loaded: Loaded = open_page(tmp_path / "graph.html")
    click_node(loaded, node_index(loaded, "https://identifiers.org/pubmed:28731372"))
    panel = loaded.page.locator("#panel dl")
    terms = panel.locator("dt").all_text_contents()
    values = dict(zip(terms, panel.locator("dd").all_text_contents(), strict=True))
    assert values["Funders"] == "Austrian Science Fund FWF"
    assert values["Substances"] == (
        "Antibodies, Viral; Epstein-Barr Virus Nuclear Antigens; Cholecalciferol; "
        "EBV-encoded nuclear antigen 1"
    )
    assert len(values["MeSH terms"].split("; ")) == 11
    assert loaded.errors == []


def test_click_edge_shows_provenance(seed_page: Loaded, seed: nx.DiGraph[str]) -> None:
    mid = seed_page.js("() => window.citegraph.network.body.edges[0].edgeType.getPoint(0.5)")
    click_canvas_point(seed_page, mid)
    panel = seed_page.page.locator("#panel")
    assert panel.locator(".kind").text_content() == "Citation"
    terms = panel.locator("dt").all_text_contents()
    values = panel.locator("dd").all_text_contents()
    info = dict(zip(terms, values, strict=True))
    edge = seed_page.js("() => window.citegraph.edges.get(0)")
    iri = seed_page.js("() => window.citegraph.ids")
    data = seed.edges[iri[edge["from"]], iri[edge["to"]]]
    assert info["Provenance"] == data["provenance"]
    assert info["Reference number"] == str(data["ordinal"])


def test_search_focuses_the_work(seed_page: Loaded) -> None:
    page = seed_page.page
    target = "The Current Status of Allogenic Islet Cell Transplantation"
    page.fill("#search", "allogenic islet")
    page.press("#search", "Enter")
    index = seed_page.js(
        "t => window.citegraph.ids.findIndex((_, i) => window.citegraph.nodes.get(i).title"
        ".startsWith(t))",
        target,
    )
    assert seed_page.js("() => window.citegraph.network.getSelectedNodes()") == [index]
    assert page.locator("#panel h2").text_content() == target
    assert page.locator("#search-status").text_content() == "1 match"
    # by DOI, with a resolver prefix
    page.fill("#search", "https://doi.org/10.4252/WJSC.v17.i7.106856")
    page.press("#search", "Enter")
    assert seed_page.js("() => window.citegraph.network.getSelectedNodes()") == [
        node_index(seed_page, SEED_IRI)
    ]
    # by author
    page.fill("#search", "Czarnecka")
    page.press("#search", "Enter")
    assert page.locator("#panel h2").text_content() == target
    page.fill("#search", "no such work anywhere")
    page.press("#search", "Enter")
    assert page.locator("#search-status").text_content() == "No match."
    assert seed_page.errors == []


def test_kind_and_year_filters(seed_page: Loaded) -> None:
    page = seed_page.page
    page.locator("#legend input[data-kind=unresolved]").uncheck()
    assert (seed_page.body("nodes"), seed_page.body("edges")) == ("1", "0")
    assert drawn_counts(seed_page) == (1, 0)
    page.locator("#legend input[data-kind=unresolved]").check()
    assert drawn_counts(seed_page) == (6, 5)
    # the seed (2025) cites two works of 2024 and three of 2023
    page.fill("#year-min", "2024")
    page.dispatch_event("#year-min", "change")
    assert (seed_page.body("nodes"), seed_page.body("edges")) == ("3", "2")
    assert drawn_counts(seed_page) == (3, 2)
    assert page.locator("#counts").text_content().endswith("drawn: 3 nodes, 2 edges")
    page.fill("#year-max", "2024")
    page.dispatch_event("#year-max", "change")
    assert drawn_counts(seed_page) == (2, 0)
    assert seed_page.errors == []


def test_physics_toggle_and_png_export(seed_page: Loaded) -> None:
    page = seed_page.page
    physics = "() => window.citegraph.network.physics.physicsEnabled"
    assert page.locator("#physics").text_content() == "Physics: off"
    assert seed_page.js(physics) is False
    page.click("#physics")
    assert page.locator("#physics").text_content() == "Physics: on"
    assert seed_page.js(physics) is True
    page.click("#physics")
    assert seed_page.js(physics) is False
    url = seed_page.js("() => window.citegraph.exportPng()")
    assert url.startswith("data:image/png;base64,")
    png = base64.b64decode(url.split(",", 1)[1])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    canvas = seed_page.js(
        "() => { const c = document.querySelector('#network canvas'); return [c.width, c.height]; }"
    )
    assert [width, height] == canvas
    with page.expect_download() as dl:
        page.click("#png")
    assert dl.value.suggested_filename == "citegraph.png"
    assert seed_page.requests == [seed_page.url]
    assert seed_page.errors == []


def test_script_in_titles_runs_nothing_and_shows_as_text(
    seed: nx.DiGraph[str], tmp_path: Path, open_page: Any
) -> None:
    g = copy.deepcopy(seed)
    g.nodes[SEED_IRI]["title"] = XSS
    g.nodes[SEED_IRI]["label"] = XSS
    g.nodes[SEED_IRI]["authors"] = "<script>window.__xss=2</script>"
    loaded = open_page(write_html(g, tmp_path / "xss.html", title=XSS))
    page = loaded.page
    assert page.title() == XSS
    assert page.locator("#title").text_content() == XSS
    index = node_index(loaded, SEED_IRI)
    # the tooltip, as text
    xy = loaded.js("i => window.citegraph.network.getPositions([i])[i]", index)
    dom = loaded.js("p => window.citegraph.network.canvasToDOM(p)", xy)
    box = page.locator("#network").bounding_box()
    page.mouse.move(box["x"] + dom["x"], box["y"] + dom["y"])
    tooltip = page.locator("div.vis-tooltip")
    tooltip.wait_for(state="visible", timeout=5_000)
    assert tooltip.text_content().startswith(XSS)
    # the panel, as text
    click_node(loaded, index)
    assert page.locator("#panel h2").text_content() == XSS
    assert "<script>window.__xss=2</script>" in page.locator("#panel dd").all_text_contents()
    assert loaded.js("() => window.__xss") is None
    assert loaded.js("() => document.querySelectorAll('img').length") == 0
    assert loaded.js("() => document.scripts.length") == 3
    assert loaded.errors == []
    assert loaded.requests == [loaded.url]


@needs_corpus
def test_corpus_graph_of_2000_nodes_renders(tmp_path: Path, open_page: Any) -> None:
    g = corpus_graph(2000)
    out = write_html(g, tmp_path / "corpus.html", title="LINQS Pubmed-Diabetes: first 2,000 works")
    loaded = open_page(out)
    assert loaded.body("nodes") == "2000"
    assert loaded.body("edges") == str(g.number_of_edges())
    assert drawn_counts(loaded) == (2000, g.number_of_edges())
    assert loaded.errors == []
    assert loaded.requests == [loaded.url]
    assert loaded.js("() => window.citegraph.network.physics.physicsEnabled") is False
    screenshot(loaded, tmp_path, "corpus.png")
    # search a PMID: the work is selected and its panel lists its in-corpus citations
    top = max(g, key=g.in_degree)
    pmid = g.nodes[top]["pmid"]
    loaded.page.fill("#search", pmid)
    loaded.page.press("#search", "Enter")
    assert loaded.js("() => window.citegraph.network.getSelectedNodes()") == [
        node_index(loaded, top)
    ]
    assert loaded.page.locator("#panel h3").nth(1).text_content() == (
        f"Cited by ({g.in_degree(top)})"
    )
    link = loaded.page.locator("#panel a")
    assert link.get_attribute("href") == f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
    loaded.page.locator("#legend input[data-kind=cited]").uncheck()
    articles = [n for n in g if g.nodes[n]["kind"] == "article"]
    assert drawn_counts(loaded) == (
        len(articles),
        g.subgraph(articles).number_of_edges(),
    )
    loaded.page.locator("#legend input[data-kind=cited]").check()
    assert drawn_counts(loaded) == (2000, g.number_of_edges())


@needs_corpus
def test_pruned_graph_says_what_was_left_out(tmp_path: Path, open_page: Any) -> None:
    g = corpus_graph(2000)
    loaded = open_page(write_html(g, tmp_path / "pruned.html", max_nodes=500))
    assert loaded.body("nodes") == "500"
    notice = loaded.page.locator("#notice")
    assert notice.is_visible()
    text = notice.text_content()
    assert text.startswith("Showing 500 works of 2,000")
    assert "Left out: 1,500 works" in text
    assert "--max-nodes 2000" in text
    assert loaded.errors == []

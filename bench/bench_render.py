"""Benchmark: citegraph's HTML view against pyvis's own page, same graphs, same run.

For 500, 2,000 and 10,000 works of the real LINQS Pubmed-Diabetes citation corpus
(../shared/data/corpus), writes

* citegraph: ``graph.render.write_html`` (Python layout above 300 nodes, physics off);
* pyvis 0.3.2: ``Network(directed=True, cdn_resources="in_line").from_nx(copy)`` +
  ``write_html`` (its default physics; "in_line" still links Bootstrap from a CDN: those
  requests are aborted here, as they fail offline),

opens each in headless Chromium (Debian's /usr/bin/chromium via Playwright) and measures from
navigation start (``performance.timeOrigin``) to the first full draw (vis-network's first
``afterDrawing``) and to a still, interactive view (citegraph: ``body[data-state=ready]``;
pyvis: vis-network's ``stabilized`` event, i.e. physics has stopped moving the nodes).

Run:  /work/venv/bin/python bench/bench_render.py [--sizes 500,2000,10000] [--timeout 60]

Targets (issue 6): 2,000 nodes ready within 3 s, 10,000 within 10 s, on 2 cores.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx

from graph.render import write_html

REPO = Path(__file__).resolve().parents[1]
LINQS = REPO.parent / "shared" / "data" / "corpus" / "linqs_Pubmed-Diabetes.DIRECTED.cites.tab"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Hooks pyvis's global `network` (declared with `var network;`, assigned once) and reports its
# events on the console, so that a page whose main thread is busy is never waited on.
PYVIS_HOOK = """
(() => {
  let net;
  const say = (what) => console.debug("bench " + what + " " + performance.now());
  Object.defineProperty(window, "network", {
    configurable: true,
    get() { return net; },
    set(v) {
      net = v;
      if (!v || !v.once) { return; }
      console.debug("bench nodes " + v.body.nodeIndices.length);
      v.once("afterDrawing", () => say("firstDraw"));
      v.once("stabilized", () => { v.once("afterDrawing", () => say("ready")); v.redraw(); });
    },
  });
})();
"""


def corpus_graph(n: int) -> nx.DiGraph[str]:
    """The subgraph induced by the first ``n`` PMIDs of the corpus, citegraph-style."""
    edges = []
    with LINQS.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            parts = line.split()
            edges.append((parts[1].split(":", 1)[1], parts[3].split(":", 1)[1]))
    order = list(dict.fromkeys(p for e in edges for p in e))[:n]
    keep = set(order)
    g: nx.DiGraph[str] = nx.DiGraph()
    for pmid in order:
        g.add_node(f"https://identifiers.org/pubmed:{pmid}", pmid=pmid, label=f"PMID {pmid}")
        g.nodes[f"https://identifiers.org/pubmed:{pmid}"]["kind"] = "cited"
    for a, b in edges:
        if a in keep and b in keep and a != b:
            u, v = f"https://identifiers.org/pubmed:{a}", f"https://identifiers.org/pubmed:{b}"
            g.add_edge(u, v, relation="cites", provenance="linqs")
            g.nodes[u]["kind"] = "article"
    return g


@contextlib.contextmanager
def chdir(path: Path) -> Iterator[None]:
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def write_pyvis(g: nx.DiGraph[str], path: Path) -> None:
    from pyvis.network import Network

    net = Network(directed=True, cdn_resources="in_line")
    net.from_nx(copy.deepcopy(g))  # from_nx mutates the graph it is given
    with chdir(path.parent):  # write_html writes relative to the working directory
        net.write_html(path.name)


def measure(browser: Any, path: Path, *, citegraph: bool, timeout_s: float) -> dict[str, Any]:
    """Open ``path`` and time it; a page still busy after ``timeout_s`` is abandoned."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    result: dict[str, Any] = {"blocked": [], "errors": [], "first_draw_s": None, "ready_s": None}

    def route(r: Any) -> None:
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            result["blocked"].append(r.request.url)
            r.abort()

    def console(m: Any) -> None:
        if m.type == "error":
            result["errors"].append(m.text)
        elif m.text.startswith("bench "):
            _, what, value = m.text.split(" ")
            if what == "nodes":
                result["nodes"] = value
            else:
                result[{"firstDraw": "first_draw_s", "ready": "ready_s"}[what]] = (
                    float(value) / 1000
                )

    page.route("**/*", route)
    page.on("pageerror", lambda e: result["errors"].append(str(e)))
    page.on("console", console)
    if not citegraph:
        page.add_init_script(PYVIS_HOOK)
    t0 = time.perf_counter()
    page.goto(path.as_uri(), wait_until="commit")
    deadline = t0 + timeout_s
    if citegraph:
        page.wait_for_selector("body[data-state=ready]", state="attached",
                               timeout=timeout_s * 1000)  # fmt: skip
        result["first_draw_s"] = float(page.get_attribute("body", "data-first-draw")) / 1000
        result["ready_s"] = float(page.get_attribute("body", "data-ready-at")) / 1000
        result["nodes"] = page.get_attribute("body", "data-nodes")
    else:
        while result["ready_s"] is None and time.perf_counter() < deadline:
            with contextlib.suppress(Exception):
                page.wait_for_event(
                    "console", timeout=max(deadline - time.perf_counter(), 0.1) * 1000
                )
    result["wall_s"] = time.perf_counter() - t0
    context.close()
    return result


def fmt(x: float | None, timeout_s: float) -> str:
    return f">{timeout_s:.0f} s" if x is None else f"{x:6.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="500,2000,10000")
    parser.add_argument("--timeout", type=float, default=60.0, help="per page, seconds")
    opts = parser.parse_args()
    if not LINQS.exists():
        raise SystemExit(f"corpus not found: {LINQS}")
    from playwright.sync_api import sync_playwright

    sizes = [int(s) for s in opts.sizes.split(",")]
    print(f"Chromium {CHROMIUM}, {os.cpu_count()} cores; corpus {LINQS.name}")
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for n in sizes:
            g = corpus_graph(n)
            ours, theirs = Path(tmp) / f"citegraph-{n}.html", Path(tmp) / f"pyvis-{n}.html"
            t = time.perf_counter()
            write_html(g, ours, max_nodes=max(n, 2000))
            ours_write = time.perf_counter() - t
            t = time.perf_counter()
            write_pyvis(g, theirs)
            theirs_write = time.perf_counter() - t
            a = measure(browser, ours, citegraph=True, timeout_s=opts.timeout)
            b = measure(browser, theirs, citegraph=False, timeout_s=opts.timeout)
            print(f"\n{n:,} nodes, {g.number_of_edges():,} edges")
            print(f"  {'':10} {'write':>8} {'MB':>6} {'first draw':>11} {'ready':>9}  notes")
            for name, w, path, r in (
                ("citegraph", ours_write, ours, a),
                ("pyvis", theirs_write, theirs, b),
            ):
                notes = f"drawn {r.get('nodes')}"
                if r["blocked"]:
                    notes += f"; {len(r['blocked'])} network requests aborted"
                if r["errors"]:
                    notes += f"; {len(r['errors'])} console errors"
                print(
                    f"  {name:10} {w:6.2f} s {path.stat().st_size / 1e6:6.2f} "
                    f"{fmt(r['first_draw_s'], opts.timeout):>11} "
                    f"{fmt(r['ready_s'], opts.timeout):>9}  {notes}"
                )
            if a["ready_s"] and b["ready_s"]:
                print(f"  ready: pyvis / citegraph = {b['ready_s'] / a['ready_s']:.1f}x")
            elif a["ready_s"]:
                print(
                    f"  ready: pyvis not still after {opts.timeout:.0f} s "
                    f"(> {opts.timeout / a['ready_s']:.0f}x citegraph)"
                )
            if b["blocked"]:
                print("  pyvis requested: " + ", ".join(sorted(set(b["blocked"]))))
        browser.close()


if __name__ == "__main__":
    main()

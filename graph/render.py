"""The citation graph as one self-contained, offline HTML page.

The page is our own template (``graph/templates/view.*``) with vis-network 9.1.2 inlined from
the installed pyvis package, the graph as a JSON blob in a non-executed ``<script>``, and a
Content-Security-Policy that allows no network at all: scripts only by hash, no connections,
images only as ``data:``. Every text from the data reaches the page through the JSON blob and
``textContent`` (or vis-network's plain-text tooltips), never as HTML.

We do not use pyvis's own page: it loads Bootstrap from a CDN even "in line", inserts
tooltips as raw HTML, mutates the caller's graph, writes a ``lib/`` folder into the working
directory and adds edges in quadratic time. Only its copy of vis-network is used.

Graphs above :data:`LAYOUT_THRESHOLD` nodes are laid out in Python
(:func:`graph.layout.force_layout`) and drawn with physics off, so the page is interactive
at once; above ``max_nodes`` the page keeps every input article plus the works with the
highest PageRank and says what was left out.

Example:
    >>> import networkx as nx
    >>> g = nx.DiGraph()
    >>> g.add_node("a", kind="article", label="A 2020", title="<b>A</b>")
    >>> g.add_edge("a", "b", relation="cites", provenance="page", ordinal=1)
    >>> html = html_document(g, title="demo")
    >>> "<b>A</b>" in html, "\\\\u003cb\\\\u003eA" in html
    (False, True)
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import networkx as nx

from graph.atomic import atomic_write
from graph.errors import ExportError
from graph.layout import force_layout
from graph.network import pagerank

__all__ = ["KINDS", "LAYOUT_THRESHOLD", "SizeBy", "html_document", "select_nodes", "write_html"]

SizeBy = Literal["citations", "pagerank"]
_WORK_KINDS = frozenset({"article", "cited", "unresolved", "citing"})

LAYOUT_THRESHOLD = 300
"""Above this many drawn nodes the layout is computed in Python and physics starts off."""

ABSTRACT_CHARS = 600

KINDS: tuple[dict[str, Any], ...] = (
    {"kind": "article", "label": "Input article", "shape": "diamond", "glyph": "◆",
     "color": "#d1495b", "border": "#7a1f2b"},
    {"kind": "cited", "label": "Cited work", "shape": "dot", "glyph": "●",
     "color": "#2e86c1", "border": "#1b4f72"},
    {"kind": "citing", "label": "Citing work", "shape": "triangleDown", "glyph": "▼",
     "color": "#2a9d8f", "border": "#17584f"},
    {"kind": "unresolved", "label": "Unresolved reference", "shape": "square", "glyph": "■",
     "color": "#b0b7bf", "border": "#5f6b76", "dashes": True},
    {"kind": "author", "label": "Author", "shape": "triangle", "glyph": "▲",
     "color": "#f4a261", "border": "#9a5a1f"},
    {"kind": "keyword", "label": "Keyword", "shape": "hexagon", "glyph": "⬢",
     "color": "#8e6c8a", "border": "#4f3a4d"},
    {"kind": "mesh", "label": "MeSH term", "shape": "star", "glyph": "★",
     "color": "#6a994e", "border": "#3a5a2a"},
    {"kind": "journal", "label": "Journal", "shape": "ellipse", "glyph": "⬬",
     "color": "#e9c46a", "border": "#8a6d1f"},
)  # fmt: skip
"""Colour, shape and legend glyph of each node kind (one source for page and legend)."""

_OTHER_KIND = {"kind": "", "label": "Other", "shape": "dot", "glyph": "●",
               "color": "#7f7f7f", "border": "#444444"}  # fmt: skip

_VIS_DIR = "templates/lib/vis-9.1.2"
_PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")
_SOURCE_MAP = re.compile(r"^\s*//# sourceMappingURL=.*$|/\*# sourceMappingURL=.*?\*/", re.M)


@cache
def _assets() -> dict[str, str]:
    """The template, our CSS/JS and vis-network's CSS/JS (source-map comments removed)."""
    ours = resources.files("graph") / "templates"
    vis = resources.files("pyvis") / _VIS_DIR
    assets = {
        "TEMPLATE": (ours / "view.html").read_text(encoding="utf-8"),
        "APP_CSS": (ours / "view.css").read_text(encoding="utf-8"),
        "APP_JS": (ours / "view.js").read_text(encoding="utf-8"),
        "VIS_CSS": (vis / "vis-network.css").read_text(encoding="utf-8"),
        "VIS_JS": (vis / "vis-network.min.js").read_text(encoding="utf-8"),
    }
    for key in ("VIS_CSS", "VIS_JS", "APP_CSS", "APP_JS"):
        text = _SOURCE_MAP.sub("", assets[key])
        tag = "style" if key.endswith("CSS") else "script"
        if re.search(rf"</{tag}|<!--", text, re.I):  # pragma: no cover - a bad vendored file
            raise ExportError(f"{key} cannot be inlined: it contains </{tag} or <!--")
        assets[key] = text
    return assets


def _script_json(obj: object) -> str:
    """JSON that is safe inside ``<script type="application/json">``: no ``<``, ``>`` or
    ``&`` at all (escaped as ``\\u003c`` etc., which JSON.parse turns back)."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, esc in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                     ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):  # fmt: skip
        text = text.replace(raw, esc)
    return text


def _csp(scripts: list[str]) -> str:
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode() + "'"
        for s in scripts
    )
    return (
        f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; "
        "img-src data: blob:; font-src 'none'; connect-src 'none'; media-src 'none'; "
        "object-src 'none'; frame-src 'none'; worker-src 'none'; manifest-src 'none'; "
        "base-uri 'none'; form-action 'none'"
    )


def _pagerank(g: nx.DiGraph[Any]) -> dict[Any, float]:
    if g.number_of_nodes() and all("pagerank" in d for _, d in g.nodes(data=True)):
        return {n: float(d["pagerank"]) for n, d in g.nodes(data=True)}
    return pagerank(g)


def select_nodes(g: nx.DiGraph[Any], max_nodes: int, pagerank: dict[Any, float]) -> list[Any]:
    """The nodes to draw, in graph order: all of them if they fit, else every input article
    (``kind == "article"``) then the highest PageRank, up to ``max_nodes``.

    Example:
        >>> g = nx.DiGraph([("a", "b"), ("c", "b"), ("d", "e")])
        >>> g.nodes["d"]["kind"] = "article"
        >>> select_nodes(g, 2, nx.pagerank(g))
        ['b', 'd']
    """
    if max_nodes < 1:
        raise ExportError(f"max_nodes must be at least 1, not {max_nodes}")
    if len(g) <= max_nodes:
        return list(g)
    order = {n: i for i, n in enumerate(g)}
    ranked = sorted(
        g,
        key=lambda n: (g.nodes[n].get("kind") != "article", -pagerank.get(n, 0.0), order[n]),
    )
    keep = set(ranked[:max_nodes])
    return [n for n in g if n in keep]


def _as_year(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}.*", value):
        return int(value.strip()[:4])
    return None


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    text = str(value).strip()
    return text or None


def _node_record(node: Any, attrs: dict[str, Any], g: nx.DiGraph[Any]) -> dict[str, Any]:
    rec: dict[str, Any] = {"id": str(node), "k": str(attrs.get("kind", ""))}
    label = _text(attrs.get("label")) or _text(attrs.get("title")) or str(node)
    rec["l"] = label if len(label) <= 60 else label[:59] + "…"
    for key, short in (("title", "t"), ("journal", "j"), ("authors", "a"), ("doi", "doi"),
                       ("pmid", "pmid"), ("pmcid", "pmcid"), ("keywords", "kw"),
                       ("mesh", "me"), ("substances", "su"), ("funders", "fu"),
                       ("reference", "ref")):  # fmt: skip
        text = _text(attrs.get(key))
        if text is not None:
            rec[short] = text
    abstract = _text(attrs.get("abstract"))
    if abstract is not None:
        cut = ABSTRACT_CHARS
        rec["ab"] = abstract if len(abstract) <= cut else abstract[: cut - 1].rstrip() + "…"
    year = _as_year(attrs.get("year"))
    if year is not None:
        rec["yr"] = year
    rec["ci"] = int(g.in_degree(node))
    rec["co"] = int(g.out_degree(node))
    return rec


def _sizes(values: list[float], base: float, span: float, floor: float = 0.0) -> list[float]:
    """Sizes from ``base`` to ``base + span`` by square root of ``value / max(values)``;
    ``floor`` keeps a few citations from looking like many in a tiny graph."""
    top = max(max(values, default=0.0), floor)
    if top <= 0:
        return [base for _ in values]
    return [round(base + span * math.sqrt(max(v, 0.0) / top), 2) for v in values]


def _page_data(
    g: nx.DiGraph[Any], *, title: str, size_by: SizeBy, max_nodes: int
) -> dict[str, Any]:
    if size_by not in ("citations", "pagerank"):
        raise ExportError(f"unknown size_by {size_by!r}: use 'citations' or 'pagerank'")
    need_pr = size_by == "pagerank" or len(g) > max_nodes
    pagerank = _pagerank(g) if need_pr else {}
    keep = select_nodes(g, max_nodes, pagerank)
    index = {n: i for i, n in enumerate(keep)}
    nodes = [_node_record(n, g.nodes[n], g) for n in keep]
    if size_by == "citations":
        metric = [float(g.nodes[n].get("in_corpus_citations", g.in_degree(n)) or 0) for n in keep]
    else:
        metric = [pagerank.get(n, 0.0) for n in keep]
    floor = 10.0 if size_by == "citations" else 0.0
    for rec, size in zip(nodes, _sizes(metric, 8.0, 28.0, floor), strict=True):
        rec["s"] = max(size, 14.0) if rec["k"] == "article" else size
    edges: list[list[Any]] = []
    for u, v, d in g.edges(data=True):
        if u in index and v in index:
            ordinal = d.get("ordinal")
            edges.append(
                [
                    index[u],
                    index[v],
                    _text(d.get("provenance")) or "",
                    ordinal if isinstance(ordinal, int) and not isinstance(ordinal, bool) else 0,
                ]
            )
    layout = "python" if len(keep) > LAYOUT_THRESHOLD else "physics"
    if layout == "python":
        sub: nx.DiGraph[int] = nx.DiGraph()
        sub.add_nodes_from(range(len(keep)))
        sub.add_edges_from((e[0], e[1]) for e in edges)
        pos = force_layout(sub)
        for i, rec in enumerate(nodes):
            rec["x"], rec["y"] = round(pos[i][0], 1), round(pos[i][1], 1)
    data: dict[str, Any] = {
        "title": title,
        "sizeBy": size_by,
        "layout": layout,
        "maxNodes": max_nodes,
        "kinds": list(KINDS),
        "otherKind": _OTHER_KIND,
        "total": {"nodes": g.number_of_nodes(), "edges": g.number_of_edges()},
        "works_only": all(d.get("kind", "cited") in _WORK_KINDS for _, d in g.nodes(data=True)),
        "shown": {"nodes": len(nodes), "edges": len(edges)},
        "omitted": None,
        "nodes": nodes,
        "edges": edges,
    }
    if len(keep) < len(g):
        left: dict[str, int] = {}
        kept = set(keep)
        for n, kind in g.nodes(data="kind"):
            if n not in kept:
                left[str(kind or "other")] = left.get(str(kind or "other"), 0) + 1
        data["omitted"] = {
            "nodes": len(g) - len(keep),
            "edges": g.number_of_edges() - len(edges),
            "kinds": ", ".join(f"{k}: {c:,}" for k, c in sorted(left.items())),
        }
    return data


def html_document(
    g: nx.DiGraph[Any],
    *,
    title: str = "citegraph",
    size_by: SizeBy = "citations",
    max_nodes: int = 2000,
) -> str:
    """The HTML page of ``g`` as a string (``g`` is not modified).

    ``size_by`` is ``"citations"`` (in-corpus citations) or ``"pagerank"``; above
    ``max_nodes`` nodes only the most important are drawn (see :func:`select_nodes`).

    Example:
        >>> import networkx as nx
        >>> page = html_document(nx.DiGraph([("a", "b")]), title="x < y")
        >>> "<title>x &lt; y</title>" in page
        True
    """
    assets = _assets()
    data = _page_data(g, title=title, size_by=size_by, max_nodes=max_nodes)
    values = {
        "TITLE": html.escape(title, quote=True),
        "DATA": _script_json(data),
        "VIS_CSS": assets["VIS_CSS"],
        "APP_CSS": assets["APP_CSS"],
        "VIS_JS": assets["VIS_JS"],
        "APP_JS": assets["APP_JS"],
        "CSP": html.escape(_csp([assets["VIS_JS"], assets["APP_JS"]]), quote=True),
    }
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], assets["TEMPLATE"])


def write_html(
    g: nx.DiGraph[Any],
    path: Path | str,
    *,
    title: str = "citegraph",
    size_by: SizeBy = "citations",
    max_nodes: int = 2000,
) -> Path:
    """Write the page of ``g`` to ``path`` atomically (temporary file beside it, then
    ``os.replace``) and return the path. On error an existing file is left untouched.

    Example:
        >>> import networkx as nx, tempfile, pathlib
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "g.html"
        >>> write_html(nx.DiGraph([("a", "b")]), out).read_text()[:15]
        '<!DOCTYPE html>'
    """
    page = html_document(g, title=title, size_by=size_by, max_nodes=max_nodes)
    target = Path(path)
    with atomic_write(target) as fh:
        fh.write(page)
    return target

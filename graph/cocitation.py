"""Co-citation and bibliographic coupling networks made from a citation graph.

Two works are *co-cited* when a third cites them both; two works are *bibliographically
coupled* when they cite the same work. Either way the strength of the link is a count: of
the works that cite both, or of the works both cite. These are the networks VOSviewer and
bibliometrix draw; :func:`network` makes them from citegraph's citation graph as weighted,
undirected ``networkx`` graphs that every exporter writes (``weight`` on each edge, the
works' attributes on the nodes). Only citation edges count (``relation`` "cites", not the
author or keyword layers), and the counts are sparse matrix products (SciPy): a work citing
*k* others makes *k*² pairs, which a loop over pairs in Python would make slowly.

Example:
    >>> g = nx.DiGraph([("p1", "a"), ("p1", "b"), ("p2", "a"), ("p2", "b"), ("p2", "c")])
    >>> sorted(network(g, "co-citation").edges(data="weight"))
    [('a', 'b', 2)]
    >>> sorted(network(g, "coupling", min_weight=1).edges(data="weight"))
    [('p1', 'p2', 2)]
"""

from __future__ import annotations

import networkx as nx
import numpy as np
from scipy import sparse

from graph.errors import ExportError

__all__ = ["NETWORKS", "network"]

NETWORKS = ("citation", "co-citation", "coupling")
"""The networks :func:`network` makes: the citation graph itself, co-citation, coupling."""


def network(g: nx.DiGraph[str], kind: str, *, min_weight: int = 2) -> nx.Graph[str]:
    """The ``kind`` network of the citation graph ``g`` (one of :data:`NETWORKS`): ``g``
    itself for "citation"; for "co-citation" the works cited together by at least
    ``min_weight`` citing works, for "coupling" the works that cite at least
    ``min_weight`` of the same works, linked with that count as ``weight``. Only works with
    a link are kept, with their attributes from ``g``. The default 2 leaves out the pairs
    a single reference list makes (as the co-citation and coupling queries do).

    Raises :class:`graph.errors.ExportError` for an unknown ``kind`` or a ``min_weight``
    below 1.

    Example:
        >>> g = nx.DiGraph([("p1", "a"), ("p2", "a"), ("p1", "b"), ("p2", "b")])
        >>> h = network(g, "co-citation")
        >>> h.is_directed(), h.edges["a", "b"]["weight"]
        (False, 2)
        >>> network(g, "citation") is g
        True
    """
    if kind not in NETWORKS:
        raise ExportError(f"unknown network {kind!r} (known: {', '.join(NETWORKS)})")
    if min_weight < 1:
        raise ExportError(f"--min-weight must be 1 or more, not {min_weight}")
    if kind == "citation":
        return g
    cites = [(a, b) for a, b, d in g.edges(data=True) if d.get("relation", "cites") == "cites"]
    citing = list(dict.fromkeys(a for a, _ in cites))
    cited = list(dict.fromkeys(b for _, b in cites))
    row = {n: i for i, n in enumerate(citing)}
    col = {n: j for j, n in enumerate(cited)}
    # (citing x cited) incidence: one 1 per citation (a DiGraph has no parallel edges)
    incidence = sparse.csr_matrix(
        (
            np.ones(len(cites), dtype=np.int64),
            ([row[a] for a, _ in cites], [col[b] for _, b in cites]),
        ),
        shape=(len(citing), len(cited)),
    )
    if kind == "co-citation":
        counts, names = (incidence.T @ incidence).tocoo(), cited
    else:
        counts, names = (incidence @ incidence.T).tocoo(), citing
    h: nx.Graph[str] = nx.Graph()
    keep = (counts.row < counts.col) & (counts.data >= min_weight)
    pairs = sorted(zip(counts.row[keep].tolist(), counts.col[keep].tolist(),
                       counts.data[keep].tolist(), strict=True))  # fmt: skip
    for k in dict.fromkeys(n for i, j, _ in pairs for n in (i, j)):
        h.add_node(names[k], **g.nodes[names[k]])
    h.add_edges_from((names[i], names[j], {"weight": w}) for i, j, w in pairs)
    h.graph.update(g.graph)
    h.graph["network"] = kind
    return h

"""The citation graph as a ``networkx.DiGraph``, built from article records or from RDF.

Nodes are work IRIs. Every node has ``kind``: ``"article"`` (a work read from the input),
``"cited"`` (a cited work with an identifier) or ``"unresolved"`` (a cited work known only
from its reference string), and ``label``; when known also ``title``, ``year`` (int),
``journal``, ``authors`` ("; "-joined), ``doi``, ``pmid``, ``pmcid``, ``abstract``,
``keywords`` (and, from a build, ``mesh``, ``substances`` and ``funders``). Edges run from
citing to cited with ``relation="cites"``, ``provenance`` (where the link came from:
``"page"``, ``"reference-list"``, ...) and ``ordinal``. Attribute values are never ``None``
or lists, so every exporter can write them.

Example:
    >>> from graph.model import Article, Identifiers, Reference
    >>> art = Article(ids=Identifiers(pmid="1"), title="Citing",
    ...               references=(Reference(raw="x", ordinal=1, ids=Identifiers(pmid="2")),))
    >>> g = citation_graph([art])
    >>> sorted(g.nodes(data="kind"))
    [('https://identifiers.org/pubmed:1', 'article'), ('https://identifiers.org/pubmed:2', 'cited')]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx
import numpy as np
import pyoxigraph as ox

from graph.model import Article, Identifiers, Reference
from graph.rdf import WorkKeyer, cited_work_iri
from graph.sparql import iter_rows, iter_select
from graph.vocab import (
    journal_iri,
    keyword_iri,
    mesh_iri,
    mesh_name_iri,
    mint_uuid,
    normalize_text,
    work_iri,
)

__all__ = [
    "CitationGraphBuilder",
    "add_metrics",
    "citation_graph",
    "citation_graph_from_store",
    "merge_nodes",
    "pagerank",
]

ARTICLE, CITED, UNRESOLVED, CITING = "article", "cited", "unresolved", "citing"
LAYERS = ("authors", "keywords", "mesh", "journals")
"""Optional node layers beside the works: ``build --layers authors,keywords,...``."""

PROVENANCE_BY_FORMAT = {
    "pubmed-page": "page",
    "pubmed-abstract-text": "page",
    "pubmed-xml": "reference-list",
    "jats": "reference-list",
    "medline": "reference-list",
}


def _family(name: str) -> str:
    """ "Popoviciu MS" -> "Popoviciu"; "Dinesh Kumar" -> "Kumar"; a group name stays whole."""
    parts = name.split(" ")
    if len(parts) == 1:
        return name
    if parts[-1].isupper() and len(parts[-1]) <= 4:
        return " ".join(parts[:-1])
    return parts[-1] if len(parts) == 2 else name


def _label(authors: list[str], complete: bool, year: int | None, title: str | None) -> str:
    """A short node label: "Kumar et al. 2025", else the start of the title."""
    if authors:
        head = _family(authors[0]) + (" et al." if len(authors) > 1 or not complete else "")
        return f"{head} {year}" if year else head
    if title:
        return title if len(title) <= 40 else title[:39] + "…"
    return str(year) if year else "untitled"


def _article_attrs(article: Article) -> dict[str, Any]:
    authors = [a.name for a in article.authors]
    attrs: dict[str, Any] = {"kind": ARTICLE}
    shown = list(authors)
    if not article.authors_complete and shown:
        shown.append("et al.")
    attrs["label"] = _label(authors, article.authors_complete, article.year, article.title)
    _put(attrs, "title", article.title)
    _put(attrs, "year", article.year)
    if article.journal:
        _put(attrs, "journal", article.journal.label())
    _put(attrs, "authors", "; ".join(shown))
    _put(attrs, "doi", article.ids.doi)
    _put(attrs, "pmid", article.ids.pmid)
    _put(attrs, "pmcid", article.ids.pmcid)
    _put(attrs, "abstract", article.abstract)
    _put(attrs, "keywords", "; ".join(k.text for k in article.keywords))
    if article.mesh:
        _put(attrs, "mesh", "; ".join(m.name for m in article.mesh))
    if article.chemicals:
        _put(attrs, "substances", "; ".join(c.name for c in article.chemicals))
    if article.grants:
        funders = dict.fromkeys(g.agency for g in article.grants if g.agency)
        _put(attrs, "funders", "; ".join(funders))
    return attrs


def _reference_attrs(ref: Reference) -> dict[str, Any]:
    attrs: dict[str, Any] = {"kind": UNRESOLVED if ref.ids.is_empty() else CITED}
    authors = list(ref.authors)
    attrs["label"] = _label(authors, ref.authors_complete, ref.year, ref.title)
    if not ref.title and not authors:  # a reference known by its ids: name it by them
        attrs["label"] = _id_label(ref.ids.pmid, ref.ids.doi) or attrs["label"]
    _put(attrs, "title", ref.title)
    _put(attrs, "year", ref.year)
    _put(attrs, "journal", ref.journal)
    _put(attrs, "authors", "; ".join(authors + ([] if ref.authors_complete else ["et al."])))
    _put(attrs, "doi", ref.ids.doi)
    _put(attrs, "pmid", ref.ids.pmid)
    _put(attrs, "pmcid", ref.ids.pmcid)
    _put(attrs, "reference", ref.raw)
    return attrs


def _id_label(pmid: str | None, doi: str | None) -> str | None:
    """The label of a work known only by its ids: "PMID n", else "doi:...", else None."""
    if pmid:
        return f"PMID {pmid}"
    return f"doi:{doi}" if doi else None


def _put(attrs: dict[str, Any], key: str, value: object) -> None:
    if value is not None and value != "":
        attrs[key] = value


class CitationGraphBuilder:
    """Accumulates a citation graph from a stream of articles.

    An input article always wins over what references say about the same work; between
    references, the first one that says something is kept and gaps are filled later.

    Example:
        >>> b = CitationGraphBuilder()
        >>> from graph.model import Article, Identifiers
        >>> b.add(Article(ids=Identifiers(pmid="3"), title="T"))
        >>> b.graph.nodes["https://identifiers.org/pubmed:3"]["title"]
        'T'
    """

    def __init__(self, keyer: WorkKeyer = work_iri, layers: Iterable[str] = ()) -> None:
        self.graph: nx.DiGraph[str] = nx.DiGraph()
        self._keyer = keyer
        self.layers = frozenset(layers)
        unknown = self.layers - set(LAYERS)
        if unknown:
            raise ValueError(
                f"unknown layer(s) {', '.join(sorted(unknown))} (known: {', '.join(LAYERS)})"
            )

    def article_iri(self, article: Article) -> str:
        """The node id of an article (same IRI as in the RDF)."""
        main = self._keyer(article.ids)
        if main is not None:
            return str(main)
        key = article.source.label() if article.source else normalize_text(article.title or "")
        return str(mint_uuid("work", f"record|{key}"))

    def add(self, article: Article, *, replace: bool = False) -> None:
        """Add one article, its cited works and its citation edges.

        With ``replace`` (a newer version of a record already added), the work's attributes
        and outgoing citations are replaced instead of completed.
        """
        g = self.graph
        node = self.article_iri(article)
        attrs = _article_attrs(article)
        if replace and node in g:
            g.remove_edges_from(list(g.out_edges(node)))
            g.nodes[node].clear()
            g.nodes[node].update(attrs)
        elif node in g and g.nodes[node].get("kind") == ARTICLE:
            for k, v in attrs.items():  # a second record of the same work fills gaps only
                g.nodes[node].setdefault(k, v)
        else:
            old = dict(g.nodes[node]) if node in g else {}
            g.add_node(node)
            g.nodes[node].clear()
            g.nodes[node].update({**{k: v for k, v in old.items() if k != "kind"}, **attrs})
        if self.layers:
            self._add_layers(node, article)
        fmt = article.source.format if article.source else ""
        provenance = PROVENANCE_BY_FORMAT.get(fmt, fmt or "unknown")
        for ref in article.references:
            cited = str(cited_work_iri(ref, self._keyer))
            if cited not in g:
                g.add_node(cited, **_reference_attrs(ref))
            elif g.nodes[cited].get("kind") != ARTICLE:
                for k, v in _reference_attrs(ref).items():
                    g.nodes[cited].setdefault(k, v)
            if cited != node and not g.has_edge(node, cited):
                g.add_edge(
                    node,
                    cited,
                    relation="cites",
                    provenance=ref.resolved_by or provenance,
                    ordinal=ref.ordinal,
                )

    def _add_layers(self, node: str, article: Article) -> None:
        """Author, keyword, MeSH and journal nodes linked from the work (graph only)."""
        g = self.graph
        items: list[tuple[str, str, str, str]] = []  # (node id, kind, label, relation)
        if "authors" in self.layers:
            for a in article.authors:
                key = (
                    f"https://orcid.org/{a.orcid}"
                    if a.orcid
                    else str(mint_uuid("author-name", normalize_text(a.name)))
                )
                items.append((key, "author", a.name, "author"))
        if "keywords" in self.layers:
            for k in article.keywords:
                items.append((str(keyword_iri(k.text)), "keyword", k.text, "subject"))
        if "mesh" in self.layers:
            for m in article.mesh:
                key = str(mesh_iri(m.ui) if m.ui else mesh_name_iri(m.name))
                items.append((key, "mesh", m.name, "subject"))
        if "journals" in self.layers and article.journal is not None:
            j = journal_iri(article.journal)
            label = article.journal.label()
            if j is not None and label:
                items.append((str(j), "journal", label, "published-in"))
        for key, kind, label, relation in items:
            if key not in g:
                g.add_node(key, kind=kind, label=label, title=label)
            if not g.has_edge(node, key):
                g.add_edge(node, key, relation=relation, provenance="record")

    def add_link(self, citing: Identifiers, cited: Identifiers, provenance: str) -> None:
        """Add a citation known from a link service (no reference entry behind it).

        Example:
            >>> b = CitationGraphBuilder()
            >>> b.add_link(Identifiers(pmid="1"), Identifiers(pmid="2"), "elink")
            >>> b.graph.edges["https://identifiers.org/pubmed:1",
            ...               "https://identifiers.org/pubmed:2"]["provenance"]
            'elink'
        """
        a, b = self._keyer(citing), self._keyer(cited)
        if a is None or b is None or a == b:
            return
        for n, ids, kind in ((str(a), citing, CITING), (str(b), cited, CITED)):
            if n not in self.graph:
                attrs: dict[str, Any] = {"kind": kind, "label": f"PMID {ids.pmid}"}
                _put(attrs, "pmid", ids.pmid)
                _put(attrs, "doi", ids.doi)
                self.graph.add_node(n, **attrs)
        if not self.graph.has_edge(str(a), str(b)):
            self.graph.add_edge(str(a), str(b), relation="cites", provenance=provenance)

    def remove(self, ids: Identifiers) -> None:
        """Withdraw a deleted article: its citations go; it stays as a cited work if cited.

        Example:
            >>> from graph.model import Article, Identifiers, Reference
            >>> b = CitationGraphBuilder()
            >>> b.add(Article(ids=Identifiers(pmid="1"), references=(
            ...     Reference(raw="x", ordinal=1, ids=Identifiers(pmid="2")),)))
            >>> b.remove(Identifiers(pmid="1")); b.graph.number_of_nodes()
            0
        """
        node = self._keyer(ids)
        if node is None or str(node) not in self.graph:
            return
        n = str(node)
        cited = list(self.graph.successors(n))
        self.graph.remove_edges_from(list(self.graph.out_edges(n)))
        if self.graph.in_degree(n):
            self.graph.nodes[n]["kind"] = CITED
        else:
            self.graph.remove_node(n)
        for m in cited:  # works only this article cited go with it
            g = self.graph
            if m in g and g.degree(m) == 0 and g.nodes[m].get("kind") != ARTICLE:
                g.remove_node(m)


def citation_graph(articles: Iterable[Article], keyer: WorkKeyer = work_iri) -> nx.DiGraph[str]:
    """Build the citation graph of a stream of articles.

    Example:
        >>> citation_graph([]).number_of_nodes()
        0
    """
    builder = CitationGraphBuilder(keyer)
    for art in articles:
        builder.add(art)
    return builder.graph


def merge_nodes(g: nx.DiGraph[str], mapping: Mapping[str, str]) -> None:
    """Re-key nodes in place (``old IRI -> new IRI``), merging attributes and edges.

    Used when identity resolution finds that two IRIs name one work.

    Example:
        >>> g = nx.DiGraph(); g.add_node("a", kind="cited", title="T"); g.add_edge("x", "a")
        >>> merge_nodes(g, {"a": "b"}); sorted(g.edges())
        [('x', 'b')]
    """
    for old, new in mapping.items():
        if old == new or old not in g:
            continue
        attrs = dict(g.nodes[old])
        if new in g:
            target = g.nodes[new]
            if attrs.get("kind") == ARTICLE and target.get("kind") != ARTICLE:
                target.update(attrs)
            else:
                for k, v in attrs.items():
                    target.setdefault(k, v)
        else:
            g.add_node(new, **attrs)
        for pred, _, data in list(g.in_edges(old, data=True)):
            if pred != new and not g.has_edge(pred, new):
                g.add_edge(pred, new, **data)
        for _, succ, data in list(g.out_edges(old, data=True)):
            if succ != new and not g.has_edge(new, succ):
                g.add_edge(new, succ, **data)
        g.remove_node(old)


def add_metrics(g: nx.DiGraph[str]) -> nx.DiGraph[str]:
    """Set ``in_corpus_citations`` (in-degree), ``references`` (out-degree) and ``pagerank``
    on every node, counting citation edges only (not layer edges), and return the graph.

    Example:
        >>> g = nx.DiGraph([("a", "b")])
        >>> add_metrics(g).nodes["b"]["in_corpus_citations"]
        1
    """
    cites = [(a, b) for a, b, d in g.edges(data=True) if d.get("relation", "cites") == "cites"]
    citation_graph: nx.DiGraph[str]
    if len(cites) == g.number_of_edges():  # no layer edges: the graph itself (no copy)
        citation_graph = g
    else:
        citation_graph = nx.DiGraph(cites)
        citation_graph.add_nodes_from(g)
    pr = pagerank(citation_graph)
    cited, refs = citation_graph.in_degree, citation_graph.out_degree
    for n, d in g.nodes(data=True):
        d["in_corpus_citations"] = cited(n)
        d["references"] = refs(n)
        d["pagerank"] = round(pr.get(n, 0.0), 8)
    return g


def pagerank(
    g: nx.DiGraph[Any], alpha: float = 0.85, max_iter: int = 100, tol: float = 1.0e-6
) -> dict[Any, float]:
    """PageRank of every node, edges unweighted: ``networkx.pagerank(g, weight=None)``'s
    power iteration (uniform teleport, dangling nodes spread uniformly, the same stopping
    rule), done with numpy alone. It gives networkx's values (to 1e-12; tested) without
    importing scipy or building a sparse matrix: about 0.4 s less on a 70,000-node graph.
    Raises ``networkx.PowerIterationFailedConvergence`` as networkx does.

    Example:
        >>> r = pagerank(nx.DiGraph([("a", "b"), ("c", "b")]))
        >>> round(r["b"], 4), round(r["a"], 4)
        (0.5745, 0.2128)
    """
    n = g.number_of_nodes()
    if n == 0:
        return {}
    nodes = list(g)
    index = {node: i for i, node in enumerate(nodes)}
    m = g.number_of_edges()
    src = np.fromiter((index[a] for a, _ in g.edges()), dtype=np.intp, count=m)
    dst = np.fromiter((index[b] for _, b in g.edges()), dtype=np.intp, count=m)
    out = np.bincount(src, minlength=n).astype(float)
    dangling = out == 0
    share = np.zeros(n)
    share[~dangling] = 1.0 / out[~dangling]
    x = np.full(n, 1.0 / n)
    teleport = (1.0 - alpha) / n
    for _ in range(max_iter):
        last = x
        flow = np.bincount(dst, weights=(x * share)[src], minlength=n)
        x = alpha * (flow + x[dangling].sum() / n) + teleport
        if np.abs(x - last).sum() < n * tol:
            return dict(zip(nodes, x.tolist(), strict=True))
    raise nx.PowerIterationFailedConvergence(max_iter)


_WORKS_QUERY = """
SELECT ?work ?type ?title ?year ?doi ?pmid ?pmcid ?abstract ?journal WHERE {
  ?work a ?type .
  FILTER(?type IN (fabio:JournalArticle, fabio:Expression))
  OPTIONAL { ?work dcterms:title ?title }
  OPTIONAL { ?work fabio:hasPublicationYear ?year }
  OPTIONAL { ?work prism:doi ?doi }
  OPTIONAL { ?work fabio:hasPubMedId ?pmid }
  OPTIONAL { ?work fabio:hasPubMedCentralId ?pmcid }
  OPTIONAL { ?work dcterms:abstract ?abstract }
  OPTIONAL { ?work frbr:partOf/fabio:hasNLMJournalTitleAbbreviation ?journal }
}"""

_AUTHORS_QUERY = """
SELECT ?work ?pos ?name WHERE {
  ?role pro:isDocumentContextFor ?work ; pro:withRole pro:author ;
        schema:position ?pos ; pro:isHeldBy/foaf:name ?name .
}"""

_KEYWORDS_QUERY = "SELECT ?work ?kw WHERE { ?work prism:keyword ?kw }"

_INCOMPLETE_QUERY = "SELECT ?work WHERE { ?work citegraph:authorListComplete false }"

# MeSH descriptors (a work's dcterms:subject that is no keyword's skos:Concept), substances,
# funders: named as the article graph names them ("; "-joined, here sorted), each work's
# names joined in the query (in Rust: a row per work, not per name).
_UNIT = "\x1f"  # (the ASCII unit separator: in no name)
_NAMED_QUERIES = tuple(
    (f'SELECT ?work (GROUP_CONCAT(DISTINCT ?name; separator="\\u001F") AS ?names) '
     f"WHERE {{ {pattern} }} GROUP BY ?work", key)
    for pattern, key in (
        ("?work dcterms:subject ?d . ?d skos:prefLabel ?name . MINUS { ?d a skos:Concept }",
         "mesh"),
        ("?work citegraph:substance ?c . ?c skos:prefLabel ?name", "substances"),
        ("?work schema:funder ?f . ?f foaf:name ?name", "funders"),
    )
)  # fmt: skip

_REFERENCE_QUERY = (
    "SELECT ?work ?text WHERE { ?entry biro:references ?work ; c4o:hasContent ?text }"
)

_CITES_QUERY = """
SELECT ?citing ?cited ?pos ?fmt WHERE {
  ?citing cito:cites ?cited .
  OPTIONAL { ?ref biro:references ?cited ; pro:isDocumentContextFor ?citing ;
                  schema:position ?pos . }
  OPTIONAL { ?citing prov:wasDerivedFrom/citegraph:sourceFormat ?fmt }
}"""


def citation_graph_from_store(store: ox.Store) -> nx.DiGraph[str]:
    """Rebuild the citation graph from citegraph RDF in a store (see :mod:`graph.store`).

    Example:
        >>> citation_graph_from_store(ox.Store()).number_of_nodes()
        0
    """
    g: nx.DiGraph[str] = nx.DiGraph()
    for row in iter_select(store, _WORKS_QUERY):
        node = str(row["work"])
        if node not in g:
            g.add_node(node)
        attrs = g.nodes[node]
        if str(row["type"]).endswith("/JournalArticle"):
            attrs["kind"] = ARTICLE
        elif attrs.get("kind") != ARTICLE:
            has_id = row["doi"] or row["pmid"] or row["pmcid"]
            attrs["kind"] = CITED if has_id else UNRESOLVED
        for key in ("title", "doi", "pmid", "pmcid", "abstract", "journal"):
            if row[key] is not None:
                attrs.setdefault(key, row[key])
        if row["year"] is not None:
            attrs.setdefault("year", int(str(row["year"])[:4]))
    authors: dict[str, set[tuple[int, str]]] = {}
    for row in iter_select(store, _AUTHORS_QUERY):
        authors.setdefault(str(row["work"]), set()).add((int(str(row["pos"])), str(row["name"])))
    incomplete = {str(r["work"]) for r in iter_select(store, _INCOMPLETE_QUERY)}
    for node, names in authors.items():
        if node in g:
            ordered = [n for _, n in sorted(names)]
            g.nodes[node]["authors"] = "; ".join(
                ordered + (["et al."] if node in incomplete else [])
            )
    keywords: dict[str, list[str]] = {}
    for row in iter_select(store, _KEYWORDS_QUERY):
        keywords.setdefault(str(row["work"]), []).append(str(row["kw"]))
    for node, kws in keywords.items():
        if node in g:
            g.nodes[node]["keywords"] = "; ".join(sorted(kws))
    for query, key in _NAMED_QUERIES:  # what the build's graph shows of an article
        for node, joined in iter_rows(store, query):
            if node in g and g.nodes[node].get("kind") == ARTICLE:
                g.nodes[node][key] = "; ".join(sorted(joined.split(_UNIT)))
    reference: dict[str, str] = {}
    for row in iter_select(store, _REFERENCE_QUERY):  # the text citing it, for a cited work
        node, text = str(row["work"]), str(row["text"])
        reference[node] = min(reference.get(node, text), text)
    for row in iter_select(store, _CITES_QUERY):
        a, b = str(row["citing"]), str(row["cited"])
        for n in (a, b):
            if n not in g:
                g.add_node(n, kind=UNRESOLVED)
        fmt = row["fmt"] or ""
        data: dict[str, Any] = {
            "relation": "cites",
            "provenance": PROVENANCE_BY_FORMAT.get(fmt, fmt or "unknown"),
        }
        if row["pos"] is not None:
            data["ordinal"] = int(row["pos"])
        g.add_edge(a, b, **data)
    for node, text in reference.items():
        if node in g and g.nodes[node].get("kind") != ARTICLE:
            g.nodes[node]["reference"] = text
    for _, attrs in g.nodes(data=True):
        names_list = attrs["authors"].split("; ") if attrs.get("authors") else []
        complete = "et al." not in names_list
        names_list = [x for x in names_list if x != "et al."]
        attrs["label"] = _label(names_list, complete, attrs.get("year"), attrs.get("title"))
        if not names_list and not attrs.get("title"):  # known by its ids, as in the build
            attrs["label"] = _id_label(attrs.get("pmid"), attrs.get("doi")) or attrs["label"]
    return g

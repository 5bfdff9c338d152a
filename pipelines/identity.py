"""Identity resolution by shared identifiers: every id seen for one work is merged
(union-find) before the work's IRI is fixed, so the IRI depends only on the set of ids.

Example:
    >>> from graph.model import Identifiers
    >>> ids = IdentityMap()
    >>> ids.add(Identifiers(doi="10.1/a"))
    >>> ids.add(Identifiers(pmid="7", doi="10.1/a"))
    >>> ids.canonical(Identifiers(doi="10.1/a")).pmid
    '7'
    >>> ids.rewrites()
    {'https://doi.org/10.1/a': 'https://identifiers.org/pubmed:7'}
"""

from __future__ import annotations

from rdflib import URIRef

from graph.model import Identifiers
from graph.vocab import id_iri

__all__ = ["IdentityMap"]

_RANK = {"pmid": 0, "pmcid": 1, "doi": 2}


def _key_rank(key: str) -> tuple[int, int, str]:
    scheme, _, value = key.partition(":")
    number = int(value) if scheme == "pmid" and value.isdigit() else 0
    return (_RANK[scheme], number, value)


class IdentityMap:
    """Union-find over identifier keys (``"pmid:1"``, ``"doi:10.1/a"``)."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}
        self._emitted: set[str] = set()
        self.merges = 0

    def _find(self, key: str) -> str:
        parent = self._parent.setdefault(key, key)
        if parent == key:
            return key
        root = self._find(parent)
        self._parent[key] = root
        return root

    def add(self, ids: Identifiers) -> None:
        """Record that all of ``ids`` name one work."""
        keys = ids.keys()
        for key in keys:
            self._parent.setdefault(key, key)
        for other in keys[1:]:
            a, b = self._find(keys[0]), self._find(other)
            if a != b:
                # the better-ranked key becomes the root, so roots are canonical
                if _key_rank(b) < _key_rank(a):
                    a, b = b, a
                self._parent[b] = a
                self.merges += 1

    def canonical(self, ids: Identifiers) -> Identifiers:
        """Return ``ids`` completed with the best id of each scheme in its merged set."""
        keys = ids.keys()
        if not keys:
            return ids
        root = self._find(keys[0])
        scheme, _, value = root.partition(":")
        return Identifiers(**{scheme: value}).merged(ids)

    def keyer(self, ids: Identifiers) -> URIRef | None:
        """The work IRI of ``ids`` after merging (a :data:`graph.rdf.WorkKeyer`)."""
        keys = ids.keys()
        if not keys:
            return None
        root = self._find(keys[0])
        self._emitted.add(root)
        scheme, _, value = root.partition(":")
        return id_iri(scheme, value)

    def rewrites(self, *, emitted_only: bool = False) -> dict[str, str]:
        """Map each provisional IRI (of any merged id) to its canonical IRI, where they differ.

        With ``emitted_only``, only IRIs that :meth:`keyer` handed out are listed: the ones
        output written so far can hold.
        """
        out: dict[str, str] = {}
        for key in sorted(self._emitted if emitted_only else self._parent):
            root = self._find(key)
            if root != key:
                out[str(id_iri(*key.split(":", 1)))] = str(id_iri(*root.split(":", 1)))
        return out

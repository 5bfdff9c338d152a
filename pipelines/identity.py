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
from graph.vocab import id_iri, normalize_text

__all__ = ["IdentityMap", "TitleMatcher"]

_RANK = {"pmid": 0, "pmcid": 1, "doi": 2}


def _key_rank(key: str) -> tuple[int, int, str]:
    scheme, _, value = key.partition(":")
    number = int(value) if scheme == "pmid" and value.isdigit() else 0
    return (_RANK[scheme], number, value)


class IdentityMap:
    """Union-find over identifier keys (``"pmid:1"``, ``"doi:10.1/a"``)."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}
        self._emitted: dict[str, URIRef] = {}  # root key -> its IRI, as keyer() handed it out
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
        """The work IRI of ``ids`` after merging (a :data:`graph.rdf.WorkKeyer`).

        A build asks for every record's and every reference's IRI several times (triples,
        graph, title index): each root's IRI is made once and kept with it.

        Example:
            >>> ids = IdentityMap()
            >>> ids.add(Identifiers(pmid="7", doi="10.1/a"))
            >>> str(ids.keyer(Identifiers(doi="10.1/a"))), ids.keyer(Identifiers()) is None
            ('https://identifiers.org/pubmed:7', True)
        """
        best = ids.best()  # (the first of ids.keys(), without the list)
        if best is None:
            return None
        root = self._find(f"{best[0]}:{best[1]}")
        made = self._emitted.get(root)
        if made is None:
            scheme, _, value = root.partition(":")
            made = self._emitted[root] = id_iri(scheme, value)
        return made

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


def _family_key(name: str | None) -> str:
    """The normalised family name of "Popoviciu MS" / "Dinesh Kumar" style names."""
    if not name:
        return ""
    parts = name.split()
    if len(parts) > 1 and parts[-1].isupper() and len(parts[-1]) <= 4:
        parts = parts[:-1]  # "Surname Initials"
    elif len(parts) == 2:
        parts = parts[1:]  # "Given Family"
    return normalize_text(" ".join(parts))


class TitleMatcher:
    """Fuzzy identity for works without identifiers: a cited work known only from its
    reference string is matched to a work read from the input when their first authors'
    family names agree, their years are at most one apart, and their normalised titles are
    at least ``threshold`` similar (difflib ratio).

    Example:
        >>> m = TitleMatcher()
        >>> m.add_work("https://identifiers.org/pubmed:1", "The Current Status of Islet "
        ...            "Transplantation.", 2023, "Czarnecka Z")
        >>> m.add_unresolved("urn:uuid:x", "The current status of islet transplantation",
        ...                  2023, "Czarnecka Z")
        >>> m.matches()
        {'urn:uuid:x': ('https://identifiers.org/pubmed:1', 1.0)}
    """

    METHOD = "title+year+first-author"

    def __init__(self, threshold: float = 0.9) -> None:
        self.threshold = threshold
        # keyed by work IRI, so a later version of a record replaces the earlier one and the
        # index grows with the distinct works, not with the input. Kept as given: names and
        # titles are normalised in matches(), and only when some cited work needs them (a
        # baseline file's cited works all have ids: 0.15 s of normalising saved).
        self._works: dict[str, tuple[str, int, str]] = {}
        self._unresolved: dict[str, tuple[str, int, str]] = {}

    def add_work(self, iri: str, title: str | None, year: int | None, author: str | None) -> None:
        """Index a work that has identifiers (read from the input)."""
        if title and year and author:
            self._works[iri] = (title, year, author)
        else:
            self._works.pop(iri, None)

    def add_unresolved(
        self, iri: str, title: str | None, year: int | None, author: str | None
    ) -> None:
        """Remember a cited work that has no identifier."""
        family = _family_key(author)
        if title and year and family:
            self._unresolved[iri] = (normalize_text(title), year, family)

    def _index(self) -> dict[tuple[int, str], dict[str, str]]:
        """The works by (year, first author's family name), titles normalised, for the
        years and names some unresolved work has (one year either side)."""
        wanted = {(y, family) for _, year, family in self._unresolved.values()
                  for y in (year - 1, year, year + 1)}  # fmt: skip
        index: dict[tuple[int, str], dict[str, str]] = {}
        families: dict[str, str] = {}
        for iri, (title, year, author) in self._works.items():
            family = families.get(author)
            if family is None:
                family = families[author] = _family_key(author)
            if family and (year, family) in wanted:
                index.setdefault((year, family), {})[iri] = normalize_text(title)
        return index

    def matches(self) -> dict[str, tuple[str, float]]:
        """Map each matched unresolved IRI to ``(work IRI, score)``, best match only."""
        from difflib import SequenceMatcher

        out: dict[str, tuple[str, float]] = {}
        works = self._index() if self._unresolved else {}
        for iri, (title, year, family) in sorted(self._unresolved.items()):
            best: tuple[float, str] | None = None
            for y in (year, year - 1, year + 1):
                for work, other_title in works.get((y, family), {}).items():
                    score = SequenceMatcher(None, title, other_title).ratio()
                    if score >= self.threshold and (best is None or score > best[0]):
                        best = (score, work)
            if best is not None:
                out[iri] = (best[1], round(best[0], 3))
        return out

"""Crawl PubMed from seeds: fetch records, follow elink citations, resolve references.

:func:`fetch_graph` turns seeds (PMIDs, DOIs, or a PubMed query) into PMIDs, fetches their
PubMed XML with efetch, follows ``pubmed_pubmed_refs`` (what they cite) and/or
``pubmed_pubmed_citedin`` (what cites them) with elink to ``depth`` hops, fetches the
articles it reaches up to ``max_articles``, and returns the XML batches, the citation edges
(each labelled with where it came from: ``"elink"``) and what could not be had: seeds NCBI
does not know, ids efetch returned no record for, ids beyond the bound, and -- offline --
responses missing from the cache. Nothing here parses articles or builds RDF: the XML goes
to :func:`pipelines.readers.pubmed_xml.parse_pubmed_xml`.

Elink citation links cover only references deposited in PMC: the edges are a sample of the
citations, never all of them.

:func:`resolve_references` asks ECitMatch for the PMIDs of parsed reference strings.

Example:
    >>> classify_seed("PMID: 23121403"), classify_seed("https://doi.org/10.1056/NEJMoa1210384")
    (('pmid', '23121403'), ('doi', '10.1056/nejmoa1210384'))
    >>> classify_seed("hart rk[author]")
    ('query', 'hart rk[author]')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from graph.model import Reference, normalize_doi, normalize_pmid
from pipelines.cache import CacheMissError
from pipelines.eutils import EFETCH_BATCH, CitationQuery, EutilsClient

__all__ = [
    "LINKNAMES",
    "Direction",
    "FetchResult",
    "Link",
    "classify_seed",
    "fetch_graph",
    "pmids_in_xml",
    "resolve_references",
]

Direction = Literal["refs", "cited-by", "both"]
LINKNAMES: dict[str, tuple[str, ...]] = {
    "refs": ("pubmed_pubmed_refs",),
    "cited-by": ("pubmed_pubmed_citedin",),
    "both": ("pubmed_pubmed_refs", "pubmed_pubmed_citedin"),
}

_RECORD_PMID = re.compile(
    rb"<(?:MedlineCitation|BookDocument)\b[^>]*>\s*<PMID\b[^>]*>\s*(\d+)\s*</PMID>"
)
_DELETED = re.compile(rb"<DeleteCitation>(.*?)</DeleteCitation>", re.S)
_PMID_TAG = re.compile(rb"<PMID\b[^>]*>\s*(\d+)\s*</PMID>")


def pmids_in_xml(data: bytes) -> list[str]:
    """The PMIDs of the records (articles and book articles) in a PubMed XML body.

    Only each record's own PMID counts, not the PMIDs of comments or corrections it cites.

    Example:
        >>> pmids_in_xml(b'<PubmedArticleSet><PubmedArticle><MedlineCitation Status="x">'
        ...   b'<PMID Version="1">7</PMID><CommentsCorrectionsList><CommentsCorrections>'
        ...   b'<PMID Version="1">8</PMID></CommentsCorrections></CommentsCorrectionsList>'
        ...   b'</MedlineCitation></PubmedArticle></PubmedArticleSet>')
        ['7']
    """
    return [m.group(1).decode("ascii") for m in _RECORD_PMID.finditer(data)]


def _deleted_in_xml(data: bytes) -> list[str]:
    return [m.decode("ascii") for block in _DELETED.findall(data) for m in _PMID_TAG.findall(block)]


def classify_seed(seed: str) -> tuple[str, str]:
    """``("pmid", digits)``, ``("doi", normalised doi)`` or ``("query", text)``.

    Example:
        >>> classify_seed("10.3389/fphar.2018.00576")
        ('doi', '10.3389/fphar.2018.00576')
    """
    text = seed.strip()
    if re.fullmatch(r"(?:PMID\s*:?\s*)?\d{1,9}", text, re.IGNORECASE):
        pmid = normalize_pmid(re.sub(r"\D", "", text))
        if pmid:
            return ("pmid", pmid)
    if re.search(r"(?:^|doi\.org/|^doi:\s*)10\.\d{4,9}/\S+$", text, re.IGNORECASE):
        doi = normalize_doi(text)
        if doi:
            return ("doi", doi)
    return ("query", text)


@dataclass(frozen=True, slots=True)
class Link:
    """A citation edge: ``citing`` cites ``cited`` (PMIDs), as told by ``source``.

    Example:
        >>> Link("29915538", "29246950", source="elink", linkname="pubmed_pubmed_refs")
        Link(citing='29915538', cited='29246950', source='elink', linkname='pubmed_pubmed_refs')
    """

    citing: str
    cited: str
    source: str = "elink"
    linkname: str = ""


@dataclass(slots=True)
class FetchResult:
    """What a crawl brought back.

    ``batches`` are PubMed XML bodies as efetch returned them; ``pmids`` the records they
    hold, in order; ``links`` the citation edges (deduplicated, provenance ``"elink"``);
    ``seeds`` maps each seed to the PMIDs it resolved to; ``unknown`` lists seeds and ids
    NCBI had no record for (reported, not fatal); ``deleted`` PMIDs efetch reported deleted;
    ``not_fetched`` linked ids left out by ``max_articles``; ``cache_misses`` (offline only)
    the requests the cache could not answer.

    Example:
        >>> FetchResult().complete
        True
    """

    batches: list[bytes] = field(default_factory=list)
    pmids: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    seeds: dict[str, list[str]] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    not_fetched: list[str] = field(default_factory=list)
    cache_misses: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """No bound was hit and nothing was missing from the cache."""
        return not self.not_fetched and not self.cache_misses


class _Crawl:
    def __init__(self, client: EutilsClient, result: FetchResult, max_articles: int) -> None:
        self.client = client
        self.result = result
        self.max_articles = max_articles
        self.requested: set[str] = set()
        self.known: set[str] = set()
        self.link_keys: set[tuple[str, str]] = set()

    def resolve_seed(self, seed: str, query_limit: int) -> list[str]:
        kind, value = classify_seed(seed)
        try:
            if kind == "pmid":
                return [value]
            if kind == "doi":
                return self.client.esearch_doi(value)
            return self.client.search_ids(value, limit=query_limit)
        except CacheMissError as exc:
            self.result.cache_misses += exc.missing
            return []

    def fetch(self, pmids: Iterable[str]) -> list[str]:
        """Efetch the ids not fetched yet (within the bound); return those that came back."""
        todo = [p for p in dict.fromkeys(pmids) if p not in self.requested]
        room = max(0, self.max_articles - len(self.requested))
        self.result.not_fetched += [p for p in todo[room:] if p not in self.result.not_fetched]
        todo = todo[:room]
        self.requested.update(todo)
        got: list[str] = []
        for i in range(0, len(todo), EFETCH_BATCH):
            chunk = todo[i : i + EFETCH_BATCH]
            try:
                bodies = list(self.client.efetch(chunk))
            except CacheMissError as exc:
                self.result.cache_misses += exc.missing
                continue
            returned: list[str] = []
            deleted: list[str] = []
            for body in bodies:
                self.result.batches.append(body)
                returned += pmids_in_xml(body)
                deleted += _deleted_in_xml(body)
            back = set(returned) | set(deleted)
            self.result.unknown += [p for p in chunk if p not in back]
            self.result.deleted += deleted
            got += returned
        self.known.update(got)
        self.result.pmids += got
        return [p for p in todo if p in set(got)]

    def follow(self, pmids: list[str], linknames: Sequence[str]) -> list[str]:
        reached: list[str] = []
        for linkname in linknames:
            try:
                links = self.client.elink(pmids, linkname)
            except CacheMissError as exc:
                self.result.cache_misses += exc.missing
                continue
            for source in pmids:
                for other in links.get(source, []):
                    citing, cited = (
                        (other, source) if linkname == "pubmed_pubmed_citedin" else (source, other)
                    )
                    if (citing, cited) not in self.link_keys:
                        self.link_keys.add((citing, cited))
                        self.result.links.append(Link(citing, cited, "elink", linkname))
                    reached.append(other)
        return list(dict.fromkeys(reached))


def fetch_graph(
    client: EutilsClient,
    seeds: Sequence[str],
    *,
    direction: Direction = "refs",
    depth: int = 1,
    max_articles: int = 1000,
    query_limit: int = 200,
) -> FetchResult:
    """Fetch the seeds' records and follow their citations ``depth`` hops out.

    ``seeds`` are PMIDs, DOIs (looked up with ``"DOI"[doi]``) or PubMed queries (their first
    ``query_limit`` hits). ``direction`` picks ``refs`` (what they cite), ``cited-by`` (what
    cites them) or ``both``. At most ``max_articles`` records are requested, seeds first;
    links to articles beyond the bound are kept and the articles listed in ``not_fetched``.
    In offline mode every response the cache lacks is listed in ``cache_misses`` and the
    crawl goes on with what the cache holds.

    Example (with a client pointed at NCBI or a replay of it)::

        result = fetch_graph(client, ["1234567"], direction="cited-by", depth=1)
        result.links[0]   # Link(citing='23843693', cited='1234567', source='elink', ...)
    """
    if direction not in LINKNAMES:
        raise ValueError(f"direction must be one of {', '.join(LINKNAMES)}, not {direction!r}")
    if depth < 0 or max_articles < 0:
        raise ValueError("depth and max_articles must not be negative")
    result = FetchResult()
    crawl = _Crawl(client, result, max_articles)
    start: list[str] = []
    for seed in seeds:
        pmids = crawl.resolve_seed(seed, query_limit)
        result.seeds[seed] = pmids
        if not pmids and not result.cache_misses:
            result.unknown.append(seed)
        start += pmids
    frontier = crawl.fetch(start)
    for _ in range(depth):
        if not frontier:
            break
        reached = crawl.follow(frontier, LINKNAMES[direction])
        frontier = crawl.fetch(reached)
    return result


def _citation_query(ref: Reference, key: str) -> CitationQuery | None:
    if not ref.journal or not (ref.first_page or ref.volume) or not (ref.year or ref.volume):
        return None
    journal = re.sub(r"[.,]", " ", ref.journal)
    journal = re.sub(r"\s+", " ", journal).strip().lower()
    author = (ref.authors[0] if ref.authors else "").lower()
    return CitationQuery(
        journal=journal,
        year=str(ref.year or ""),
        volume=ref.volume or "",
        first_page=ref.first_page or "",
        author=author,
        key=key,
    )


def resolve_references(client: EutilsClient, refs: Sequence[Reference]) -> dict[Reference, str]:
    """PMIDs for references, via ECitMatch (journal, year, volume, first page, first author).

    References that already carry a PMID keep it without a request; those without a journal
    and a first page or volume are not sent. The answer maps each resolved reference to its
    PMID; unresolved ones are absent.

    Example::

        ref = Reference(raw="...", ordinal=1, authors=("Mann BJ",), year=1991, volume="88",
                        journal="Proc Natl Acad Sci U S A", first_page="3248")
        resolve_references(client, [ref])   # {ref: '2014248'}
    """
    out: dict[Reference, str] = {}
    queries: list[CitationQuery] = []
    by_key: dict[str, Reference] = {}
    for i, ref in enumerate(refs):
        if ref.ids.pmid:
            out[ref] = ref.ids.pmid
            continue
        query = _citation_query(ref, f"ref{i + 1}")
        if query is not None:
            queries.append(query)
            by_key[query.key] = ref
    if queries:
        for key, pmid in client.ecitmatch(queries).items():
            if pmid:
                out[by_key[key]] = pmid
    return out

"""Fill a build from NCBI: fetch records, follow elink citations, resolve references.

This is the glue between the E-utilities crawl (:mod:`pipelines.fetch`) and the
:class:`~pipelines.build.Builder`: fetched PubMed XML goes through the PubMed XML reader,
elink edges are added as citations with provenance ``"elink"``, and references of input
articles that carry no identifier are resolved with ECitMatch (provenance ``"ecitmatch"``)
so their works are keyed by PMID and filled in from their fetched records.

Example (against NCBI or a replay of it)::

    client = EutilsClient(cache=ResponseCache(default_cache_dir()))
    builder = Builder()
    report = fetch_into(builder, client, ["10.4252/wjsc.v17.i7.106856"], FetchOptions())
    builder.finish(BuildOptions(out=Path("out")))
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

from graph.errors import FetchError, MalformedRecordError
from graph.model import Article, Identifiers
from pipelines.build import Builder, Skip
from pipelines.eutils import EutilsClient
from pipelines.fetch import Direction, FetchResult, fetch_graph, resolve_references

__all__ = ["FetchOptions", "LiveReport", "fetch_into", "resolve_article_references"]


@dataclass(frozen=True)
class FetchOptions:
    """How far to crawl: ``direction`` of the elink hops, ``depth`` hops, ``max_articles``
    records at most, ``query_limit`` hits taken from a search query."""

    direction: Direction = "refs"
    depth: int = 1
    max_articles: int = 500
    query_limit: int = 200


@dataclass
class LiveReport:
    """What the network part of a build did, for ``report.json`` (``fetch`` key)."""

    seeds: dict[str, list[str]] = field(default_factory=dict)
    fetched: int = 0
    links: int = 0
    references_resolved: int = 0
    references_sent: int = 0
    unknown: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    not_fetched: list[str] = field(default_factory=list)
    cache_misses: list[str] = field(default_factory=list)
    requests: int = 0
    note: str = (
        "elink citations cover only reference lists deposited in PMC, and ECitMatch finds "
        "only references it can match: these links are a sample, never a complete count"
    )


def resolve_article_references(
    client: EutilsClient, article: Article, report: LiveReport
) -> Article:
    """Return ``article`` with the PMIDs ECitMatch finds for its id-less references.

    Example (with a client)::

        page = resolve_article_references(client, page, LiveReport())
        page.references[0].ids.pmid   # '37109012'
    """
    todo = [r for r in article.references if r.ids.is_empty()]
    if not todo:
        return article
    report.references_sent += len(todo)
    found = resolve_references(client, todo)
    if not found:
        return article
    refs = []
    for ref in article.references:
        pmid = found.get(ref) if ref.ids.is_empty() else None
        if pmid:
            report.references_resolved += 1
            ref = dataclasses.replace(
                ref, ids=ref.ids.merged(Identifiers(pmid=pmid)), resolved_by="ecitmatch"
            )
        refs.append(ref)
    return dataclasses.replace(article, references=tuple(refs))


def fetch_into(
    builder: Builder,
    client: EutilsClient,
    seeds: Sequence[str],
    options: FetchOptions,
    *,
    articles: Sequence[Article] = (),
) -> LiveReport:
    """Crawl from ``seeds`` and from the ``articles`` read from the inputs, adding what
    comes back to ``builder``.

    Each input article is added with its references resolved by ECitMatch; its PMID (else
    DOI) becomes a seed, and the PMIDs found for its references are fetched too so the cited
    works get their titles, years and journals. Ids NCBI does not know are reported, not
    fatal. Raises :class:`~graph.errors.FetchError` only when the network itself fails.
    """
    report = LiveReport()
    all_seeds = list(seeds)
    extra: list[str] = []
    for article in articles:
        resolved = resolve_article_references(client, article, report)
        builder.add_article(resolved)
        seed = article.ids.pmid or article.ids.doi
        if seed:
            all_seeds.append(seed)
        extra += [r.ids.pmid for r in resolved.references if r.ids.pmid]
    if not all_seeds and not extra:
        raise FetchError("nothing to fetch: give PMIDs, DOIs, --query, or inputs with ids")
    result = fetch_graph(
        client,
        list(dict.fromkeys(all_seeds)),
        direction=options.direction,
        depth=options.depth,
        max_articles=options.max_articles,
        query_limit=options.query_limit,
    )
    results = [result]
    extra = [p for p in dict.fromkeys(extra) if p not in set(result.pmids)]
    if extra:  # the works the input cites: their records only, no further hops
        results.append(fetch_graph(client, extra, depth=0, max_articles=len(extra)))
    for res in results:
        _add_result(builder, res, report)
    report.seeds = {s: result.seeds.get(s, []) for s in dict.fromkeys(all_seeds)}
    report.requests = client.requests_sent
    return report


def _add_result(builder: Builder, result: FetchResult, report: LiveReport) -> None:
    from pipelines.readers.pubmed_xml import parse_pubmed_xml

    for i, body in enumerate(result.batches, start=1):
        for record in parse_pubmed_xml(body, file=f"efetch batch {i}"):
            if isinstance(record, MalformedRecordError):
                builder.add_skip(
                    Skip(record.file or f"efetch batch {i}", record.message, record.record)
                )
                continue
            builder.add_article(record)
            report.fetched += 1
    for link in result.links:
        builder.add_link(Identifiers(pmid=link.citing), Identifiers(pmid=link.cited), link.source)
        report.links += 1
    report.unknown += result.unknown
    report.deleted += result.deleted
    report.not_fetched += result.not_fetched
    report.cache_misses += result.cache_misses

"""A client for NCBI E-utilities: efetch, esearch, elink and ECitMatch over plain HTTP.

The client speaks HTTP with the standard library (``urllib``) to a base URL that defaults to
NCBI's and can be pointed elsewhere (``base_url=``, or the ``CITEGRAPH_EUTILS_URL``
environment variable) -- the tests point it at a local server replaying recorded NCBI
responses. It follows NCBI's usage rules in one place:

* ``tool=citegraph`` and ``email`` (``NCBI_EMAIL``) go with every request, the API key
  (``NCBI_API_KEY``) too when there is one;
* at most 3 requests per second without a key and 10 with one, enforced by a
  :class:`RateLimiter` held by the client (share one client, or one limiter, per process);
* every request has a timeout; 429, 5xx, timeouts and dropped connections are retried with
  exponential backoff that honours ``Retry-After``, a bounded number of times, then raise
  :class:`~graph.errors.FetchError` naming the operation and ids;
* the API key never appears in a log line, an error message, a cache key or a cached file:
  the cache (:mod:`pipelines.cache`) keys on the parameters without it, and every message is
  built from those parameters and passed through :func:`redact`.

It returns bytes (PubMed XML for efetch) or small parsed structures (esearch ids, elink
links, ECitMatch PMIDs); it never builds :class:`~graph.model.Article` records. Small XML
responses are read with a hardened lxml parser (no DTD loading, no entity expansion, no
network); ``Bio.Entrez.read`` is not used because it downloads DTDs it does not ship.

Example:
    >>> client = EutilsClient(env={}, base_url="http://127.0.0.1:9/")
    >>> client.base_url, client.rate_limiter.max_calls, client.has_api_key
    ('http://127.0.0.1:9/', 3, False)
    >>> keyed = EutilsClient(env={"NCBI_API_KEY": "s3cret"})
    >>> keyed.rate_limiter.max_calls, "s3cret" in repr(keyed)
    (10, False)
"""

from __future__ import annotations

import datetime as _dt
import email.utils
import http.client
import logging
import os
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from lxml import etree

from graph.errors import FetchError
from pipelines.cache import CacheMissError, ResponseCache, cache_key, public_params

__all__ = [
    "DEFAULT_BASE_URL",
    "EFETCH_BATCH",
    "ENV_BASE_URL",
    "POST_ABOVE",
    "CitationQuery",
    "EutilsClient",
    "RateLimiter",
    "SearchResult",
    "redact",
]

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
ENV_BASE_URL = "CITEGRAPH_EUTILS_URL"
EFETCH_BATCH = 200
"""Ids per efetch request."""
POST_ABOVE = 200
"""Requests with more ids than this (or a long query string) are sent as POST."""
_MAX_GET_QUERY = 4000
ESEARCH_MAX = 9999
"""ESearch returns at most 10,000 ids of one query; larger result sets are split by date."""
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_ELINK_BATCH = 100
_ECITMATCH_BATCH = 50


def redact(text: str, secret: str | None) -> str:
    """Remove ``secret`` and any ``api_key=...`` value from ``text``.

    Example:
        >>> redact("GET /e?api_key=abc&id=1 failed (abc)", "abc")
        'GET /e?api_key=REDACTED&id=1 failed (REDACTED)'
    """
    if secret:
        text = text.replace(secret, "REDACTED")
        quoted = urllib.parse.quote_plus(secret)
        if quoted != secret:
            text = text.replace(quoted, "REDACTED")
    return re.sub(r"(api_key=)[^&\s'\"]+", r"\1REDACTED", text)


class RateLimiter:
    """At most ``max_calls`` acquisitions in any window of ``period`` seconds (thread-safe).

    A sliding window over the last ``max_calls`` start times, widened by ``margin`` seconds
    so that the server, which sees requests a little after they leave, never counts more
    than ``max_calls`` in one of its own windows. ``clock`` and ``sleep`` are injectable.

    Example:
        >>> now = [0.0]
        >>> lim = RateLimiter(2, 1.0, margin=0.0, clock=lambda: now[0],
        ...                   sleep=lambda s: now.__setitem__(0, now[0] + s))
        >>> [lim.acquire() for _ in range(5)]
        [0.0, 0.0, 1.0, 1.0, 2.0]
    """

    def __init__(
        self,
        max_calls: int,
        period: float = 1.0,
        *,
        margin: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_calls < 1 or period <= 0:
            raise ValueError("a rate limit needs max_calls >= 1 and period > 0")
        self.max_calls = max_calls
        self.period = period
        self.margin = margin
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque(maxlen=max_calls)
        self._lock = threading.Lock()

    @classmethod
    def for_ncbi(cls, *, has_api_key: bool) -> RateLimiter:
        """NCBI's limit: 10 requests/s with an API key, 3 without.

        Example:
            >>> RateLimiter.for_ncbi(has_api_key=False).max_calls
            3
        """
        return cls(10 if has_api_key else 3, 1.0)

    def acquire(self) -> float:
        """Wait until one more call fits in the window; return the time it was granted."""
        with self._lock:
            now = self._clock()
            if len(self._starts) == self.max_calls:
                wait = self._starts[0] + self.period + self.margin - now
                if wait > 0:
                    self._sleep(wait)
                    now = self._clock()
            self._starts.append(now)
            return now


@dataclass(frozen=True, slots=True)
class SearchResult:
    """One ESearch answer: the hit ``count``, the returned ``ids``, history keys, warnings.

    Example:
        >>> SearchResult(count=0, ids=()).ids
        ()
    """

    count: int
    ids: tuple[str, ...]
    webenv: str | None = None
    query_key: str | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CitationQuery:
    """One ECitMatch input line: ``journal|year|volume|first_page|author|key|``.

    Example:
        >>> CitationQuery("proc natl acad sci u s a", "1991", "88", "3248", "mann bj",
        ...               "citation_1").line()
        'proc natl acad sci u s a|1991|88|3248|mann bj|citation_1|'
    """

    journal: str
    year: str
    volume: str
    first_page: str
    author: str
    key: str

    def line(self) -> str:
        """The ``bdata`` line, with ``|`` and line breaks removed from the fields."""
        fields = (self.journal, self.year, self.volume, self.first_page, self.author, self.key)
        return "|".join(re.sub(r"[|\r\n]+", " ", f).strip() for f in fields) + "|"


def _parse_small_xml(data: bytes) -> etree._Element:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True
    )
    return etree.fromstring(data, parser)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.UTC)
    return max(0.0, (when - _dt.datetime.now(_dt.UTC)).total_seconds())


def _describe(op: str, params: Sequence[tuple[str, str]]) -> str:
    """``efetch id=1,2,3`` or ``esearch term=...``: what a request asked, without secrets."""
    shown: list[str] = []
    ids = [v for k, v in params if k == "id"]
    if ids:
        flat = ",".join(ids).split(",")
        text = ",".join(flat[:10]) + (f",... ({len(flat)} ids)" if len(flat) > 10 else "")
        shown.append(f"id={text}")
    for k, v in public_params(params):
        if k in {"term", "linkname", "mindate", "maxdate", "retstart"}:
            shown.append(f"{k}={v}")
        elif k == "bdata":
            n = len([x for x in v.split("\r") if x])
            shown.append(f"bdata={n} citation(s)")
    return f"{op} " + " ".join(shown) if shown else op


class EutilsClient:
    """The E-utilities client: one per process (it owns the rate limiter).

    Settings not given are read from ``env`` (default ``os.environ``): ``CITEGRAPH_EUTILS_URL``,
    ``NCBI_API_KEY``, ``NCBI_EMAIL``. ``cache`` makes every response reusable (and, in its
    offline mode, the only source). ``timeout`` is per socket operation; ``retries`` is the
    number of retries after the first attempt; the n-th retry waits
    ``backoff_base * 2**n`` seconds (at most ``backoff_max``) or what ``Retry-After`` says.

    Example:
        >>> c = EutilsClient(env={"CITEGRAPH_EUTILS_URL": "http://127.0.0.1:8/eutils"})
        >>> c.base_url, c.tool
        ('http://127.0.0.1:8/eutils/', 'citegraph')
    """

    def __init__(
        self,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        email: str | None = None,
        tool: str = "citegraph",
        cache: ResponseCache | None = None,
        rate_limiter: RateLimiter | None = None,
        timeout: float = 30.0,
        retries: int = 4,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        env: Mapping[str, str] | None = None,
    ) -> None:
        env = os.environ if env is None else env
        url = base_url or env.get(ENV_BASE_URL) or DEFAULT_BASE_URL
        self.base_url = url if url.endswith("/") else url + "/"
        self._api_key = api_key if api_key is not None else (env.get("NCBI_API_KEY") or None)
        self.email = email if email is not None else (env.get("NCBI_EMAIL") or None)
        self.tool = tool
        self.cache = cache
        self.rate_limiter = rate_limiter or RateLimiter.for_ncbi(has_api_key=self.has_api_key)
        self.timeout = timeout
        self.retries = retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._sleep = sleep
        self.requests_sent = 0
        """HTTP requests sent (every attempt counts)."""
        self.cache_hits = 0

    @property
    def has_api_key(self) -> bool:
        """Whether an API key is configured (the key itself is never exposed)."""
        return bool(self._api_key)

    def __repr__(self) -> str:
        return (
            f"EutilsClient(base_url={self.base_url!r}, tool={self.tool!r}, "
            f"api_key={'set' if self._api_key else 'unset'}, cache={self.cache is not None})"
        )

    # -- transport ---------------------------------------------------------------------

    def request(
        self, endpoint: str, params: Sequence[tuple[str, str]], *, op: str | None = None
    ) -> bytes:
        """Send one request (from the cache when it holds it) and return the body.

        ``params`` must not hold ``tool``, ``email`` or ``api_key``: they are added here.
        Raises :class:`~graph.errors.FetchError` after the retries, or
        :class:`~pipelines.cache.CacheMissError` offline when the cache lacks the response.
        """
        op = op or endpoint.split(".")[0]
        what = _describe(op, params)
        full_path = urllib.parse.urlsplit(self.base_url).path + endpoint
        query = urllib.parse.urlencode(list(params))
        n_ids = sum(len(v.split(",")) for k, v in params if k == "id")
        method = "POST" if n_ids > POST_ABOVE or len(query) > _MAX_GET_QUERY else "GET"
        key = cache_key(method, full_path, params)
        if self.cache is not None:
            body = self.cache.get(key)
            if body is not None:
                self.cache_hits += 1
                log.debug("cache hit: %s", what)
                return body
            if self.cache.offline:
                raise CacheMissError([what], cache_dir=self.cache.directory)
        sent = [*params, ("tool", self.tool)]
        if self.email:
            sent.append(("email", self.email))
        if self._api_key:
            sent.append(("api_key", self._api_key))
        body = self._send(method, self.base_url + endpoint, sent, what)
        if self.cache is not None:
            self.cache.put(key, body, method=method, path=full_path, params=params)
        return body

    def _send(self, method: str, url: str, params: list[tuple[str, str]], what: str) -> bytes:
        encoded = urllib.parse.urlencode(params)
        headers = {"User-Agent": f"{self.tool} (python urllib)"}
        last = "no attempt"
        for attempt in range(self.retries + 1):
            if method == "POST":
                req = urllib.request.Request(
                    url,
                    data=encoded.encode("ascii"),
                    method="POST",
                    headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
                )
            else:
                req = urllib.request.Request(f"{url}?{encoded}", method="GET", headers=headers)
            self.rate_limiter.acquire()
            self.requests_sent += 1
            log.debug("%s %s (attempt %d)", method, what, attempt + 1)
            wait: float | None = None
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    data: bytes = resp.read()
                return data
            except urllib.error.HTTPError as exc:
                status = exc.code
                last = f"HTTP {status} {exc.reason}"
                retry_after = _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
                exc.close()
                if status not in _RETRY_STATUS:
                    raise FetchError(self._redact(f"{what}: {last}")) from None
                wait = retry_after
            except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                if isinstance(reason, TimeoutError) or "timed out" in str(reason):
                    last = f"no response within {self.timeout:g} s (timeout)"
                else:
                    last = f"connection failed ({type(reason).__name__}: {reason})"
            except http.client.HTTPException as exc:
                last = f"bad HTTP response ({type(exc).__name__})"
            if attempt == self.retries:
                break
            if wait is None:
                wait = self.backoff_base * (2**attempt)
            wait = min(wait, self.backoff_max)
            log.warning(
                "%s",
                self._redact(f"{what}: {last}; retry {attempt + 1}/{self.retries} in {wait:.2f} s"),
            )
            self._sleep(wait)
        raise FetchError(
            self._redact(f"{what}: failed after {self.retries + 1} attempts: {last}")
        ) from None

    def _redact(self, text: str) -> str:
        return redact(text, self._api_key)

    # -- operations --------------------------------------------------------------------

    def efetch(self, pmids: Sequence[str], *, batch_size: int = EFETCH_BATCH) -> Iterator[bytes]:
        """PubMed XML (``PubmedArticleSet`` bytes) for ``pmids``, one body per batch.

        Duplicate ids are sent once; order is kept. Batches above 200 ids go as POST.
        """
        unique = list(dict.fromkeys(p.strip() for p in pmids if p.strip()))
        for i in range(0, len(unique), batch_size):
            batch = unique[i : i + batch_size]
            params = [("db", "pubmed"), ("id", ",".join(batch)), ("retmode", "xml")]
            yield self.request("efetch.fcgi", params, op="efetch")

    def esearch(
        self,
        term: str,
        *,
        retmax: int = 20,
        retstart: int = 0,
        mindate: str | None = None,
        maxdate: str | None = None,
        datetype: str = "pdat",
    ) -> SearchResult:
        """One PubMed ESearch call (ids as strings).

        Example (``"10.1056/NEJMoa1210384"[doi]`` finds one article)::

            client.esearch('"10.1056/NEJMoa1210384"[doi]').ids  # ('23121403',)
        """
        params = [("db", "pubmed"), ("term", term), ("retmax", str(retmax))]
        if retstart:
            params.append(("retstart", str(retstart)))
        if mindate or maxdate:
            params += [("datetype", datetype)]
            params += [("mindate", mindate or "1000/01/01"), ("maxdate", maxdate or "3000/12/31")]
        body = self.request("esearch.fcgi", params, op="esearch")
        return _parse_esearch(body, self._redact(_describe("esearch", params)))

    def search_ids(
        self,
        term: str,
        *,
        limit: int = 10_000,
        max_per_query: int = ESEARCH_MAX,
        first_day: _dt.date = _dt.date(1700, 1, 1),
        last_day: _dt.date | None = None,
    ) -> list[str]:
        """All PubMed ids matching ``term`` (at most ``limit``), past ESearch's 10,000 cap.

        When a query has more hits than ``max_per_query``, the publication-date range is
        halved until each part fits, and the parts are read one after another. A single day
        that still holds too many hits is read up to the cap (PubMed has no finer date).
        """
        first = self.esearch(term, retmax=min(limit, max_per_query))
        if first.count <= max_per_query or len(first.ids) >= limit:
            return list(first.ids[:limit])
        out: dict[str, None] = {}
        end = last_day or _dt.date.today()
        stack = [(first_day.toordinal(), end.toordinal())]
        while stack and len(out) < limit:
            lo, hi = stack.pop()
            lo_s = _dt.date.fromordinal(lo).strftime("%Y/%m/%d")
            hi_s = _dt.date.fromordinal(hi).strftime("%Y/%m/%d")
            probe = self.esearch(term, retmax=0, mindate=lo_s, maxdate=hi_s)
            if probe.count == 0:
                continue
            if probe.count > max_per_query and lo < hi:
                mid = (lo + hi) // 2
                stack += [(mid + 1, hi), (lo, mid)]  # older half first
                continue
            part = self.esearch(
                term, retmax=min(max_per_query, limit - len(out)), mindate=lo_s, maxdate=hi_s
            )
            out.update(dict.fromkeys(part.ids))
        return list(out)[:limit]

    def esearch_doi(self, doi: str) -> list[str]:
        """PMIDs PubMed files under ``doi`` (usually one; none when PubMed does not know it)."""
        result = self.esearch(f'"{doi}"[doi]', retmax=20)
        return list(result.ids)

    def elink(
        self, pmids: Sequence[str], linkname: str, *, batch_size: int = _ELINK_BATCH
    ) -> dict[str, list[str]]:
        """Linked PubMed ids for each of ``pmids`` via ``linkname``.

        ``linkname`` is e.g. ``pubmed_pubmed_refs`` (what the article cites) or
        ``pubmed_pubmed_citedin`` (what cites it). Each id goes in its own ``id=`` parameter,
        so NCBI answers one LinkSet per id and every link maps back to its source. Ids NCBI
        does not know are absent from the result; known ids without links map to ``[]``.
        """
        unique = list(dict.fromkeys(p.strip() for p in pmids if p.strip()))
        out: dict[str, list[str]] = {}
        for i in range(0, len(unique), batch_size):
            batch = unique[i : i + batch_size]
            params = [("dbfrom", "pubmed"), ("db", "pubmed"), ("linkname", linkname)]
            params += [("cmd", "neighbor")] + [("id", p) for p in batch]
            body = self.request("elink.fcgi", params, op="elink")
            found = _parse_elink(body, linkname, self._redact(_describe("elink", params)))
            for pmid in batch:
                if pmid in found:
                    out[pmid] = found[pmid]
        return out

    def ecitmatch(
        self, citations: Sequence[CitationQuery], *, batch_size: int = _ECITMATCH_BATCH
    ) -> dict[str, str | None]:
        """PMIDs for citations via ECitMatch: ``key -> PMID`` (``None`` when not matched).

        Example (the answer NCBI gives for this line is
        ``proc natl acad sci u s a|1991|88|3248|mann bj|citation_1|2014248``)::

            client.ecitmatch([CitationQuery("proc natl acad sci u s a", "1991", "88",
                                            "3248", "mann bj", "citation_1")])
            # {'citation_1': '2014248'}
        """
        out: dict[str, str | None] = {}
        for i in range(0, len(citations), batch_size):
            batch = citations[i : i + batch_size]
            bdata = "\r".join(c.line() for c in batch) + "\r"
            params = [("db", "pubmed"), ("retmode", "xml"), ("bdata", bdata)]
            body = self.request("ecitmatch.cgi", params, op="ecitmatch")
            answers = _parse_ecitmatch(body)
            for c in batch:
                out[c.key] = answers.get(c.key)
        return out


def _text(el: etree._Element | None) -> str:
    return "" if el is None or el.text is None else el.text.strip()


def _parse_esearch(body: bytes, what: str) -> SearchResult:
    try:
        root = _parse_small_xml(body)
    except etree.XMLSyntaxError as exc:
        raise FetchError(f"{what}: the response is not XML ({exc})") from None
    error = root.find("ERROR")
    if root.tag != "eSearchResult" or (error is not None and root.find("Count") is None):
        msg = _text(error) or f"unexpected <{root.tag}> response"
        raise FetchError(f"{what}: NCBI answered: {msg}")
    warnings = [f"{el.tag}: {_text(el)}" for el in root.iterfind("ErrorList/*")]
    warnings += [f"{el.tag}: {_text(el)}" for el in root.iterfind("WarningList/*")]
    return SearchResult(
        count=int(_text(root.find("Count")) or 0),
        ids=tuple(_text(el) for el in root.iterfind("IdList/Id")),
        webenv=_text(root.find("WebEnv")) or None,
        query_key=_text(root.find("QueryKey")) or None,
        warnings=tuple(warnings),
    )


def _parse_elink(body: bytes, linkname: str, what: str) -> dict[str, list[str]]:
    try:
        root = _parse_small_xml(body)
    except etree.XMLSyntaxError as exc:
        raise FetchError(f"{what}: the response is not XML ({exc})") from None
    if root.tag != "eLinkResult":
        raise FetchError(f"{what}: unexpected <{root.tag}> response")
    out: dict[str, list[str]] = {}
    for linkset in root.iterfind("LinkSet"):
        sources = [_text(el) for el in linkset.iterfind("IdList/Id")]
        if linkset.find("ERROR") is not None or sources in ([], ["0"]):
            continue
        targets: list[str] = []
        for db in linkset.iterfind("LinkSetDb"):
            if _text(db.find("LinkName")) == linkname:
                targets += [_text(el) for el in db.iterfind("Link/Id")]
        for source in sources:
            out.setdefault(source, []).extend(t for t in targets if t and t != source)
    return out


def _parse_ecitmatch(body: bytes) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for line in body.decode("utf-8", "replace").splitlines():
        parts = line.strip().split("|")
        if len(parts) < 7:
            continue
        key, answer = parts[5].strip(), parts[6].strip()
        out[key] = answer if answer.isdigit() else None
    return out

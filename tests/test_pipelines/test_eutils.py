"""The E-utilities client against a real HTTP server on 127.0.0.1 replaying recorded NCBI
responses (tests/test_pipelines/ncbi_replay.py, data in tests/fixtures/eutils/)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.errors import FetchError
from pipelines.cache import CacheMissError, ResponseCache, cache_key, default_cache_dir
from pipelines.eutils import (
    DEFAULT_BASE_URL,
    CitationQuery,
    EutilsClient,
    RateLimiter,
    SearchResult,
)
from tests.test_pipelines.ncbi_replay import FIXTURES, Fault, ReplayServer

SECRET = "secret-test-key"
CITED_BY_1234567 = [  # pubmed_pubmed_citedin of PMID 1234567 in the recorded elink answer
    "23843693",
    "18566123",
    "18554815",
    "18254016",
    "15495039",
    "12371603",
    "10667447",
    "10408736",
]
MANN_1991 = CitationQuery("proc natl acad sci u s a", "1991", "88", "3248", "mann bj", "c1")


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as srv:
        yield srv


def fast(server: ReplayServer, **kw: object) -> EutilsClient:
    """A client without key whose limiter does not slow tests that are not about the rate."""
    opts: dict[str, object] = {
        "base_url": server.url,
        "env": {"NCBI_EMAIL": "dev@example.org"},
        "rate_limiter": RateLimiter(1000),
        "backoff_base": 0.01,
        "timeout": 5.0,
    }
    opts.update(kw)
    return EutilsClient(**opts)  # type: ignore[arg-type]


def test_efetch_returns_the_recorded_body_and_sends_ncbi_parameters(
    server: ReplayServer,
) -> None:
    client = fast(server)
    bodies = list(client.efetch(["1234567"]))
    assert bodies == [(FIXTURES / "efetch_1234567.xml").read_bytes()]
    (seen,) = server.requests()
    assert seen.method == "GET" and seen.path == "/entrez/eutils/efetch.fcgi"
    assert dict(seen.params) == {
        "db": "pubmed",
        "id": "1234567",
        "retmode": "xml",
        "tool": "citegraph",
        "email": "dev@example.org",
    }


def test_efetch_batches_200_ids_and_posts_larger_requests(server: ReplayServer) -> None:
    ids = ["1234567", "29915538", *[str(40_000_000 + i) for i in range(448)], "23121403"]
    client = fast(server)
    bodies = list(client.efetch(ids))
    sizes = [len(s.get("id")[0].split(",")) for s in server.requests()]
    assert sizes == [200, 200, 51]
    assert {s.method for s in server.requests()} == {"GET"}
    assert b'<PMID Version="1">1234567</PMID>' in bodies[0]
    assert b'<PMID Version="1">29915538</PMID>' in bodies[0]
    assert b'<PMID Version="1">23121403</PMID>' in bodies[2]

    list(client.efetch(ids, batch_size=300))
    big, rest = server.requests()[3:]
    assert (big.method, len(big.get("id")[0].split(","))) == ("POST", 300)
    assert (rest.method, len(rest.get("id")[0].split(","))) == ("GET", 151)


def test_esearch_reads_the_recorded_answer(server: ReplayServer) -> None:
    result = fast(server).esearch("hart rk[author]", retmax=250)
    assert result.count == 34 and len(result.ids) == 34
    assert (result.ids[0], result.ids[-1]) == ("40455089", "6067859")
    assert result.webenv == "MCID_6934533c4c5abba8c303da1d" and result.query_key == "1"


def test_esearch_doi_lookup(server: ReplayServer) -> None:
    client = fast(server)
    assert client.esearch_doi("10.3389/fphar.2018.00576") == ["29915538"]
    assert client.esearch_doi("10.1000/not-in-pubmed") == []
    terms = [s.get("term")[0] for s in server.requests()]
    assert terms == ['"10.3389/fphar.2018.00576"[doi]', '"10.1000/not-in-pubmed"[doi]']


def test_elink_maps_links_back_to_each_source_id(server: ReplayServer) -> None:
    client = fast(server)
    cited_by = client.elink(["1234567"], "pubmed_pubmed_citedin")
    assert cited_by == {"1234567": CITED_BY_1234567}
    # NCBI recorded no pubmed_pubmed_refs for 1234567 (a 1975 article): known, no links
    refs = client.elink(["1234567", "29915538"], "pubmed_pubmed_refs")
    assert refs["1234567"] == []
    assert refs["29915538"][:3] == ["29246950", "28385659", "28344112"]
    seen = server.requests()[-1]
    assert seen.get("id") == ["1234567", "29915538"]  # one id= per source
    assert seen.get("linkname") == ["pubmed_pubmed_refs"]


def test_ecitmatch_returns_key_to_pmid(server: ReplayServer) -> None:
    other = CitationQuery("j pers med", "2023", "13", "422", "popoviciu ms", "c2")
    assert fast(server).ecitmatch([MANN_1991, other]) == {"c1": "2014248", "c2": None}
    (seen,) = server.requests()
    assert seen.get("bdata") == [
        "proc natl acad sci u s a|1991|88|3248|mann bj|c1|\r"
        "j pers med|2023|13|422|popoviciu ms|c2|\r"
    ]


def test_429_and_500_are_retried_then_succeed_honouring_retry_after(
    server: ReplayServer,
) -> None:
    server.faults.extend([Fault(429, {"Retry-After": "1"}), Fault(500)])
    client = fast(server, backoff_base=0.05)
    start = time.monotonic()
    assert list(client.efetch(["1234567"])) == [(FIXTURES / "efetch_1234567.xml").read_bytes()]
    elapsed = time.monotonic() - start
    t = [s.t for s in server.requests()]
    assert len(t) == 3 and client.requests_sent == 3
    assert t[1] - t[0] >= 1.0  # Retry-After: 1
    assert 0.05 <= t[2] - t[1] < 0.5  # backoff_base * 2**1 = 0.1
    assert elapsed < 2.0


def test_retries_are_bounded_then_fetch_error_names_operation_and_ids(
    server: ReplayServer,
) -> None:
    server.faults.extend([Fault(503)] * 3)
    client = fast(server, retries=2)
    with pytest.raises(FetchError) as info:
        list(client.efetch(["1234567", "29915538"]))
    assert str(info.value) == (
        "efetch id=1234567,29915538: failed after 3 attempts: HTTP 503 Service Unavailable"
    )
    assert len(server.requests()) == 3


def test_client_errors_are_not_retried(server: ReplayServer) -> None:
    client = fast(server)
    with pytest.raises(FetchError, match=r"esearch term=unrecorded: HTTP 404"):
        client.esearch("unrecorded")
    assert len(server.requests()) == 1


def test_a_response_that_never_comes_times_out_and_is_reported(server: ReplayServer) -> None:
    server.faults.extend([Fault(hang=10.0), Fault(hang=10.0)])
    client = fast(server, timeout=0.3, retries=1)
    start = time.monotonic()
    with pytest.raises(FetchError) as info:
        client.elink(["1234567"], "pubmed_pubmed_citedin")
    assert time.monotonic() - start < 2.0
    assert str(info.value) == (
        "elink id=1234567 linkname=pubmed_pubmed_citedin: failed after 2 attempts: "
        "no response within 0.3 s (timeout)"
    )
    assert len(server.requests()) == 2


def test_api_key_is_sent_but_never_printed_logged_cached_or_raised(
    server: ReplayServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("NCBI_API_KEY", SECRET)
    monkeypatch.setenv("CITEGRAPH_EUTILS_URL", server.url)
    caplog.set_level(logging.DEBUG)
    client = EutilsClient(cache=ResponseCache(tmp_path), backoff_base=0.01, retries=1)
    assert client.base_url == server.url and client.rate_limiter.max_calls == 10
    list(client.efetch(["1234567"]))
    client.elink(["1234567"], "pubmed_pubmed_citedin")
    client.esearch_doi("10.3389/fphar.2018.00576")
    client.ecitmatch([MANN_1991])
    list(client.efetch(["1234567"]))  # from the cache
    server.faults.extend([Fault(500), Fault(500), Fault(400)])
    errors: list[FetchError] = []
    for call in (lambda: list(client.efetch(["23121403"])), lambda: client.esearch("x")):
        with pytest.raises(FetchError) as info:
            call()
        errors.append(info.value)
    print(client, errors)
    logging.getLogger("test").info("%r", client)

    assert all(s.get("api_key") == [SECRET] for s in server.requests())  # it is sent
    texts = [caplog.text, *capsys.readouterr(), repr(client)]
    for err in errors:
        texts += [str(err), repr(err), "".join(traceback.format_exception(err))]
    cached = []
    for path in tmp_path.rglob("*"):
        cached.append(str(path.relative_to(tmp_path)))
        if path.is_file():
            cached.append(path.read_bytes().decode("utf-8", "replace"))
    assert not any("api_key" in text for text in cached)
    texts += cached
    assert len(list(tmp_path.rglob("*.body"))) == 4
    assert "retry 1/1" in caplog.text and "efetch id=23121403" in caplog.text
    assert [t for t in texts if SECRET in t] == []


def test_cache_key_ignores_secret_and_user_parameters() -> None:
    base = [("db", "pubmed"), ("id", "1")]
    key = cache_key("GET", "/entrez/eutils/efetch.fcgi", base)
    with_secrets = [*base, ("api_key", SECRET), ("tool", "other"), ("email", "a@b")]
    assert cache_key("GET", "/entrez/eutils/efetch.fcgi", with_secrets[::-1]) == key
    assert cache_key("POST", "/entrez/eutils/efetch.fcgi", base) != key
    assert cache_key("GET", "/entrez/eutils/efetch.fcgi", [("db", "pubmed"), ("id", "2")]) != key


def test_a_second_run_makes_zero_requests(server: ReplayServer, tmp_path: Path) -> None:
    def run() -> list[object]:
        client = fast(server, cache=ResponseCache(tmp_path))
        return [
            list(client.efetch(["1234567", "29915538"])),
            client.elink(["1234567"], "pubmed_pubmed_citedin"),
            client.esearch("hart rk[author]"),
            client.ecitmatch([MANN_1991]),
        ]

    first = run()
    n = len(server.requests())
    assert n == 4
    assert run() == first
    assert len(server.requests()) == n
    assert not list(tmp_path.rglob("*.tmp"))


def test_offline_serves_the_cache_and_names_what_is_missing(
    server: ReplayServer, tmp_path: Path
) -> None:
    list(fast(server, cache=ResponseCache(tmp_path)).efetch(["1234567"]))
    offline = fast(server, cache=ResponseCache(tmp_path, offline=True))
    assert list(offline.efetch(["1234567"])) == [(FIXTURES / "efetch_1234567.xml").read_bytes()]
    with pytest.raises(CacheMissError) as info:
        offline.elink(["1234567"], "pubmed_pubmed_citedin")
    assert info.value.missing == ["elink id=1234567 linkname=pubmed_pubmed_citedin"]
    assert str(info.value) == (
        f"offline: 1 response(s) not in the cache {tmp_path}: "
        "elink id=1234567 linkname=pubmed_pubmed_citedin"
    )
    assert isinstance(info.value, FetchError)
    assert len(server.requests()) == 1


def _max_in_window(times: list[float], window: float = 1.0) -> int:
    times = sorted(times)
    return max(sum(1 for u in times[i:] if u - t < window) for i, t in enumerate(times))


def test_rate_without_key_is_at_most_3_per_second(server: ReplayServer) -> None:
    client = EutilsClient(base_url=server.url, env={})
    assert client.rate_limiter.max_calls == 3
    for _ in range(7):
        list(client.efetch(["1234567"]))
    times = [s.t for s in server.requests()]
    assert len(times) == 7
    assert _max_in_window(times) == 3
    assert times[-1] - times[0] < 3.0  # limited, not needlessly slow


def test_rate_with_key_is_at_most_10_per_second(
    server: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NCBI_API_KEY", SECRET)
    client = EutilsClient(base_url=server.url)
    assert client.rate_limiter.max_calls == 10
    for _ in range(21):
        client.esearch("hart rk[author]")
    times = [s.t for s in server.requests()]
    assert len(times) == 21
    assert _max_in_window(times) == 10
    assert times[-1] - times[0] < 3.0


def test_rate_limit_holds_across_threads_sharing_the_client(server: ReplayServer) -> None:
    client = EutilsClient(base_url=server.url, env={})

    def work() -> None:
        for _ in range(3):
            list(client.efetch(["1234567"]))

    threads = [threading.Thread(target=work) for _ in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    times = [s.t for s in server.requests()]
    assert len(times) == 9 and _max_in_window(times) == 3


def test_rate_limiter_with_injected_clock() -> None:
    now = [0.0]
    limiter = RateLimiter(
        3, 1.0, margin=0.0, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s)
    )
    granted = [limiter.acquire() for _ in range(7)]
    assert granted == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0]


def test_search_past_the_10000_cap_splits_by_publication_date() -> None:
    """The splitting logic, with PubMed's answers computed from the publication years of
    the recorded records (max_per_query=1 stands for the 10,000 cap)."""
    years = {"1234567": 1975, "23121403": 2012, "29915538": 2018}

    class DatedClient(EutilsClient):
        calls: list[tuple[str | None, str | None, int]]

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
            lo = int((mindate or "1000")[:4])
            hi = int((maxdate or "3000")[:4])
            hits = sorted((p for p, y in years.items() if lo <= y <= hi), key=years.__getitem__)
            self.calls.append((mindate, maxdate, retmax))
            return SearchResult(count=len(hits), ids=tuple(hits[:retmax]))

    client = DatedClient(env={})
    client.calls = []
    ids = client.search_ids("x", max_per_query=1, last_day=dt.date(2024, 12, 31))
    assert ids == ["1234567", "23121403", "29915538"]
    ranged = [(lo, hi) for lo, hi, _ in client.calls if lo and hi]
    assert ranged and all(lo <= hi for lo, hi in ranged)
    assert client.search_ids("x", max_per_query=1, limit=2, last_day=dt.date(2024, 12, 31)) == [
        "1234567",
        "23121403",
    ]


def test_settings_come_from_the_environment() -> None:
    c = EutilsClient(env={})
    assert c.base_url == DEFAULT_BASE_URL and c.email is None and not c.has_api_key
    c = EutilsClient(env={"CITEGRAPH_EUTILS_URL": "http://127.0.0.1:1/x", "NCBI_EMAIL": "a@b"})
    assert (c.base_url, c.email) == ("http://127.0.0.1:1/x/", "a@b")
    assert default_cache_dir({"XDG_CACHE_HOME": "/c"}) == Path("/c/citegraph")
    assert default_cache_dir({"HOME": "/h"}).name == "citegraph"

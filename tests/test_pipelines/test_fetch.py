"""The crawl (fetch_graph) and ECitMatch reference resolution, run with the real client
against the 127.0.0.1 server replaying recorded NCBI responses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from graph.errors import FetchError
from graph.model import Identifiers, Reference
from pipelines.cache import ResponseCache
from pipelines.eutils import EutilsClient, RateLimiter
from pipelines.fetch import Link, classify_seed, fetch_graph, pmids_in_xml, resolve_references
from pipelines.references import parse_reference
from tests.test_pipelines.ncbi_replay import FIXTURES, ReplayServer
from tests.test_pipelines.test_eutils import CITED_BY_1234567

REPO = Path(__file__).resolve().parents[2]
SEED_PAGE = REPO / "data" / "pubmed-page-wjsc-2025-106856.txt"
FRONT_PHARMACOL_DOI = "10.3389/fphar.2018.00576"  # PMID 29915538 in its recorded record


def reference_pmids(pmid: str) -> list[str]:
    """The PMIDs of the ReferenceList in a recorded efetch record, in order."""
    root = etree.fromstring((FIXTURES / f"efetch_{pmid}.xml").read_bytes())
    return [
        el.text
        for el in root.iterfind(".//ReferenceList/Reference/ArticleIdList/ArticleId")
        if el.get("IdType") == "pubmed" and el.text
    ]


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as srv:
        yield srv


def client_for(server: ReplayServer, **kw: object) -> EutilsClient:
    opts: dict[str, object] = {
        "base_url": server.url,
        "env": {},
        "rate_limiter": RateLimiter(1000),
        "backoff_base": 0.01,
        "retries": 1,
    }
    opts.update(kw)
    return EutilsClient(**opts)  # type: ignore[arg-type]


def endpoints(server: ReplayServer) -> list[str]:
    return [s.path.rsplit("/", 1)[1].split(".")[0] for s in server.requests()]


def test_depth_1_cited_by_builds_the_recorded_links(server: ReplayServer) -> None:
    result = fetch_graph(client_for(server), ["1234567"], direction="cited-by", depth=1)
    assert endpoints(server) == ["efetch", "elink", "efetch"]
    assert result.seeds == {"1234567": ["1234567"]}
    assert result.batches[0] == (FIXTURES / "efetch_1234567.xml").read_bytes()
    assert result.pmids == ["1234567"]
    assert result.links == [
        Link(p, "1234567", "elink", "pubmed_pubmed_citedin") for p in CITED_BY_1234567
    ]
    # the citing articles were asked for; the replay holds no record of them
    assert server.requests()[2].get("id") == [",".join(CITED_BY_1234567)]
    assert result.unknown == CITED_BY_1234567
    assert result.complete


def test_depth_1_refs_from_a_doi_within_max_articles(server: ReplayServer) -> None:
    refs = reference_pmids("29915538")
    assert len(refs) == 42 and refs[0] == "29246950"
    result = fetch_graph(
        client_for(server), [FRONT_PHARMACOL_DOI], direction="refs", depth=1, max_articles=10
    )
    assert endpoints(server) == ["esearch", "efetch", "elink", "efetch"]
    assert server.requests()[0].get("term") == [f'"{FRONT_PHARMACOL_DOI}"[doi]']
    assert result.seeds == {FRONT_PHARMACOL_DOI: ["29915538"]}
    assert result.pmids == ["29915538"]
    assert result.links == [Link("29915538", r, "elink", "pubmed_pubmed_refs") for r in refs]
    assert server.requests()[3].get("id") == [",".join(refs[:9])]  # seed + 9 = 10
    assert result.not_fetched == refs[9:]
    assert not result.complete


def test_both_directions_merge_seeds_and_report_unknown_ids(server: ReplayServer) -> None:
    seeds = ["1234567", "PMID: 29915538", "23121403", "99999999", "10.1000/not-in-pubmed"]
    result = fetch_graph(client_for(server), seeds, direction="both", depth=1, max_articles=4)
    assert result.pmids == ["1234567", "29915538", "23121403"]
    assert result.seeds["99999999"] == ["99999999"]
    assert result.seeds["10.1000/not-in-pubmed"] == []
    assert result.unknown == ["10.1000/not-in-pubmed", "99999999"]
    by_name = {
        name: [(lk.citing, lk.cited) for lk in result.links if lk.linkname == name]
        for name in ("pubmed_pubmed_refs", "pubmed_pubmed_citedin")
    }
    assert by_name["pubmed_pubmed_refs"] == [("29915538", r) for r in reference_pmids("29915538")]
    assert by_name["pubmed_pubmed_citedin"] == [(p, "1234567") for p in CITED_BY_1234567]
    elinks = [s for s in server.requests() if s.path.endswith("elink.fcgi")]
    assert [s.get("id") for s in elinks] == [["1234567", "29915538", "23121403"]] * 2
    assert len(result.not_fetched) == 42 + 8  # the seeds filled the bound of 4


def test_depth_0_fetches_only_the_seeds(server: ReplayServer) -> None:
    result = fetch_graph(client_for(server), ["1234567", "29915538"], depth=0)
    assert endpoints(server) == ["efetch"]
    assert result.pmids == ["1234567", "29915538"] and result.links == []


def test_a_query_seed_is_searched(server: ReplayServer) -> None:
    result = fetch_graph(client_for(server), ["hart rk[author]"], depth=0)
    assert endpoints(server) == ["esearch", "efetch"]
    assert len(result.seeds["hart rk[author]"]) == 34
    assert server.requests()[1].get("id")[0].split(",")[:2] == ["40455089", "40211185"]


def test_a_rerun_makes_zero_requests_and_offline_reports_what_is_missing(
    server: ReplayServer, tmp_path: Path
) -> None:
    def run(offline: bool = False) -> object:
        return fetch_graph(
            client_for(server, cache=ResponseCache(tmp_path, offline=offline)),
            ["1234567"],
            direction="cited-by",
        )

    first = run()
    n = len(server.requests())
    assert run() == first and len(server.requests()) == n
    assert run(offline=True) == first and len(server.requests()) == n

    offline = client_for(server, cache=ResponseCache(tmp_path, offline=True))
    result = fetch_graph(offline, ["1234567", "29915538"], direction="both")
    assert len(server.requests()) == n
    assert result.cache_misses == [
        "efetch id=1234567,29915538",
    ]
    assert not result.complete and result.pmids == []


def test_an_interrupted_fetch_resumes_where_it_stopped(
    server: ReplayServer, tmp_path: Path
) -> None:
    server.down.add("elink.fcgi")
    with pytest.raises(FetchError, match="elink id=29915538 linkname=pubmed_pubmed_refs"):
        fetch_graph(client_for(server, cache=ResponseCache(tmp_path)), ["29915538"])
    assert endpoints(server) == ["efetch", "elink", "elink"]
    server.down.clear()
    result = fetch_graph(client_for(server, cache=ResponseCache(tmp_path)), ["29915538"])
    assert endpoints(server)[3:] == ["elink", "efetch"]  # the seed's efetch came from the cache
    assert result.pmids == ["29915538"] and len(result.links) == 42


def test_resolve_references_via_ecitmatch(server: ReplayServer) -> None:
    mann = parse_reference(
        "Mann BJ, Torian BE, Vedvick TS, Petri WA Jr. Sequence of a cysteine-rich "
        "galactose-specific lectin of Entamoeba histolytica. Proc Natl Acad Sci U S A. "
        "1991;88(8):3248-52.",
        ordinal=1,
    )
    page_lines = [
        line.strip()[3:]
        for line in SEED_PAGE.read_text(encoding="utf-8").splitlines()
        if line.strip().startswith("1. ") and " - " in line
    ]
    page_refs = [parse_reference(text, ordinal=i + 2) for i, text in enumerate(page_lines)]
    assert len(page_refs) == 5
    known = Reference(raw="x", ordinal=9, ids=Identifiers(pmid="40740535"))
    unusable = Reference(raw="Some text without fields.", ordinal=10)
    resolved = resolve_references(client_for(server), [mann, *page_refs, known, unusable])
    assert resolved == {mann: "2014248", known: "40740535"}
    (seen,) = server.requests()
    lines = [x for x in seen.get("bdata")[0].split("\r") if x]
    assert lines[0] == "proc natl acad sci u s a|1991|88|3248|mann bj|ref1|"
    assert lines[1].startswith("j pers med|2023|13|422|popoviciu ms|ref2|")
    assert len(lines) == 6  # the reference with a PMID and the one without fields: not sent


def test_pmids_in_xml_counts_records_not_cited_pmids() -> None:
    body = (FIXTURES / "efetch_29915538.xml").read_bytes()
    assert pmids_in_xml(body) == ["29915538"]
    assert pmids_in_xml((FIXTURES / "efetch_1234567.xml").read_bytes()) == ["1234567"]


@pytest.mark.parametrize(
    ("seed", "expected"),
    [
        ("1234567", ("pmid", "1234567")),
        ("PMID:29915538", ("pmid", "29915538")),
        ("doi:10.3389/fphar.2018.00576", ("doi", "10.3389/fphar.2018.00576")),
        ("https://doi.org/10.1016/S2213-8587(17)30092-X", ("doi", "10.1016/s2213-8587(17)30092-x")),
        ("stem cells AND diabetes[mh]", ("query", "stem cells AND diabetes[mh]")),
    ],
)
def test_classify_seed(seed: str, expected: tuple[str, str]) -> None:
    assert classify_seed(seed) == expected


def test_bad_arguments_are_refused(server: ReplayServer) -> None:
    with pytest.raises(ValueError, match="direction must be one of refs, cited-by, both"):
        fetch_graph(client_for(server), ["1"], direction="sideways")  # type: ignore[arg-type]
    assert server.requests() == []

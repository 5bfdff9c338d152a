"""`citegraph fetch` and `build --fetch` end to end, against the 127.0.0.1 server replaying
recorded NCBI responses (tests/test_pipelines/ncbi_replay.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from tests.test_pipelines.ncbi_replay import ReplayServer

runner = CliRunner()
DOI = "10.3389/fphar.2018.00576"  # PMID 29915538 in its recorded record
PMID_IRI = "https://identifiers.org/pubmed:29915538"


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as srv:
        yield srv


def _fetch(server: ReplayServer, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(
        app,
        ["fetch", *args, "--eutils-url", server.url, "--cache-dir", str(tmp_path / "cache"),
         "--out", str(tmp_path / "out"), "--no-html"],
        env={"NCBI_API_KEY": "secret-test-key", "NCBI_EMAIL": "", "CITEGRAPH_EUTILS_URL": ""},
    )  # fmt: skip
    return result.exit_code, result.stdout, result.stderr


def test_fetch_from_a_doi_follows_its_references(server: ReplayServer, tmp_path: Path) -> None:
    code, out, err = _fetch(server, tmp_path, DOI, "--direction", "refs", "--depth", "1")
    assert code == 0, err
    assert "Fetched 1 record in 4 requests; 42 elink citations" in out
    assert "never a complete count" in out
    assert "secret-test-key" not in out + err
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["fetch"]["seeds"] == {DOI: ["29915538"]}
    assert report["fetch"]["links"] == 42
    assert "never a complete count" in report["fetch"]["note"]
    g = nx.read_graphml(tmp_path / "out" / "citations.graphml")
    assert g.nodes[PMID_IRI]["kind"] == "article"
    assert g.nodes[PMID_IRI]["doi"] == DOI
    # 45 references in its record, 42 of them with a PMID that elink also gives
    assert g.out_degree(PMID_IRI) == 45
    provenance = {d["provenance"] for _, _, d in g.out_edges(PMID_IRI, data=True)}
    assert provenance == {"reference-list"}  # elink found nothing the reference list lacked
    first_request_count = len(server.requests())
    assert first_request_count > 0
    # a second run is answered from the cache: no request reaches the server
    code, _, err = _fetch(server, tmp_path, DOI, "--direction", "refs", "--depth", "1")
    assert code == 0, err
    assert len(server.requests()) == first_request_count
    assert "secret-test-key" not in "".join(p.name for p in (tmp_path / "cache").rglob("*"))


def test_offline_fetch_says_what_is_missing(server: ReplayServer, tmp_path: Path) -> None:
    code, _, err = _fetch(server, tmp_path, "1234567", "--offline", "--depth", "0")
    assert code == 2
    assert err.startswith(f"citegraph: error: offline, and the cache in {tmp_path / 'cache'}")
    assert "efetch" in err and "1234567" in err
    assert server.requests() == []
    # once fetched online, the same command works offline with no request
    assert _fetch(server, tmp_path, "1234567", "--depth", "0")[0] == 0
    sent = len(server.requests())
    code, out, err = _fetch(server, tmp_path, "1234567", "--offline", "--depth", "0")
    assert code == 0, err
    assert "Read 1 article from NCBI" in out
    assert len(server.requests()) == sent


def test_fetch_an_unknown_id_is_reported_not_fatal(server: ReplayServer, tmp_path: Path) -> None:
    code, out, err = _fetch(server, tmp_path, "1234567", "99999999", "--depth", "0")
    assert code == 0, err
    assert "1 unknown" in out
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["fetch"]["unknown"] == ["99999999"]
    assert report["fetch"]["seeds"] == {"1234567": ["1234567"], "99999999": ["99999999"]}
    assert report["articles"] == 1


def test_fetch_needs_something_to_start_from(tmp_path: Path) -> None:
    result = runner.invoke(app, ["fetch", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == "citegraph: error: fetch needs PMIDs, DOIs, --query or --from\n"


def test_build_fetch_sends_the_seed_page_references_to_ecitmatch(
    server: ReplayServer, tmp_path: Path
) -> None:
    """The replay holds no recording for the seed's DOI or its references (NCBI is not
    reachable here), so this checks the requests made and that nothing is invented."""
    from tests.conftest import SEED, SEED_DOI

    result = runner.invoke(
        app,
        ["build", str(SEED), "--fetch", "--eutils-url", server.url, "--cache-dir",
         str(tmp_path / "cache"), "--out", str(tmp_path / "out"), "--no-html"],
        env={"NCBI_API_KEY": "", "NCBI_EMAIL": "", "CITEGRAPH_EUTILS_URL": ""},
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    ecitmatch = [r for r in server.requests() if r.path.endswith("ecitmatch.cgi")]
    assert len(ecitmatch) == 1
    bdata = ecitmatch[0].get("bdata")[0].splitlines()
    assert len(bdata) == 5
    assert bdata[0].startswith("j pers med|2023|13|422|popoviciu ms|")
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["fetch"]["references_sent"] == 5
    assert report["fetch"]["references_resolved"] == 0
    assert report["fetch"]["unknown"] == [SEED_DOI]
    assert report["articles"] == 1 and report["unresolved_works"] == 5

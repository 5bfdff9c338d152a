"""The citegraph command through typer's runner: exit codes, exact messages, then results."""

from __future__ import annotations

import json
import re
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

from graph.errors import InputError
from graph.model import Article
from pipelines.cli import app
from pipelines.readers import detect
from tests.conftest import REPO, SEED, SEED_IRI, SHARED_DATA

runner = CliRunner()


def test_build_seed_writes_every_output_and_summarises(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(SEED), "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("graph.ttl", "graph.nt", "graph.jsonld", "citations.graphml", "graph.html",
                 "report.json"):  # fmt: skip
        assert (out / name).stat().st_size > 0, name
    assert "Read 1 article from 1 file(s): 5 references, 10 keywords" in result.stdout
    assert "Graph: 6 nodes" in result.stdout
    report = json.loads((out / "report.json").read_text())
    assert report["articles"] == 1 and report["references"] == 5 and report["keywords"] == 10
    assert report["skipped"] == []
    assert not list(out.glob(".*.tmp"))


def test_build_a_directory_picks_readers_by_content(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "page-without-extension").write_bytes(SEED.read_bytes())
    result = runner.invoke(app, ["build", str(src), "--out", str(tmp_path / "o"), "--no-html"])
    assert result.exit_code == 0, result.output
    assert nx.read_graphml(tmp_path / "o" / "citations.graphml").number_of_nodes() == 6


def test_missing_file_alone_is_an_error_without_traceback(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", str(tmp_path / "nope.xml"), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.startswith("citegraph: error: nothing readable (")
    assert f"{tmp_path / 'nope.xml'}: no such file or directory" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "graph.nt").exists()


def test_missing_file_beside_good_input_builds_the_rest_and_exits_3(tmp_path: Path) -> None:
    out = tmp_path / "out"
    missing = tmp_path / "missing.txt"
    result = runner.invoke(app, ["build", str(SEED), str(missing), "--out", str(out)])
    assert result.exit_code == 3
    assert f"citegraph: skipped: {missing}: no such file or directory" in result.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["articles"] == 1
    assert report["skipped"] == [
        {"file": str(missing), "reason": "no such file or directory", "record": None, "line": None}
    ]


def test_directory_with_nothing_readable(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("shopping list: milk, eggs\n")
    (tmp_path / "empty.xml").write_text("")
    result = runner.invoke(app, ["build", str(tmp_path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "nothing readable" in result.stderr
    assert f"{tmp_path / 'empty.xml'}: empty file" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_query_named_with_param_and_formats(seed_out: Path) -> None:
    ttl = str(seed_out / "graph.ttl")
    result = runner.invoke(app, ["query", ttl, "authors", "--param", f"article={SEED_IRI}"])
    assert result.exit_code == 0, result.output
    assert "Dinesh Kumar" in result.stdout and "(1 row)" in result.stdout
    result = runner.invoke(app, ["query", ttl, "most-cited", "--format", "csv"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "work,title,year,citations,reference"
    assert len(result.stdout.splitlines()) == 6
    nt = str(seed_out / "graph.nt")
    result = runner.invoke(app, ["query", nt, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                                 "-f", "json"])  # fmt: skip
    count = json.loads(result.stdout)["results"]["bindings"][0]["n"]["value"]
    assert int(count) == len((seed_out / "graph.nt").read_text().splitlines())


def test_query_from_file_and_list(seed_out: Path, tmp_path: Path) -> None:
    rq = tmp_path / "titles.rq"
    rq.write_text("SELECT ?t WHERE { ?w a fabio:Expression ; dcterms:title ?t } ORDER BY ?t\n")
    result = runner.invoke(app, ["query", str(seed_out / "graph.ttl"), f"@{rq}", "-f", "tsv"])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 6
    listing = runner.invoke(app, ["query", "--list"])
    assert listing.exit_code == 0
    assert re.search(r"^citing\n    The works in the graph that cite", listing.stdout, re.M)
    assert "--param work=<iri>  (required)" in listing.stdout


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT * WHERE { SERVICE <http://example.org/s> { ?s ?p ?o } }",
         "citegraph: error: SERVICE queries reach other servers and are refused"),
        ("LOAD <http://example.org/x.ttl>", "citegraph: error: LOAD is refused"),
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "citegraph: error: updates are refused"),
        ("citing", "citegraph: error: query 'citing' needs --param work=..."),
    ],
)  # fmt: skip
def test_refused_queries_exit_2_with_a_message(seed_out: Path, query: str, message: str) -> None:
    result = runner.invoke(app, ["query", str(seed_out / "graph.ttl"), query])
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert "Traceback" not in result.output


def test_query_on_a_broken_rdf_file_names_it(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("<urn:a> <urn:b> .\n")
    result = runner.invoke(app, ["query", str(bad), "keywords"])
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"citegraph: error: {bad}: not valid Turtle: Parser error at line 1 column 17"
    )


def test_render_and_export_from_rdf(seed_out: Path, tmp_path: Path) -> None:
    html = tmp_path / "view.html"
    result = runner.invoke(app, ["render", str(seed_out / "graph.ttl"), "--out", str(html)])
    assert result.exit_code == 0, result.output
    assert html.stat().st_size > 10_000
    gexf = tmp_path / "g.gexf"
    result = runner.invoke(
        app, ["export", str(seed_out / "graph.nt"), "--format", "gexf", "--out", str(gexf)]
    )
    assert result.exit_code == 0, result.output
    g = nx.read_gexf(gexf)
    assert g.number_of_nodes() == 6 and g.number_of_edges() == 5
    bad = runner.invoke(app, ["export", str(seed_out / "graph.nt"), "-f", "pdf", "-o", "x"])
    assert bad.exit_code == 2
    assert "unknown export format 'pdf'" in bad.stderr


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text()
    for command in ("build", "fetch", "query", "render", "export", "formats", "reference parse"):
        result = runner.invoke(app, [*command.split(), "--help"])
        assert result.exit_code == 0
        assert f"citegraph {command}" in readme, command


def test_a_bad_record_is_reported_and_the_good_ones_are_built(tmp_path: Path) -> None:
    """The real 4-record export with the PMID line of record 2 removed."""
    from tests.conftest import FIXTURES

    lines = (
        (FIXTURES / "pubmed_abstract_text_export__literature_networks_excerpt.txt")
        .read_text(encoding="utf-8")
        .splitlines(keepends=True)
    )
    pmid_lines = [i for i, line in enumerate(lines) if line.startswith("PMID:")]
    del lines[pmid_lines[1]]
    damaged = tmp_path / "export.txt"
    damaged.write_text("".join(lines), encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(damaged), "--out", str(out), "--no-html"])
    assert result.exit_code == 3
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("citegraph: skipped:")]
    assert re.match(rf"citegraph: skipped: {re.escape(str(damaged))}: record 2, line \d+: ", line)
    report = json.loads((out / "report.json").read_text())
    assert report["articles"] == 3 and len(report["skipped"]) == 1
    assert report["skipped"][0]["record"] == 2


def test_a_download_cut_short_keeps_the_records_before_the_cut(tmp_path: Path) -> None:
    """The first 5 kB of a real PubMed baseline excerpt (.xml.gz; a download cut short):
    its format is still recognised, the records that end before the cut are built, and
    the cut is reported with the record it fell in; exit 3."""
    from tests.conftest import FIXTURES

    cut = tmp_path / "pubmed.xml.gz"
    cut.write_bytes((FIXTURES / "store" / "pubmed20n0014_refs_a.xml.gz").read_bytes()[:5_000])
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(cut), "--out", str(out), "--no-html"])
    assert result.exit_code == 3, result.output
    report = json.loads((out / "report.json").read_text())
    assert report["articles"] >= 2 and len(report["skipped"]) == 1
    assert report["skipped"][0]["record"] == report["articles"] + 1
    assert f"citegraph: skipped: {cut}: record {report['articles'] + 1}: cannot read on: " in (
        result.stderr
    )


def test_reference_parse_reads_stdin_and_writes_json_lines() -> None:
    seed_refs = [
        line.split("1. ", 1)[1]
        for line in SEED.read_text(encoding="utf-8").splitlines()
        if line.strip().startswith("1. ")
    ]
    assert len(seed_refs) == 5
    result = runner.invoke(app, ["reference", "parse"], input="\n".join(seed_refs) + "\n")
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(rows) == 5
    assert rows[0]["authors"][:2] == ["Popoviciu MS", "Kaka N"]
    assert rows[0]["journal"] == "J Pers Med" and rows[0]["year"] == 2023
    assert rows[0]["volume"] == "13" and rows[0]["pages"] == "422"
    assert rows[1]["pages"] == "6152-6164.e18"


@pytest.mark.skipif(not (SHARED_DATA / "pmc_jats").exists(), reason="needs ../shared/data")
def test_every_shared_structured_file_builds_or_is_reported(tmp_path: Path) -> None:
    """Issue 3: every file of pubmed_xml/, medline_txt/ and pmc_jats/ in one run: it builds,
    or it is reported as malformed with its position; nothing crashes the run."""
    dirs = [SHARED_DATA / d for d in ("pubmed_xml", "medline_txt", "pmc_jats")]
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", *map(str, dirs), "--out", str(out), "--no-html", "-q"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 3, result.output  # JabRef's malformed files are skipped
    assert "Traceback" not in result.stderr
    report = json.loads((out / "report.json").read_text())
    files = sorted(p for d in dirs for p in d.rglob("*") if p.is_file())
    assert report["files_read"] + len({s["file"] for s in report["skipped"]
                                       if s["record"] is None}) >= len(files)  # fmt: skip
    skipped_lines = [x for x in result.stderr.splitlines() if x.startswith("citegraph: skipped:")]
    assert len(skipped_lines) == len(report["skipped"])
    for skip in report["skipped"]:
        assert Path(skip["file"]) in files, skip
        reason = skip["reason"]
        # a whole file we do not read says so; a bad record inside one says where it is
        assert (
            reason.startswith("not a format citegraph reads") or skip["line"] or skip["record"]
        ), skip
    # JabRef's deliberately malformed PubMed XML is reported with its line, not read
    (bad,) = [s for s in report["skipped"] if s["file"].endswith("TestMalformedEntry.xml")]
    assert bad["line"] and "not well-formed" in bad["reason"]
    # the good records of the same run are all in the graph: as many as the readers give
    # file by file, counted by format
    expected: dict[str, int] = {}
    for path in files:
        try:
            spec = detect(path)
            n = sum(1 for r in spec.read(path) if isinstance(r, Article) and not r.deleted)
        except InputError:
            continue
        if n:
            expected[spec.name] = expected.get(spec.name, 0) + n
    assert report["formats"] == expected
    assert report["articles"] == sum(expected.values())
    assert expected["jats"] == 23 and expected["medline"] == 201


def test_help_paragraphs_flow_to_the_terminal_width() -> None:
    """Each command's help, and the list of commands, reads as paragraphs reflowed to the
    terminal: no sentence breaks off where a line of the docstring ends."""
    listing = runner.invoke(app, ["--help"], env={"COLUMNS": "100"}, terminal_width=100)
    assert listing.exit_code == 0
    assert re.search(
        r"push +Load a store or RDF file into a SPARQL server \(Virtuoso, Fuseki", listing.output
    )
    fetch = runner.invoke(app, ["fetch", "--help"], env={"COLUMNS": "100"}, terminal_width=100)
    assert fetch.exit_code == 0
    assert "NCBI_API_KEY and NCBI_EMAIL are read from the environment" in " ".join(
        fetch.output.split()
    )
    lines = [line.strip() for line in fetch.output.splitlines()]
    assert not any(line.endswith(("NCBI_API_KEY and", "elink citations")) for line in lines)

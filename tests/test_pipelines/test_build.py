"""`build()` end to end on real inputs beyond the seed."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph import ntcut
from graph.serialize import QuadSorter, gnu_sort
from graph.sparql import iter_select
from graph.store import open_store
from pipelines.build import BuildOptions, build
from tests.conftest import FIXTURES, SHARED_DATA

EXPORT = SHARED_DATA / "webpage_text" / "literature_networks__pubmed_abstract_text_export.txt"
EXCERPT = FIXTURES / "pubmed_abstract_text_export__literature_networks_excerpt.txt"


def _pmids(store: ox.Store) -> list[str]:
    rows = iter_select(
        store, "SELECT ?p WHERE { ?a a fabio:JournalArticle ; fabio:hasPubMedId ?p }"
    )
    return sorted(str(r["p"]) for r in rows)


def test_abstract_export_excerpt_builds_every_record(tmp_path: Path) -> None:
    result = build([EXCERPT], BuildOptions(out=tmp_path, html=False))
    assert result.articles == 4 and result.skipped == []
    pmids = _pmids(open_store(tmp_path / "graph.nt"))
    assert len(pmids) == 4 and len(set(pmids)) == 4


@pytest.mark.skipif(not EXPORT.exists(), reason="needs ../shared/data (unlicensed source)")
def test_the_1422_record_export_builds_1422_articles_each_with_its_pmid(tmp_path: Path) -> None:
    result = build([EXPORT], BuildOptions(out=tmp_path, html=False))
    assert result.articles == 1422 and result.skipped == []
    expected = sorted(
        line.split()[1].strip()
        for line in EXPORT.read_text(encoding="utf-8").splitlines()
        if line.startswith("PMID:")
    )
    assert len(expected) == 1422
    assert _pmids(open_store(tmp_path / "graph.nt")) == expected
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["articles"] == 1422


def test_layers_add_authors_keywords_mesh_and_journals(tmp_path: Path) -> None:
    import collections

    import networkx as nx

    record = FIXTURES / "metapub__pmid_28731372.xml"
    layers = ("authors", "keywords", "mesh", "journals")
    result = build([record], BuildOptions(out=tmp_path, html=False, layers=layers))
    g = nx.read_graphml(tmp_path / "citations.graphml")
    kinds = collections.Counter(d["kind"] for _, d in g.nodes(data=True))
    # 34 references: 33 with ids, 1 without (parsed from its text); 6 author keywords
    assert kinds == {"article": 1, "cited": 33, "unresolved": 1, "author": 11, "mesh": 11,
                     "keyword": 6, "journal": 1}  # fmt: skip
    work = "https://identifiers.org/pubmed:28731372"
    relations = collections.Counter(d["relation"] for _, _, d in g.out_edges(work, data=True))
    assert relations == {"cites": 34, "author": 11, "subject": 17, "published-in": 1}
    assert g.nodes[work]["references"] == 34  # layer edges are not citations
    assert g.nodes["urn:issn:1352-4585"]["label"] == "Mult Scler"
    assert result.edges == g.number_of_edges()
    # without layers, the same record gives the citation graph alone
    plain = build([record], BuildOptions(out=tmp_path / "plain", html=False))
    assert plain.nodes == 35 and plain.edges == 34


def test_unknown_layer_is_refused(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pipelines.cli import app

    result = CliRunner().invoke(
        app, ["build", str(FIXTURES / "metapub__pmid_28731372.xml"), "--layers", "authors,genes",
              "--out", str(tmp_path)],
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr == (
        "citegraph: error: unknown layer(s) genes (known: authors, keywords, mesh, journals)\n"
    )


@pytest.mark.parametrize("how", ["jobs=2", "prefetch"])
def test_jobs_give_the_same_build_as_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """Files parsed in worker processes (``--jobs 2``, or one job with a big input parsed
    ahead in a worker) give the same build as parsing here, skips included."""
    import pipelines.build as build_module
    from tests.conftest import SEED

    inputs = tmp_path / "in"
    inputs.mkdir()
    for src in (
        SEED,
        FIXTURES / "metapub__pmid_28731372.xml",
        FIXTURES / "jabref__MedlineImporterTestMathML.xml",
        FIXTURES / "jabref__MedlineImporterTestMalformedEntry.xml",
        EXCERPT,
    ):
        (inputs / src.name).write_bytes(src.read_bytes())  # fmt: skip
    (inputs / "notes.txt").write_text("not a bibliographic record\n")
    # a file read to its end that holds no record (an efetch answer for no PMIDs) is read
    (inputs / "none.xml").write_text('<?xml version="1.0" ?>\n<PubmedArticleSet>\n'
                                     "</PubmedArticleSet>\n")  # fmt: skip
    one = build([inputs], BuildOptions(out=tmp_path / "one", html=False))
    if how == "prefetch":
        monkeypatch.setattr(build_module, "PREFETCH_BYTES", 0)
    two = build([inputs], BuildOptions(out=tmp_path / "two", html=False, jobs=2 if how ==
                                       "jobs=2" else 1))  # fmt: skip
    assert one.articles == two.articles == 7
    assert one.files_read == two.files_read == 6
    assert [s.message() for s in one.skipped] == [s.message() for s in two.skipped]
    assert len(one.skipped) == 2  # the malformed XML and the notes
    for name in ("graph.nt", "graph.ttl"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    reports = [json.loads((tmp_path / d / "report.json").read_text()) for d in ("one", "two")]
    for report in reports:
        report.pop("outputs")
    assert reports[0] == reports[1]


def _assert_same_files(a: Path, b: Path) -> list[str]:
    """Two build directories hold the same files, byte for byte (but report.json, which
    names its own directory); return their names."""
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for name in names:
        if name != "report.json":
            assert (a / name).read_bytes() == (b / name).read_bytes(), name
    return names


def test_big_build_path_gives_the_same_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big build writes the graph files in a forked process, Turtle and JSON-LD in two
    more, and sorts with GNU sort past one chunk: the files are the same bytes as a small
    build's, made all in this process."""
    import pipelines.build as build_module

    inputs = [FIXTURES / "store" / "pubmed20n0014_refs_a.xml.gz"]
    build(inputs, BuildOptions(out=tmp_path / "small", exports=("csv",)))
    monkeypatch.setattr(build_module, "PARALLEL_SERIALISE_TRIPLES", 0)
    monkeypatch.setattr(build_module, "PREFETCH_BYTES", 0)
    monkeypatch.setattr(build_module, "QuadSorter", lambda: QuadSorter(chunk_lines=1000))
    result = build(inputs, BuildOptions(out=tmp_path / "big", exports=("csv",)))
    assert result.triples > 10_000 and result.nodes > 1000
    names = _assert_same_files(tmp_path / "small", tmp_path / "big")
    assert "nodes.csv" in names and "graph.html" in names


def test_a_failing_graph_export_in_the_forked_process_fails_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipelines.build as build_module
    from graph.errors import ExportError

    def broken(*args: object, **kwargs: object) -> None:
        raise ExportError("cannot write the view")

    monkeypatch.setattr(build_module, "PARALLEL_SERIALISE_TRIPLES", 0)
    monkeypatch.setattr("graph.render.write_html", broken)
    with pytest.raises(ExportError, match="cannot write the view"):
        build([FIXTURES / "store" / "pubmed20n0014_refs_a.xml.gz"], BuildOptions(out=tmp_path))
    assert not (tmp_path / "report.json").exists()
    assert not list(tmp_path.glob(".*tmp*"))


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU affinity here")
def test_on_one_cpu_a_big_build_runs_in_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pinned to one CPU (as taskset or a one-CPU container does), a build big enough for
    the parse worker and the forked writers uses neither: they would only take turns with
    this process. The files are the same bytes as the build made with them."""
    import pipelines.build as build_module
    import pipelines.parallel

    inputs = [FIXTURES / "store" / "pubmed20n0014_refs_a.xml.gz"]
    monkeypatch.setattr(build_module, "PARALLEL_SERIALISE_TRIPLES", 0)
    monkeypatch.setattr(build_module, "PREFETCH_BYTES", 0)
    cpus = os.sched_getaffinity(0)
    if len(cpus) > 1:  # the big path itself, for the bytes to compare with
        build(inputs, BuildOptions(out=tmp_path / "two", exports=("csv",)))

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("a helper process was started on one CPU")

    monkeypatch.setattr(pipelines.parallel, "read_in_parallel", refused)
    monkeypatch.setattr(build_module, "_serialise_in_parallel", refused)
    monkeypatch.setattr(build_module, "_graph_files_child", refused)
    os.sched_setaffinity(0, {min(cpus)})
    try:
        assert build_module.usable_cpus() == 1
        result = build(inputs, BuildOptions(out=tmp_path / "one", exports=("csv",)))
    finally:
        os.sched_setaffinity(0, cpus)
    assert result.articles == 120 and result.triples > 10_000  # (the fixture's 120 records)
    if len(cpus) > 1:
        _assert_same_files(tmp_path / "two", tmp_path / "one")


REFS_A = FIXTURES / "store" / "pubmed20n0014_refs_a.xml.gz"


def _big_build(monkeypatch: pytest.MonkeyPatch, *, native: bool) -> list[Path]:
    """Make the next builds take the path of a big build on two cores: GNU sort (small
    chunks), graph files forked, and Turtle written by graph.ntcut with graph.nt (``native``)
    or else followed as graph.nt is written. Returns the list that collects the files the
    Turtle writer followed."""
    import pipelines.build as build_module

    followed: list[Path] = []
    start = build_module._TurtleFollower.start

    def spy(self: object, nt: Path) -> None:
        followed.append(nt)
        start(self, nt)  # type: ignore[arg-type]

    monkeypatch.setattr(build_module, "QuadSorter",
                        lambda: QuadSorter(chunk_lines=500, native=native))  # fmt: skip
    monkeypatch.setattr(build_module, "PARALLEL_SERIALISE_TRIPLES", 0)
    monkeypatch.setattr(build_module, "usable_cpus", lambda: 2)
    monkeypatch.setattr(build_module._TurtleFollower, "start", spy)
    return followed


@pytest.mark.parametrize("native", [True, False], ids=["graph.ntcut", "followed"])
def test_turtle_written_with_graph_nt_is_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, native: bool
) -> None:
    """A big build writes graph.ttl in the pass that writes graph.nt, in C (graph.ntcut), or
    without it in a forked process that reads graph.nt while awk is still writing it: the
    same files as a small build, which writes Turtle with Oxigraph after graph.nt."""
    one_by_one = build([REFS_A], BuildOptions(out=tmp_path / "serial", html=False))
    followed = _big_build(monkeypatch, native=native)
    result = build([REFS_A], BuildOptions(out=tmp_path / "big", html=False))
    if native:
        assert followed == [] and ntcut.native()
    else:
        assert len(followed) == 1 and followed[0].name.startswith(".graph.nt")
    assert result.triples == one_by_one.triples > 10_000
    for name in ("graph.nt", "graph.ttl", "graph.jsonld", "citations.graphml"):
        assert (tmp_path / "big" / name).read_bytes() == (tmp_path / "serial" / name).read_bytes()
    assert sorted(p.name for p in (tmp_path / "big").iterdir()) == sorted(
        p.name for p in (tmp_path / "serial").iterdir()
    )  # no temporary file left beside them


@pytest.mark.skipif(gnu_sort() is None, reason="the helper after GNU sort is what fails here")
def test_a_failing_cut_stops_a_big_build_with_nothing_half_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The program that cuts the sorted quads dies early while forked processes (the graph
    files, the Turtle writer) still hold the sort's output pipe open: the build raises
    instead of waiting for ever on the sort, the Turtle writer is stopped, and neither
    graph.nt nor graph.ttl is left, whole or in part."""
    import multiprocessing

    import graph.serialize as serialize

    followed = _big_build(monkeypatch, native=False)
    dies = [["sh", "-c", "head -c 1000 > /dev/null; exit 3"]]
    monkeypatch.setattr(serialize, "_cutter", lambda dropping: dies)
    out = tmp_path / "out"

    def hung(signum: int, frame: object) -> None:
        raise TimeoutError("the build waits for ever on the sort")

    before = signal.signal(signal.SIGALRM, hung)
    signal.alarm(120)
    try:
        with pytest.raises(OSError, match=r"sort \| sh failed \(exits \(-9, 3\)\)"):
            build([REFS_A], BuildOptions(out=out, html=False))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)
    assert len(followed) == 1
    assert not [p.name for p in out.iterdir() if "graph.nt" in p.name or "graph.ttl" in p.name]
    assert multiprocessing.active_children() == []


@pytest.mark.skipif(gnu_sort() is None, reason="graph.ntcut reads GNU sort's output")
def test_a_disk_full_in_the_c_cut_stops_a_big_build_with_nothing_half_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """graph.ntcut's writes fail (its N-Triples go to /dev/full: "No space left on device")
    while the sort still has lines to give and a forked process writes the graph files:
    the build raises that error, the sort is stopped, and neither graph.nt nor graph.ttl is
    left, whole or in part."""
    import errno
    import multiprocessing

    _big_build(monkeypatch, native=True)
    real = ntcut.cut_sorted
    full = os.open("/dev/full", os.O_WRONLY)
    sorting: list[list[str]] = []

    def to_a_full_disk(source: int, ntriples: int, turtle: int = -1, drop: object = ()) -> int:
        sorting.append(_child_programs())
        return real(source, full, turtle, drop)  # type: ignore[arg-type]

    monkeypatch.setattr(ntcut, "cut_sorted", to_a_full_disk)
    out = tmp_path / "out"
    try:
        with pytest.raises(OSError) as raised:
            build([REFS_A], BuildOptions(out=out, html=False))
    finally:
        os.close(full)
    assert raised.value.errno == errno.ENOSPC
    assert not [p.name for p in out.iterdir() if "graph.nt" in p.name or "graph.ttl" in p.name]
    assert multiprocessing.active_children() == []
    assert "sort" in sorting[0] and "sort" not in _child_programs()


def _child_programs() -> list[str]:
    """The names of this process's child processes (from /proc), zombies included."""
    names = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            name, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :]
            if int(rest.split()[1]) == os.getpid():
                names.append(name)
    return names

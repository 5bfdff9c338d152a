"""``build(inputs, options) -> BuildResult``: the one function the CLI calls to build.

Records stream from the readers one at a time into three sinks: the triple sorter (RDF
files), the citation-graph builder (NetworkX, exports, HTML) and the counters of the report.
A bad record or file is collected as a :class:`Skip` and the run goes on; only when nothing
at all could be read does :func:`build` raise.

Example:
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> result = build([pathlib.Path("data/pubmed-page-wjsc-2025-106856.txt")],
    ...                BuildOptions(out=out, html=False))
    >>> result.articles, result.references
    (1, 5)
"""

from __future__ import annotations

import contextlib
import copy
import gc
import itertools
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Literal

import networkx as nx

from graph.atomic import atomic_write
from graph.errors import ExportError, InputError, MalformedRecordError
from graph.export import export
from graph.model import Article, Identifiers, Source, with_source
from graph.network import CitationGraphBuilder, add_metrics, merge_nodes
from graph.rdf import Triple, article_triples, iri, link_triples, literal
from graph.serialize import (
    GrowingFile,
    QuadSorter,
    join_jsonld,
    join_turtle,
    jsonld_piece,
    subject_cuts,
    turtle_following,
    turtle_piece,
    write_jsonld,
    write_ntriple_blocks,
    write_turtle,
)
from graph.vocab import (
    CITEGRAPH,
    RDF,
    SCHEMA,
    XSD,
    mint_uuid,
    source_iri,
    unresolved_iri,
)
from pipelines.identity import IdentityMap, TitleMatcher
from pipelines.readers import RecordResult, detect

__all__ = [
    "BuildOptions",
    "BuildResult",
    "Builder",
    "Skip",
    "build",
    "iter_input_files",
    "usable_cpus",
]

_SAMEAS = iri(str(SCHEMA.sameAs))
_TYPE = iri(str(RDF.type))
_UNRESOLVED = iri(str(CITEGRAPH.Unresolved))
_MATCH_METHOD = iri(str(CITEGRAPH.matchMethod))
_MATCH_SCORE = iri(str(CITEGRAPH.matchScore))
_DECIMAL = str(XSD.decimal)


@dataclass(frozen=True)
class BuildOptions:
    """What to build and where.

    ``out`` receives ``graph.nt``, ``graph.ttl``, ``graph.jsonld``, ``citations.graphml``,
    ``graph.html`` and ``report.json``; ``exports`` names extra graph exports (see
    :mod:`graph.export`); ``layers`` adds author, keyword, MeSH or journal nodes to the graph
    (see :data:`graph.network.LAYERS`); ``on_record`` is called once per record read;
    ``store`` names an on-disk store that the build is loaded into (it implies ``nquads``; see
    :mod:`pipelines.storebuild`).
    """

    out: Path
    html: bool = True
    jsonld: bool = True
    nquads: bool = False
    exports: tuple[str, ...] = ()
    max_nodes: int = 2000
    size_by: Literal["citations", "pagerank"] = "citations"
    layers: tuple[str, ...] = ()
    jobs: int = 1
    title: str | None = None
    on_record: Callable[[int], None] | None = None
    store: Path | None = None


@dataclass(frozen=True)
class Skip:
    """One input (file or record) that was not built, and why."""

    file: str
    reason: str
    record: int | str | None = None
    line: int | None = None

    def message(self) -> str:
        """One line for stderr: ``file: record N, line L: reason``."""
        return str(InputError(self.reason, file=self.file, record=self.record, line=self.line))


@dataclass
class BuildResult:
    """Counts and files of one build."""

    inputs: list[str] = field(default_factory=list)
    files_read: int = 0
    articles: int = 0
    references: int = 0
    keywords: int = 0
    distinct_keywords: int = 0
    mesh_headings: int = 0
    triples: int = 0
    nodes: int = 0
    edges: int = 0
    cited_works: int = 0
    unresolved_works: int = 0
    merged_ids: int = 0
    title_matches: int = 0
    links: int = 0
    superseded: int = 0
    fetch: dict[str, Any] | None = None
    store: dict[str, Any] | None = None
    deleted: list[str] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    formats: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    graph: nx.DiGraph[str] | None = None

    def report(self) -> dict[str, Any]:
        """The content of ``report.json`` (no timings: the report is reproducible)."""
        # Field by field: asdict() would deep-copy the citation graph only to drop it (about
        # 3 s on a 30,000-article build).
        data = {
            f.name: copy.deepcopy(getattr(self, f.name))
            for f in fields(self)
            if f.name not in ("graph", "seconds", "skipped")
        }
        data["skipped"] = [asdict(s) for s in self.skipped]
        return data


def iter_input_files(inputs: Iterable[Path]) -> Iterator[tuple[Path, str] | Skip]:
    """Expand inputs: files as given, directories recursively (sorted, hidden names skipped).

    Each file comes with its label: its path relative to the directory given, or its name
    when the file itself was given. Labels name the source records in the RDF, so output
    does not depend on where the input lies. A missing path is yielded as a :class:`Skip`.

    Example:
        >>> next(iter_input_files([Path("data")]))
        (PosixPath('data/pubmed-page-wjsc-2025-106856.txt'), 'pubmed-page-wjsc-2025-106856.txt')
    """
    for path in inputs:
        if path.is_dir():
            found = False
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path)
                if child.is_file() and not any(p.startswith(".") for p in rel.parts):
                    found = True
                    yield child, rel.as_posix()
            if not found:
                yield Skip(str(path), "directory holds no files")
        elif path.exists():
            yield path, path.name
        else:
            yield Skip(str(path), "no such file or directory")


def _records(path: Path) -> Iterator[RecordResult]:
    spec = detect(path)
    yield from spec.read(path)


class Builder:
    """Accumulates records into the triple sorter, the citation graph and the counts.

    :func:`build` feeds it files; other pipelines (fetching) feed it records directly.

    Example:
        >>> import tempfile, pathlib
        >>> from graph.model import Article, Identifiers
        >>> b = Builder()
        >>> b.add_article(Article(ids=Identifiers(pmid="1"), title="T"))
        >>> b.finish(BuildOptions(out=pathlib.Path(tempfile.mkdtemp()), html=False)).articles
        1
    """

    def __init__(self, layers: Iterable[str] = ()) -> None:
        self.result = BuildResult()
        self.identity = IdentityMap()
        self.sorter = QuadSorter()
        self.graph = CitationGraphBuilder(self.identity.keyer, layers)
        self._keywords: set[str] = set()
        self._graphs_of_pmid: dict[str, list[str]] = {}
        self.titles = TitleMatcher()
        self._dropped: set[str] = set()
        self._labels: set[str] = set()

    def add_article(self, article: Article) -> None:
        """Add one article record (a later record of the same PMID replaces earlier ones;
        a deleted-citation record removes them)."""
        if article.deleted:
            self._delete(article)
            return
        graph = self._graph_name(article)
        replace = False
        if article.ids.pmid:
            earlier = self._graphs_of_pmid.setdefault(article.ids.pmid, [])
            if earlier:
                self._dropped.update(earlier)
                self.result.superseded += len(earlier)
                replace = True
            earlier.append(graph)
        self.identity.add(article.ids)
        for ref in article.references:
            self.identity.add(ref.ids)
        self.sorter.add_all(article_triples(article, self.identity.keyer), graph)
        self._index_titles(article)
        self.graph.add(article, replace=replace)
        r = self.result
        r.articles += 1
        fmt = article.source.format if article.source is not None else "records"
        r.formats[fmt] = r.formats.get(fmt, 0) + 1
        r.references += len(article.references)
        r.keywords += len(article.keywords)
        r.mesh_headings += len(article.mesh)
        self._keywords.update(k.text.casefold() for k in article.keywords)

    def _graph_name(self, article: Article) -> str:
        if article.source is not None:
            return f"<{source_iri(article.source)}>"
        return f"<{mint_uuid('source', f'unsourced|{self.result.articles + 1}')}>"

    def _delete(self, article: Article) -> None:
        pmid = article.ids.pmid
        if not pmid:
            return
        self.result.deleted.append(pmid)
        earlier = self._graphs_of_pmid.pop(pmid, [])
        self._dropped.update(earlier)
        if earlier:
            self.graph.remove(article.ids)

    def _index_titles(self, article: Article) -> None:
        work = self.identity.keyer(article.ids)
        if work is not None:
            first = article.authors[0].name if article.authors else None
            self.titles.add_work(str(work), article.title, article.year, first)
        for ref in article.references:
            if ref.ids.is_empty():
                first = ref.authors[0] if ref.authors else None
                self.titles.add_unresolved(str(unresolved_iri(ref)), ref.title, ref.year, first)

    def _match_titles(self) -> dict[str, str]:
        """Fuzzy matches of unresolved cited works to input works, with their provenance
        (method and score) written on the work."""
        matches = self.titles.matches()
        graph = f"<{mint_uuid('source', 'links|title-match')}>"
        for old, (_, score) in matches.items():
            s = f"<{old}>"
            self.sorter.add((s, _MATCH_METHOD, literal(TitleMatcher.METHOD)), graph)
            self.sorter.add((s, _MATCH_SCORE, literal(f"{score:.3f}", datatype=_DECIMAL)), graph)
            if old in self.graph.graph:
                self.graph.graph.nodes[old]["merged_by"] = TitleMatcher.METHOD
                self.graph.graph.nodes[old]["match_score"] = score
        self.result.title_matches = len(matches)
        return {old: new for old, (new, _) in matches.items()}

    def add_link(self, citing: Identifiers, cited: Identifiers, provenance: str) -> None:
        """Add a citation known from a link service such as NCBI elink (no reference entry);
        its triples go to one named graph per provenance."""
        self.identity.add(citing)
        self.identity.add(cited)
        graph = f"<{mint_uuid('source', f'links|{provenance}')}>"
        self.sorter.add_all(link_triples(citing, cited, provenance), graph)
        self.graph.add_link(citing, cited, provenance)
        self.result.links += 1

    def add_skip(self, skip: Skip) -> None:
        """Record an input that was not built."""
        self.result.skipped.append(skip)

    def read_file(self, path: Path, *, label: str | None = None) -> Iterator[Article]:
        """Yield the articles of one file without adding them; bad records and unreadable
        files become skips. ``label`` (default: the file name) names the file in the RDF.
        """
        name = self._unique_label(label or path.name)
        self.result.inputs.append(str(path))
        try:
            for record in _records(path):
                article = self._accept(record, path, name)
                if article is not None:
                    yield article
            self.result.files_read += 1
        except InputError as exc:
            self.add_skip(Skip(exc.file or str(path), exc.message, exc.record, exc.line))

    def _unique_label(self, label: str) -> str:
        """``label``, or ``label (2)``, ``(3)``... when an earlier file of this build had it
        (the same file given twice, or ``a/x.xml`` and ``b/x.xml``): the label names the
        records' graphs, and two files' records must never share one, or dropping a
        superseded record of one would drop the record at its place in the other."""
        unique, n = label, 1
        while unique in self._labels:
            n += 1
            unique = f"{label} ({n})"
        self._labels.add(unique)
        return unique

    def add_file(
        self,
        path: Path,
        on_record: Callable[[int], None] | None = None,
        *,
        label: str | None = None,
    ) -> None:
        """Read and add every record of one file (see :meth:`read_file`)."""
        for article in self.read_file(path, label=label):
            self.add_article(article)
            if on_record is not None:
                on_record(self.result.articles)

    def add_inputs(
        self,
        inputs: Iterable[Path],
        on_record: Callable[[int], None] | None = None,
        *,
        jobs: int = 1,
    ) -> None:
        """Add every file of ``inputs`` (files and directories, see :func:`iter_input_files`).

        With ``jobs`` > 1, up to that many files are parsed at once in worker processes
        (:mod:`pipelines.parallel`); records are still added in file order, so the output is
        the same as with one process. Inputs of :data:`PREFETCH_BYTES` or more are parsed
        in a worker process even with one job (one file at a time, ahead of this process,
        which turns the records into triples and the graph meanwhile): the same output,
        with parsing moved to the other core. On one CPU (see :func:`usable_cpus`) they are
        parsed here: a worker would only add the cost of sending the records over.
        """
        with _rare_collections():
            self._add_inputs(inputs, on_record, jobs)

    def _add_inputs(
        self, inputs: Iterable[Path], on_record: Callable[[int], None] | None, jobs: int
    ) -> None:
        items = list(iter_input_files(inputs))
        files = [item for item in items if not isinstance(item, Skip)]
        workers = (jobs > 1 and len(files) >= 2) or (
            _input_bytes(files) >= PREFETCH_BYTES and usable_cpus() > 1
        )
        if not workers:
            for item in items:
                if isinstance(item, Skip):
                    self.result.inputs.append(item.file)
                    self.add_skip(item)
                else:
                    self.add_file(item[0], on_record, label=item[1])
            return
        from pipelines.parallel import read_in_parallel

        files = [(path, self._unique_label(label)) for path, label in files]
        for item in items:
            if isinstance(item, Skip):
                self.result.inputs.append(item.file)
                self.add_skip(item)
        current: Path | None = None  # the file being read
        for path, label, record in read_in_parallel(files, jobs=max(1, jobs)):
            if current is None:
                current = path
                self.result.inputs.append(str(path))
            if record is None:  # the end of a file read to its end
                self.result.files_read += 1
                current = None
                continue
            if isinstance(record, InputError) and not isinstance(record, MalformedRecordError):
                self.add_skip(Skip(record.file or str(path), record.message, record.record,
                                   record.line))  # fmt: skip
                current = None  # a file that cannot be read ends with its error
                continue
            article = self._accept(record, path, label)
            if article is not None:
                self.add_article(article)
                if on_record is not None:
                    on_record(self.result.articles)

    def _accept(self, record: RecordResult, path: Path, name: str) -> Article | None:
        """A record as read: a skip for a bad one, the article relabelled for a good one."""
        if isinstance(record, MalformedRecordError):
            self.add_skip(
                Skip(record.file or str(path), record.message, record.record, record.line)
            )
            return None
        source = record.source
        if source is not None and source.file != name:
            record = with_source(record, Source(name, source.format, source.record, source.line))
        return record

    def finish(self, options: BuildOptions) -> BuildResult:
        """Resolve identities, write every output into ``options.out`` and return the result.

        Raises :class:`InputError` (and writes nothing) when no record at all was read.
        """
        with _rare_collections():
            return self._finish(options)

    def _finish(self, options: BuildOptions) -> BuildResult:
        result = self.result
        try:
            if result.articles == 0:
                reasons = "; ".join(s.message() for s in result.skipped[:3]) or "no input given"
                raise InputError(f"nothing readable ({reasons})")
            result.distinct_keywords = len(self._keywords)
            if options.store is not None:
                from pipelines.storebuild import seed_identity

                merges = self.identity.merges  # the store's id sets are not this build's
                seed_identity(self, options.store)
                self.identity.merges = merges
                options = replace(options, nquads=True)
            rewrites = self.identity.rewrites(emitted_only=True)
            result.merged_ids = self.identity.merges
            for old, new in self._match_titles().items():
                rewrites[old] = rewrites.get(new, new)
            if rewrites:
                self.sorter = self.sorter.rewritten(_rekey(rewrites))
                merge_nodes(self.graph.graph, rewrites)
            _write_outputs(self.sorter, frozenset(self._dropped), self.graph.graph, result, options)
        finally:
            self.sorter.close()
        return result


PREFETCH_BYTES = 4_000_000
"""Inputs at least this big (in bytes on disk, all files together) are parsed in a worker
process (see :meth:`Builder.add_inputs`)."""


def usable_cpus() -> int:
    """The CPUs this process may run on: its affinity mask (as ``taskset`` or a container's
    cpuset sets it) where the system has one, else the machine's count.

    Example:
        >>> usable_cpus() >= 1
        True
    """
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        return len(affinity(0))
    return os.cpu_count() or 1


def _input_bytes(files: Iterable[tuple[Path, str]]) -> int:
    total = 0
    for path, _ in files:
        with contextlib.suppress(OSError):  # an unreadable file is reported when read
            total += path.stat().st_size
    return total


def build(inputs: Iterable[Path], options: BuildOptions) -> BuildResult:
    """Read every input, write RDF, graph exports, HTML and the report into ``options.out``.

    Raises :class:`InputError` (and writes nothing) when no record at all could be read.
    """
    start = time.perf_counter()
    builder = Builder(options.layers)
    builder.add_inputs(inputs, options.on_record, jobs=options.jobs)
    result = builder.finish(options)
    result.seconds = time.perf_counter() - start
    return result


@contextlib.contextmanager
def _rare_collections() -> Iterator[None]:
    """Run the cyclic garbage collector rarely while building, then as before.

    A build makes millions of small objects that live on (the graph, the identity map) and
    almost no cycles; with the default thresholds the collector walks the growing heap
    again and again (1.5 s of a 30,000-article build, 1,850 collections; 0.1 s like this).
    Reference counting still frees everything at once, so memory does not grow.
    """
    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _rekey(rewrites: dict[str, str]) -> Callable[[Triple], Triple | None]:
    table = {f"<{k}>": f"<{v}>" for k, v in rewrites.items()}

    def rewrite(t: Triple) -> Triple | None:
        s, p, o = t
        if p == _TYPE and o == _UNRESOLVED and s in table:
            return None  # a matched work is resolved
        s = table.get(s, s)
        if p == _SAMEAS:
            return None if o == s else (s, p, o)
        return s, p, table.get(o, o)

    return rewrite


def _write_outputs(
    sorter: QuadSorter,
    dropped: frozenset[str],
    g: nx.DiGraph[str],
    result: BuildResult,
    options: BuildOptions,
) -> None:
    out = options.out
    out.mkdir(parents=True, exist_ok=True)
    nt = out / "graph.nt"
    outputs: dict[str, Path] = {"ntriples": nt}
    big = sorter.added >= PARALLEL_SERIALISE_TRIPLES and usable_cpus() > 1
    sorter.seal()
    # A big build writes the graph files (metrics, GraphML, HTML, exports: no triples
    # needed) in a forked process while this one writes graph.nt, then Turtle (in two
    # pieces) and JSON-LD from graph.nt in forked processes side by side. On one CPU
    # everything is written here, one after the other: forks would only take turns.
    graph_files = _GraphFiles(g, options, fork=big)
    outputs["turtle"] = out / "graph.ttl"
    # Turtle comes in the same pass as graph.nt (in C: graph.ntcut) after GNU sort; without
    # that extension a big build writes it in a forked process from graph.nt as it is
    # written, and a small one after it.
    inline = not options.nquads and sorter.writes_turtle
    follow = big and not options.nquads and not inline
    turtle = _TurtleFollower(out / "graph.ttl") if follow else None
    jobs: list[tuple[Literal["turtle", "jsonld"], Path]] = (
        [] if turtle or inline else [("turtle", out / "graph.ttl")]
    )
    jobs += [("jsonld", out / "graph.jsonld")] * options.jsonld
    outputs.update(jobs)
    try:
        if options.nquads:
            with atomic_write(out / "graph.nq") as nq:
                blocks = sorter.quads_and_triples(nq, drop_graphs=dropped)
                result.triples = write_ntriple_blocks(blocks, nt)
            outputs["nquads"] = out / "graph.nq"
        else:  # the triples are cut from the sorted quads in C (graphs dropped there too)
            on_open = turtle.start if turtle is not None else None
            result.triples = sorter.write_triples(
                nt,
                drop_graphs=dropped,
                on_open=on_open,
                turtle=outputs["turtle"] if inline else None,
            )
        if turtle is not None:
            turtle.written(nt.stat().st_size)
        if not big:
            for kind, path in jobs:
                _serialise_from_nt(nt, kind, path)
        elif jobs:
            _serialise_in_parallel(nt, jobs)
        if turtle is not None:
            turtle.result()
        files = graph_files.result()
    except BaseException:
        graph_files.cancel()
        if turtle is not None:
            turtle.cancel()
        raise
    _summarise_graph(g, result)
    outputs.update(files)
    result.outputs = {k: str(v) for k, v in outputs.items()}
    if options.store is not None:
        from pipelines.storebuild import load_build

        loaded = load_build(options.store, result)
        result.store = {"path": str(options.store), "quads": loaded.quads,
                        "records_loaded": loaded.record_graphs,
                        "records_replaced": loaded.replaced_graphs,
                        "records_superseded": len(loaded.superseded_graphs),
                        "records_deleted": len(loaded.deleted_graphs),
                        "works_rekeyed": len(loaded.rekeyed)}  # fmt: skip
    with atomic_write(out / "report.json") as fh:
        json.dump(result.report(), fh, indent=2, ensure_ascii=False, sort_keys=True)
        fh.write("\n")


PARALLEL_SERIALISE_TRIPLES = 200_000


def _serialise_from_nt(nt: Path, kind: str, path: Path) -> None:
    if kind == "turtle":
        write_turtle(nt, path)
        return
    with nt.open(encoding="utf-8") as fh:
        write_jsonld(fh, path)


SERIALISE_PARTS = 2

_PIECES: dict[str, tuple[Callable[[Path, Path, int, int], object],
                         Callable[[list[Path], Path], None]]] = {
    "turtle": (turtle_piece, join_turtle),
    "jsonld": (jsonld_piece, join_jsonld),
}  # fmt: skip
"""The writer of one piece and the joiner of the pieces, by output."""


def _serialise_in_parallel(nt: Path, outputs: Sequence[tuple[str, Path]]) -> None:
    """The ``outputs`` (Turtle, JSON-LD: kind and path) from graph.nt in forked processes
    side by side, each in :data:`SERIALISE_PARTS` pieces cut where the subject changes and
    then joined (the same bytes as one writer: both are written subject by subject)."""
    import multiprocessing
    import shutil
    import tempfile
    from concurrent.futures import ProcessPoolExecutor

    parts_dir = Path(tempfile.mkdtemp(prefix=".graph.parts.", dir=nt.parent))
    try:
        cuts = subject_cuts(nt, SERIALISE_PARTS)
        spans = list(itertools.pairwise(cuts))
        pieces = {path: [parts_dir / f"{kind}{i}" for i in range(len(spans))]
                  for kind, path in outputs}  # fmt: skip
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(len(spans) * len(outputs), mp_context=ctx) as pool:
            pending = [
                pool.submit(_PIECES[kind][0], nt, piece, *span)
                for kind, path in outputs
                for piece, span in zip(pieces[path], spans, strict=True)
            ]
            for job in pending:
                job.result()
        for kind, path in outputs:
            _PIECES[kind][1](pieces[path], path)
    finally:
        shutil.rmtree(parts_dir, ignore_errors=True)


def _summarise_graph(g: nx.DiGraph[str], result: BuildResult) -> None:
    result.graph = g
    result.nodes = g.number_of_nodes()
    result.edges = g.number_of_edges()
    kinds = [d.get("kind") for _, d in g.nodes(data=True)]
    result.cited_works = sum(1 for k in kinds if k == "cited")
    result.unresolved_works = sum(1 for k in kinds if k == "unresolved")


def _write_graph_files(g: nx.DiGraph[str], options: BuildOptions) -> dict[str, Path]:
    add_metrics(g)
    out = options.out
    outputs: dict[str, Path] = {}
    export(g, "graphml", out / "citations.graphml")
    outputs["graphml"] = out / "citations.graphml"
    for fmt in options.exports:
        from graph.export import exporter

        exp = exporter(fmt)
        target = out / exp.default_name if exp.default_name else out
        for written in export(g, fmt, target):
            outputs[f"{exp.name}:{written.name}"] = written
    if options.html:
        from graph.render import write_html

        write_html(
            g,
            out / "graph.html",
            title=options.title or _title(g),
            max_nodes=options.max_nodes,
            size_by=options.size_by,
        )
        outputs["html"] = out / "graph.html"
    return outputs


def _graph_files_child(
    g: nx.DiGraph[str], options: BuildOptions
) -> tuple[dict[str, Path], dict[str, tuple[Any, Any, Any]]]:
    """In a forked process: write the graph files; return what was written and the metrics
    computed on the way (forked, so the graph is shared, never pickled)."""
    outputs = _write_graph_files(g, options)
    metrics = {n: (d["in_corpus_citations"], d["references"], d["pagerank"])
               for n, d in g.nodes(data=True)}  # fmt: skip
    return outputs, metrics


def _run_forked(conn: Connection, target: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        conn.send(("ok", target(*args)))
    except BaseException as exc:  # reported in the parent, which raises it
        conn.send(("error", exc))
    finally:
        conn.close()


class _Forked:
    """``target(*args)`` run in a forked process (the arguments shared, never pickled); its
    return value, or its exception, comes back through a pipe to :meth:`result`."""

    def __init__(self, what: str, target: Callable[..., Any], *args: Any) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        self._what = what
        self._conn, child = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_run_forked, args=(child, target, args))
        self._proc.start()
        child.close()

    def result(self) -> Any:
        """Wait for the process; its return value, or raise its error."""
        try:
            kind, value = self._conn.recv()
        except EOFError:
            kind, value = "error", ExportError(f"the process writing {self._what} died")
        self._proc.join()
        if kind == "error":
            raise value
        return value

    def stop(self, grace: float = 0) -> None:
        """Wait up to ``grace`` seconds for the process to end, then kill it."""
        self._proc.join(grace)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join()


class _GraphFiles:
    """The graph files written beside the RDF: in a forked process for a big build (the
    other core is otherwise idle while graph.nt is written), else here."""

    def __init__(self, g: nx.DiGraph[str], options: BuildOptions, *, fork: bool) -> None:
        self._graph = g
        self._outputs: dict[str, Path] | None = None
        self._child: _Forked | None = None
        if fork:
            self._child = _Forked("the graph files", _graph_files_child, g, options)
        else:
            self._outputs = _write_graph_files(g, options)

    def result(self) -> dict[str, Path]:
        if self._outputs is None:
            assert self._child is not None
            self._outputs, metrics = self._child.result()
            nodes = self._graph.nodes
            for n, (cited, refs, rank) in metrics.items():  # the child's, on this graph
                d = nodes[n]
                d["in_corpus_citations"], d["references"], d["pagerank"] = cited, refs, rank
        return self._outputs

    def cancel(self) -> None:
        if self._child is not None:
            self._child.stop()


def _turtle_child(growing: GrowingFile, path: Path, parents_end: Connection) -> None:
    """In a forked process: write ``path`` (Turtle) from graph.nt as it grows."""
    parents_end.close()  # (so that the size pipe ends, and the wait with it, if the parent dies)
    turtle_following(growing, path)


class _TurtleFollower:
    """graph.ttl written in a forked process while awk writes graph.nt, reading the lines
    as they come (:class:`graph.serialize.GrowingFile`), instead of after it in pieces: on
    two cores Turtle then costs no time of its own. The same bytes as :func:`write_turtle`.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._child: _Forked | None = None

    def start(self, nt: Path) -> None:
        """Start following ``nt`` (the temporary graph.nt, empty yet)."""
        import multiprocessing

        growing = GrowingFile(nt)  # opened here: graph.nt may be renamed before the child runs
        size_in, self._size_out = multiprocessing.get_context("fork").Pipe(duplex=False)
        growing.ends_at_from(size_in)
        self._child = _Forked("graph.ttl", _turtle_child, growing, self._path, self._size_out)
        size_in.close()
        growing.close()

    def written(self, size: int | None) -> None:
        """graph.nt is whole, ``size`` bytes (``None``: it was not written to its end)."""
        if self._child is not None and not self._size_out.closed:
            with contextlib.suppress(OSError):  # (a child that died is reported by result())
                self._size_out.send(size)
            self._size_out.close()

    def result(self) -> None:
        """Wait for graph.ttl; raise the child's error, if any."""
        assert self._child is not None  # (write_triples opens graph.nt before it writes)
        self._child.result()
        self._child = None

    def cancel(self) -> None:
        """Stop the writer: told that graph.nt will not be whole, it removes its temporary
        file and ends (killed only if it does not end within a minute)."""
        if self._child is not None:
            self.written(None)
            self._child.stop(grace=60)
            self._child = None


def _title(g: nx.DiGraph[str]) -> str:
    articles = [d for _, d in g.nodes(data=True) if d.get("kind") == "article"]
    if len(articles) == 1 and articles[0].get("title"):
        return f"citegraph: {articles[0]['title']}"
    return f"citegraph: {len(articles)} articles"

"""The ``citegraph`` command: a thin typer app over :mod:`pipelines.build` and :mod:`graph`.

Exit codes: 0 success; 1 unexpected internal error; 2 bad usage or input that left nothing
to do (message on stderr, no traceback); 3 built, but some input was skipped (each skip is
one line on stderr and listed in ``report.json``).

Example:
    >>> from typer.testing import CliRunner
    >>> CliRunner().invoke(app, ["--help"]).exit_code
    0
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Annotated, Any

import networkx as nx
import typer

from graph.errors import CitegraphError
from graph.export import EXPORTERS
from pipelines.cli_store import register as register_store_commands

__all__ = ["app", "main"]

app = typer.Typer(
    name="citegraph",
    help="Build knowledge graphs of scholarly literature: RDF, citation networks, HTML views.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Help paragraphs reflowed to the terminal's width (Typer's "rich" mode keeps each
    # docstring line break, so a sentence broke off in mid-line).
    rich_markup_mode="markdown",
)
reference_app = typer.Typer(help="Work with free-text references.", no_args_is_help=True)
app.add_typer(reference_app, name="reference")
register_store_commands(app)  # serve, push, store load|info (pipelines/cli_store.py)

EXIT_USAGE = 2
_EXPORT_NAMES = ", ".join(e.name for e in EXPORTERS)  # (the registry's, so help never lags)
_EXTRA_EXPORTS = ", ".join(e.name for e in EXPORTERS if e.name != "graphml")  # (always written)
EXIT_SKIPPED = 3


def _fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    typer.echo(f"citegraph: error: {message}", err=True)
    return typer.Exit(code)


def _params(values: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise _fail(f"--param wants NAME=VALUE, got {item!r}")
        out[key.strip()] = value.strip()
    return out


_NET = "Network (NCBI E-utilities)"
Layers = Annotated[
    list[str] | None,
    typer.Option(help="Add node layers to the graph: authors, keywords, mesh, journals."),
]
_FETCH_HELP = "Complete the inputs from NCBI: records, what they cite, PMIDs for references."

Direction = Annotated[
    str,
    typer.Option(help="Follow citations: refs (what they cite), cited-by, or both.",
                 rich_help_panel=_NET),
]  # fmt: skip
Depth = Annotated[int, typer.Option(help="Citation hops to follow.", rich_help_panel=_NET)]
MaxArticles = Annotated[
    int, typer.Option(help="Most records fetched in one run.", rich_help_panel=_NET)
]
EutilsUrl = Annotated[
    str | None,
    typer.Option(help="E-utilities base URL (default: $CITEGRAPH_EUTILS_URL, else NCBI's).",
                 rich_help_panel=_NET),
]  # fmt: skip
CacheDir = Annotated[
    Path | None,
    typer.Option(help="Response cache (default: ~/.cache/citegraph).", rich_help_panel=_NET),
]
Offline = Annotated[
    bool,
    typer.Option(help="Build only from the cache and say what is missing.", rich_help_panel=_NET),
]


def _build_options(
    out: Path,
    html: bool,
    export: list[str] | None,
    max_nodes: int,
    size_by: str,
    on_record: Any,
    layers: list[str] | None = None,
) -> Any:
    from graph.network import LAYERS
    from pipelines.build import BuildOptions

    if size_by not in ("citations", "pagerank"):
        raise _fail(f"--size-by must be citations or pagerank, not {size_by!r}")
    chosen = tuple(x.strip() for item in layers or [] for x in item.split(",") if x.strip())
    unknown = sorted(set(chosen) - set(LAYERS))
    if unknown:
        raise _fail(f"unknown layer(s) {', '.join(unknown)} (known: {', '.join(LAYERS)})")
    return BuildOptions(
        layers=chosen,
        out=out,
        html=html,
        exports=tuple(x for item in export or [] for x in item.split(",") if x),
        max_nodes=max_nodes,
        size_by="pagerank" if size_by == "pagerank" else "citations",
        on_record=on_record,
    )


def _summarise(result: Any, quiet: bool) -> None:
    for skip in result.skipped:
        typer.echo(f"citegraph: skipped: {skip.message()}", err=True)
    if not quiet:
        plural = "" if result.articles == 1 else "s"
        source = f"from {result.files_read} file(s)" if result.inputs else "from NCBI"
        typer.echo(
            f"Read {result.articles} article{plural} {source}: "
            f"{result.references} references, {result.keywords} keywords, "
            f"{result.mesh_headings} MeSH headings."
        )
        if result.fetch is not None:
            f = result.fetch
            typer.echo(
                f"Fetched {f['fetched']} record{'' if f['fetched'] == 1 else 's'} in "
                f"{f['requests']} requests; "
                f"{f['links']} elink citations; {f['references_resolved']} of "
                f"{f['references_sent']} references resolved by ECitMatch; "
                f"{len(f['unknown'])} unknown, {len(f['not_fetched'])} left out by "
                f"--max-articles, {len(f['cache_misses'])} missing from the cache."
            )
            typer.echo(f"Note: {f['note']}.")
        typer.echo(
            f"Graph: {result.nodes} nodes ({result.cited_works} cited works with ids, "
            f"{result.unresolved_works} unresolved), {result.edges} citations, "
            f"{result.triples} triples; {len(result.skipped)} skipped; {result.seconds:.2f} s."
        )
        if result.store is not None:
            s = result.store
            typer.echo(
                f"Store {s['path']}: {s['records_loaded']} records loaded "
                f"({s['records_replaced']} replaced, {s['records_superseded']} superseded), "
                f"{s['works_rekeyed']} works re-keyed; it holds {s['quads']} quads."
            )
        for name in sorted(result.outputs):
            typer.echo(f"  {name:<12} {result.outputs[name]}")
        if "html" in result.outputs:
            typer.echo(f"Open {result.outputs['html']} in a browser to explore the graph.")
    if result.skipped:
        raise typer.Exit(EXIT_SKIPPED)


def _run_build(
    inputs: list[Path],
    seeds: list[str],
    live: bool,
    options: Any,
    net: dict[str, Any],
) -> Any:
    """Read inputs (and fetch, when asked) into a Builder, then write everything."""
    import dataclasses
    import time

    from pipelines.build import Builder

    start = time.perf_counter()
    builder = Builder(options.layers)
    if not live:
        builder.add_inputs(inputs, options.on_record, jobs=options.jobs)
        result = builder.finish(options)
    else:
        from pipelines.build import iter_input_files
        from pipelines.cache import ResponseCache, default_cache_dir
        from pipelines.eutils import EutilsClient
        from pipelines.live import FetchOptions, fetch_into

        if net["direction"] not in ("refs", "cited-by", "both"):
            raise _fail(f"--direction must be refs, cited-by or both, not {net['direction']!r}")
        articles = []
        for item in iter_input_files(inputs):
            if isinstance(item, tuple):
                articles += list(builder.read_file(item[0], label=item[1]))
            else:
                builder.result.inputs.append(item.file)
                builder.add_skip(item)
        cache = ResponseCache(net["cache_dir"] or default_cache_dir(), offline=net["offline"])
        client = EutilsClient(base_url=net["eutils_url"], cache=cache)
        fopts = FetchOptions(
            direction=net["direction"], depth=net["depth"], max_articles=net["max_articles"]
        )
        report = fetch_into(builder, client, seeds, fopts, articles=articles)
        builder.result.fetch = dataclasses.asdict(report)
        if builder.result.articles == 0 and report.cache_misses:
            missing = "; ".join(report.cache_misses[:3])
            more = len(report.cache_misses) - 3
            raise _fail(
                f"offline, and the cache in {cache.directory} holds no answer for: {missing}"
                + (f" (and {more} more)" if more > 0 else "")
            )
        result = builder.finish(options)
    result.seconds = time.perf_counter() - start
    return result


@app.command()
def build(
    inputs: Annotated[
        list[Path], typer.Argument(help="Files or directories to read (format found by content).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path("out"),
    html: Annotated[bool, typer.Option(help="Write graph.html.")] = True,
    export: Annotated[
        list[str] | None,
        typer.Option("--export", "-e", help=f"Extra graph export: {_EXTRA_EXPORTS}."),
    ] = None,
    max_nodes: Annotated[int, typer.Option(help="Most nodes drawn in graph.html.")] = 2000,
    size_by: Annotated[
        str, typer.Option(help="Node size in graph.html: citations or pagerank.")
    ] = "citations",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    layers: Layers = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", help="Parse up to N input files at once.")
    ] = 1,
    fetch: Annotated[
        bool,
        typer.Option(
            "--fetch",
            help="Complete the inputs from NCBI: their records, what they "
            "cite, PMIDs for their references.",
            rich_help_panel=_NET,
        ),
    ] = False,
    direction: Direction = "refs",
    depth: Depth = 1,
    max_articles: MaxArticles = 500,
    eutils_url: EutilsUrl = None,
    cache_dir: CacheDir = None,
    offline: Offline = False,
    store: Annotated[
        Path | None,
        typer.Option(help="Also load the graph into this on-disk store (created when missing)."),
    ] = None,
) -> None:
    """Read articles and write their RDF, citation graph and HTML view into OUT.

    Writes graph.nt, graph.ttl and graph.jsonld (RDF), citations.graphml (the citation
    graph), graph.html and report.json."""
    from pipelines.progress import Progress

    net = {"direction": direction, "depth": depth, "max_articles": max_articles,
           "eutils_url": eutils_url, "cache_dir": cache_dir, "offline": offline}  # fmt: skip
    with Progress(enabled=not quiet and sys.stderr.isatty()) as progress:
        options = _build_options(out, html, export, max_nodes, size_by, progress.update, layers)
        options = dataclasses.replace(options, jobs=max(1, jobs), store=store)
        if store is not None and store.exists() and not store.is_dir():
            raise _fail(f"--store {store}: not a directory")
        try:
            result = _run_build(inputs, [], fetch, options, net)
        except CitegraphError as exc:
            raise _fail(str(exc)) from None
    _summarise(result, quiet)


@app.command("fetch")
def fetch_cmd(
    ids: Annotated[
        list[str] | None, typer.Argument(help="PMIDs or DOIs to start from.", show_default=False)
    ] = None,
    query: Annotated[
        list[str] | None, typer.Option("--query", help="A PubMed search to start from.")
    ] = None,
    inputs: Annotated[
        list[Path] | None,
        typer.Option("--from", help="Also start from the articles of these files."),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path("out"),
    html: Annotated[bool, typer.Option(help="Write graph.html.")] = True,
    export: Annotated[
        list[str] | None,
        typer.Option("--export", "-e", help=f"Extra graph export: {_EXTRA_EXPORTS}."),
    ] = None,
    max_nodes: Annotated[int, typer.Option(help="Most nodes drawn in graph.html.")] = 2000,
    size_by: Annotated[
        str, typer.Option(help="Node size in graph.html: citations or pagerank.")
    ] = "citations",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    layers: Layers = None,
    direction: Direction = "refs",
    depth: Depth = 1,
    max_articles: MaxArticles = 500,
    eutils_url: EutilsUrl = None,
    cache_dir: CacheDir = None,
    offline: Offline = False,
) -> None:
    """Fetch articles from PubMed (PMID, DOI or search), follow citations, build into OUT.

    Follows their citations and writes the graph into OUT like build does. NCBI_API_KEY and
    NCBI_EMAIL are read from the environment (the key is never printed).

    Example: citegraph fetch 10.3389/fphar.2018.00576 --direction refs --depth 1 --out out

    prints: "Fetched 1 record in 4 requests; 42 elink citations; ... Note: elink citations
    cover only reference lists deposited in PMC ... never a complete count." and the files
    written; a second run makes no request (cache), --offline says what is missing.
    """
    seeds = [*(ids or []), *(query or [])]
    if not seeds and not inputs:
        raise _fail("fetch needs PMIDs, DOIs, --query or --from")
    net = {"direction": direction, "depth": depth, "max_articles": max_articles,
           "eutils_url": eutils_url, "cache_dir": cache_dir, "offline": offline}  # fmt: skip
    options = _build_options(out, html, export, max_nodes, size_by, None, layers)
    try:
        result = _run_build(list(inputs or []), seeds, True, options, net)
    except CitegraphError as exc:
        raise _fail(str(exc)) from None
    _summarise(result, quiet)


@app.command()
def query(
    source: Annotated[
        str | None,
        typer.Argument(
            help="RDF file (.ttl, .nt, .nq, .jsonld), store directory, or SPARQL endpoint URL."
        ),
    ] = None,
    query_spec: Annotated[
        str | None,
        typer.Argument(metavar="QUERY", help="SPARQL text, @file.rq, or a named query."),
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="NAME=VALUE, bound as an RDF term.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv, tsv or json.")] = "table",
    limit: Annotated[int | None, typer.Option(help="Print at most this many rows.")] = None,
    list_queries: Annotated[
        bool, typer.Option("--list", help="List the named queries and their parameters.")
    ] = False,
    timeout: Annotated[
        float | None,
        typer.Option(help="Stop the query after this many seconds (killed, with a message)."),
    ] = None,
) -> None:
    """Run a SPARQL query (text, @file.rq or a named one) over a file, store or endpoint.

    SOURCE is an RDF file, a store directory or a SPARQL endpoint URL; --list shows the
    named queries."""
    from graph.sparql import format_result, load_query, named_queries, run_query
    from graph.store import open_source

    if list_queries:
        for q in named_queries():
            typer.echo(f"{q.name}\n    {q.summary}")
            for p in q.params:
                need = "required" if p.required else "optional"
                typer.echo(f"    --param {p.name}=<{p.type}>  ({need}) {p.description}")
        return
    if source is None or query_spec is None:
        raise _fail("query needs SOURCE and QUERY (or --list)")
    try:
        q = load_query(query_spec)
        store: Any = open_source(source, timeout=timeout)
        try:
            result = run_query(store, q, _params(param or []), limit=limit)
        finally:
            if hasattr(store, "close"):
                store.close()
        typer.echo(format_result(result, fmt), nl=False)
    except CitegraphError as exc:
        raise _fail(str(exc)) from None


def _load_graph(source: Path) -> nx.DiGraph[str]:
    from graph.network import add_metrics, citation_graph_from_store
    from graph.store import open_store

    return add_metrics(citation_graph_from_store(open_store(source)))


@app.command()
def render(
    source: Annotated[Path, typer.Argument(help="RDF file or store directory built by citegraph.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")] = Path(
        "graph.html"
    ),
    max_nodes: Annotated[int, typer.Option(help="Most nodes drawn; the rest are listed.")] = 2000,
    size_by: Annotated[str, typer.Option(help="Node size: citations or pagerank.")] = "citations",
    title: Annotated[str, typer.Option(help="Page title.")] = "citegraph",
) -> None:
    """Draw the citation graph of an RDF file as one self-contained, offline HTML page."""
    from graph.render import write_html

    if size_by not in ("citations", "pagerank"):
        raise _fail(f"--size-by must be citations or pagerank, not {size_by!r}")
    try:
        g = _load_graph(source)
        write_html(
            g,
            out,
            title=title,
            size_by="pagerank" if size_by == "pagerank" else "citations",
            max_nodes=max_nodes,
        )
    except CitegraphError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"Wrote {out}")


@app.command("export")
def export_cmd(
    source: Annotated[Path, typer.Argument(help="RDF file or store directory built by citegraph.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"{_EXPORT_NAMES}.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="File (or directory, for csv).")],
    network: Annotated[
        str,
        typer.Option(
            help="citation (the graph itself), co-citation (works cited together) or "
            "coupling (works citing the same works): the last two weighted, undirected."
        ),
    ] = "citation",
    min_weight: Annotated[
        int,
        typer.Option(help="Co-citation/coupling: the fewest shared citing (or cited) works."),
    ] = 2,
) -> None:
    """Export the citation graph of an RDF file for Gephi, Cytoscape, pandas or igraph.

    With --network co-citation or coupling, the network of works cited together (or
    citing the same works) instead, each link weighted by how many works it shares: the
    maps VOSviewer and bibliometrix draw."""
    from graph.cocitation import network as make_network
    from graph.export import export

    try:
        g = make_network(_load_graph(source), network, min_weight=min_weight)
        written = export(g, fmt, out)
    except CitegraphError as exc:
        raise _fail(str(exc)) from None
    for path in written:
        typer.echo(f"Wrote {path}")


@app.command()
def formats() -> None:
    """List the input formats citegraph reads and the export formats it writes."""
    from graph.export import EXPORTERS
    from pipelines.readers import readers

    typer.echo("Input formats (found by content):")
    for spec in readers():
        typer.echo(f"  {spec.name:<22} {spec.description}")
    typer.echo("Graph export formats (--export / citegraph export --format):")
    for exp in EXPORTERS:
        typer.echo(f"  {exp.name:<22} {exp.description}")


@reference_app.command("parse")
def reference_parse() -> None:
    """Parse reference strings (one per line on stdin) into JSON lines on stdout.

    Each line gives authors, title, journal, year, volume, issue, pages, doi and pmid."""
    import json

    from pipelines.references import parse_reference

    for number, line in enumerate(sys.stdin, start=1):
        text = line.strip()
        if not text:
            continue
        ref = parse_reference(text, ordinal=number)
        record = {
            "authors": list(ref.authors),
            "authors_complete": ref.authors_complete,
            "title": ref.title,
            "journal": ref.journal,
            "year": ref.year,
            "volume": ref.volume,
            "issue": ref.issue,
            "pages": ref.pages,
            "doi": ref.ids.doi,
            "pmid": ref.ids.pmid,
            "pmcid": ref.ids.pmcid,
        }
        typer.echo(json.dumps(record, ensure_ascii=False))


def main() -> None:
    """Entry point of the ``citegraph`` console script."""
    app()

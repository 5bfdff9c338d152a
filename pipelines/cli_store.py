"""The store commands of ``citegraph``: ``serve``, ``push`` and ``store load|info``.

:func:`register` adds them to the main typer app (``pipelines/cli.py`` calls it once).

Example:
    >>> from typer.testing import CliRunner
    >>> app = typer.Typer()
    >>> register(app)
    >>> CliRunner().invoke(app, ["serve", "--help"]).exit_code
    0
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from graph.errors import CitegraphError

__all__ = ["register"]

EXIT_USAGE = 2


def _fail(message: str) -> typer.Exit:
    typer.echo(f"citegraph: error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def serve(
    source: Annotated[str, typer.Argument(help="Store directory or RDF file to serve.")],
    port: Annotated[int, typer.Option(help="TCP port on 127.0.0.1 (0: any free port).")] = 8000,
    workers: Annotated[int, typer.Option(help="Query worker processes.")] = 2,
    timeout: Annotated[
        float, typer.Option(help="Seconds a query may run before it is stopped (HTTP 503).")
    ] = 30.0,
) -> None:
    """Serve a store or RDF file as a read-only SPARQL 1.1 endpoint on 127.0.0.1.

    The endpoint is http://127.0.0.1:PORT/sparql; a page to type queries at is
    http://127.0.0.1:PORT/."""
    from pipelines.serve import endpoint_url, make_server

    try:
        server = make_server(source, port=port, workers=workers, timeout=timeout)
    except CitegraphError as exc:
        raise _fail(str(exc)) from None
    except OSError as exc:
        raise _fail(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from None
    typer.echo(f"SPARQL endpoint: {endpoint_url(server)} (read-only; Ctrl-C stops it)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def push(
    source: Annotated[str, typer.Argument(help="Store directory or RDF file to send.")],
    endpoint: Annotated[
        str, typer.Option(help="SPARQL Update (or, with --protocol gsp, Graph Store) URL.")
    ],
    graph: Annotated[
        str | None,
        typer.Option(help="Put every triple into this graph (default: keep record graphs)."),
    ] = None,
    protocol: Annotated[
        str, typer.Option(help="update (SPARQL 1.1 Update) or gsp (Graph Store Protocol).")
    ] = "update",
    chunk: Annotated[int, typer.Option(help="Triples per request.")] = 500,
    replace: Annotated[
        bool, typer.Option(help="Drop each graph before its first chunk (idempotent push).")
    ] = True,
    retries: Annotated[int, typer.Option(help="Tries again after a failure.")] = 4,
    user: Annotated[
        str | None, typer.Option(help="User for HTTP Basic/Digest authentication.")
    ] = None,
) -> None:
    """Load a store or RDF file into a SPARQL server (Virtuoso, Fuseki, GraphDB, ...).

    Sends the triples in chunks, with retries. The password is read from
    $CITEGRAPH_ENDPOINT_PASSWORD."""
    from pipelines.push import push as do_push

    if protocol not in ("update", "gsp"):
        raise _fail(f"--protocol must be update or gsp, not {protocol!r}")
    if chunk < 1:
        raise _fail("--chunk must be at least 1")
    try:
        report = do_push(
            source,
            endpoint,
            graph=graph,
            protocol="gsp" if protocol == "gsp" else "update",
            chunk_size=chunk,
            replace=replace,
            retries=retries,
            user=user,
            password=os.environ.get("CITEGRAPH_ENDPOINT_PASSWORD"),
        )
    except CitegraphError as exc:
        raise _fail(str(exc)) from None
    typer.echo(
        f"Pushed {report.quads} triples in {report.graphs} graph(s) to {endpoint}: "
        f"{report.requests} requests, {report.retries} retried, {report.seconds:.1f} s."
    )


store_app = typer.Typer(help="Work with on-disk stores.", no_args_is_help=True)


@store_app.command("load")
def store_load(
    store: Annotated[Path, typer.Argument(help="Store directory (created when missing).")],
    files: Annotated[list[Path], typer.Argument(help="RDF files (graph.nq of builds).")],
) -> None:
    """Load RDF files into a store idempotently.

    A record loaded again replaces itself, works are re-keyed to their best identifier,
    older records of the same work are dropped."""
    from graph.store import create_store, update_store

    try:
        db = create_store(store)
        for f in files:
            r = update_store(db, f)
            typer.echo(
                f"{f}: {r.loaded} quads in {r.seconds:.1f} s ({r.triples_per_second():,.0f}/s); "
                f"{r.replaced_graphs} records replaced, {len(r.superseded_graphs)} superseded, "
                f"{len(r.rekeyed)} works re-keyed; the store holds {r.quads} quads."
            )
    except CitegraphError as exc:
        raise _fail(str(exc)) from None


@store_app.command("info")
def store_info(store: Annotated[Path, typer.Argument(help="Store directory.")]) -> None:
    """Print the size of a store: quads, distinct triples, record graphs, bytes on disk."""
    from graph.store import open_store, triple_count

    try:
        db = open_store(store)
    except CitegraphError as exc:
        raise _fail(str(exc)) from None
    graphs = sum(1 for _ in db.named_graphs())
    size = sum(p.stat().st_size for p in store.rglob("*") if p.is_file())
    typer.echo(
        f"{store}: {len(db)} quads, {triple_count(db)} distinct triples, {graphs} named "
        f"graphs, {size / 1e6:.1f} MB on disk"
    )


def register(app: typer.Typer) -> None:
    """Add ``serve``, ``push`` and ``store`` to ``app``."""
    app.command("serve")(serve)
    app.command("push")(push)
    app.add_typer(store_app, name="store")

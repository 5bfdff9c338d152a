"""Open a source of triples as a queryable Oxigraph store.

A source is an RDF file (format from its extension: ``.ttl``, ``.nt``, ``.nq``, ``.trig``,
``.jsonld``, ``.rdf``/``.owl``) loaded into an in-memory store, or a directory that holds an
on-disk Oxigraph store. Oxigraph (pyoxigraph) answers SPARQL one to two orders of magnitude
faster than rdflib's engine and binds query parameters natively.

Example:
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "g.nt"
    >>> _ = f.write_text('<urn:a> <urn:p> "x" .\\n')
    >>> len(open_store(f))
    1
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from graph.errors import UnreadableInputError

__all__ = ["RDF_EXTENSIONS", "open_store", "rdf_format"]

RDF_EXTENSIONS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".ntriples": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
}


def rdf_format(path: Path) -> ox.RdfFormat:
    """Return the RDF format of a file from its extension.

    Example:
        >>> rdf_format(Path("out/graph.ttl")) == ox.RdfFormat.TURTLE
        True
    """
    fmt = RDF_EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(RDF_EXTENSIONS))
        raise UnreadableInputError(
            f"cannot tell the RDF format from the extension (known: {known})", file=str(path)
        )
    return fmt


def open_store(source: Path | str) -> ox.Store:
    """Open an RDF file (in memory) or an Oxigraph store directory (on disk, read-only).

    Raises :class:`UnreadableInputError` naming the file, with the parser's line and column,
    when the file is missing or not valid RDF.
    """
    path = Path(source)
    if path.is_dir():
        try:
            return ox.Store.read_only(str(path))
        except OSError as exc:
            raise UnreadableInputError(f"not an Oxigraph store: {exc}", file=str(path)) from None
    if not path.exists():
        raise UnreadableInputError("no such file", file=str(path))
    fmt = rdf_format(path)
    store = ox.Store()
    try:
        store.bulk_load(path=str(path), format=fmt)
    except SyntaxError as exc:
        raise UnreadableInputError(f"not valid {fmt.name}: {exc}", file=str(path)) from None
    except OSError as exc:
        raise UnreadableInputError(f"cannot read: {exc}", file=str(path)) from None
    return store

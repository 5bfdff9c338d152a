"""Builds into an on-disk store: seed identity resolution from the store, then load the build.

``citegraph build INPUT... --store DIR`` is a normal build (with ``graph.nq``, the quads in
one named graph per source record) plus two steps around it:

1. :func:`seed_identity` tells the builder's identity map every set of identifiers the store
   already knows for one work, so a new record that cites a work by DOI gets the PubMed IRI
   the store already uses for it;
2. :func:`load_build` loads ``graph.nq`` into the store idempotently
   (:func:`graph.store.update_store`), dropping the records of deleted PMIDs.

Example:
    >>> import tempfile
    >>> from pipelines.build import Builder, BuildOptions
    >>> tmp = Path(tempfile.mkdtemp())
    >>> builder = Builder()
    >>> seed_identity(builder, tmp / "store")
    0
    >>> builder.add_inputs([Path("data/pubmed-page-wjsc-2025-106856.txt")])
    >>> result = builder.finish(BuildOptions(out=tmp / "out", html=False, nquads=True))
    >>> load_build(tmp / "store", result).quads > 0
    True
"""

from __future__ import annotations

from pathlib import Path

from graph.errors import InputError
from graph.store import LoadReport, create_store, store_identifiers, update_store
from pipelines.build import Builder, BuildResult

__all__ = ["load_build", "seed_identity"]


def seed_identity(builder: Builder, store_dir: Path) -> int:
    """Add to ``builder``'s identity map every identifier set the store at ``store_dir``
    knows (nothing when there is no store yet); return how many sets were added."""
    if not store_dir.exists():
        return 0
    store = create_store(store_dir)
    count = 0
    for ids in store_identifiers(store):
        builder.identity.add(ids)
        count += 1
    del store
    return count


def load_build(store_dir: Path, result: BuildResult) -> LoadReport:
    """Load the ``graph.nq`` of a finished build into the store at ``store_dir`` (created
    when missing) and drop the records of the PMIDs the build saw deleted.

    Raises :class:`InputError` when the build wrote no N-Quads (build with ``nquads=True``).
    """
    nquads = result.outputs.get("nquads")
    if not nquads:
        raise InputError("the build wrote no graph.nq (BuildOptions(nquads=True))")
    store = create_store(store_dir)
    triples = result.outputs.get("ntriples")
    return update_store(
        store,
        Path(nquads),
        triples=Path(triples) if triples else None,
        delete_pmids=result.deleted,
        lenient=True,
    )

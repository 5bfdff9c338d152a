"""Read many input files in worker processes, in order, in bounded memory (``--jobs N``).

Each file is read by a worker process that sends its records to the main process in batches
through a bounded queue; the main process takes the files in their given order, so the build
is the same as with one process (byte-identical output), while up to ``jobs`` files are
parsed at once. At most ``jobs * QUEUE_BATCHES`` batches wait in memory.

Example:
    >>> from pathlib import Path
    >>> files = [(Path("data/pubmed-page-wjsc-2025-106856.txt"), "page.txt")]
    >>> [type(r).__name__ for _, _, r in read_in_parallel(files, jobs=2)]
    ['Article', 'NoneType']
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.queues
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from graph.errors import InputError
from pipelines.readers import RecordResult, detect

__all__ = ["BATCH", "QUEUE_BATCHES", "read_in_parallel"]

BATCH = 256
QUEUE_BATCHES = 8
_DONE = "done"


def _worker(path: Path, queue: multiprocessing.queues.Queue[Any]) -> None:
    batch: list[RecordResult] = []
    try:
        for record in detect(path).read(path):
            batch.append(record)
            if len(batch) >= BATCH:
                queue.put(("records", batch))
                batch = []
        queue.put(("records", batch))
        queue.put((_DONE, None))
    except InputError as exc:
        queue.put(("records", batch))
        queue.put(("error", exc))
    except Exception as exc:  # an unexpected failure is reported, not swallowed
        queue.put(("records", batch))
        queue.put(("crash", f"{type(exc).__name__}: {exc}"))


def read_in_parallel(
    files: Sequence[tuple[Path, str]], *, jobs: int
) -> Iterator[tuple[Path, str, RecordResult | InputError | None]]:
    """Yield ``(path, label, record)`` for every record of every file, in file order, then
    ``(path, label, None)`` once the file has been read to its end (also when it held no
    record at all).

    A file that cannot be read at all yields one :class:`InputError` as its last record
    (and no ``None``).
    """
    ctx = multiprocessing.get_context("fork")
    running: list[tuple[Path, str, Any, Any]] = []
    todo = list(files)

    def start_next() -> None:
        if todo:
            path, label = todo.pop(0)
            queue = ctx.Queue(maxsize=QUEUE_BATCHES)
            proc = ctx.Process(target=_worker, args=(path, queue), daemon=True)
            proc.start()
            running.append((path, label, queue, proc))

    for _ in range(max(1, jobs)):
        start_next()
    try:
        while running:
            path, label, queue, proc = running[0]
            while True:
                kind, payload = queue.get()
                if kind == "records":
                    for record in payload:
                        yield path, label, record
                    continue
                if kind == _DONE:
                    yield path, label, None
                elif kind == "error":
                    yield path, label, payload
                elif kind == "crash":
                    raise RuntimeError(f"reading {path} failed: {payload}")
                break
            proc.join()
            running.pop(0)
            start_next()
    finally:
        for _, _, _, proc in running:
            proc.kill()
            proc.join()

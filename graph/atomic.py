"""Atomic file output: write to a temporary file beside the target, then rename.

No output file is ever left half-written: if the writer fails, the temporary file is removed
and an existing target is left as it was.

Example:
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_write(target) as fh:
    ...     _ = fh.write("hello")
    >>> target.read_text()
    'hello'
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal, overload

__all__ = ["atomic_path", "atomic_write"]


def _umask() -> int:
    """The process umask (read without changing it, where the platform allows)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    return 0o022


@contextlib.contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` on success.

    For writers that want a path rather than a handle (networkx, rdflib).

    Example:
        >>> import tempfile, pathlib
        >>> t = pathlib.Path(tempfile.mkdtemp()) / "x.bin"
        >>> with atomic_path(t) as tmp:
        ...     _ = tmp.write_bytes(b"1")
        >>> t.read_bytes()
        b'1'
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the usual mode
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


@overload
def atomic_write(
    target: Path | str, mode: Literal["w"] = "w", *, encoding: str = "utf-8"
) -> contextlib.AbstractContextManager[IO[str]]: ...
@overload
def atomic_write(
    target: Path | str, mode: Literal["wb"], *, encoding: str = "utf-8"
) -> contextlib.AbstractContextManager[IO[bytes]]: ...
def atomic_write(
    target: Path | str, mode: str = "w", *, encoding: str = "utf-8"
) -> contextlib.AbstractContextManager[IO[str]] | contextlib.AbstractContextManager[IO[bytes]]:
    """Open a temporary file beside ``target`` for writing; rename it on success.

    ``mode`` is ``"w"`` (text, UTF-8, ``\\n`` newlines) or ``"wb"``.
    """
    return _atomic_write(Path(target), mode, encoding)


@contextlib.contextmanager
def _atomic_write(target: Path, mode: str, encoding: str) -> Iterator[IO[Any]]:
    with atomic_path(target) as tmp:
        if mode == "wb":
            with tmp.open("wb") as fh:
                yield fh
        else:
            with tmp.open("w", encoding=encoding, newline="\n") as fh:
                yield fh

"""A content-addressed on-disk cache of E-utilities responses.

One entry per request: the key is the sha256 of the method, the URL path and the sorted
request parameters *without* the secret or per-user ones (``api_key``, ``tool``, ``email``),
so the key, the file name and the stored metadata never hold the API key, and a cache filled
by one user serves another. Each entry is two files under ``DIR/eutils/KK/``: ``KEY.body``
(the response bytes) and ``KEY.json`` (method, path and the kept parameters, for people
reading the cache). Both are written to a temporary file and renamed, so an interrupted run
leaves either a whole entry or none, and a rerun resumes with what was stored.

In ``offline`` mode the client serves only from the cache; a miss raises
:class:`CacheMissError`, a :class:`~graph.errors.FetchError` naming what is missing.

Example:
    >>> import tempfile, pathlib
    >>> cache = ResponseCache(pathlib.Path(tempfile.mkdtemp()))
    >>> key = cache_key("GET", "/entrez/eutils/efetch.fcgi",
    ...                 [("db", "pubmed"), ("id", "1"), ("api_key", "s3cret")])
    >>> key == cache_key("GET", "/entrez/eutils/efetch.fcgi", [("id", "1"), ("db", "pubmed")])
    True
    >>> cache.get(key) is None
    True
    >>> cache.put(key, b"<x/>", method="GET", path="/entrez/eutils/efetch.fcgi",
    ...           params=[("db", "pubmed"), ("id", "1")])
    >>> cache.get(key)
    b'<x/>'
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from graph.errors import FetchError

__all__ = [
    "SECRET_PARAMS",
    "CacheMissError",
    "ResponseCache",
    "cache_key",
    "default_cache_dir",
    "public_params",
]

SECRET_PARAMS = frozenset({"api_key", "tool", "email"})
"""Parameters that never enter a cache key, a file name or a cached file."""


def public_params(params: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Return ``params`` sorted, without ``api_key``, ``tool`` and ``email``.

    Example:
        >>> public_params([("id", "2"), ("api_key", "k"), ("db", "pubmed"), ("id", "1")])
        [('db', 'pubmed'), ('id', '1'), ('id', '2')]
    """
    return sorted((k, v) for k, v in params if k not in SECRET_PARAMS)


def cache_key(method: str, path: str, params: Iterable[tuple[str, str]]) -> str:
    """The sha256 hex digest that names one request in the cache.

    Example:
        >>> len(cache_key("GET", "/esearch.fcgi", [("term", "x")]))
        64
    """
    payload = json.dumps(
        [method.upper(), path, public_params(params)], ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """The user's cache directory for citegraph: ``$XDG_CACHE_HOME/citegraph`` or
    ``~/.cache/citegraph``.

    Example:
        >>> default_cache_dir({"XDG_CACHE_HOME": "/tmp/c"}).as_posix()
        '/tmp/c/citegraph'
    """
    env = os.environ if env is None else env
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "citegraph"


class CacheMissError(FetchError):
    """Offline mode: responses the cache does not hold.

    ``missing`` lists one description per missing request ("efetch id=1,2").

    Example:
        >>> str(CacheMissError(["efetch id=1"], cache_dir="/c"))
        'offline: 1 response(s) not in the cache /c: efetch id=1'
    """

    def __init__(self, missing: Sequence[str], *, cache_dir: str | Path) -> None:
        self.missing = list(missing)
        self.cache_dir = str(cache_dir)
        super().__init__(
            f"offline: {len(self.missing)} response(s) not in the cache {self.cache_dir}: "
            + "; ".join(self.missing)
        )


class ResponseCache:
    """Response bodies on disk, addressed by :func:`cache_key`.

    Example:
        >>> import tempfile, pathlib
        >>> c = ResponseCache(pathlib.Path(tempfile.mkdtemp()), offline=True)
        >>> c.offline, len(c)
        (True, 0)
    """

    def __init__(self, directory: Path | str, *, offline: bool = False) -> None:
        self.directory = Path(directory)
        self.offline = offline

    def _entry(self, key: str) -> Path:
        return self.directory / "eutils" / key[:2] / key

    def get(self, key: str) -> bytes | None:
        """The stored body for ``key``, or ``None``."""
        try:
            return self._entry(key).with_suffix(".body").read_bytes()
        except FileNotFoundError:
            return None

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._entry(key).with_suffix(".body").exists()

    def __len__(self) -> int:
        root = self.directory / "eutils"
        return sum(1 for _ in root.glob("*/*.body")) if root.exists() else 0

    def put(
        self,
        key: str,
        body: bytes,
        *,
        method: str,
        path: str,
        params: Iterable[tuple[str, str]],
    ) -> None:
        """Store ``body`` under ``key`` atomically (metadata first, body last).

        ``params`` are filtered through :func:`public_params` before they are written.
        """
        entry = self._entry(key)
        entry.parent.mkdir(parents=True, exist_ok=True)
        meta = {"method": method.upper(), "path": path, "params": public_params(params)}
        _atomic_bytes(
            entry.with_suffix(".json"),
            json.dumps(meta, ensure_ascii=False, indent=1).encode("utf-8"),
        )
        _atomic_bytes(entry.with_suffix(".body"), body)


def _atomic_bytes(target: Path, data: bytes) -> None:
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(name, target)
    finally:
        if os.path.exists(name):
            os.unlink(name)

"""A progress line on stderr (records, records/s), shown only when stderr is a terminal.

Example:
    >>> with Progress(enabled=False) as p:
    ...     p.update(10)
    >>> p.count
    10
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """Counts records and redraws ``records, records/s`` at most every ``interval`` seconds."""

    def __init__(
        self, *, enabled: bool, stream: TextIO | None = None, interval: float = 0.25
    ) -> None:
        self.enabled = enabled
        self.count = 0
        self._stream = stream if stream is not None else sys.stderr
        self._interval = interval
        self._start = time.perf_counter()
        self._last = 0.0

    def update(self, count: int) -> None:
        """Record that ``count`` records have been read so far."""
        self.count = count
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self._last >= self._interval:
            self._last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = max(now - self._start, 1e-9)
        rate = self.count / elapsed
        self._stream.write(f"\r{self.count:,} records  {rate:,.0f} records/s  {elapsed:.1f} s ")
        self._stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.enabled and self.count:
            self._draw(time.perf_counter())
            self._stream.write("\n")
            self._stream.flush()

"""The one exception tree of citegraph.

Every error citegraph raises on purpose derives from :class:`CitegraphError`. Errors caused
by what a user gave us (a file, a record, a query, an option) also derive from
:class:`ValueError`, and carry their context (file, record, line) so that a message can name
exactly where the problem is::

    CitegraphError
     ├── InputError (+ ValueError)          bad input: file, record, line
     │    ├── UnreadableInputError          missing, not a file we can open, not decodable
     │    ├── UnknownFormatError            no reader recognises the content
     │    └── MalformedRecordError          one record cannot be read; others go on
     ├── QueryError (+ ValueError)          a SPARQL query that cannot run
     │    ├── ForbiddenQueryError           SERVICE, LOAD, updates: refused
     │    └── UnknownQueryError             no such named query / missing parameter
     ├── ExportError (+ ValueError)         unknown export format, unwritable graph
     └── FetchError                         the network edge (NCBI) failed after retries

Example:
    >>> from graph.errors import MalformedRecordError
    >>> err = MalformedRecordError("no title", file="a.txt", record=3, line=40)
    >>> str(err)
    'a.txt: record 3, line 40: no title'
    >>> isinstance(err, ValueError)
    True
"""

from __future__ import annotations

__all__ = [
    "CitegraphError",
    "ExportError",
    "FetchError",
    "ForbiddenQueryError",
    "InputError",
    "MalformedRecordError",
    "QueryError",
    "UnknownFormatError",
    "UnknownQueryError",
    "UnreadableInputError",
]


class CitegraphError(Exception):
    """Base of every error citegraph raises on purpose.

    Example:
        >>> isinstance(CitegraphError("x"), Exception)
        True
    """


class InputError(CitegraphError, ValueError):
    """Bad input, with where it was found.

    ``file`` is the path as given, ``record`` the 1-based record number (or a record id such
    as a PMID), ``line`` the 1-based line (or ``None`` when unknown).

    Example:
        >>> str(InputError("empty file", file="x.xml"))
        'x.xml: empty file'
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        record: int | str | None = None,
        line: int | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.record = record
        self.line = line
        super().__init__(self.__str__())

    def where(self) -> str:
        """Return ``"file: record N, line L"`` with whatever parts are known.

        Example:
            >>> InputError("m", file="f", line=2).where()
            'f: line 2'
        """
        parts: list[str] = []
        if self.record is not None:
            parts.append(f"record {self.record}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        loc = ", ".join(parts)
        if self.file and loc:
            return f"{self.file}: {loc}"
        return self.file or loc

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message

    def __reduce__(self) -> tuple[object, ...]:  # picklable across processes
        return (_rebuild, (type(self), self.message, self.file, self.record, self.line))


def _rebuild(
    cls: type[InputError],
    message: str,
    file: str | None,
    record: int | str | None,
    line: int | None,
) -> InputError:
    return cls(message, file=file, record=record, line=line)


class UnreadableInputError(InputError):
    """A path that does not exist, cannot be opened, or cannot be decoded."""


class UnknownFormatError(InputError):
    """No reader recognises the content of a file."""


class MalformedRecordError(InputError):
    """One record of a file cannot be read; the other records are still processed."""


class QueryError(CitegraphError, ValueError):
    """A SPARQL query that cannot be parsed or run.

    Example:
        >>> str(QueryError("syntax error at line 1"))
        'syntax error at line 1'
    """


class ForbiddenQueryError(QueryError):
    """A query that would reach the network or change data (SERVICE, LOAD, INSERT, ...)."""


class UnknownQueryError(QueryError):
    """A named query that does not exist, or a parameter it does not take or needs."""


class ExportError(CitegraphError, ValueError):
    """An export that cannot be written (unknown format, unusable graph)."""


class FetchError(CitegraphError):
    """A request to a remote service failed after its retries (the message never holds a key)."""

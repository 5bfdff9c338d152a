"""Reading JabRef's ``.bib`` test outputs, for the agreement tests of the PubMed XML and
MEDLINE readers: entries as ``{field: value}`` (field names lower-cased, values as written,
braced values may span lines and nest braces).

Example:
    >>> text = "% Encoding: UTF-8\\n@article{,\\n  Title = {A {B} c},\\n  month = dec,\\n"
    >>> text += "  abstract = {one\\ntwo}\\n}\\n"
    >>> [(e["@type"], e["title"], e["month"], e["abstract"]) for e in parse_bib(text)]
    [('article', 'A {B} c', 'dec', 'one\\ntwo')]
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["bib_entries", "bib_family", "parse_bib"]

_ENTRY = re.compile(r"@(\w+)\s*\{[^,{}]*,?")
_NAME = re.compile(r"\s*,?\s*([\w-]+)\s*=\s*")


def _value(text: str, pos: int) -> tuple[str, int]:
    """The value starting at ``pos`` and the position after it."""
    if text[pos] == "{":
        depth = 0
        for i in range(pos, len(text)):
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
                if depth == 0:
                    return text[pos + 1 : i], i + 1
        raise ValueError(f"unclosed brace at {pos}")
    if text[pos] == '"':
        end = text.index('"', pos + 1)
        return text[pos + 1 : end], end + 1
    m = re.compile(r"[^,}\s]*").match(text, pos)
    assert m is not None
    return m.group(0), m.end()


def parse_bib(text: str) -> list[dict[str, str]]:
    """Every entry of a BibTeX text, with its type under ``"@type"``."""
    entries: list[dict[str, str]] = []
    for start in _ENTRY.finditer(text):
        entry = {"@type": start.group(1).lower()}
        pos = start.end()
        while (m := _NAME.match(text, pos)) is not None:
            value, pos = _value(text, m.end())
            entry[m.group(1).lower()] = value
        entries.append(entry)
    return entries


def bib_entries(path: Path) -> list[dict[str, str]]:
    """The entries of a ``.bib`` file."""
    return parse_bib(path.read_text(encoding="utf-8"))


def bib_family(bib_author: str) -> str:
    """The family name of one ``author`` item ("Long, Vicky" -> "Long")."""
    return bib_author.split(",")[0].strip() if "," in bib_author else bib_author.strip()

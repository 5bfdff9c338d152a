"""Accuracy and speed of ``parse_reference`` on real JATS ``mixed-citation`` strings.

Ground truth is the markup inside each ``mixed-citation`` of ../shared/data/pmc_jats/*.xml:
``name`` (surname + given-names) -> authors, ``article-title`` -> title, ``source`` ->
journal, ``year``, ``volume``, ``fpage``. The string parsed is the citation with its tags
stripped, as a reader sees it: where a field element boundary falls between two word
characters (``<surname>Bo</surname><given-names>S</given-names>``) a space is inserted, since
PMC renders one there. ``--naive`` parses the plain concatenated text instead ("BoS").

A field is scored on the citations that tag it; a match is exact equality after
lower-casing and removing whitespace and punctuation (years compare their four digits).
The baseline is a regex a user would write for "Authors. Title. Journal. Year;Vol:Pages".

Run:  /work/venv/bin/python bench/bench_references.py [--naive] [--show FIELD]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from pipelines.readers.jats import rendered_text as jats_rendered_text
from pipelines.readers.xmlutil import hardened_parser
from pipelines.references import parse_reference

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "pmc_jats"
FIELDS = ("authors", "title", "journal", "year", "volume", "first_page")


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def rendered_text(element: etree._Element, *, naive: bool = False) -> str:
    """The citation text with tags stripped (see the module docstring): the JATS reader's
    :func:`~pipelines.readers.jats.rendered_text`, or with ``naive`` the plain text."""
    if naive:
        return re.sub(r"\s+", " ", "".join(element.itertext())).strip()
    return jats_rendered_text(element)


@dataclass
class Case:
    file: str
    text: str
    truth: dict[str, str | None]


def _truth(el: etree._Element) -> dict[str, str | None]:
    def first(tag: str) -> str | None:
        for sub in el.iter():
            if _local(sub.tag) == tag:
                return "".join(sub.itertext())
        return None

    editors = {
        n
        for group in el.iter()
        if _local(group.tag) == "person-group" and group.get("person-group-type") == "editor"
        for n in group.iter()
    }
    names: list[str] = []
    for name in el.iter():
        if _local(name.tag) != "name" or name in editors:
            continue
        surname = "".join("".join(x.itertext()) for x in name if _local(x.tag) == "surname")
        given = "".join("".join(x.itertext()) for x in name if _local(x.tag) == "given-names")
        names.append(f"{surname} {given}".strip())
    return {
        "authors": "|".join(names) if names else None,
        "title": first("article-title"),
        "journal": first("source"),
        "year": first("year"),
        "volume": first("volume"),
        "first_page": first("fpage"),
    }


def cases(*, naive: bool) -> Iterator[Case]:
    for path in sorted(DATA.glob("*.xml")):
        for el in etree.parse(path, hardened_parser()).iter():
            if _local(el.tag) == "mixed-citation":
                yield Case(path.name, rendered_text(el, naive=naive), _truth(el))


def norm(value: str | None) -> str:
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", value).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def _compare(field: str, truth: str, got: str | None) -> bool:
    if field == "year":
        m = re.search(r"\d{4}", truth)
        return bool(m) and got == m.group(0)
    if field == "authors":
        return [norm(a) for a in truth.split("|")] == [norm(a) for a in (got or "").split("|")]
    return norm(truth) == norm(got)


_BASELINE = re.compile(
    r"^(?P<authors>[^.]+)\.\s+(?P<title>[^.]+)\.\s+(?P<journal>[^.]+)\.?\s+"
    r"(?P<year>\d{4})[^;]*;(?P<volume>[^(:]+)(?:\([^)]*\))?:(?P<first_page>[^-–.]+)"
)


def baseline(text: str) -> dict[str, str | None]:
    """What a user would write: one regex for the Vancouver shape."""
    m = _BASELINE.match(text)
    if not m:
        return dict.fromkeys(FIELDS)
    got: dict[str, str | None] = m.groupdict()
    got["authors"] = "|".join(a.strip() for a in (got["authors"] or "").split(","))
    return got


def citegraph(text: str) -> dict[str, str | None]:
    ref = parse_reference(text)
    return {
        "authors": "|".join(ref.authors) if ref.authors else None,
        "title": ref.title,
        "journal": ref.journal,
        "year": str(ref.year) if ref.year else None,
        "volume": ref.volume,
        "first_page": ref.first_page,
    }


def score(
    all_cases: list[Case], fn: Callable[[str], dict[str, str | None]], show: str | None
) -> tuple[dict[str, tuple[int, int]], float]:
    results = {f: [0, 0] for f in FIELDS}
    start = time.perf_counter()
    outputs = [fn(c.text) for c in all_cases]
    elapsed = time.perf_counter() - start
    for case, got in zip(all_cases, outputs, strict=True):
        for field in FIELDS:
            truth = case.truth[field]
            if truth is None:
                continue
            results[field][1] += 1
            ok = _compare(field, truth, got[field])
            results[field][0] += ok
            if not ok and show == field and fn is citegraph:
                print(f"  MISS {field} [{case.file}] {case.text}")
                print(f"       truth={truth!r} got={got[field]!r}")
    return {f: (v[0], v[1]) for f, v in results.items()}, elapsed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--naive", action="store_true", help="parse plain concatenated text")
    ap.add_argument("--show", choices=FIELDS, help="print the misses of one field")
    args = ap.parse_args(argv)
    if not DATA.exists():
        print(f"no data at {DATA}", file=sys.stderr)
        return 1
    all_cases = list(cases(naive=args.naive))
    tagged = [c for c in all_cases if any(v is not None for v in c.truth.values())]
    print(
        f"{len(all_cases)} mixed-citations, {len(tagged)} with tagged fields"
        f" ({'naive' if args.naive else 'rendered'} text)"
    )
    ours, t_ours = score(tagged, citegraph, args.show)
    base, t_base = score(tagged, baseline, None)
    print(f"{'field':<11}{'n':>5}{'citegraph':>11}{'baseline':>10}")
    for field in FIELDS:
        ok, n = ours[field]
        bok, _ = base[field]
        print(f"{field:<11}{n:>5}{ok / n:>10.1%}{bok / n:>10.1%}" if n else f"{field:<11}    0")
    rate = len(tagged) / t_ours if t_ours else float("inf")
    print(
        f"time: citegraph {t_ours * 1000:.1f} ms ({rate:,.0f} refs/s), baseline regex "
        f"{t_base * 1000:.1f} ms, ratio {t_ours / t_base if t_base else 0:.1f}x slower"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Field-level agreement of the PubMed XML reader with an independent reading: pmparser's
SQLite of the same 2026 baseline sample (GPL-2 data: read from ../shared, never copied).

Every difference is printed; the test fails on any. pmparser keeps no reference lists (its
`citation` table comes from the NIH Open Citation Collection, not from the XML), so reference
counts are checked against the XML itself instead.
"""

from __future__ import annotations

import gzip
import re
import sqlite3
from collections import defaultdict
from pathlib import Path

import pytest

from graph.model import Article
from pipelines.readers.pubmed_xml import read_pubmed_xml
from tests.conftest import SHARED_DATA

XML = SHARED_DATA / "pubmed_xml" / "pmparser__baseline_pubmed26n1334_sample.xml.gz"
DB = SHARED_DATA / "pubmed_xml" / "pmparser__pmdb_sample_create.expected.sqlite"

pytestmark = pytest.mark.skipif(not DB.exists(), reason="needs ../shared/data (GPL-2 sample)")


def _ours() -> dict[str, Article]:
    out = {}
    for r in read_pubmed_xml(XML):
        assert isinstance(r, Article), r
        assert r.ids.pmid is not None
        out[r.ids.pmid] = r
    return out


def _theirs(path: Path) -> dict[str, dict[str, object]]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    rows: dict[str, dict[str, object]] = defaultdict(dict)
    for pmid, title in con.execute("SELECT pmid, title FROM article"):
        rows[str(pmid)]["title"] = title
    for pmid, kind, value in con.execute("SELECT pmid, id_type, id_value FROM article_id"):
        rows[str(pmid)][kind] = value.lower() if kind == "doi" else value
    authors: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for pmid, pos, last, initials, collective in con.execute(
        "SELECT pmid, author_pos, last_name, initials, collective_name FROM author"
    ):
        # pmparser keeps the raw text: "RESILIENT Study Group " (PMID 41602864) ends in a space
        name = _norm(collective or (f"{last} {initials}" if initials else last))
        authors[str(pmid)].append((int(pos), name))
    for pmid, names in authors.items():
        rows[pmid]["authors"] = [n for _, n in sorted(names)]
    mesh: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for pmid, pos, ui in con.execute(
        "SELECT pmid, descriptor_pos, descriptor_ui FROM mesh_descriptor"
    ):
        mesh[str(pmid)].append((int(pos), ui))
    for pmid, uis in mesh.items():
        rows[pmid]["mesh"] = [u for _, u in sorted(uis)]
    keywords: dict[str, list[str]] = defaultdict(list)
    for pmid, name in con.execute("SELECT pmid, keyword_name FROM keyword_item"):
        keywords[str(pmid)].append(name)
    for pmid, kws in keywords.items():  # citegraph drops a keyword's trailing period
        rows[pmid]["keywords"] = sorted(_norm(k).rstrip(".") for k in kws)
    return rows


def _norm(text: object) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip()


def test_fields_agree_with_pmparser() -> None:
    ours, theirs = _ours(), _theirs(DB)
    diffs: list[str] = []
    if sorted(ours) != sorted(theirs):
        diffs.append(f"PMIDs: only ours {sorted(set(ours) - set(theirs))}, "
                     f"only theirs {sorted(set(theirs) - set(ours))}")  # fmt: skip
    for pmid, row in sorted(theirs.items()):
        a = ours.get(pmid)
        if a is None:
            continue
        checks = {
            "title": (_norm(a.title), _norm(row.get("title"))),
            "doi": (a.ids.doi, row.get("doi")),
            "pmc": (a.ids.pmcid, row.get("pmc")),
            "authors": ([x.name for x in a.authors], row.get("authors", [])),
            "mesh": ([m.ui for m in a.mesh], row.get("mesh", [])),
            "keywords": (sorted(k.text for k in a.keywords), row.get("keywords", [])),
        }
        for field, (mine, other) in checks.items():
            if mine != other:
                diffs.append(f"PMID {pmid} {field}: ours {mine!r} != pmparser {other!r}")
    for d in diffs:
        print(d)
    assert not diffs, f"{len(diffs)} differences (printed above)"
    assert len(ours) == 30


def test_reference_counts_agree_with_the_xml() -> None:
    text = gzip.decompress(XML.read_bytes()).decode("utf-8")
    expected: dict[str, int] = {}
    for record in text.split("</PubmedArticle>")[:-1]:
        pmid = re.search(r"<PMID Version=\"\d+\">(\d+)</PMID>", record)
        assert pmid
        expected[pmid.group(1)] = len(re.findall(r"<Reference>", record))
    ours = _ours()
    assert {p: len(a.references) for p, a in ours.items()} == expected
    assert sum(expected.values()) > 0

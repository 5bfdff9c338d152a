"""`build()` end to end on real inputs beyond the seed."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.sparql import iter_select
from graph.store import open_store
from pipelines.build import BuildOptions, build
from tests.conftest import FIXTURES, SHARED_DATA

EXPORT = SHARED_DATA / "webpage_text" / "literature_networks__pubmed_abstract_text_export.txt"
EXCERPT = FIXTURES / "pubmed_abstract_text_export__literature_networks_excerpt.txt"


def _pmids(store: ox.Store) -> list[str]:
    rows = iter_select(
        store, "SELECT ?p WHERE { ?a a fabio:JournalArticle ; fabio:hasPubMedId ?p }"
    )
    return sorted(str(r["p"]) for r in rows)


def test_abstract_export_excerpt_builds_every_record(tmp_path: Path) -> None:
    result = build([EXCERPT], BuildOptions(out=tmp_path, html=False))
    assert result.articles == 4 and result.skipped == []
    pmids = _pmids(open_store(tmp_path / "graph.nt"))
    assert len(pmids) == 4 and len(set(pmids)) == 4


@pytest.mark.skipif(not EXPORT.exists(), reason="needs ../shared/data (unlicensed source)")
def test_the_1422_record_export_builds_1422_articles_each_with_its_pmid(tmp_path: Path) -> None:
    result = build([EXPORT], BuildOptions(out=tmp_path, html=False))
    assert result.articles == 1422 and result.skipped == []
    expected = sorted(
        line.split()[1].strip()
        for line in EXPORT.read_text(encoding="utf-8").splitlines()
        if line.startswith("PMID:")
    )
    assert len(expected) == 1422
    assert _pmids(open_store(tmp_path / "graph.nt")) == expected
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["articles"] == 1422

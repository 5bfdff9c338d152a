"""Shared fixtures: paths to the bundled data and a session-wide build of the seed page."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from graph.model import Article

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
FIXTURES = REPO / "tests" / "fixtures"
SHARED_DATA = REPO.parent / "shared" / "data"
SEED = DATA / "pubmed-page-wjsc-2025-106856.txt"
REFS_A = FIXTURES / "store" / "pubmed20n0014_refs_a.xml.gz"

SEED_DOI = "10.4252/wjsc.v17.i7.106856"
SEED_IRI = f"https://doi.org/{SEED_DOI}"
SEED_TITLE = (
    "First-ever stem cell therapy restores insulin independence in type 1 diabetes: "
    "A medical milestone"
)
SEED_REFERENCE_TITLES = [
    "Type 1 Diabetes Mellitus and Autoimmune Diseases: A Critical Review of the Association "
    "and the Application of Personalized Medicine",
    "Transplantation of chemically induced pluripotent stem-cell-derived islets under "
    "abdominal anterior rectus sheath in a type 1 diabetes patient",
    "Treatment of type 2 diabetes mellitus with stem cells and antidiabetic drugs: a dualistic "
    "and future-focused approach",
    "The Current Status of Allogenic Islet Cell Transplantation",
    "Diabetes mellitus: Classification, mediators, and complications; A gate to identify "
    "potential targets for the development of new effective treatments",
]


@functools.cache  # (frozen records: read once, shared safely)
def _refs_a() -> tuple[Article, ...]:
    from pipelines.readers.pubmed_xml import read_pubmed_xml

    return tuple(a for a in read_pubmed_xml(REFS_A) if isinstance(a, Article))


def refs_a_articles() -> list[Article]:
    """The 120 real PubMed records (with their reference lists) of the refs_a excerpt of a
    baseline file."""
    return list(_refs_a())


@pytest.fixture(scope="session")
def seed_article() -> Article:
    """The seed page read by the page reader."""
    from pipelines.readers import read_any

    records = list(read_any(SEED))
    assert len(records) == 1 and isinstance(records[0], Article), records
    return records[0]


@pytest.fixture(scope="session")
def seed_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding `citegraph build` output for the seed page (built once)."""
    from pipelines.build import BuildOptions, build

    out = tmp_path_factory.mktemp("seed-build")
    build([SEED], BuildOptions(out=out, jsonld=True, exports=("gexf", "json", "csv")))
    return out

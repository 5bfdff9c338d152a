"""The PubMed XML reader against JabRef's reading of the same files (its .bib test outputs):
title, authors, journal, year, volume, pages, DOI. JabRef's files are MIT; read from shared."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.model import Article
from pipelines.readers.pubmed_xml import read_pubmed_xml
from tests.bibtex import bib_entries, bib_family
from tests.conftest import SHARED_DATA

DIR = SHARED_DATA / "pubmed_xml"
PAIRS = sorted(p for p in DIR.glob("jabref__*.xml") if p.with_suffix(".bib").exists())


def _bib_entries(path: Path) -> list[dict[str, str]]:
    return [e for e in bib_entries(path) if e.get("title")]


def _compare(a: Article, bib: dict[str, str]) -> list[str]:
    diffs = []
    if (a.title or "") != bib["title"]:
        diffs.append(f"title {a.title!r} != {bib['title']!r}")
    if "year" in bib and str(a.year) != bib["year"]:
        diffs.append(f"year {a.year} != {bib['year']}")
    if "volume" in bib and a.volume != bib["volume"]:
        diffs.append(f"volume {a.volume} != {bib['volume']}")
    if "doi" in bib and a.ids.doi != bib["doi"].lower():
        diffs.append(f"doi {a.ids.doi} != {bib['doi']}")
    if "journal" in bib and (a.journal is None or a.journal.title != bib["journal"]):
        diffs.append(f"journal {a.journal and a.journal.title!r} != {bib['journal']!r}")
    if "pages" in bib and "journal" in bib:
        pages = "--".join(p for p in (a.first_page, a.last_page) if p)
        if pages != bib["pages"]:
            diffs.append(f"pages {pages!r} != {bib['pages']!r}")
    if "author" in bib:
        theirs = [bib_family(x) for x in bib["author"].split(" and ")]
        ours = [x.family or x.name for x in a.authors]
        if ours != theirs:
            diffs.append(f"authors {ours} != {theirs}")
    return diffs


# Where JabRef and citegraph read the same XML differently, and why citegraph is right:
KNOWN = {
    # JabRef drops the investigator-group name "Alzheimer's Disease Neuroimaging Initiative"
    # into "Neuroimaging Initiative, Alzheimer's Disease": a collective name is not a person.
    "jabref__MedlineImporterTestArticleItalics.xml": {"authors"},
    # The .bib was made from a record whose <ForeName> is "NaN" with LastName "Zamm itt";
    # JabRef and citegraph agree on it, but JabRef adds the book of the same set as a 2nd
    # entry with pages "1831" taken from its ELocationID.
    "jabref__MedlineImporterTestNbib.xml": set(),
    # JabRef makes the PersonalNameSubject (the person the article is about, C Everett Koop)
    # an author; the record has no AuthorList.
    "jabref__MedlineImporterTestKeywordSingleEntry.xml": {"authors"},
    # A book chapter: citegraph's title is the chapter's ArticleTitle ("Title for some
    # article"), its container the book; JabRef titles the entry with the BookTitle.
    "jabref__MedlineImporterTestBookArticleSet.xml": {"title"},
}


@pytest.mark.skipif(not PAIRS, reason="needs ../shared/data (JabRef test files)")
@pytest.mark.parametrize("xml", PAIRS, ids=lambda p: p.name)
def test_agrees_with_jabref(xml: Path) -> None:
    articles = [r for r in read_pubmed_xml(xml) if isinstance(r, Article)]
    bibs = _bib_entries(xml.with_suffix(".bib"))
    if not bibs:
        assert articles == []  # JabRef found no entry either (a record without a PMID)
        return
    for bib in bibs:
        match = [
            a
            for a in articles
            if (a.title or "").casefold() == bib["title"].casefold()
            or (a.journal and a.journal.title == bib["title"])
        ]
        assert match, f"no article titled {bib['title']!r}"
        diffs = _compare(match[0], bib)
        allowed = KNOWN.get(xml.name, set())
        unexplained = [d for d in diffs if d.split(" ", 1)[0] not in allowed]
        for d in diffs:
            print(f"{xml.name}: {d}")
        assert not unexplained, unexplained

"""The PubMed page-text reader (on the real seed page) and the "Abstract (text)" export reader."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from graph.errors import MalformedRecordError, UnknownFormatError, UnreadableInputError
from graph.model import Article, Author, Identifiers, Journal, PubDate
from pipelines.readers import detect, read_any
from pipelines.readers.pubmed_text import (
    parse_abstract_export,
    parse_pubmed_page,
    read_abstract_export,
    read_pubmed_page,
    sniff_abstract_export,
    sniff_pubmed_page,
)

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "data" / "pubmed-page-wjsc-2025-106856.txt"
EXCERPT = (
    REPO / "tests" / "fixtures" / ("pubmed_abstract_text_export__literature_networks_excerpt.txt")
)
SHARED = REPO.parent / "shared" / "data"
EXPORT = SHARED / "webpage_text" / "literature_networks__pubmed_abstract_text_export.txt"
TITLE = (
    "First-ever stem cell therapy restores insulin independence in type 1 diabetes: "
    "A medical milestone"
)


def _one(records: list[Article | MalformedRecordError]) -> Article:
    assert len(records) == 1, records
    assert isinstance(records[0], Article), records[0]
    return records[0]


@pytest.fixture(scope="module")
def seed() -> Article:
    return _one(list(read_pubmed_page(SEED)))


# ----------------------------------------------------------------------------- the page


def test_seed_bibliographic_fields(seed: Article) -> None:
    assert seed.title == TITLE
    assert seed.authors == (
        Author(name="Dinesh Kumar", family="Kumar", given="Dinesh", initials="D"),
    )
    assert seed.authors_complete is False
    assert seed.journal == Journal(abbreviation="World J Stem Cells")
    assert seed.pub_date == PubDate(2025, 7, 26)
    assert (seed.volume, seed.issue, seed.article_number) == ("17", "7", "106856")
    assert seed.ids == Identifiers(doi="10.4252/wjsc.v17.i7.106856")


def test_seed_source_points_at_title_line(seed: Article) -> None:
    assert seed.source is not None
    assert (seed.source.file, seed.source.format, seed.source.record) == (
        str(SEED),
        "pubmed-page",
        1,
    )
    lines = SEED.read_text(encoding="utf-8").split("\n")
    assert seed.source.line is not None
    assert lines[seed.source.line - 1] == TITLE
    assert lines.index(TITLE) == seed.source.line - 1  # the first of its two occurrences


def test_seed_abstract_and_keywords(seed: Article) -> None:
    assert seed.abstract is not None
    assert seed.abstract.startswith("Stem cell therapy has emerged as a groundbreaking")
    assert seed.abstract.endswith("future directions for stem cell-based diabetes therapies.")
    for chrome in ("Keywords", "PubMed Disclaimer", "Conflict", "Similar articles"):
        assert chrome not in seed.abstract
    words = [k.text for k in seed.keywords]
    assert len(words) == 10
    assert words[0] == "Autoimmune disease"
    assert words[-1] == "Type 2 diabetes"
    assert "Induced pluripotent stem cells" in words


def test_seed_references(seed: Article) -> None:
    refs = seed.references
    assert [r.ordinal for r in refs] == [1, 2, 3, 4, 5]
    first = refs[0]
    assert first.authors[:2] == ("Popoviciu MS", "Kaka N")
    assert len(first.authors) == 6 and first.authors_complete
    assert first.title == (
        "Type 1 Diabetes Mellitus and Autoimmune Diseases: A Critical Review of the "
        "Association and the Application of Personalized Medicine"
    )
    assert (first.journal, first.year, first.volume, first.first_page) == (
        "J Pers Med",
        2023,
        "13",
        "422",
    )
    assert first.has_pmc_record and first.has_pubmed_record
    assert (refs[1].first_page, refs[1].last_page) == ("6152", "6164.e18")
    assert len(refs[1].authors) == 35 and refs[1].journal == "Cell"
    assert [r.has_pmc_record for r in refs] == [True, False, False, True, False]
    assert all(r.has_pubmed_record for r in refs)
    for r in refs:
        assert "PubMed" not in r.raw and " - PMC" not in r.raw
        assert r.raw.endswith(".")
        assert r.title and "PubMed" not in r.title


def test_seed_ignores_page_chrome(seed: Article) -> None:
    text = " ".join([seed.title or "", seed.abstract or "", *(r.raw for r in seed.references)])
    for chrome in ("Skip to main", ".gov", "Access keys", "LinkOut", "Affiliations"):
        assert chrome not in text
    assert seed.mesh == () and seed.grants == () and seed.chemicals == ()


def test_seed_through_registry_and_gzip(seed: Article, tmp_path: Path) -> None:
    assert detect(SEED).name == "pubmed-page"
    assert _one(list(read_any(SEED))) == seed
    gz = tmp_path / "page.txt.gz"
    gz.write_bytes(gzip.compress(SEED.read_bytes()))
    from_gz = _one(list(read_pubmed_page(gz)))
    assert from_gz.title == seed.title and from_gz.references == seed.references
    assert from_gz.source is not None and from_gz.source.file == str(gz)


def test_page_with_id_lines_and_crlf() -> None:
    # the same real page with the id line PubMed shows for it (PMID 40740535, PMC12305139)
    text = SEED.read_text(encoding="utf-8").replace(
        "doi: 10.4252/wjsc.v17.i7.106856.\n",
        "doi: 10.4252/wjsc.v17.i7.106856.\nPMID: 40740535 PMCID: PMC12305139\n",
    )
    art = _one(list(parse_pubmed_page(text.replace("\n", "\r\n").encode(), file="p.txt")))
    assert art.ids == Identifiers(
        pmid="40740535", pmcid="PMC12305139", doi="10.4252/wjsc.v17.i7.106856"
    )
    assert art.title == TITLE and len(art.references) == 5


def test_page_truncated_before_references() -> None:
    text = SEED.read_text(encoding="utf-8")
    cut = text[: text.index("PubMed Disclaimer")]
    art = _one(list(parse_pubmed_page(cut.encode(), file="cut.txt")))
    assert art.title == TITLE and art.references == () and len(art.keywords) == 10


def test_page_without_title_is_a_malformed_record() -> None:
    text = SEED.read_text(encoding="utf-8").replace(TITLE + "\n", "")
    [err] = list(parse_pubmed_page(text.encode(), file="no-title.txt"))
    assert isinstance(err, MalformedRecordError)
    assert (err.file, err.record, err.line) == ("no-title.txt", 1, 19)
    assert str(err).startswith("no-title.txt: record 1, line 19: ")
    assert "title" in str(err)


def test_empty_and_undecodable_pages(tmp_path: Path) -> None:
    with pytest.raises(UnreadableInputError, match="empty"):
        list(parse_pubmed_page(b"  \n\n", file="empty.txt"))
    bad = SEED.read_bytes().replace(b"Abstract\n", b"Abstract \xff\n")
    with pytest.raises(UnreadableInputError) as info:
        list(parse_pubmed_page(bad, file="bad.txt"))
    abstract_line = SEED.read_text(encoding="utf-8").split("\n").index("Abstract") + 1
    assert info.value.file == "bad.txt" and info.value.line == abstract_line
    with pytest.raises(UnreadableInputError, match="no such file"):
        list(read_pubmed_page(tmp_path / "missing.txt"))


def test_sniffers_tell_the_formats_apart() -> None:
    page = SEED.read_bytes()
    export = EXCERPT.read_bytes()
    assert sniff_pubmed_page(page) and not sniff_abstract_export(page)
    assert sniff_abstract_export(export) and not sniff_pubmed_page(export)
    assert not sniff_pubmed_page(b"<?xml version='1.0'?><PubmedArticleSet/>")
    assert not sniff_abstract_export(b"<?xml version='1.0'?><PubmedArticleSet/>")


# ----------------------------------------------------------------------------- the export


@pytest.fixture(scope="module")
def excerpt() -> list[Article]:
    records = list(read_abstract_export(EXCERPT))
    assert all(isinstance(r, Article) for r in records), records
    return [r for r in records if isinstance(r, Article)]


def test_export_excerpt_records(excerpt: list[Article]) -> None:
    assert [a.ids.pmid for a in excerpt] == ["30831485", "30820436", "30819129", "30818341"]
    assert [a.source.record for a in excerpt if a.source] == [1, 2, 3, 4]
    assert [a.source.line for a in excerpt if a.source] == [2, 60, 109, 163]
    first = excerpt[0]
    assert first.title == (
        "Anti-inflammatory and immune-modulating effects of rice callus suspension culture "
        "(RCSC) and bioactive fractions in an in vitro inflammatory bowel disease model"
    )
    assert first.journal == Journal(abbreviation="Phytomedicine")
    assert first.pub_date == PubDate(2018, 12, 31)
    assert (first.volume, first.issue, first.first_page, first.last_page) == (
        "57",
        None,
        "364",
        "376",
    )
    assert first.ids.doi == "10.1016/j.phymed.2018.12.034" and first.ids.pmcid is None
    assert [a.name for a in first.authors] == [
        "Driscoll K",
        "Deshpande A",
        "Chapp A",
        "Li K",
        "Datta R",
        "Ramakrishna W",
    ]
    assert (first.authors[0].family, first.authors[0].initials) == ("Driscoll", "K")
    assert first.authors[0].affiliations == (
        "Department of Biological Sciences, Michigan Technological University, Houghton, MI, USA.",
    )
    assert first.authors[5].affiliations[0].endswith("Electronic address: rk.wusirika@cup.edu.in.")
    assert first.abstract is not None
    assert first.abstract.startswith("BACKGROUND: Rice callus suspension culture (RCSC)")
    assert "\nHYPOTHESIS/PURPOSE: The anti-inflammatory" in first.abstract
    assert first.abstract.endswith("provide possible drug targets.")
    assert "Copyright" not in first.abstract and "PMID" not in first.abstract


def test_export_issue_and_pmcid(excerpt: list[Article]) -> None:
    second = excerpt[1]
    assert second.journal == Journal(abbreviation="Inflamm Intest Dis")
    assert second.pub_date == PubDate(2019, 2)
    assert (second.volume, second.issue, second.first_page, second.last_page) == (
        "3",
        "3",
        "145",
        "154",
    )
    assert second.ids.pmcid == "PMC6390416"
    assert excerpt[3].article_number == "e1007614"


def test_export_parse_and_read_agree(excerpt: list[Article]) -> None:
    parsed = list(parse_abstract_export(EXCERPT.read_bytes(), file=str(EXCERPT)))
    assert parsed == excerpt
    assert detect(EXCERPT).name == "pubmed-abstract-text"


def test_export_record_without_pmid_is_reported_and_others_kept() -> None:
    data = EXCERPT.read_bytes()
    damaged = re.sub(rb"PMID: 30820436[^\n]*\n", b"", data)
    records = list(parse_abstract_export(damaged, file="damaged.txt"))
    assert len(records) == 4
    err = records[1]
    assert isinstance(err, MalformedRecordError)
    assert (err.file, err.record, err.line) == ("damaged.txt", 2, 60)
    assert "PMID" in err.message
    kept = [r.ids.pmid for r in records if isinstance(r, Article)]
    assert kept == ["30831485", "30819129", "30818341"]


def test_export_empty_and_foreign_input() -> None:
    with pytest.raises(UnreadableInputError, match="empty"):
        list(parse_abstract_export(b"\r\n\r\n", file="e.txt"))
    with pytest.raises(UnknownFormatError):
        list(parse_abstract_export(SEED.read_bytes(), file="seed.txt"))


@pytest.mark.skipif(not EXPORT.exists(), reason="needs ../shared/data (unlicensed source file)")
def test_full_export_every_record_once() -> None:
    records = list(read_abstract_export(EXPORT))
    arts = [r for r in records if isinstance(r, Article)]
    assert len(records) == len(arts) == 1422
    assert len({a.ids.pmid for a in arts}) == 1422
    assert [a.source.record for a in arts if a.source] == list(range(1, 1423))
    text = EXPORT.read_text(encoding="utf-8")
    pmids_in_file = re.findall(r"^PMID: (\d+)", text, re.MULTILINE)
    assert [a.ids.pmid for a in arts] == pmids_in_file
    pmcids_in_file = re.findall(r"^PMCID: (PMC\d+)", text, re.MULTILINE)
    assert sorted(a.ids.pmcid for a in arts if a.ids.pmcid) == sorted(pmcids_in_file)
    assert all(a.title and a.journal and a.pub_date for a in arts)
    assert sum(bool(a.authors) for a in arts) >= 1420
    assert sum(bool(a.abstract) for a in arts) >= 1400
    assert sum(bool(a.ids.doi) for a in arts) >= len(re.findall(r"^DOI: ", text, re.MULTILINE))
    by_pmid = {a.ids.pmid: a for a in arts}
    [smad4] = [a for a in arts if (a.title or "").startswith("Epithelial Smad4 Deletion")]
    assert [r.relation for r in smad4.related] == ["CommentIn"]  # block before the abstract
    assert smad4.related[0].text == "Cell Mol Gastroenterol Hepatol. 2018 Jun 30;6(3):350-351."
    assert smad4.abstract is not None and smad4.abstract.startswith("Background & Aims:")
    assert len(smad4.authors) == 24 and smad4.authors[-1].name == "Beauchamp RD"
    correction = by_pmid["30721250"]
    assert [r.relation for r in correction.related] == ["ErratumFor"]
    assert correction.authors[0].name == "Chiba H"

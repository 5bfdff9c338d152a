"""The PubMed XML reader on real records: fields, markup, references, bad input, and every
PubMed XML file of ../shared/data."""

from __future__ import annotations

import gzip
import re
import zlib
from pathlib import Path

import pytest

from graph.errors import InputError, MalformedRecordError
from graph.model import Article, Chemical, Grant, PubDate
from graph.sparql import iter_select
from graph.store import open_store
from pipelines.build import BuildOptions, build
from pipelines.readers import detect
from pipelines.readers.pubmed_xml import parse_pubmed_xml, read_pubmed_xml
from tests.conftest import FIXTURES, SHARED_DATA

PUBMED_XML = SHARED_DATA / "pubmed_xml"


def _articles(path: Path) -> list[Article]:
    out = []
    for r in read_pubmed_xml(path):
        assert isinstance(r, Article), r
        out.append(r)
    return out


def test_a_full_record_with_references() -> None:
    (a,) = _articles(FIXTURES / "metapub__pmid_28731372.xml")
    assert a.ids.pmid == "28731372" and a.ids.pmcid == "PMC6108041"
    assert a.ids.doi == "10.1177/1352458517722646"
    assert a.title == (
        "Exploring the effect of vitamin D3 supplementation on the anti-EBV antibody response "
        "in relapsing-remitting multiple sclerosis."
    )
    assert a.journal is not None and a.journal.abbreviation == "Mult Scler"
    assert a.journal.issn_linking == "1352-4585" and a.journal.nlm_id == "9509185"
    assert (a.volume, a.issue, a.first_page, a.last_page) == ("24", "10", "1280", "1287")
    assert a.pub_date == PubDate(2018, 9)
    assert [x.name for x in a.authors[:2]] == ["Rolf L", "Muris AH"]
    assert a.authors[0].given == "Linda" and a.authors[0].affiliations
    assert a.abstract is not None and a.abstract.startswith("BACKGROUND: Epstein-Barr virus")
    assert "\nOBJECTIVES: " in a.abstract
    assert "Randomized Controlled Trial" in a.publication_types
    assert len(a.mesh) == 11 and all(m.ui and m.ui.startswith("D") for m in a.mesh)
    assert len(a.references) == 34
    first = a.references[0]
    assert first.ordinal == 1 and first.ids.pmid == "20428908"
    assert first.raw.startswith("Santiago O, Gutierrez J, Sorlozano A, et al. Relation between")
    assert a.references[1].ids.pmcid == "PMC400374"


def test_chemicals_and_grants_keep_their_uis_numbers_and_agencies() -> None:
    """ChemicalList: RegistryNumber ("0" is none) and NameOfSubstance with its UI (a
    descriptor D... or a supplementary concept C...); GrantList: all four parts."""
    (a,) = _articles(FIXTURES / "metapub__pmid_28731372.xml")
    assert a.chemicals == (
        Chemical("Antibodies, Viral", ui="D000914"),
        Chemical("Epstein-Barr Virus Nuclear Antigens", ui="D019309"),
        Chemical("Cholecalciferol", ui="D002762", registry_number="1C6V77QF41"),
        Chemical("EBV-encoded nuclear antigen 1", ui="C417029", registry_number="O5GA75RST7"),
    )
    assert a.grants == (Grant("Austrian Science Fund FWF", "J 3545", "FWF_", "Austria"),)


def test_mathml_orcid_and_electronic_issn() -> None:
    (a,) = _articles(FIXTURES / "jabref__MedlineImporterTestMathML.xml")
    assert a.title == "CellML 2.0."
    assert a.abstract is not None and "<" not in a.abstract
    assert a.abstract.startswith("Following are examples of MathML elements: η p 2")
    assert a.authors[0].orcid == "0000-0003-4062-3061"
    assert len(a.authors) == 8
    assert a.journal is not None and a.journal.issn_electronic == "1613-4516"
    assert a.ids.pmcid == "PMC7756617" and a.ids.doi == "10.1515/jib-2020-0021"
    assert [k.text for k in a.keywords][:2] == ["computational physiology", "modularity"]
    assert a.keywords[0].owner == "NOTNLM"


def test_malformed_xml_is_reported_with_its_line() -> None:
    path = FIXTURES / "jabref__MedlineImporterTestMalformedEntry.xml"
    (err,) = list(read_pubmed_xml(path))
    assert isinstance(err, MalformedRecordError)
    assert str(err).startswith(f"{path}: record 1, line 4: not well-formed XML, column 20:")


def test_good_records_before_a_fault_still_come_out(tmp_path: Path) -> None:
    good = (FIXTURES / "metapub__pmid_28731372.xml").read_bytes()
    cut = good.rindex(b"</PubmedArticleSet>")
    damaged = good[:cut] + b"<PubmedArticle><MedlineCitation><PMID>1</PMID></Broken>"
    records = list(parse_pubmed_xml(damaged, file="damaged.xml"))
    assert isinstance(records[0], Article) and records[0].ids.pmid == "28731372"
    assert isinstance(records[1], MalformedRecordError)
    assert records[1].file == "damaged.xml" and records[1].line is not None


def test_gzip_and_entities_are_not_expanded(tmp_path: Path) -> None:
    xml = (
        b'<?xml version="1.0"?><!DOCTYPE PubmedArticleSet [<!ENTITY x SYSTEM '
        b'"file:///etc/passwd">]><PubmedArticleSet><PubmedArticle><MedlineCitation>'
        b"<PMID>5</PMID><Article><ArticleTitle>T &x;</ArticleTitle></Article>"
        b"</MedlineCitation></PubmedArticle></PubmedArticleSet>"
    )
    path = tmp_path / "e.xml.gz"
    path.write_bytes(gzip.compress(xml))
    assert detect(path).name == "pubmed-xml"
    (a,) = _articles(path)
    assert a.ids.pmid == "5" and "root:" not in (a.title or "")


def test_deleted_citations_remove_records_from_the_build(tmp_path: Path) -> None:
    record = (FIXTURES / "metapub__pmid_28731372.xml").read_bytes()
    deletion = (
        b'<PubmedArticleSet><DeleteCitation><PMID Version="1">28731372</PMID>'
        b"</DeleteCitation></PubmedArticleSet>"
    )
    (tmp_path / "a.xml").write_bytes(record)
    (tmp_path / "b.xml").write_bytes(deletion)
    (tmp_path / "c.xml").write_bytes(FIXTURES.joinpath("jabref__MedlineImporterTestMathML.xml")
                                     .read_bytes())  # fmt: skip
    result = build([tmp_path], BuildOptions(out=tmp_path / "out", html=False))
    assert result.deleted == ["28731372"]
    nt = (tmp_path / "out" / "graph.nt").read_text()
    assert "pubmed:28731372" not in nt and "pubmed:32759406" in nt
    assert result.nodes == 1


def test_a_later_version_of_a_record_replaces_the_earlier(tmp_path: Path) -> None:
    record = (FIXTURES / "metapub__pmid_28731372.xml").read_text(encoding="utf-8")
    revised = record.replace("Exploring the effect of vitamin D", "REVISED: the effect of D")
    assert revised != record
    (tmp_path / "1.xml").write_text(record, encoding="utf-8")
    (tmp_path / "2.xml").write_text(revised, encoding="utf-8")
    result = build([tmp_path], BuildOptions(out=tmp_path / "out", html=False))
    assert result.articles == 2 and result.superseded == 1
    nt = (tmp_path / "out" / "graph.nt").read_text()
    assert "REVISED: the effect of D3" in nt and "Exploring the effect of vitamin D3" not in nt


@pytest.mark.parametrize("jobs", [1, 2])
def test_two_files_of_one_name_keep_their_own_records(tmp_path: Path, jobs: int) -> None:
    """``a/x.xml`` and ``b/x.xml`` (here the same records: a re-download beside the first):
    the second supersedes the first record by record, and every record is still in the
    graph. Before, both files' records had one named graph per position, so dropping the
    superseded first copies dropped the second copies too: an empty graph.nt."""
    src = FIXTURES / "store" / "pubmed20n0014_refs_a.xml.gz"
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "x.xml.gz").write_bytes(src.read_bytes())
    one = build([src], BuildOptions(out=tmp_path / "one", html=False))
    two = build([tmp_path / "a" / "x.xml.gz", tmp_path / "b" / "x.xml.gz"],
                BuildOptions(out=tmp_path / "two", html=False, jobs=jobs))  # fmt: skip
    assert two.superseded == one.articles > 20 and two.skipped == []
    works = "SELECT ?w WHERE { ?w a fabio:JournalArticle }"
    stores = [open_store(tmp_path / d / "graph.nt") for d in ("one", "two")]
    assert len(list(iter_select(stores[0], works))) == one.articles
    assert {str(r["w"]) for r in iter_select(stores[1], works)} == {
        str(r["w"]) for r in iter_select(stores[0], works)
    }
    files = "SELECT DISTINCT ?f WHERE { ?s citegraph:sourceFile ?f }"
    assert sorted(str(r["f"]) for r in iter_select(stores[1], files)) == ["x.xml.gz (2)"]


@pytest.mark.skipif(not PUBMED_XML.exists(), reason="needs ../shared/data")
def test_every_shared_pubmed_xml_file_builds_or_is_reported() -> None:
    files = sorted(p for p in PUBMED_XML.rglob("*") if p.suffix in (".xml", ".gz"))
    assert len(files) > 150
    for path in files:
        if detect(path).name != "pubmed-xml":
            continue
        try:
            records = list(read_pubmed_xml(path))
        except InputError as exc:  # a whole file unusable: it names the file
            assert str(path) in str(exc)
            continue
        for r in records:
            if isinstance(r, MalformedRecordError):
                assert r.file == str(path) and (r.line or r.record), r


@pytest.mark.skipif(not PUBMED_XML.exists(), reason="needs ../shared/data")
def test_nlm_sample_counts() -> None:
    """NLM's 2019 sample: 176 PubmedArticles with 24 reference lists of 599 references, and
    a DeleteCitation of 7 PMIDs."""
    records = _articles(PUBMED_XML / "fatcat__pubmedsample_2019.xml")
    assert len([a for a in records if a.deleted]) == 7
    arts = [a for a in records if not a.deleted]
    assert len(arts) == 176
    assert sum(1 for a in arts if a.references) == 24
    assert sum(len(a.references) for a in arts) == 599
    assert len({a.ids.pmid for a in arts}) == len(arts)


def test_repeated_mesh_headings_and_journals_are_made_once_per_file() -> None:
    """Equal MeSH headings, qualifiers and journals of one file are one shared (frozen)
    value, so a batch of records pickles each once; a second read of the file makes its
    own (no state kept between reads)."""
    path = FIXTURES / "store" / "pubmed20n0014_refs_a.xml.gz"
    first, again = _articles(path), _articles(path)
    headings = [h for a in first for h in a.mesh]
    by_value = {h: h for h in headings}
    assert len(by_value) < len(headings)  # real records repeat headings ("Humans", ...)
    assert all(h is by_value[h] for h in headings)
    qualifiers = [q for h in headings for q in h.qualifiers]
    one_each = {q: q for q in qualifiers}
    assert len(one_each) < len(qualifiers) and all(q is one_each[q] for q in qualifiers)
    humans = [h for a in first for h in a.mesh if h.name == "Humans" and not h.qualifiers]
    assert len(humans) > 1 and humans[0].ui == "D006801" and not humans[0].major
    journals = {id(a.journal) for a in first}
    assert len(journals) == len({a.journal for a in first}) < len(first)
    assert first == again and first[0].mesh[0] is not again[0].mesh[0]


def test_lines_past_65535_are_exact(tmp_path: Path) -> None:
    """libxml2 keeps an element's line in 16 bits; past line 65,535 a record came out one
    line late (its first text, a newline, ends on the next line). A file of 150 copies of a
    real record (about 75,000 lines), and a copy without its PMID at the end."""
    good = (FIXTURES / "metapub__pmid_28731372.xml").read_bytes()
    start, end = good.index(b"<PubmedArticle>"), good.rindex(b"</PubmedArticle>") + 16
    record = good[start:end] + b"\n"
    no_pmid = record.replace(b'<PMID Version="1">28731372</PMID>', b"")
    assert no_pmid != record
    head = good[:start]
    data = head + record * 150 + no_pmid + b"</PubmedArticleSet>\n"
    path = tmp_path / "big.xml"
    path.write_bytes(data)
    lines = [data.count(b"\n", 0, m.start()) + 1 for m in re.finditer(b"<PubmedArticle>", data)]
    assert len(lines) == 151 and lines[-1] > 70_000
    records = list(read_pubmed_xml(path))
    assert [r.source.line for r in records[:-1] if isinstance(r, Article) and r.source] == (
        lines[:-1]
    )
    err = records[-1]
    assert isinstance(err, MalformedRecordError) and err.record == 151
    assert err.line == lines[-1]
    assert f"record 151, line {lines[-1]}: record without a PMID" in str(err)


@pytest.mark.parametrize("gunzip", ["isal", "gzip"])
def test_gzip_files_read_the_same_with_isal_or_gzip_and_truncation_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gunzip: str
) -> None:
    """ISA-L's reader (the default) and the standard library's give the same records, and
    a file cut short (in its middle, in its first 5 kB, just before its end) keeps every
    record that ends before the cut and reports where it stopped."""
    from isal.igzip import IGzipFile

    import pipelines.readers.xmlutil as xmlutil

    assert xmlutil._GzipFile is IGzipFile  # (installed: the default)
    monkeypatch.setattr(xmlutil, "_GzipFile", IGzipFile if gunzip == "isal" else gzip.GzipFile)
    excerpt = FIXTURES / "store" / "pubmed20n0014_refs_a.xml.gz"
    expected = list(parse_pubmed_xml(gzip.decompress(excerpt.read_bytes()), file=str(excerpt)))
    assert list(read_pubmed_xml(excerpt)) == expected and len(expected) == 120
    packed = excerpt.read_bytes()

    def fields(a: Article | MalformedRecordError) -> object:
        assert isinstance(a, Article) and a.source is not None
        return a.ids, a.title, a.authors, a.mesh, a.references, a.source.record, a.source.line

    for size in (len(packed) // 2, 5_000, len(packed) - 100):
        cut = tmp_path / "cut.xml.gz"
        cut.write_bytes(packed[:size])
        # every record that ends before the cut (zlib's reading of the same bytes) is read
        before_cut = zlib.decompressobj(31).decompress(packed[:size])
        complete = before_cut.count(b"</PubmedArticle>")
        records = list(read_pubmed_xml(cut))
        *good, last = records
        assert isinstance(last, MalformedRecordError), last
        assert last.message.startswith("cannot read on:") and last.file == str(cut)
        assert last.record == complete + 1 and len(good) == complete > 0
        assert [fields(a) for a in good] == [fields(a) for a in expected[:complete]]

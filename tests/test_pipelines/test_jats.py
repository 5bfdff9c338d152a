"""The JATS reader on real PMC and publisher articles: front matter, reference lists, entities,
bad input, detection, every JATS file of ../shared/data, and a build through the CLI."""

from __future__ import annotations

import gzip
import json
import zlib
from collections import Counter
from pathlib import Path

import pytest
import rdflib
from lxml import etree
from rdflib import URIRef
from typer.testing import CliRunner

from graph.errors import InputError, MalformedRecordError
from graph.model import Article, Grant, PubDate
from graph.vocab import PREFIXES
from pipelines.cli import app
from pipelines.readers import detect, read_head
from pipelines.readers.jats import parse_jats, read_jats, rendered_text, sniff_jats
from tests.conftest import FIXTURES, SHARED_DATA

PMC_JATS = SHARED_DATA / "pmc_jats"
PUBMED_XML = SHARED_DATA / "pubmed_xml"
PMC_EFETCH = (
    SHARED_DATA
    / "eutils"
    / "biocommons_cassettes"
    / "biocommons_eutils__test_eutils_xmlfacades_pubmedcentralarticle_PMC3299399.body0.xml"
)
SPRINGER = FIXTURES / "pubchunks__pubmed_full_3.xml"  # element-citation, PMC front matter
COPERNICUS = FIXTURES / "pubchunks__copernicus_1.xml"  # plain-text mixed-citation
MDPI_LEGACY = FIXTURES / "pubchunks__mdpi_2.xml"  # NLM 2.3 legacy <citation>
F1000 = FIXTURES / "pubchunks__f1000research_1.xml"  # funding-group, sub-articles
NS = {k: rdflib.Namespace(v) for k, v in PREFIXES.items()}
needs_shared = pytest.mark.skipif(not PMC_JATS.exists(), reason="needs ../shared/data")
runner = CliRunner()


def _article(path: Path) -> Article:
    (record,) = list(read_jats(path))
    assert isinstance(record, Article), record
    return record


def _cited_refs(path: Path) -> int:
    """The ``ref`` elements of a file that carry a citation, counted with plain lxml."""
    root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    tags = {"mixed-citation", "element-citation", "citation", "nlm-citation"}
    return sum(1 for ref in root.iter("ref") if any(c.tag in tags for c in ref.iter()))


# --- front matter ------------------------------------------------------------------------


def test_front_matter_of_a_pmc_article() -> None:
    a = _article(SPRINGER)
    assert (a.ids.pmid, a.ids.pmcid, a.ids.doi) == (
        "28405917",
        "PMC5608867",
        "10.1007/s12529-016-9630-3",
    )
    assert a.ids.pii == "9630"  # article-id pub-id-type="publisher-id"
    assert a.title == (
        "Key Intervention Characteristics in e-Health: Steps Towards Standardized Communication"
    )
    assert a.journal is not None
    assert a.journal.title == "International Journal of Behavioral Medicine"
    assert a.journal.abbreviation == "Int J Behav Med"
    assert (a.journal.issn_print, a.journal.issn_electronic) == ("1070-5503", "1532-7558")
    assert a.journal.publisher == "Springer US"
    # pub-date epub 2017-04-12 is preferred to ppub (2017) and pmc-release
    assert a.pub_date == PubDate(2017, 4, 12)
    assert (a.volume, a.issue, a.first_page, a.last_page) == ("24", "5", "659", "664")
    assert a.publication_types == ("research-article",)
    assert a.source is not None and (a.source.format, a.source.record) == ("jats", 1)


def test_authors_initials_and_affiliations_by_xref() -> None:
    a = _article(SPRINGER)
    assert len(a.authors) == 12 and a.authors_complete
    first = a.authors[0]
    assert (first.name, first.family, first.given, first.initials) == (
        "Bewick BM",
        "Bewick",
        "Bridgette M.",
        "BM",
    )
    # institution-wrap: the ISNI and GRID institution-ids are not part of the text
    assert first.affiliations == ("University of Leeds, Leeds, UK",)
    hoybye = a.authors[2]
    assert hoybye.name == "Høybye MT"
    assert hoybye.affiliations == (
        "Interdisciplinary Research Unit, Elective Surgery Center, Regional Hospital "
        "Silkeborg, Silkeborg, Denmark",
        "Department of Clinical Medicine, Aarhus University, Aarhus, Denmark",
    )
    assert a.authors[-1].name == "Berman AH" and a.authors[-1].given == "Anne H"


def test_structured_abstract_keywords_and_language() -> None:
    a = _article(SPRINGER)
    assert a.abstract is not None
    lines = a.abstract.split("\n")
    assert [line.split(":", 1)[0] for line in lines] == [
        "Purpose",
        "Methods",
        "Results",
        "Conclusions",
    ]
    assert lines[0].startswith("Purpose: This paper reports expert opinion on e-health")
    assert [k.text for k in a.keywords] == [
        "e-Health intervention",
        "Technology",
        "Behavior",
        "Guideline",
        "Standardized reporting",
    ]
    assert all(k.owner is None for k in a.keywords)  # kwd-group without kwd-group-type
    assert a.language is None
    legacy = _article(MDPI_LEGACY)
    assert legacy.language == "en"  # xml:lang="en" on <article>
    assert legacy.title == (
        "Folate Status of Reproductive Age Women and Neural Tube Defect Risk: The Effect of "
        "Long-Term Folic Acid Supplementation at Doses of 140 µg and 400 µg per Day"
    )


def test_copernicus_front_matter_and_no_break_spaces() -> None:
    a = _article(COPERNICUS)
    assert a.ids.doi == "10.5194/asr-12-23-2015" and a.ids.pmid is None
    assert a.title == "Quality control of 10-min soil temperatures data at RMI"
    # <surname>González&#160;Sotelino</surname>: the no-break space reads as a space
    assert [x.name for x in a.authors] == ["Bertrand C", "González Sotelino L", "Journée M"]
    assert a.authors[1].family == "González Sotelino"
    assert a.journal is not None and a.journal.abbreviation == "Adv. Sci. Res."
    assert a.journal.publisher == "Copernicus GmbH"
    assert a.pub_date == PubDate(2015, 3, 6)
    assert a.publication_types == ()  # the article carries no article-type


def test_funding_groups_give_one_grant_per_award_id() -> None:
    """F1000Research: an award-group with a plain funding-source and no award-id, and one
    with two award-ids; Springer: an institution-wrap (the name, not the wrap's text)."""
    ars = {"agency": "Agricultural Research Service", "funder_id": "10.13039/100007917"}
    assert _article(F1000).grants == (  # the ARS funder DOI from the award-group's xlink:href
        Grant("rOpenSci"),
        Grant(grant_id="2027-22000-039-00", **ars),
        Grant(grant_id="2072-22000-039-15-S", **ars),
    )
    assert _article(SPRINGER).grants == (Grant("University of Leeds"),)


@needs_shared
def test_funder_registry_ids_are_not_part_of_the_funder_name() -> None:
    """PLOS: institution-id funder-id "http://dx.doi.org/10.13039/..." beside the name."""
    a = _article(PMC_JATS / "pubchunks__plos_1.xml")
    assert a.grants == (
        Grant("Natural Sciences and Engineering Research Council of Canada", "1303409",
              funder_id="10.13039/501100000038"),
        Grant("Geological Society of America", "10536-14", funder_id="10.13039/100005720"),
    )  # fmt: skip


@needs_shared
def test_kitchen_sink_orcid_collabs_and_byline() -> None:
    a = _article(PMC_JATS / "elife_tools__elife-kitchen-sink.xml")
    assert a.ids.doi == "10.7554/elife.00013" and a.ids.pii == "00013"
    assert a.title == (
        "Bacterial regulation of colony development in the closest living relatives of animals"
    )
    # contrib-type="author" only: the editor and the "author non-byline" group members are out
    assert [x.name for x in a.authors] == [
        "Alegado RA",
        "Brown LW",
        "Cao S",
        "Dermenjian RK",
        "Zuzow R",
        "Fairclough SR",
        "Clardy J",
        "King N",
        "NISC Comparative Sequencing Program",
        "eLife staff group",
    ]
    assert [x.collective for x in a.authors].count(True) == 2
    assert a.authors[1].orcid == "0000-0002-7361-560X"  # http://orcid.org/0000-0002-7361-560X
    assert a.authors[0].affiliations == (
        "Department of Molecular and Cell Biology, University of California, Berkeley, "
        "Berkeley, United States",
        "Department of Biological Chemistry and Molecular Pharmacology, Harvard Medical "
        "School, Boston, United States",
    )
    # the electronic publication date (full) over the collection year
    assert a.pub_date == PubDate(2014, 2, 28)
    assert (a.volume, a.article_number) == ("3", "e00013")
    assert a.journal is not None and a.journal.issn_electronic == "2050-084X"
    assert [(k.text, k.owner) for k in a.keywords][:2] == [
        ("Salpingoeca rosetta", "author-keywords"),
        ("Algoriphagus", "author-keywords"),
    ]
    assert ("C. elegans", "research-organism") in [(k.text, k.owner) for k in a.keywords]
    # the main abstract (not the eLife digest), <sup>-15</sup> inline, the DOI line left out
    assert a.abstract is not None
    assert a.abstract.startswith("Bacterially-produced small molecules exert profound")
    assert "(femtomolar, or 10-15M)" in a.abstract
    assert a.abstract.endswith(
        "animals.\nClinical trial registration: ISRCTN76742797 and EudraCT2004-000446-20."
    )
    assert "eLife digest" not in a.abstract and "DOI:" not in a.abstract


@needs_shared
def test_title_with_subtitle_and_ppub_month_precision() -> None:
    a = _article(PMC_JATS / "pubchunks__pubmed_full_1.xml")
    assert a.title == (
        "Exercise and Type 2 Diabetes: The American College of Sports Medicine and the "
        "American Diabetes Association: joint position statement"
    )
    assert a.pub_date == PubDate(2010, 12)  # only <pub-date pub-type="ppub"> month + year
    assert (a.first_page, a.last_page) == ("e147", "e167")
    # leading <sup>1</sup> marks are not part of the affiliation
    assert a.authors[0].affiliations == (
        "Human Movement Sciences Department, Old Dominion University, Norfolk, Virginia",
    )


@needs_shared
def test_pmc_efetch_answer() -> None:
    """An efetch db=pmc answer: a pmc-articleset holding one article."""
    a = _article(PMC_EFETCH)
    assert (a.ids.pmid, a.ids.pmcid, a.ids.doi) == (
        "22416237",
        "PMC3299399",
        "10.3389/fpsyt.2012.00018",
    )
    assert a.title == "The Effects of Psychosis Risk Variants on Brain Connectivity: A Review"
    assert a.publication_types == ("review-article",)
    assert a.journal is not None and a.journal.abbreviation == "Front Psychiatry"
    assert [x.name for x in a.authors] == ["Mothersill O", "Kelly S", "Rose EJ", "Donohoe G"]
    assert len(a.references) == 76 == _cited_refs(PMC_EFETCH)
    assert a.references[0].ids.pmid == "17088422"


# --- references --------------------------------------------------------------------------


def test_element_citations_of_a_pmc_article() -> None:
    a = _article(SPRINGER)
    assert len(a.references) == 11 == _cited_refs(SPRINGER)
    assert [r.ordinal for r in a.references] == list(range(1, 12))
    r = a.references[0]
    assert r.raw == (
        "Riper H van Straten A Keuken M Curbing problem drinking with personalized-feedback "
        "interventions: a meta-analysis Am J Prev Med 2009 36 247 255 "
        "10.1016/j.amepre.2008.10.016 19215850"
    )
    assert r.authors == ("Riper H", "van Straten A", "Keuken M")
    assert not r.authors_complete  # <etal/>
    assert (
        r.title
        == "Curbing problem drinking with personalized-feedback interventions: a meta-analysis"
    )
    assert (r.journal, r.year, r.volume, r.first_page, r.last_page) == (
        "Am J Prev Med",
        2009,
        "36",
        "247",
        "255",
    )
    assert (r.ids.pmid, r.ids.doi) == ("19215850", "10.1016/j.amepre.2008.10.016")
    assert r.publication_type == "journal"
    assert a.references[3].ids.pmid is None and a.references[3].ids.doi == "10.7326/m15-0285"
    assert a.references[6].authors[-1] == "for the WHO mHealth Technical Evidence Review Group"
    assert sum(1 for r in a.references if r.ids.pmid) == 10


def test_plain_mixed_citations_are_parsed() -> None:
    """Copernicus' mixed-citations are text with no field markup but an ext-link DOI."""
    a = _article(COPERNICUS)
    assert len(a.references) == 9 == _cited_refs(COPERNICUS)
    r = a.references[0]
    assert r.raw == (
        "Bertrand, C., Gonzalez Sotelino, L., and Journée, M.: Quality control of 10-min air "
        "temperature data at RMI, Adv. Sci. Res., 10, 1–5, 10.5194/asr-10-1-2013, 2013."
    )
    assert r.authors == ("Bertrand C", "Gonzalez Sotelino L", "Journée M")
    assert r.title == "Quality control of 10-min air temperature data at RMI"
    assert (r.journal, r.year, r.volume, r.first_page, r.last_page) == (
        "Adv. Sci. Res.",
        2013,
        "10",
        "1",
        "5",
    )
    assert r.ids.doi == "10.5194/asr-10-1-2013"  # ext-link ext-link-type="DOI"
    assert a.references[2].authors[0] == "de Jeu RAM"


def test_legacy_element_only_citations() -> None:
    a = _article(MDPI_LEGACY)
    assert len(a.references) == 49 == _cited_refs(MDPI_LEGACY)
    gov = a.references[0]
    assert gov.publication_type == "gov"  # citation-type
    assert gov.authors == (
        "Department of Health Scottish Office Home and Health Department, Welsh Office, "
        "Department of Health and Social Services, Northern Ireland",
    )
    # a report named by its <source>: that is its title, not a journal
    assert gov.title == (
        "Report from an Expert Advisory Group on Folic Acid and the Prevention of Neural Tube "
        "Defects"
    )
    assert gov.journal is None and gov.year == 1992
    r = a.references[4]
    assert r.authors == ("Mulinare J", "Cordero JF", "Erickson JD", "Berry RJ")  # "J.F."
    assert (r.journal, r.year, r.volume, r.first_page, r.last_page) == (
        "JAMA",
        1988,
        "260",
        "3141",
        "3145",
    )
    assert sum(1 for r in a.references if r.ids.pmid) == 5


@needs_shared
def test_pmids_of_the_pubmed_full_reference_list() -> None:
    """295 mixed-citations; 284 carry a pub-id PMID (a grep for pub-id-type="pmid" counts
    285: the article's own <article-id pub-id-type="pmid"> matches too)."""
    path = PMC_JATS / "pubchunks__pubmed_full_1.xml"
    a = _article(path)
    assert len(a.references) == 295 == _cited_refs(path)
    pmids = [r.ids.pmid for r in a.references if r.ids.pmid]
    assert len(pmids) == 284 == len(set(pmids))
    assert pmids[:3] == ["10912903", "11912800", "14693927"]
    assert pmids[-3:] == ["8897005", "17126770", "16376202"]
    assert a.ids.pmid == "21115758" and a.ids.pmid not in pmids
    first = a.references[0]
    assert first.raw == (
        "Albright A Franz M Hornsby G: American College of Sports Medicine. Position Stand: "
        "exercise and type 2 diabetes. Med Sci Sports Exerc 2000;32(7):1345–60 10912903"
    )
    assert (first.issue, first.first_page, first.last_page) == ("7", "1345", "1360")
    assert not first.authors_complete
    assert a.references[12].ids.pmid is None  # Barnard 1992: no pub-id
    assert a.references[12].journal == "J Cardiopulm Rehabil"


@needs_shared
def test_kitchen_sink_element_citation_types() -> None:
    path = PMC_JATS / "elife_tools__elife-kitchen-sink.xml"
    refs = _article(path).references
    assert len(refs) == 103 == _cited_refs(path)
    assert Counter(r.publication_type for r in refs) == Counter(
        {"journal": 93, "book": 6, "conference": 1, "other": 1, "data": 1, "program": 1}
    )
    assert sum(1 for r in refs if r.ids.doi) == 77
    chapter = refs[43]
    assert chapter.publication_type == "book" and chapter.authors == ("Horn G",)  # not the editor
    assert chapter.title == (
        "Cerebral function and behaviour investigated through a study of filial imprinting"
    )
    assert chapter.journal == (
        "The development and integration of behaviour: essays in honour of Robert Hinde"
    )
    assert (chapter.year, chapter.first_page, chapter.last_page) == (1991, "121", "148")
    edited = refs[34]  # Garrity GM is the book's editor, not an author
    assert edited.authors == () and edited.title is not None
    assert edited.title.startswith("Bergey’s manual of systematic bacteriology")
    assert refs[0].title == "Chemical Communication: The Language Of Pheromones"
    assert refs[0].journal is None and refs[0].year == 1992
    assert (refs[1].first_page, refs[1].last_page) == ("986", "992")  # <lpage>92</lpage>
    data = refs[62]
    assert data.publication_type == "data" and data.authors == ("Ly T", "Endo A", "Lamond AI")
    assert data.journal == "RCSB Protein Data Bank"
    # "et al." inside a title does not make the author list incomplete
    assert refs[73].authors_complete and len(refs[73].authors) == 10


@needs_shared
def test_frontiers_legacy_citations() -> None:
    path = PMC_JATS / "pubchunks__frontiers_1.xml"
    refs = _article(path).references
    assert len(refs) == 56 == _cited_refs(path)
    assert sum(1 for r in refs if r.ids.doi) == 46
    assert sum(1 for r in refs if r.ids.pmid) == 34
    r = refs[1]
    assert r.authors == ("Aislabie J", "Jordan S", "Ayton J", "Klassen JL", "Barker GM",
                         "Turner S")  # fmt: skip
    assert r.title == (
        "Bacterial diversity associated with ornithogenic soil of the Ross Sea region, Antarctica"
    )
    assert (r.journal, r.year, r.volume, r.first_page, r.last_page) == (
        "Can. J. Microbiol.",
        2009,
        "55",
        "21",
        "36",
    )
    assert (r.ids.doi, r.ids.pmid) == ("10.1139/w08-118", "19190698")


@needs_shared
def test_reference_notes_keep_their_positions() -> None:
    """MDPI's ref-list holds two notes (refs 1 and 45) among 201 citations."""
    path = PMC_JATS / "pubchunks__mdpi_1.xml"
    a = _article(path)
    assert len(a.references) == 201 == _cited_refs(path)
    ordinals = [r.ordinal for r in a.references]
    assert ordinals == [n for n in range(1, 204) if n not in (1, 45)]
    assert a.ids.pmcid == "PMC3042718"


def test_rendered_text_spaces_field_boundaries() -> None:
    xml = (
        b"<mixed-citation><person-group><name><surname>Bo</surname><given-names>S</given-names>"
        b"</name></person-group>: <article-title>Renal damage</article-title>. <source>Diabet "
        b"Med</source><year>2005</year>;<volume>22</volume></mixed-citation>"
    )
    assert rendered_text(etree.fromstring(xml)) == "Bo S: Renal damage. Diabet Med 2005;22"


# --- entities and bad input ----------------------------------------------------------------


def test_dtd_entities_come_out_as_text() -> None:
    data = SPRINGER.read_bytes()
    assert data.startswith(b"<!DOCTYPE article PUBLIC")
    marked = data.replace(b"Key Intervention Characteristics", b"Key&nbsp;Intervention&ndash;X")
    (a,) = list(parse_jats(marked, file="entities.xml"))
    assert isinstance(a, Article) and a.title is not None
    assert a.title.startswith("Key Intervention–X in e-Health")


def test_entities_without_a_doctype_are_recovered(tmp_path: Path) -> None:
    """Without a DOCTYPE &nbsp; is not well-formed; the file is read again as if it named a
    DTD: the records come out once each, in order, with their lines."""
    body = (FIXTURES / "pubchunks__pubmed_full_3.xml").read_bytes()
    article = body[body.index(b"<article ") :]
    second = article.replace(b"Key Intervention", b"Key&nbsp;Intervention")
    data = b"<pmc-articleset>" + article + b"\n" + second + b"</pmc-articleset>"
    path = tmp_path / "set.xml.gz"
    path.write_bytes(gzip.compress(data))
    records = list(read_jats(path))
    assert [type(r) for r in records] == [Article, Article]
    first, again = records
    assert isinstance(first, Article) and isinstance(again, Article)
    assert again.title == first.title  # the no-break space read as a space
    assert first.source is not None and again.source is not None
    assert (first.source.record, again.source.record) == (1, 2)
    assert again.source.line == first.source.line + article.count(b"\n") + 1


def test_a_gzip_file_cut_short_keeps_the_articles_before_the_cut(tmp_path: Path) -> None:
    """A pmc-articleset of three real articles, gzip-compressed and cut inside the third:
    the two before the cut come out whole, then the cut is reported as record 3."""
    body = (FIXTURES / "pubchunks__pubmed_full_3.xml").read_bytes()
    article = body[body.index(b"<article ") :]
    data = b"<pmc-articleset>" + b"\n".join([article] * 3) + b"</pmc-articleset>"
    packed = gzip.compress(data)

    def before(size: int) -> bytes:  # (zlib's own reading of the bytes before a cut)
        return zlib.decompressobj(31).decompress(packed[:size])

    # the cuts: the first and the last of the sizes whose bytes end inside the third article
    inside = [n for n, text in ((n, before(n)) for n in range(0, len(packed), 16))
              if text.count(b"</article>") == 2 and text.count(b"<article ") == 3]  # fmt: skip
    assert inside
    for size in (inside[0], inside[-1]):
        path = tmp_path / "set.xml.gz"
        path.write_bytes(packed[:size])
        *good, last = list(read_jats(path))
        assert [type(r) for r in good] == [Article, Article]
        assert isinstance(last, MalformedRecordError) and last.record == 3
        assert last.message.startswith("cannot read on:")


def test_declared_entities_are_never_expanded() -> None:
    data = (
        b'<!DOCTYPE article [<!ENTITY x SYSTEM "file:///etc/passwd">]><article><front>'
        b'<article-meta><article-id pub-id-type="pmid">7</article-id><title-group>'
        b"<article-title>T &x;</article-title></title-group></article-meta></front></article>"
    )
    (a,) = list(parse_jats(data, file="x.xml"))
    assert isinstance(a, Article) and a.title == "T &x;"


def test_a_truncated_file_reports_its_line_and_yields_nothing_half_read(tmp_path: Path) -> None:
    data = SPRINGER.read_bytes()
    cut = data.index(b'<ref id="CR6">')
    path = tmp_path / "cut.xml"
    path.write_bytes(data[:cut])
    (err,) = list(read_jats(path))
    assert isinstance(err, MalformedRecordError)
    assert err.file == str(path) and err.record == 1
    assert err.line == data[:cut].count(b"\n") + 1
    assert str(err).startswith(f"{path}: record 1, line {err.line}: not well-formed XML")


def test_good_articles_before_a_fault_still_come_out() -> None:
    body = SPRINGER.read_bytes()
    article = body[body.index(b"<article ") :]
    broken = article[: article.index(b"<back>")]
    data = b"<pmc-articleset>" + article + b"\n" + broken
    records = list(parse_jats(data, file="set.xml"))
    assert len(records) == 2
    assert isinstance(records[0], Article) and records[0].ids.pmid == "28405917"
    assert isinstance(records[1], MalformedRecordError)
    assert records[1].record == 2 and records[1].line is not None


def test_an_article_without_ids_or_title_is_reported_and_the_next_read() -> None:
    data = (
        b"<pmc-articleset>\n<article><front><article-meta><title-group><article-title/>"
        b"</title-group></article-meta></front></article>\n<article><front><article-meta>"
        b'<article-id pub-id-type="doi">10.1000/X</article-id></article-meta></front></article>'
        b"</pmc-articleset>"
    )
    err, art = list(parse_jats(data, file="s.xml"))
    assert str(err) == "s.xml: record 1, line 2: article without any identifier or title"
    assert isinstance(art, Article) and art.ids.doi == "10.1000/x"


# --- detection and the shared files ---------------------------------------------------------


def test_fixtures_are_detected_as_jats() -> None:
    for path in (SPRINGER, COPERNICUS, MDPI_LEGACY):
        assert detect(path).name == "jats"


@needs_shared
def test_detection_picks_jats_and_pubmed_xml() -> None:
    jats_files = sorted(PMC_JATS.glob("*.xml"))
    assert len(jats_files) == 23
    for path in [*jats_files, PMC_EFETCH]:
        assert detect(path).name == "jats", path
    pubmed_files = sorted(p for p in PUBMED_XML.rglob("*") if p.name.endswith((".xml", ".gz")))
    assert len(pubmed_files) > 190
    for path in pubmed_files:
        assert not sniff_jats(read_head(path)), path
        assert detect(path).name == "pubmed-xml", path


@needs_shared
def test_every_shared_jats_file_builds_or_is_reported() -> None:
    files = [*sorted(PMC_JATS.glob("*.xml")), PMC_EFETCH]
    articles = 0
    for path in files:
        try:
            records = list(read_jats(path))
        except InputError as exc:  # a whole file unusable: it names the file
            assert str(path) in str(exc)
            continue
        for r in records:
            if isinstance(r, MalformedRecordError):
                assert r.file == str(path) and (r.line or r.record), r
            else:
                articles += 1
                assert r.title and not r.ids.is_empty(), path
                assert len(r.references) == _cited_refs(path), path
    assert articles == 24


# --- through the pipeline -------------------------------------------------------------------


def test_build_a_jats_file_cites_pubmed_iris(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(SPRINGER), "--out", str(out), "--no-html"])
    assert result.exit_code == 0, result.output
    assert "Read 1 article from 1 file(s): 11 references, 5 keywords" in result.stdout
    report = json.loads((out / "report.json").read_text())
    assert (report["articles"], report["references"], report["keywords"]) == (1, 11, 5)
    assert report["skipped"] == []
    g = rdflib.Graph().parse(out / "graph.ttl", format="turtle")
    article = URIRef("https://identifiers.org/pubmed:28405917")
    rows = g.query("SELECT ?cited WHERE { ?a cito:cites ?cited }", initBindings={"a": article},
                   initNs=NS)  # fmt: skip
    cited = {str(r[0]) for r in rows}  # type: ignore[index]
    pmids = {r.ids.pmid for r in _article(SPRINGER).references if r.ids.pmid}
    assert len(pmids) == 10
    assert {c for c in cited if c.startswith("https://identifiers.org/pubmed:")} == {
        f"https://identifiers.org/pubmed:{p}" for p in pmids
    }
    assert "https://doi.org/10.7326/m15-0285" in cited and len(cited) == 11
    journal = g.value(article, NS["frbr"].partOf)
    assert journal is not None
    assert str(g.value(journal, NS["dcterms"].publisher)) == "Springer US"
    src = list(g.query("SELECT ?f WHERE { ?s citegraph:sourceFormat ?f }", initNs=NS))
    assert [str(r[0]) for r in src] == ["jats"]  # type: ignore[index]


def test_a_fault_in_a_file_without_doctype_has_its_column_as_in_the_file() -> None:
    body = SPRINGER.read_bytes()
    article = body[body.index(b"<article ") :]  # no DOCTYPE: the reader reads it twice
    at = article.index(b"<journal-meta>")
    assert b"\n" not in article[:at]
    faulty = article[:at] + b"</bogus>" + article[at:]
    with pytest.raises(etree.XMLSyntaxError) as plain:
        etree.fromstring(faulty)
    (err,) = list(parse_jats(faulty, file="f.xml"))
    assert isinstance(err, MalformedRecordError)
    assert plain.value.position[0] == err.line == 1
    assert f"not well-formed XML, column {plain.value.position[1]}: " in str(err)


@needs_shared
def test_article_type_types_the_work_in_rdf() -> None:
    from graph.rdf import article_triples

    review = _article(PMC_EFETCH)  # article-type="review-article"
    case = _article(PMC_JATS / "pubchunks__pubmed_full_2.xml")  # article-type="case-report"
    rdf_type = f"<{rdflib.RDF.type}>"
    for art, cls in ((review, "ReviewArticle"), (case, "CaseReport")):
        subject = f"<https://identifiers.org/pubmed:{art.ids.pmid}>"
        triple = (subject, rdf_type, f"<http://purl.org/spar/fabio/{cls}>")
        assert triple in set(article_triples(art)), art.publication_types

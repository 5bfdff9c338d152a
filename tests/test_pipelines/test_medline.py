"""The MEDLINE / .nbib reader on real records: every field, CRLF, bad input, JabRef's reading
of the same files, detection among the other readers, and the build through the command.

Values were read by eye from the files. JabRef's and rayyan's files are MIT (copied into
tests/fixtures); metaknowledge (GPL-2) and synthesisr (GPL-3) are read from ../shared/data.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Iterator
from itertools import combinations
from pathlib import Path

import networkx as nx
import pytest
import rdflib
from typer.testing import CliRunner

from graph.errors import InputError, MalformedRecordError, UnknownFormatError
from graph.model import (
    Article,
    Chemical,
    Grant,
    Identifiers,
    Journal,
    Keyword,
    MeshHeading,
    MeshQualifier,
    PubDate,
    RelatedArticle,
)
from graph.vocab import PREFIXES, mesh_name_iri, mesh_name_pair_iri
from pipelines.build import BuildOptions, build
from pipelines.cli import app
from pipelines.readers import detect, readers
from pipelines.readers.medline import parse_grant, parse_medline, read_medline, sniff_medline
from pipelines.references import split_pages
from tests.bibtex import bib_entries, bib_family
from tests.conftest import DATA, FIXTURES, SHARED_DATA

MEDLINE_TXT = SHARED_DATA / "medline_txt"
METAKNOWLEDGE = MEDLINE_TXT / "metaknowledge__medline_test.medline"
SYNTHESISR = MEDLINE_TXT / "synthesisr__PubMed_example.txt"
RAYYAN = FIXTURES / "rayyan__example1.nbib"
NBIB = FIXTURES / "jabref__NbibImporterTest.nbib"
COMPLETE = FIXTURES / "jabref__MedlinePlainImporterTestCompleteEntry.txt"
MULTIPLE = FIXTURES / "jabref__MedlinePlainImporterTestMultipleEntries.txt"
OUT_OF_BOUNDS = FIXTURES / "jabref__MedlinePlainImporterStringOutOfBounds.txt"
INVALID = FIXTURES / "jabref__MedlinePlainImporterTestInvalidFormat.xml"
needs_shared = pytest.mark.skipif(not MEDLINE_TXT.exists(), reason="needs ../shared/data")
NS = {k: rdflib.Namespace(v) for k, v in PREFIXES.items()}
runner = CliRunner()


def _articles(path: Path) -> list[Article]:
    out = []
    for r in read_medline(path):
        assert isinstance(r, Article), r
        out.append(r)
    return out


@pytest.fixture(scope="module")
def rayyan() -> list[Article]:
    return _articles(RAYYAN)


# ----------------------------------------------------------------------------- fields


@pytest.mark.skipif(
    not METAKNOWLEDGE.exists(), reason="needs ../shared/data (GPL file, not copied)"
)
def test_ids_title_journal_pages_and_date_of_a_full_record() -> None:
    """metaknowledge record 1: LID doi and pii, AID pii, IS Electronic/Linking, DP to the day."""
    a = next(r for r in read_medline(METAKNOWLEDGE) if isinstance(r, Article))
    assert a.ids == Identifiers(
        pmid="26524502", doi="10.1016/j.gene.2015.10.064", pii="S0378-1119(15)01297-4"
    )
    assert a.article_number == "S0378-1119(15)01297-4"  # the LID [pii], XML's ELocationID pii
    assert a.title == "Bioinformatic survey of ABC transporters in dermatophytes."
    assert a.journal == Journal(title="Gene", abbreviation="Gene", issn_electronic="1879-0038",
                                issn_linking="0378-1119", nlm_id="7706761")  # fmt: skip
    assert (a.volume, a.issue, a.first_page, a.last_page) == ("576", "1 Pt 3", "466", "475")
    assert a.pub_date == PubDate(2016, 1, 15)
    assert a.abstract is not None and a.abstract.startswith(
        "ATP binding cassette (ABC) transporters constitute a very large and ubiquitous "
    )
    assert "\n" not in a.abstract and "  " not in a.abstract
    assert [k.text for k in a.keywords] == [
        "ABC transporters", "Dermatophytes", "Drug resistance", "Phylogenetics",
    ]  # fmt: skip
    assert {k.owner for k in a.keywords} == {"NOTNLM"}
    assert a.source is not None and (a.source.format, a.source.record, a.source.line) == (
        "medline", 1, 2,  # the file starts with a blank line
    )  # fmt: skip


def test_authors_affiliations_language_vernacular_title(rayyan: list[Article]) -> None:
    a = rayyan[0]
    assert a.ids.pmid == "29952495"
    assert a.title == "Breast cancer: basics, screening, diagnostics and treatment."
    assert a.vernacular_title == "Grundlagen, Früherkennung, Diagnostik und Therapie."
    (author,) = a.authors
    assert (author.name, author.family, author.given, author.initials) == (
        "Wörmann B", "Wörmann", "Bernhard", "B",
    )  # fmt: skip
    assert author.affiliations == ("Medizinische Klinik mit Schwerpunkt Hämatologie",)
    assert a.language == "eng"  # LA eng, LA ger: the first, as the XML reader takes it
    assert a.publication_types == ("Journal Article", "Review")
    assert a.journal is not None and a.journal.issn_print == "0342-9601"
    assert a.journal.issn_linking == "0342-9601" and a.journal.title == (
        "Medizinische Monatsschrift fur Pharmazeuten"
    )
    assert a.pub_date == PubDate(2017, 2)
    assert (a.first_page, a.last_page) == ("55", "64")
    # RN - 0 (Antineoplastic Agents): "0" is no registry number
    assert a.chemicals == (Chemical("Antineoplastic Agents"),)


def test_title_continuation_lines_are_joined(rayyan: list[Article]) -> None:
    a = rayyan[3]
    assert a.ids == Identifiers(pmid="27533387", doi="10.7748/ns.30.51.15.s16")
    assert a.title == "Title that spans multiple lines for this particular research article"
    assert a.pub_date == PubDate(2000, text="2000 Nov-Dec")  # a range keeps year and text


def test_mesh_major_and_qualifiers(rayyan: list[Article]) -> None:
    second, third = rayyan[1], rayyan[2]
    assert (
        MeshHeading(
            "Breast Neoplasms",
            major=True,
            qualifiers=(
                MeshQualifier("diagnosis", major=True),
                MeshQualifier("genetics", major=True),
                MeshQualifier("therapy", major=True),
            ),
        )
        in second.mesh
    )
    assert MeshHeading("Genomics", major=True) in second.mesh  # "*Genomics"
    assert MeshHeading("Biomarkers, Tumor") in second.mesh
    assert all(h.ui is None and all(q.ui is None for q in h.qualifiers) for h in second.mesh)
    breast = next(h for h in third.mesh if h.name == "Breast Neoplasms")
    assert [(q.name, q.major) for q in breast.qualifiers] == [
        ("drug therapy", False), ("pathology", False), ("radiotherapy", False),
        ("surgery", False), ("therapy", True),
    ]  # fmt: skip
    assert breast.major  # a major qualifier makes the heading major (as the XML reader has it)
    assert MeshHeading("Humans") in third.mesh
    # a heading continued on the next line: "prevention &" / "control/psychology"
    sixth = rayyan[5]
    heading = next(h for h in sixth.mesh if h.name == "Breast Neoplasms")
    assert [q.name for q in heading.qualifiers] == [
        "diagnosis", "economics", "epidemiology", "mortality", "prevention & control",
        "therapy",
    ]  # fmt: skip
    assert (sixth.pub_date, sixth.ids.doi) == (
        PubDate(2011, text="2011 Nov-Dec"), "10.3322/caac.20134",
    )  # fmt: skip


def test_comments_corrections_as_related_articles(rayyan: list[Article]) -> None:
    a = rayyan[2]
    assert a.ids == Identifiers(pmid="20521754", pii="d8230")
    assert a.related == (
        RelatedArticle("CommentIn", Identifiers(pmid="20521750"),
                       "Am Fam Physician. 2010 Jun 1;81(11):1330-2"),
        RelatedArticle("CommentIn", Identifiers(pmid="20527363"),
                       "Am Fam Physician. 2010 Jun 1;81(11):1347-9"),
        RelatedArticle("CommentIn", Identifiers(pmid="21391514"),
                       "Am Fam Physician. 2011 Mar 1;83(5):502-6; author reply 507"),
        RelatedArticle("CommentIn", Identifiers(pmid="21391515"),
                       "Am Fam Physician. 2011 Mar 1;83(5):507; author reply 507"),
    )  # fmt: skip
    assert (a.first_page, a.last_page, a.pub_date) == ("1339", "1346", PubDate(2010, 6, 1))
    assert [x.name for x in a.authors] == ["Maughan KL", "Lutterbie MA", "Ham PS"]
    assert a.authors[0].affiliations == (
        "Department of Family Medicine, University of Virginia School of Medicine, "
        "Charlottesville, VA 22908, USA. kmaughan@virginia.edu",
    )
    assert a.authors[1].affiliations == ()


def test_every_relation_tag_is_named_as_the_xml_names_it() -> None:
    text = b"PMID- 1\nTI  - T.\n" + b"".join(
        tag + b" - Some J. 2001;1:1. PMID: " + str(n).encode() + b"\n"
        for n, tag in enumerate([b"EIN ", b"EFR ", b"RIN ", b"ROF ", b"CON ", b"UIN ",
                                 b"UOF ", b"RPI ", b"RPF ", b"CRI ", b"RRI "], start=2)
    ) + b"CIN - Other comment without a PMID\n"  # fmt: skip
    (a,) = parse_medline(text)
    assert isinstance(a, Article)
    assert [(r.relation, r.ids.pmid) for r in a.related] == [
        ("ErratumIn", "2"), ("ErratumFor", "3"), ("RetractionIn", "4"), ("RetractionOf", "5"),
        ("CommentOn", "6"), ("UpdateIn", "7"), ("UpdateOf", "8"), ("RepublishedIn", "9"),
        ("RepublishedFrom", "10"), ("CorrectedandRepublishedIn", "11"),
        ("RetractedandRepublishedIn", "12"),
    ]  # fmt: skip
    # (the XML reader, too, keeps only the links that name a PMID)


@pytest.mark.skipif(
    not METAKNOWLEDGE.exists(), reason="needs ../shared/data (GPL file, not copied)"
)
def test_orcid_collective_author_pmc_grants() -> None:
    """metaknowledge: AUID with an orcid.org URL, CN after the persons, PMC, GR."""
    by_pmid = {a.ids.pmid: a for a in _articles(METAKNOWLEDGE)}
    orcid = by_pmid["26433648"].authors[0]
    assert (orcid.name, orcid.given, orcid.orcid) == (
        "Oberbeckmann-Winter N", "Nicola", "0000-0001-9778-1920",
    )  # fmt: skip
    assert orcid.affiliations == (
        ", Tiergartenstrasse 17, 69121, Heidelberg, Germany. "
        "nicola.oberbeckmann-winter@springer.com.",
    )
    a = by_pmid["26516810"]
    assert a.ids == Identifiers(pmid="26516810", pmcid="PMC4684726",
                                doi="10.1097/spv.0000000000000215")  # fmt: skip
    assert len(a.authors) == 13  # 12 persons, then the group
    assert (a.authors[0].family, a.authors[0].given, a.authors[0].initials) == (
        "Visco", "Anthony G", "AG",
    )  # fmt: skip
    assert a.authors[0].affiliations[0].startswith("From the *Department of Obstetrics")
    assert a.authors[-1].name == "Pelvic Floor Disorders Network" and a.authors[-1].collective
    # GR - U10 HD041267/HD/NICHD NIH HHS/United States: GrantID/Acronym/Agency/Country
    assert a.grants == (Grant("NICHD NIH HHS", "U10 HD041267", "HD", "United States"),)
    assert a.pub_date == PubDate(2016, text="2016 Jan-Feb")
    assert (a.first_page, a.last_page) == ("24", "28")


def test_grants_with_slashes_in_their_number_and_registry_numbers() -> None:
    """jabref's complete entry: GR "/076053/Z/04/Z/Wellcome Trust/United Kingdom" (a number
    holding "/", an empty first part) and "076053/Wellcome Trust/United Kingdom"."""
    (a,) = _articles(COMPLETE)
    wellcome = ("Wellcome Trust", "United Kingdom")
    assert [(g.grant_id, g.agency, g.country) for g in a.grants] == [
        ("076053/Z/04/Z", *wellcome), ("076053", *wellcome),
    ]  # fmt: skip
    assert parse_grant("Wellcome Trust/United Kingdom") == Grant("Wellcome Trust", None, None,
                                                                 "United Kingdom")  # fmt: skip
    assert parse_grant("//") is None
    # RN - 0 (Antineoplastic Agents), 0 (Biomarkers, Tumor): names, and "0" is no number
    rayyan = {c for r in _articles(RAYYAN) for c in r.chemicals}
    assert rayyan == {Chemical("Antineoplastic Agents"), Chemical("Biomarkers, Tumor")}


def test_nbib_record_with_rare_tags() -> None:
    (a,) = _articles(NBIB)
    assert a.ids == Identifiers(pmid="27169098", doi="10.4103/2277-9175.180636", pii="ABR-5-67")
    assert a.title == "Proteomics: A new perspective for cancer."
    assert a.vernacular_title == "title that is transliterated"  # TT
    assert [(x.name, x.given) for x in a.authors] == [
        ("Shruthi BS", "Basavaradhya Sahukar"), ("Vinodhkumar P", "Palani"),
        ("Selvamani", None), ("corporater", None),
    ]  # fmt: skip
    # FAU "Selvamani" has no forename; CN is a collective author
    assert a.authors[3].collective and all(x.affiliations for x in a.authors[:3])
    assert a.journal == Journal(title="Advanced biomedical research", abbreviation="Adv Biomed Res",
                                issn_electronic="2277-9175", issn_linking="2277-9175",
                                nlm_id="101586897")  # fmt: skip
    assert (a.volume, a.first_page, a.last_page, a.pub_date) == ("5", "67", None, PubDate(2016))
    assert a.keywords[0] == Keyword("Biomarkers", owner="NOTNLM")
    # RN without a substance name: the number names it
    assert a.chemicals == (Chemical("123456789", registry_number="123456789"),)
    assert a.publication_types == ("Journal Article", "Review")


@pytest.mark.skipif(not SYNTHESISR.exists(), reason="needs ../shared/data (GPL file, not copied)")
def test_synthesisr_records() -> None:
    arts = _articles(SYNTHESISR)
    assert [a.ids.pmid for a in arts] == ["28441597", "30868313", "29967742"]
    first = arts[1].authors[0]
    assert (first.family, first.given, first.orcid) == ("Piqueray", "Julien",
                                                        "0000-0002-5930-8785")  # fmt: skip
    assert arts[1].keywords[0] == Keyword("Agri-environment Schemes", owner="NOTNLM", major=True)
    assert arts[2].ids.pmcid == "PMC6022731" and arts[2].first_page == "e5082"
    assert arts[0].pub_date == PubDate(2017, 11, 15)


@pytest.mark.parametrize(
    ("dp", "expected"),
    [
        ("2019 Jan 12", PubDate(2019, 1, 12)),
        ("2019 Jan", PubDate(2019, 1)),
        ("2019", PubDate(2019)),
        ("1998 Dec-1999 Jan", PubDate(1998, text="1998 Dec-1999 Jan")),
        ("2019 Spring", PubDate(2019, text="Spring")),  # as XML's <Season>Spring</Season>
        ("2013 06 10", PubDate(2013, 6, 10)),  # JabRef's numeric form
    ],
)
def test_publication_date_precision(dp: str, expected: PubDate) -> None:
    (a,) = parse_medline(f"PMID- 1\nTI  - T\nDP  - {dp}\n".encode())
    assert isinstance(a, Article) and a.pub_date == expected


def test_dep_is_the_date_when_there_is_no_dp() -> None:
    (a,) = parse_medline(b"PMID- 1\nTI  - T\nDEP - 20160419\n")
    assert isinstance(a, Article) and a.pub_date == PubDate(2016, 4, 19)


def test_old_record_with_the_affiliation_before_the_authors() -> None:
    """Pre-2014 MEDLINE puts the one AD before FAU; the XML gives it to the first author."""
    data = (
        b"PMID- 12230038\nTI  - The Bio* toolkits--a brief overview.\n"
        b"AD  - tacg Informatics, Irvine, CA 92612, USA. hjm@tacgi.com\n"
        b"FAU - Mangalam, Harry\nAU  - Mangalam H\nPMID- 16403221\nTI  - Second\n"
    )
    first, second = parse_medline(data)
    assert isinstance(first, Article) and isinstance(second, Article)
    assert first.authors[0].affiliations == (
        "tacg Informatics, Irvine, CA 92612, USA. hjm@tacgi.com",
    )
    assert second.ids.pmid == "16403221"  # a PMID line without a blank line before it


# ----------------------------------------------------------------------------- line ends, streaming


def test_crlf_gives_the_same_records_as_lf() -> None:
    data = RAYYAN.read_bytes()
    assert b"\r\n" in data
    crlf = list(parse_medline(data, file="x.nbib"))
    lf = list(parse_medline(data.replace(b"\r\n", b"\n"), file="x.nbib"))
    cr = list(parse_medline(data.replace(b"\r\n", b"\r"), file="x.nbib"))
    bom = list(parse_medline(b"\xef\xbb\xbf" + data, file="x.nbib"))
    assert len(crlf) == 10 and crlf == lf == cr == bom
    assert all(isinstance(a, Article) and "\r" not in (a.abstract or "") for a in crlf)


def test_gzip_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "r.nbib.gz"
    path.write_bytes(gzip.compress(RAYYAN.read_bytes()))
    assert detect(path).name == "medline"
    assert [a.ids for a in _articles(path)] == [a.ids for a in _articles(RAYYAN)]


def test_records_stream_one_at_a_time() -> None:
    """The first record comes out before the reader has seen the lines of the second."""
    from pipelines.readers.medline import _records

    seen: list[bytes] = []

    def lines() -> Iterator[bytes]:
        for n in range(1, 100_000):
            for line in (b"PMID- %d\n" % n, b"TI  - Title %d\n" % n, b"\n"):
                seen.append(line)
                yield line

    stream = _records(lines(), "big.nbib")  # type: ignore[arg-type]
    first = next(stream)
    assert isinstance(first, Article) and first.ids.pmid == "1"
    assert len(seen) <= 4  # record 1 and the line that ended it


@needs_shared
def test_metaknowledge_count_and_pmids() -> None:
    arts = _articles(METAKNOWLEDGE)
    assert len(arts) == 175
    assert all(a.ids.pmid and a.title for a in arts)
    assert len({a.ids.pmid for a in arts}) == 175
    assert [a.source.record for a in arts if a.source] == list(range(1, 176))


# ----------------------------------------------------------------------------- bad input


def test_a_line_without_its_dash_is_reported_and_both_records_read() -> None:
    """JabRef's StringOutOfBounds: "SO  invalid line" (no "- ") and "SO- another ..."."""
    records = list(read_medline(OUT_OF_BOUNDS))
    err, first, second = records
    assert isinstance(err, MalformedRecordError)
    assert str(err) == (
        f"{OUT_OF_BOUNDS}: record 1, line 3: neither a tag line nor a continuation, "
        "ignored: 'SO  invalid line'"
    )
    assert isinstance(first, Article) and isinstance(second, Article)
    assert (first.ids.pmid, first.title) == ("27433151", "This is a test title")
    # "TI  -This is also..." (no space after the dash) is still a title
    assert (second.ids.pmid, second.title) == ("27394443", "This is also a test title")


def test_multiple_entries_text_between_records_and_records_without_pmid() -> None:
    records = list(read_medline(MULTIPLE))
    kinds = [
        (type(r).__name__, r.record if isinstance(r, MalformedRecordError) else r.ids.pmid)
        for r in records
    ]
    assert kinds == [
        ("MalformedRecordError", 1), ("Article", "20481061"),
        ("MalformedRecordError", 2), ("Article", None), ("Article", "22664220"),
        ("Article", "22664238"), ("Article", "96578310"), ("Article", "45984220"),
    ]  # fmt: skip
    stray, _, no_id = records[0], records[1], records[2]
    assert isinstance(stray, MalformedRecordError) and isinstance(no_id, MalformedRecordError)
    assert (stray.line, stray.message) == (
        53, "neither a tag line nor a continuation, ignored: "
        "'This line should be omitted by the importer.'",
    )  # fmt: skip
    # "PMC -22664230" with "TI-" empty: no PMID and no title
    assert (no_id.line, no_id.message) == (55, "record without PMID and without title")
    titled = records[3]
    assert isinstance(titled, Article) and titled.source is not None
    assert titled.title is not None and titled.title.startswith("This is a Testtitle This title")
    assert titled.pub_date == PubDate(2010, 6) and titled.source.line == 77  # "DP - 2010   06"
    doi = records[4]
    assert isinstance(doi, Article) and doi.ids.doi == "10.1016/j.cpr.2005.02.002"  # "doi:..."


def test_not_medline_is_not_detected_and_read_directly_is_reported() -> None:
    with pytest.raises(UnknownFormatError):
        detect(INVALID)
    first, second = read_medline(INVALID)
    assert isinstance(first, MalformedRecordError) and isinstance(second, MalformedRecordError)
    assert str(first) == f"{INVALID}: record 1, line 1: not MEDLINE: no tag line ('PMC some PMC')"
    # "SO-something stands here": a (known) SO tag off the layout, in a record of its own
    assert (second.record, second.line, second.message) == (
        2, 5, "record without PMID and without title",
    )  # fmt: skip


def test_undecodable_bytes_are_one_records_fault_after_a_good_record() -> None:
    good = b"PMID- 1\nTI  - ok\n\n"
    records = list(parse_medline(good + b"PMID- 2\nTI  - caf\xe9\n\n" + good, file="f"))
    assert [type(r).__name__ for r in records] == ["Article", "MalformedRecordError", "Article"]
    assert str(records[1]) == "f: record 2, line 5: not UTF-8 text (column 10)"
    with pytest.raises(InputError, match=r"^f: line 2: not UTF-8 text"):
        list(parse_medline(b"PMID- 1\nTI  - caf\xe9\n", file="f"))  # not UTF-8 from the start
    with pytest.raises(InputError, match="empty file"):
        list(parse_medline(b"\n \n", file="f"))


def test_a_pmid_line_without_a_pmid_is_reported() -> None:
    (err,) = parse_medline(b"\n\nPMID- 12a\nTI  - T\n", file="f")
    assert str(err) == "f: record 1, line 3: PMID line holds no PMID: '12a'"


def test_truncated_gzip_keeps_the_records_before_the_fault(tmp_path: Path) -> None:
    packed = gzip.compress(RAYYAN.read_bytes())
    path = tmp_path / "cut.nbib.gz"
    path.write_bytes(packed[: len(packed) // 2])
    records = list(read_medline(path))
    assert isinstance(records[-1], MalformedRecordError)
    assert records[-1].message.startswith("cannot read on:")
    assert sum(isinstance(r, Article) for r in records) >= 3


@needs_shared
def test_every_shared_medline_file_reads_or_is_reported() -> None:
    files = sorted(p for p in MEDLINE_TXT.iterdir() if p.suffix != ".bib")
    assert len(files) == 12
    for path in files:
        try:
            records = list(read_medline(path))
        except InputError as exc:  # a whole file unusable: it names the file
            assert str(path) in str(exc)
            continue
        for r in records:
            if isinstance(r, MalformedRecordError):
                assert r.file == str(path) and r.record and r.line, r
            else:
                assert r.ids.pmid or r.title, r


# ----------------------------------------------------------------------------- JabRef


def _jabref_diffs(a: Article, bib: dict[str, str]) -> dict[str, tuple[object, object]]:
    """Where citegraph's article and JabRef's entry differ: ``{field: (ours, theirs)}``."""
    ours: dict[str, object] = {
        "title": a.title,
        "journal": a.journal.title if a.journal else None,
        "booktitle": a.journal.title if a.journal else None,
        "year": str(a.year) if a.year else None,
        "volume": a.volume,
        "pages": "-".join(p for p in (a.first_page, a.last_page) if p) or None,
        "doi": a.ids.doi,
        "pmid": a.ids.pmid,
        "author": [x.family or x.name for x in a.authors],
    }
    diffs: dict[str, tuple[object, object]] = {}
    for name, value in ours.items():
        if name not in bib:
            continue
        theirs: object = bib[name]
        if name == "author":
            theirs = [bib_family(x) for x in bib[name].split(" and ")]
        elif name == "doi":
            theirs = bib[name].lower()
        if value != theirs:
            diffs[name] = (value, theirs)
    return diffs


JABREF_PAIRS = sorted(
    p
    for p in MEDLINE_TXT.glob("jabref__*")
    if p.suffix != ".bib" and p.with_suffix(".bib").exists()
)


@needs_shared
def test_every_jabref_pair_is_compared() -> None:
    assert [p.name for p in JABREF_PAIRS] == [
        "jabref__MedlinePlainImporterStringOutOfBounds.txt",
        "jabref__MedlinePlainImporterTestCompleteEntry.txt",
        "jabref__MedlinePlainImporterTestDOI.txt",
        "jabref__MedlinePlainImporterTestInproceeding.txt",
        "jabref__MedlinePlainImporterTestMultiAbstract.txt",
        "jabref__MedlinePlainImporterTestMultiTitle.txt",
        "jabref__NbibImporterTest.nbib",
    ]


@needs_shared
@pytest.mark.parametrize("path", JABREF_PAIRS, ids=lambda p: p.name)
def test_agrees_with_jabref(path: Path) -> None:
    records = list(read_medline(path))
    articles = [r for r in records if isinstance(r, Article)]
    bibs = bib_entries(path.with_suffix(".bib"))
    assert bibs
    name = path.name
    if name == "jabref__MedlinePlainImporterTestMultiAbstract.txt":
        # JabRef makes an entry of "PMC -22664230" with empty TI and no PMID (journal, year,
        # abstract, editors, comment); citegraph reports a record with neither PMID nor title.
        (bib,) = bibs
        assert (bib["journal"], bib["year"], bib["abstract"]) == (
            "Test Journal", "2013", "Old Abstract\nnew abstract",
        )  # fmt: skip
        (err,) = records
        assert isinstance(err, MalformedRecordError) and (err.record, err.line) == (1, 1)
        assert err.message == "record without PMID and without title"
        return
    assert len(articles) == len(bibs)
    for a, bib in zip(articles, bibs, strict=True):
        diffs = _jabref_diffs(a, bib)
        for field, (ours, theirs) in diffs.items():
            print(f"{name}: {field} {ours!r} != {theirs!r}")
        if name == "jabref__MedlinePlainImporterStringOutOfBounds.txt":
            # JabRef appends the line after PMID to it: "27433151 SO  invalid line" (no "- ")
            # and "27394443 SO- another invalid line" (citegraph: an SO tag, ignored)
            assert set(diffs) == {"pmid"}
            assert isinstance(a.ids.pmid, str) and bib["pmid"].startswith(a.ids.pmid + " SO")
        elif name == "jabref__MedlinePlainImporterTestCompleteEntry.txt":
            # JabRef keeps MEDLINE's shortened range "454-81"; citegraph's last page is 481
            assert set(diffs) == {"pages"}
            assert split_pages(bib["pages"]) == (a.first_page, a.last_page) == ("454", "481")
        elif name == "jabref__MedlinePlainImporterTestMultiTitle.txt":
            # five TI lines: citegraph joins them with spaces (as a field's lines are joined);
            # JabRef puts ": " after a part that does not end in punctuation
            assert set(diffs) == {"title"}
            assert bib["title"] == (a.title or "").replace("Testtitle This", "Testtitle: This")
        elif name == "jabref__NbibImporterTest.nbib":
            # CN "corporater" is a collective author for citegraph (it ends the author list,
            # as CollectiveName does in the XML's AuthorList); JabRef keeps it apart.
            # JabRef's booktitle is CTI, the collection title of a book; citegraph does not
            # read it (nor the XML reader <CollectionTitle>): this is a journal article
            assert set(diffs) == {"author", "booktitle"}
            assert diffs["booktitle"] == ("Advanced biomedical research", "name of collection")
            ours, theirs = diffs["author"]
            assert isinstance(theirs, list) and ours == [*theirs, "corporater"]
            assert [x.family for x in a.authors[:3]] == ["Shruthi", "Vinodhkumar", "Selvamani"]
            assert a.authors[3].collective and bib["corporate"] == "corporater"
        else:  # DOI, Inproceeding: the same reading
            assert diffs == {}


# ----------------------------------------------------------------------------- detection


def _old_readers(path: Path) -> str:
    """What detection picked before the MEDLINE reader existed."""
    try:
        return detect(path, specs=tuple(s for s in readers() if s.name != "medline")).name
    except InputError:
        return "unknown"


def _now(path: Path) -> str:
    try:
        return detect(path).name
    except InputError:
        return "unknown"


MEDLINE_FIXTURES = [RAYYAN, NBIB, COMPLETE, MULTIPLE, OUT_OF_BOUNDS]


def test_detect_picks_medline_for_medline_files() -> None:
    shared = sorted(p for p in MEDLINE_TXT.glob("*") if p.suffix not in (".bib", ".xml"))
    assert len(shared) in (0, 11)
    for path in [*MEDLINE_FIXTURES, *shared]:
        assert _now(path) == "medline", path
        assert sniff_medline(path.read_bytes()[:65536]), path


def test_detect_keeps_every_other_file_with_its_reader() -> None:
    """data/, tests/fixtures and ../shared/data (when present): every file that is not one of
    the MEDLINE files is detected as before the MEDLINE reader existed."""
    roots = [DATA, FIXTURES, SHARED_DATA]
    files = sorted(p for root in roots if root.exists() for p in root.rglob("*") if p.is_file())
    medline = {*MEDLINE_FIXTURES, *(p for p in MEDLINE_TXT.glob("*") if p.suffix not in
                                      (".bib", ".xml"))}  # fmt: skip
    seen = set()
    for path in files:
        if path in medline:
            continue
        before = _old_readers(path)
        assert _now(path) == before, path
        seen.add(before)
    assert {"pubmed-page", "pubmed-abstract-text", "pubmed-xml"} <= seen
    assert _now(DATA / "pubmed-page-wjsc-2025-106856.txt") == "pubmed-page"
    assert not sniff_medline((DATA / "pubmed-page-wjsc-2025-106856.txt").read_bytes())
    export = FIXTURES / "pubmed_abstract_text_export__literature_networks_excerpt.txt"
    assert _now(export) == "pubmed-abstract-text" and not sniff_medline(export.read_bytes())
    assert not sniff_medline((FIXTURES / "metapub__pmid_28731372.xml").read_bytes())


# ----------------------------------------------------------------------------- the pipeline


def test_build_through_the_command(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(RAYYAN), "--out", str(out), "--no-html"])
    assert result.exit_code == 0, result.output
    assert "Read 10 articles from 1 file(s)" in result.stdout
    report = json.loads((out / "report.json").read_text())
    assert report["articles"] == 10 and report["skipped"] == []
    assert report["mesh_headings"] == 69
    g = rdflib.Graph().parse(out / "graph.ttl", format="turtle")
    rows = {
        (str(r[0]), str(r[1]))  # type: ignore[index]
        for r in g.query(
            """SELECT ?article ?label WHERE {
                 ?article fabio:hasPrimarySubjectTerm ?term . ?term skos:prefLabel ?label .
                 ?article fabio:hasSubjectTerm ?term . }""",
            initNs=NS,
        )
    }
    work = "https://identifiers.org/pubmed:28298516"
    assert {(work, "Breast Neoplasms"), (work, "Breast Neoplasms/diagnosis"),
            (work, "Genomics"), (work, "Precision Medicine")} <= rows  # fmt: skip
    assert (work, "Biomarkers, Tumor") not in rows  # indexed, not major
    term = rdflib.URIRef(mesh_name_iri("Breast Neoplasms"))
    pair = rdflib.URIRef(mesh_name_pair_iri("Breast Neoplasms", "diagnosis"))
    subjects = set(g.subjects(NS["fabio"].hasSubjectTerm, term))
    assert len(subjects) == 9  # of the 10 records, 9 are indexed with Breast Neoplasms
    assert (rdflib.URIRef(work), NS["dcterms"].subject, term) in g
    assert (rdflib.URIRef(work), NS["dcterms"].subject, pair) not in g  # pairs are no subject
    # comments link to the commented works; the source record is named
    treatment = rdflib.URIRef("https://identifiers.org/pubmed:20521754")
    assert set(g.objects(treatment, NS["cito"].isCommentedOnBy)) == {
        rdflib.URIRef(f"https://identifiers.org/pubmed:{n}")
        for n in ("20521750", "20527363", "21391514", "21391515")
    }
    assert {str(o) for o in g.objects(None, NS["citegraph"].sourceFormat)} == {"medline"}


def test_mesh_cooccurrence_query_and_mesh_layer(tmp_path: Path) -> None:
    from graph.sparql import load_query, run_query
    from graph.store import open_source

    result = build([RAYYAN], BuildOptions(out=tmp_path, html=False, layers=("mesh",)))
    assert result.articles == 10
    rows = run_query(open_source(tmp_path / "graph.nt"), load_query("mesh-cooccurrence")).rows
    counts = {(str(r[0].value), str(r[1].value)): int(r[2].value) for r in rows}  # type: ignore[union-attr]
    breast, female = str(mesh_name_iri("Breast Neoplasms")), str(mesh_name_iri("Female"))
    assert counts[tuple(sorted((breast, female)))] == 9  # every Breast Neoplasms record has Female  # type: ignore[index]
    # major-only: a descriptor is a major topic when it or one of its qualifiers is starred
    # ("Breast Neoplasms/*diagnosis"), as PubMed's [MAJR] reads it
    majors: Counter[tuple[str, str]] = Counter()
    for a in _articles(RAYYAN):
        starred = {str(mesh_name_iri(h.name)) for h in a.mesh
                   if h.major or any(q.major for q in h.qualifiers)}  # fmt: skip
        majors.update(combinations(sorted(starred), 2))
    rows = run_query(open_source(tmp_path / "graph.nt"), load_query("mesh-cooccurrence"),
                     {"major-only": "true"}).rows  # fmt: skip
    got = {(str(r[0].value), str(r[1].value)): int(r[2].value) for r in rows}  # type: ignore[union-attr]
    assert got == dict(majors) and got[tuple(sorted((breast, str(mesh_name_iri("Genomics")))))]
    graph = nx.read_graphml(tmp_path / "citations.graphml")
    assert graph.nodes[breast]["kind"] == "mesh"  # the layer's node is the RDF's term
    assert graph.nodes[breast]["label"] == "Breast Neoplasms"


def test_a_directory_with_bad_medline_records_builds_the_rest_and_exits_3(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for path in (OUT_OF_BOUNDS, MULTIPLE, INVALID):
        (src / path.name).write_bytes(path.read_bytes())
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(src), "--out", str(out), "--no-html"])
    assert result.exit_code == 3, result.output
    report = json.loads((out / "report.json").read_text())
    assert report["articles"] == 2 + 6
    skipped = {(s["file"].rsplit("/", 1)[-1], s["record"], s["line"]) for s in report["skipped"]}
    assert skipped == {
        (OUT_OF_BOUNDS.name, 1, 3), (MULTIPLE.name, 1, 53), (MULTIPLE.name, 2, 55),
        (INVALID.name, None, None),  # not MEDLINE (nor any format): the file is skipped
    }  # fmt: skip
    assert f"{src / MULTIPLE.name}: record 2, line 55: record without PMID" in result.stderr

"""The reference-string parser: the seed page's references and real JATS mixed-citations."""

from __future__ import annotations

import gzip
import unicodedata
from pathlib import Path

import pytest
from lxml import etree

from graph.model import Identifiers
from pipelines.readers.jats import rendered_text
from pipelines.readers.xmlutil import hardened_parser
from pipelines.references import _split_pages, parse_reference, split_pages

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "data" / "pubmed-page-wjsc-2025-106856.txt"
JATS = REPO.parent / "shared" / "data" / "pmc_jats"


def _seed_references() -> list[str]:
    lines = SEED.read_text(encoding="utf-8").split("\n")
    return [ln.strip() for ln in lines if ln.startswith("    1. ")]


def test_seed_reference_one() -> None:
    ref = parse_reference(_seed_references()[0], ordinal=1)
    assert ref.ordinal == 1
    assert ref.authors == ("Popoviciu MS", "Kaka N", "Sethi Y", "Patel N", "Chopra H", "Cavalu S")
    assert ref.authors_complete is True
    assert ref.title == (
        "Type 1 Diabetes Mellitus and Autoimmune Diseases: A Critical Review of the "
        "Association and the Application of Personalized Medicine"
    )
    assert (ref.journal, ref.year, ref.volume, ref.issue) == ("J Pers Med", 2023, "13", None)
    assert (ref.first_page, ref.last_page) == ("422", None)
    assert ref.has_pmc_record and ref.has_pubmed_record
    assert ref.raw == (
        "Popoviciu MS, Kaka N, Sethi Y, Patel N, Chopra H, Cavalu S. Type 1 Diabetes Mellitus "
        "and Autoimmune Diseases: A Critical Review of the Association and the Application of "
        "Personalized Medicine. J Pers Med. 2023;13:422."
    )
    assert ref.first_author_family() == "Popoviciu"


def test_seed_references_all_five() -> None:
    refs = [parse_reference(t, ordinal=i) for i, t in enumerate(_seed_references(), 1)]
    assert [r.journal for r in refs] == [
        "J Pers Med",
        "Cell",
        "Hum Cell",
        "Cells",
        "Biomed Pharmacother",
    ]
    assert [r.year for r in refs] == [2023, 2024, 2024, 2023, 2023]
    assert [r.volume for r in refs] == ["13", "187", "37", "12", "168"]
    assert [(r.first_page, r.last_page) for r in refs] == [
        ("422", None),
        ("6152", "6164.e18"),
        ("54", "84"),
        ("2423", None),
        ("115734", None),
    ]
    assert [len(r.authors) for r in refs] == [6, 35, 5, 5, 9]
    assert refs[3].authors[-1] == "Shapiro AMJ"
    assert refs[4].title == (
        "Diabetes mellitus: Classification, mediators, and complications; A gate to identify "
        "potential targets for the development of new effective treatments"
    )
    assert [r.has_pmc_record for r in refs] == [True, False, False, True, False]


@pytest.mark.parametrize(
    ("text", "authors", "title", "journal", "year", "volume", "issue", "pages"),
    [
        (  # PMC: space-separated authors, colon, bare PMID at the end
            "Bo S Ciccone G Rosato R: Renal damage in patients with type 2 diabetes: a strong "
            "predictor of mortality. Diabet Med 2005; 22 (3): 258–65 15717872",
            ("Bo S", "Ciccone G", "Rosato R"),
            "Renal damage in patients with type 2 diabetes: a strong predictor of mortality",
            "Diabet Med",
            2005,
            "22",
            "3",
            ("258", "265"),
        ),
        (  # Pensoft: author-year
            "Barrett RL (2013) Ecological importance of sedges: a survey of the Australasian "
            "Cyperaceae genus Lepidosperma. Annals of Botany 111: 499-529. doi: "
            "10.1093/aob/mct008",
            ("Barrett RL",),
            "Ecological importance of sedges: a survey of the Australasian Cyperaceae genus "
            "Lepidosperma",
            "Annals of Botany",
            2013,
            "111",
            None,
            ("499", "529"),
        ),
        (  # Copernicus: "Surname, I. I., and Surname, I.: Title, Journal, vol, pages, year."
            "Best, M. J., Cox, P. M., and Warrilow, D.: determining the optimal soil "
            "temperature scheme for atmospheric modeling applications, Bound.-Lay. Meteorol., "
            "114, 111–142, 2005.",
            ("Best MJ", "Cox PM", "Warrilow D"),
            "determining the optimal soil temperature scheme for atmospheric modeling applications",
            "Bound.-Lay. Meteorol.",
            2005,
            "114",
            None,
            ("111", "142"),
        ),
        (  # PLOS Vancouver with a multi-word journal containing a comma
            "Kidwell SM. Taphonomic comparison of passive and active continental margins: "
            "neogene shell beds of the atlantic coastal plain and northern Gulf of California. "
            "Palaeogeography, Palaeoclimatology, Palaeoecology. 1988;63:201–223.",
            ("Kidwell SM",),
            "Taphonomic comparison of passive and active continental margins: neogene shell "
            "beds of the atlantic coastal plain and northern Gulf of California",
            "Palaeogeography, Palaeoclimatology, Palaeoecology",
            1988,
            "63",
            None,
            ("201", "223"),
        ),
    ],
)
def test_publisher_styles(
    text: str,
    authors: tuple[str, ...],
    title: str,
    journal: str,
    year: int,
    volume: str,
    issue: str | None,
    pages: tuple[str, str],
) -> None:
    ref = parse_reference(text, ordinal=7)
    assert ref.ordinal == 7
    assert ref.authors == authors
    assert ref.title == title
    assert ref.journal == journal
    assert (ref.year, ref.volume, ref.issue) == (year, volume, issue)
    assert (ref.first_page, ref.last_page) == pages


def test_et_al_identifiers_and_suffix() -> None:
    ref = parse_reference(
        "Feely RA, Sabine CL, Lee K, Berelson W, Kleypas J, Fabry VJ, et al. Impact of "
        "anthropogenic CO2 on the CaCO3 system in the oceans. Science. 2004;305(5682):362–6. "
        "doi: 10.1126/science.1097329 15256664"
    )
    assert ref.authors_complete is False and len(ref.authors) == 6
    assert ref.ids == Identifiers(pmid="15256664", doi="10.1126/science.1097329")
    assert (ref.issue, ref.first_page, ref.last_page) == ("5682", "362", "366")
    jr = parse_reference(
        "Loeblich AR Jr, Tappan H. Suprageneric classification of the Foraminiferida "
        "(Protozoa). Micropaleontology. 1984:1–70."
    )
    assert jr.authors == ("Loeblich AR", "Tappan H")
    assert (jr.journal, jr.year, jr.volume, jr.first_page) == ("Micropaleontology", 1984, None, "1")


def test_reference_without_title_and_text_without_fields() -> None:
    bare = parse_reference("Kumar D et al. World J Stem Cells. 2025;17:106856.")
    assert (bare.title, bare.journal, bare.first_page) == (None, "World J Stem Cells", "106856")
    assert bare.authors == ("Kumar D",) and not bare.authors_complete
    empty = parse_reference("   ", ordinal=3)
    assert (empty.raw, empty.ordinal, empty.authors, empty.title, empty.year) == (
        "",
        3,
        (),
        None,
        None,
    )


def test_split_pages() -> None:
    assert split_pages("1345–60") == ("1345", "1360")
    assert split_pages("E106–E17") == ("E106", "E117")
    assert split_pages("D633–42") == ("D633", "D642")
    assert split_pages("6152–6164.e18") == ("6152", "6164.e18")
    assert split_pages(None) == (None, None)


def _real_page_ranges() -> list[str]:
    """Every MedlinePgn of the bundled baseline excerpts (real records), and of ../shared's
    baseline sample where it is beside the repository."""
    files = sorted((REPO / "tests" / "fixtures" / "store").glob("*.xml.gz"))
    files += sorted((REPO.parent / "shared" / "data" / "pubmed_xml").glob("*.xml.gz"))
    pages = []
    for f in files:
        with gzip.open(f) as fh:
            pages += [el.text or "" for _, el in etree.iterparse(fh, tag="MedlinePgn")]
    return pages


def test_split_pages_fast_path_gives_what_the_patterns_give() -> None:
    """Plain "123-33" ranges skip the regular expressions: the same answer either way."""
    pages = _real_page_ranges()
    assert len(pages) >= 240
    edge = ["123-", "-5", "12-3-4", "1-1", "0012-3", "99-100", "١٢-٣", "12 - 3", " 7-9. ", "5-"]
    fast = 0
    for text in pages + edge:
        cleaned = text.strip().rstrip(".,;")
        assert split_pages(text) == (_split_pages(cleaned) if cleaned else (None, None)), text
        fast += cleaned.partition("-")[0].isdecimal() and cleaned.partition("-")[2].isdecimal()
    assert fast > len(pages) // 2  # most real ranges take the fast path
    assert split_pages("364-75") == ("364", "375") and split_pages("99-100") == ("99", "100")


# ----------------------------------------------------------------- JATS mixed-citations


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _norm(value: str | None) -> str:
    text = unicodedata.normalize("NFKC", value or "").casefold()
    return "".join(ch for ch in text if ch.isalnum())


def _scores(name: str) -> dict[str, list[int]]:
    """Per field: [matches, tagged] for every mixed-citation of one JATS file."""
    tree = etree.parse(str(JATS / name), hardened_parser())
    scores = {f: [0, 0] for f in ("authors", "title", "journal", "year", "volume", "fpage")}
    for el in tree.iter():
        if _local(el.tag) != "mixed-citation":
            continue
        ref = parse_reference(rendered_text(el))
        names = [
            " ".join(
                "".join(p.itertext()) for p in n if _local(p.tag) in ("surname", "given-names")
            )
            for n in el.iter()
            if _local(n.tag) == "name"
        ]

        def tag(t: str, element: etree._Element = el) -> str | None:
            found = [x for x in element.iter() if _local(x.tag) == t]
            return "".join(found[0].itertext()) if found else None

        truth = {
            "authors": "|".join(names) if names else None,
            "title": tag("article-title"),
            "journal": tag("source"),
            "year": (tag("year") or "")[:4] or None,
            "volume": tag("volume"),
            "fpage": tag("fpage"),
        }
        got = {
            "authors": "|".join(ref.authors),
            "title": ref.title,
            "journal": ref.journal,
            "year": str(ref.year),
            "volume": ref.volume,
            "fpage": ref.first_page,
        }
        for field, value in truth.items():
            if value is None:
                continue
            scores[field][1] += 1
            if field == "authors":
                ok = [_norm(a) for a in value.split("|")] == [
                    _norm(a) for a in (got["authors"] or "").split("|")
                ]
            else:
                ok = _norm(value) == _norm(got[field])
            scores[field][0] += ok
    return scores


@pytest.mark.skipif(not JATS.exists(), reason="needs ../shared/data/pmc_jats")
def test_jats_mixed_citations_against_their_tags() -> None:
    # PMC's own style (295 citations) and PLOS Vancouver (77, with books and reports)
    pmc = _scores("pubchunks__pubmed_full_1.xml")
    plos = _scores("pubchunks__plos_1.xml")
    assert pmc["authors"][1] > 250 and plos["authors"][1] > 70
    for field in pmc:
        ok = pmc[field][0] + plos[field][0]
        n = pmc[field][1] + plos[field][1]
        assert ok / n >= 0.95, (field, ok, n)
        assert pmc[field][0] / pmc[field][1] >= 0.95, ("pmc", field, pmc[field])
        assert plos[field][0] / plos[field][1] >= 0.85, ("plos", field, plos[field])

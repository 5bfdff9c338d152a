"""Identity resolution: every id of one work merged before its IRI is fixed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import networkx as nx
import rdflib
from rdflib import URIRef

from graph.model import Article, Identifiers, Reference, Source, normalize_doi
from pipelines.build import Builder, BuildOptions
from pipelines.identity import IdentityMap
from tests.conftest import SEED_DOI, SEED_IRI

# The seed article's other identifiers (shared/data/README.md: PMID 40740535, PMC12305139).
PMID, PMCID = "40740535", "PMC12305139"
PMID_IRI = f"https://identifiers.org/pubmed:{PMID}"


def test_union_find_prefers_pmid_whatever_the_order() -> None:
    for order in ([Identifiers(doi=SEED_DOI), Identifiers(pmcid=PMCID, doi=SEED_DOI),
                   Identifiers(pmid=PMID, pmcid=PMCID)],
                  [Identifiers(pmid=PMID, pmcid=PMCID), Identifiers(doi=SEED_DOI),
                   Identifiers(pmcid=PMCID, doi=SEED_DOI)]):  # fmt: skip
        ids = IdentityMap()
        for item in order:
            ids.add(item)
        assert str(ids.keyer(Identifiers(doi=SEED_DOI))) == PMID_IRI
        assert ids.canonical(Identifiers(doi=SEED_DOI)) == Identifiers(pmid=PMID, doi=SEED_DOI)
        assert ids.rewrites() == {
            SEED_IRI: PMID_IRI,
            f"https://identifiers.org/pmc:{PMCID}": PMID_IRI,
        }


def test_a_later_pmid_rekeys_the_page_article(seed_article: Article, tmp_path: Path) -> None:
    """The page has only a DOI; a second record of the same work (as efetch would give it)
    carries PMID and DOI: the work gets one node and one IRI, the PMID's."""
    fetched = dataclasses.replace(
        seed_article,
        ids=Identifiers(pmid=PMID, pmcid=PMCID, doi=SEED_DOI),
        references=(),
        source=Source("efetch-40740535.xml", "pubmed-xml", 1),
    )
    builder = Builder()
    builder.add_article(seed_article)
    builder.add_article(fetched)
    result = builder.finish(BuildOptions(out=tmp_path, html=False))
    assert result.merged_ids == 2
    g = nx.read_graphml(tmp_path / "citations.graphml")
    assert SEED_IRI not in g and PMID_IRI in g
    assert g.out_degree(PMID_IRI) == 5 and g.number_of_nodes() == 6
    rdf = rdflib.Graph().parse(tmp_path / "graph.nt")
    assert not list(rdf.triples((URIRef(SEED_IRI), None, None)))
    assert len(list(rdf.objects(URIRef(PMID_IRI), URIRef("http://purl.org/spar/cito/cites")))) == 5
    same = {str(o) for o in rdf.objects(URIRef(PMID_IRI), URIRef("https://schema.org/sameAs"))}
    assert same == {SEED_IRI, f"https://identifiers.org/pmc:{PMCID}"}


def test_a_reference_with_a_doi_links_to_the_article_with_that_doi(
    seed_article: Article, tmp_path: Path
) -> None:
    """Two records citing each other form one connected graph through shared ids."""
    citing = Article(
        ids=Identifiers(pmid="1"),
        title="A work citing the seed by DOI",
        references=(Reference(raw="Kumar D et al. World J Stem Cells. 2025;17:106856.",
                              ordinal=1, ids=Identifiers(doi=normalize_doi(SEED_DOI.upper()))),),
    )  # fmt: skip
    builder = Builder()
    builder.add_article(seed_article)
    builder.add_article(citing)
    builder.finish(BuildOptions(out=tmp_path, html=False))
    g = nx.read_graphml(tmp_path / "citations.graphml")
    assert g.has_edge("https://identifiers.org/pubmed:1", SEED_IRI)
    assert g.nodes[SEED_IRI]["kind"] == "article"
    assert nx.is_weakly_connected(g)


def test_a_reference_without_ids_is_matched_to_the_input_work_by_title(tmp_path: Path) -> None:
    """A reference string naming a work that is also in the input (a real PubMed record)
    joins that work's node; the method and score are recorded; an unrelated one does not."""
    from pipelines.readers.pubmed_xml import read_pubmed_xml
    from pipelines.references import parse_reference
    from tests.conftest import FIXTURES

    (record,) = list(read_pubmed_xml(FIXTURES / "metapub__pmid_28731372.xml"))
    assert isinstance(record, Article)
    cite = parse_reference(
        "Rolf L, Muris AH, Mathias A, et al. Exploring the effect of vitamin D(3) "
        "supplementation on the anti-EBV antibody response in relapsing-remitting multiple "
        "sclerosis. Mult Scler. 2018;24(10):1280-1287.",
        ordinal=1,
    )
    other = parse_reference(
        "Rolf L, Smolders J. Vitamin D and the immune system in multiple sclerosis. "
        "J Neuroimmunol. 2018;320:1-9.",
        ordinal=2,
    )
    citing = Article(ids=Identifiers(pmid="1"), title="A review citing it",
                     references=(cite, other))  # fmt: skip
    builder = Builder()
    builder.add_article(record)
    builder.add_article(citing)
    result = builder.finish(BuildOptions(out=tmp_path, html=False))
    assert result.title_matches == 1
    g = nx.read_graphml(tmp_path / "citations.graphml")
    work = "https://identifiers.org/pubmed:28731372"
    assert g.has_edge("https://identifiers.org/pubmed:1", work)
    assert g.nodes[work]["kind"] == "article"
    assert g.nodes[work]["merged_by"] == "title+year+first-author"
    assert 0.9 <= g.nodes[work]["match_score"] <= 1.0
    assert g.out_degree("https://identifiers.org/pubmed:1") == 2
    rdf = rdflib.Graph().parse(tmp_path / "graph.nt")
    cg = "https://w3id.org/citegraph/ns#"
    assert (URIRef(work), rdflib.RDF.type, URIRef(cg + "Unresolved")) not in rdf
    assert str(rdf.value(URIRef(work), URIRef(cg + "matchMethod"))) == "title+year+first-author"
    unresolved = set(rdf.subjects(rdflib.RDF.type, URIRef(cg + "Unresolved")))
    # the other reference stays unresolved, as does the record's one reference without ids
    assert len(unresolved) == 2 and URIRef(work) not in unresolved


def test_title_matcher_uses_the_last_version_of_a_work() -> None:
    """A work's later version replaces the earlier in the title index (the record of
    tests/fixtures/metapub__pmid_28731372.xml, cited by its title and year only)."""
    from pipelines.identity import TitleMatcher

    title = ("Exploring the effect of vitamin D3 supplementation on the anti-EBV antibody "
             "response in relapsing-remitting multiple sclerosis.")  # fmt: skip
    work = "https://identifiers.org/pubmed:28731372"
    cited = "urn:uuid:cited"
    m = TitleMatcher()
    m.add_work(work, title, 2018, "Rolf L")
    m.add_unresolved(cited, title.upper().rstrip("."), 2019, "Rolf L")  # a year off: matches
    assert m.matches() == {cited: (work, 1.0)}
    m.add_work(work, title, 2021, "Rolf L")  # the later version moved the year
    assert m.matches() == {}
    m.add_work(work, title, 2019, "Rolf L")
    assert m.matches() == {cited: (work, 1.0)}
    m.add_work(work, None, 2019, "Rolf L")  # the later version has no title
    assert m.matches() == {}


def test_keyer_gives_the_canonical_iri_as_merges_go_on() -> None:
    """The IRI a root's keyer call made is kept with the root: a merge that comes later
    (a record with PMID and DOI after a reference known by its DOI) still changes it, and
    what was handed out is still listed for rewriting."""
    from graph.vocab import work_iri
    from pipelines.readers.pubmed_xml import read_pubmed_xml
    from tests.conftest import FIXTURES

    ids = IdentityMap()
    doi_only = Identifiers(doi=SEED_DOI)
    ids.add(doi_only)
    assert str(ids.keyer(doi_only)) == SEED_IRI
    ids.add(Identifiers(pmcid=PMCID, doi=SEED_DOI))
    assert str(ids.keyer(doi_only)) == f"https://identifiers.org/pmc:{PMCID}"
    ids.add(Identifiers(pmid=PMID, pmcid=PMCID))
    assert str(ids.keyer(doi_only)) == str(ids.keyer(Identifiers(pmcid=PMCID))) == PMID_IRI
    assert ids.rewrites(emitted_only=True) == {
        SEED_IRI: PMID_IRI, f"https://identifiers.org/pmc:{PMCID}": PMID_IRI}  # fmt: skip

    asked = []  # every id set of a real baseline excerpt, records and references
    for article in read_pubmed_xml(FIXTURES / "store" / "pubmed20n0014_refs_a.xml.gz"):
        asked += [article.ids, *(ref.ids for ref in article.references)]
    assert len(asked) > 1000
    for item in asked:
        ids.add(item)
    for item in asked * 2:  # (asked again: from what was kept)
        assert ids.keyer(item) == work_iri(ids.canonical(item))

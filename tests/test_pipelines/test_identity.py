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

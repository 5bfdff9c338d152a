"""IRI minting: ``urn:uuid:`` IRIs are RFC 4122 name-based UUIDs, identifier IRIs are valid."""

from __future__ import annotations

import gzip
import uuid
from itertools import islice

from rdflib import URIRef

from graph.model import Source
from graph.vocab import UUID_NAMESPACE, id_iri, mint_uuid, source_iri
from pipelines.readers.pubmed_xml import read_pubmed_xml
from tests.conftest import FIXTURES

EXCERPT = FIXTURES / "store" / "pubmed20n0014_refs_a.xml.gz"


def _real_keys() -> list[tuple[str, str]]:
    """The kinds and keys a build of a real baseline excerpt mints, and some awkward ones."""
    keys = []
    for article in read_pubmed_xml(EXCERPT):
        keys += [("person", f"{a.name}|{i}") for i, a in enumerate(article.authors, 1)]
        keys += [("keyword", k.text) for k in article.keywords]
        keys.append(("source", f"pubmed-xml|{EXCERPT.name}|{article.title}"))
    keys += [("x", ""), ("x", "é–ü€\U0001f600"), ("x", "|" * 300), ("x", "\x00\n\t")]
    return keys


def test_mint_uuid_is_python_uuid5_of_kind_and_key() -> None:
    keys = _real_keys()
    assert len(keys) > 300
    digits = set()
    for kind, key in keys:
        minted = str(mint_uuid(kind, key))
        assert minted == f"urn:uuid:{uuid.uuid5(UUID_NAMESPACE, f'{kind}|{key}')}", key
        digits.add(minted[28])  # the variant digit: 8, 9, a or b
    assert digits == set("89ab")  # every variant digit was made (and was right)


def test_identifier_iris_are_valid_iris_and_odd_values_are_still_checked() -> None:
    with gzip.open(EXCERPT) as fh:
        dois = [line.split(b">")[1].split(b"<")[0].decode()
                for line in islice(fh, 200_000) if b'IdType="doi"' in line]  # fmt: skip
    assert len(dois) > 20
    for doi in [*dois, '10.1000/a b<c>"{|}^`\\', "10.1/é"]:
        iri = id_iri("doi", doi)
        assert isinstance(iri, URIRef) and not set(str(iri)) & set('<>" {}|\\^`'), doi
    assert str(id_iri("pmid", "12345")) == "https://identifiers.org/pubmed:12345"
    assert str(id_iri("pmcid", "PMC123")) == "https://identifiers.org/pmc:PMC123"
    odd = id_iri("pmid", "1 2")  # not one of citegraph's PMIDs: rdflib checks it as before
    assert str(odd) == "https://identifiers.org/pubmed:1 2"


def test_source_iri_is_the_same_asked_again() -> None:
    a = Source("a.xml", "pubmed-xml", 3)
    first = source_iri(a)
    assert source_iri(Source("a.xml", "pubmed-xml", 3)) == first
    assert source_iri(Source("a.xml", "pubmed-xml", 4)) != first
    assert first == mint_uuid("source", "pubmed-xml|a.xml|3")

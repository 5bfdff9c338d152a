"""The RDF of the seed page, checked by loading the written files into rdflib and asking SPARQL."""

from __future__ import annotations

import filecmp
import json
import os
import shutil
from pathlib import Path

import pytest
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.compare import isomorphic

from graph.model import Article
from graph.rdf import article_triples, literal
from graph.serialize import (
    GrowingFile,
    QuadSorter,
    big_writes,
    gnu_sort,
    join_jsonld,
    join_turtle,
    jsonld_context,
    jsonld_piece,
    parse_nq_line,
    parse_nt_line,
    subject_cuts,
    triple_blocks,
    triples_of,
    turtle_following,
    turtle_piece,
    write_jsonld,
    write_ntriples,
    write_turtle,
)
from graph.vocab import FABIO, PREFIXES, RDF, XSD, work_iri
from pipelines.build import BuildOptions, build
from pipelines.readers.pubmed_xml import read_pubmed_xml
from tests.conftest import (
    FIXTURES,
    SEED,
    SEED_DOI,
    SEED_IRI,
    SEED_REFERENCE_TITLES,
    SEED_TITLE,
    refs_a_articles,
)

NS = {k: rdflib.Namespace(v) for k, v in PREFIXES.items()}


@pytest.fixture(scope="module")
def ttl(seed_out: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(seed_out / "graph.ttl", format="turtle")


def test_exactly_one_journal_article_with_the_doi_and_title(ttl: rdflib.Graph) -> None:
    rows = list(
        ttl.query(
            "SELECT ?a ?title WHERE { ?a a fabio:JournalArticle ; prism:doi ?doi ; "
            "dcterms:title ?title }",
            initNs=NS,
        )
    )
    assert len(rows) == 1
    article, title = rows[0]  # type: ignore[misc]
    assert article == URIRef(SEED_IRI)
    assert str(title) == SEED_TITLE
    assert list(ttl.objects(URIRef(SEED_IRI), NS["prism"].doi)) == [Literal(SEED_DOI)]


def test_ten_keywords_as_literals_and_skos_concepts(ttl: rdflib.Graph) -> None:
    article = URIRef(SEED_IRI)
    keywords = sorted(str(k) for k in ttl.objects(article, NS["prism"].keyword))
    assert len(keywords) == 10
    assert "Type 2 diabetes" in keywords and "Type 2 diabetes." not in keywords
    concepts = list(
        ttl.query(
            "SELECT ?label WHERE { ?a dcterms:subject ?c . ?c a skos:Concept ; "
            "skos:prefLabel ?label }",
            initBindings={"a": article},
            initNs=NS,
        )
    )
    assert sorted(str(r[0]) for r in concepts) == keywords  # type: ignore[index]


def test_five_citations_to_the_reference_titles(ttl: rdflib.Graph) -> None:
    rows = ttl.query(
        "SELECT ?cited ?title WHERE { ?a cito:cites ?cited . ?cited dcterms:title ?title }",
        initBindings={"a": URIRef(SEED_IRI)},
        initNs=NS,
    )
    cited = {str(r[0]): str(r[1]) for r in rows}  # type: ignore[index]
    assert sorted(cited.values()) == sorted(SEED_REFERENCE_TITLES)
    # unresolved until resolved: stable urn:uuid IRIs typed citegraph:Unresolved
    for iri in cited:
        assert iri.startswith("urn:uuid:")
        assert (URIRef(iri), rdflib.RDF.type, NS["citegraph"].Unresolved) in ttl


def test_reified_citations_and_reference_entries(ttl: rdflib.Graph) -> None:
    citations = list(ttl.subjects(rdflib.RDF.type, NS["cito"].Citation))
    assert len(citations) == 5
    entries = ttl.query(
        "SELECT ?pos ?text WHERE { ?e a biro:BibliographicReference ; c4o:hasContent ?text ; "
        "schema:position ?pos ; biro:references ?w . ?a cito:cites ?w }",
        initNs=NS,
    )
    positions = sorted(int(r[0]) for r in entries)  # type: ignore[index]
    assert positions == [1, 2, 3, 4, 5]
    texts = [str(r[1]) for r in entries]  # type: ignore[index]
    assert not any("- PubMed" in t or "- PMC" in t for t in texts)


def test_first_author_role_and_incomplete_list(ttl: rdflib.Graph) -> None:
    rows = list(
        ttl.query(
            "SELECT ?name ?pos WHERE { ?r pro:isDocumentContextFor ?a ; pro:withRole pro:author ;"
            " schema:position ?pos ; pro:isHeldBy ?p . ?p foaf:name ?name }",
            initBindings={"a": URIRef(SEED_IRI)},
            initNs=NS,
        )
    )
    assert [(str(n), int(p)) for n, p in rows] == [("Dinesh Kumar", 1)]  # type: ignore[misc]
    complete = ttl.value(URIRef(SEED_IRI), NS["citegraph"].authorListComplete)
    assert complete is not None and complete.toPython() is False


def test_publication_date_precision_and_journal(ttl: rdflib.Graph) -> None:
    date = ttl.value(URIRef(SEED_IRI), NS["prism"].publicationDate)
    assert date == Literal("2025-07-26", datatype=rdflib.XSD.date)
    journal = ttl.value(URIRef(SEED_IRI), NS["frbr"].partOf)
    assert journal is not None
    assert str(ttl.value(journal, NS["fabio"].hasNLMJournalTitleAbbreviation)) == (
        "World J Stem Cells"
    )
    assert str(ttl.value(URIRef(SEED_IRI), NS["prism"].volume)) == "17"
    assert str(ttl.value(URIRef(SEED_IRI), NS["prism"].issueIdentifier)) == "7"


def test_no_blank_nodes_and_no_raw_text_in_iris(ttl: rdflib.Graph) -> None:
    for s, _, o in ttl:
        assert not isinstance(s, BNode) and not isinstance(o, BNode)
        for term in (s, o):
            if isinstance(term, URIRef):
                assert " " not in str(term)


def test_turtle_jsonld_and_ntriples_hold_the_same_graph(seed_out: Path) -> None:
    nt = rdflib.Graph().parse(seed_out / "graph.nt", format="nt")
    ttl = rdflib.Graph().parse(seed_out / "graph.ttl", format="turtle")
    jsonld = rdflib.Graph().parse(seed_out / "graph.jsonld", format="json-ld")
    assert len(nt) > 100
    assert isomorphic(nt, ttl)
    assert isomorphic(nt, jsonld)
    doc = json.loads((seed_out / "graph.jsonld").read_text())
    assert isinstance(doc["@context"], dict)  # inlined, never a remote context URL
    assert doc["@context"] == jsonld_context()["@context"]


def test_second_build_is_byte_identical(seed_out: Path, tmp_path: Path) -> None:
    build([SEED], BuildOptions(out=tmp_path, html=False))
    for name in ("graph.nt", "graph.ttl", "graph.jsonld"):
        assert filecmp.cmp(seed_out / name, tmp_path / name, shallow=False), name
    lines = (tmp_path / "graph.nt").read_text().splitlines()
    assert lines == sorted(set(lines))


def test_external_sort_matches_in_memory_sort(seed_article: Article, tmp_path: Path) -> None:
    small, big = QuadSorter(chunk_lines=7), QuadSorter()
    for t in article_triples(seed_article):
        small.add(t, "<urn:g1>")
        big.add(t, "<urn:g1>")
        big.add(t, "<urn:g2>")  # the same triple from another record is written once
    assert write_ntriples(triples_of(small.lines()), tmp_path / "a.nt") == write_ntriples(
        triples_of(big.lines()), tmp_path / "b.nt"
    )
    assert (tmp_path / "a.nt").read_bytes() == (tmp_path / "b.nt").read_bytes()


@pytest.mark.skipif(gnu_sort() is None, reason="GNU sort is what this compares against")
def test_gnu_sort_and_the_python_merge_give_the_same_bytes(tmp_path: Path) -> None:
    """The same quads (real records of a PubMed baseline file, non-ASCII names included)
    through GNU sort and through the Python chunk merge: byte-identical N-Triples."""
    arts = refs_a_articles()
    sorters = [QuadSorter(chunk_lines=500, external=True),
               QuadSorter(chunk_lines=500, external=False)]  # fmt: skip
    for sorter in sorters:
        for i, art in enumerate(arts):
            sorter.add_all(article_triples(art), f"<urn:g{i % 7}>")
    assert sorters[0]._sort is not None and sorters[1]._chunks  # both paths really taken
    outs = [tmp_path / "gnu.nt", tmp_path / "python.nt"]
    counts = [
        write_ntriples(triples_of(s.lines()), out) for s, out in zip(sorters, outs, strict=True)
    ]
    assert counts[0] == counts[1] > 10_000
    assert outs[0].read_bytes() == outs[1].read_bytes()
    assert any(ord(c) > 127 for c in outs[0].read_text(encoding="utf-8"))


def test_literal_escaping_round_trips_through_rdflib() -> None:
    text = 'quote " backslash \\ newline \n tab \t <img src=x onerror=alert(1)> é'
    g = rdflib.Graph().parse(data=f"<urn:a> <urn:p> {literal(text)} .\n", format="nt")
    assert str(next(iter(g.objects()))) == text


def test_closed_namespace_refuses_misspelt_terms() -> None:
    with pytest.raises(AttributeError):
        _ = FABIO.JournalArticel  # type: ignore[attr-defined]


def test_work_iri_prefers_pmid_then_pmcid_then_doi(seed_article: Article) -> None:
    assert str(work_iri(seed_article.ids)) == SEED_IRI
    from graph.model import Identifiers

    assert str(work_iri(Identifiers(pmcid="PMC12305139", doi=SEED_DOI))) == (
        "https://identifiers.org/pmc:PMC12305139"
    )
    assert str(work_iri(Identifiers(pmid="40740535", pmcid="PMC1", doi=SEED_DOI))) == (
        "https://identifiers.org/pubmed:40740535"
    )


def test_output_does_not_depend_on_where_the_input_lies(seed_out: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "deep" / "folder"
    elsewhere.mkdir(parents=True)
    copy = elsewhere / SEED.name
    copy.write_bytes(SEED.read_bytes())
    build([copy.resolve()], BuildOptions(out=tmp_path / "a", html=False))
    build([elsewhere.parent.parent], BuildOptions(out=tmp_path / "b", html=False))
    assert (tmp_path / "a" / "graph.nt").read_bytes() == (seed_out / "graph.nt").read_bytes()
    nt_b = (tmp_path / "b" / "graph.nt").read_text()
    assert '"deep/folder/pubmed-page-wjsc-2025-106856.txt"' in nt_b


def test_turtle_and_jsonld_written_in_a_second_process_are_the_same(
    seed_out: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipelines.build as build_module

    monkeypatch.setattr(build_module, "PARALLEL_SERIALISE_TRIPLES", 0)
    build([SEED], BuildOptions(out=tmp_path, html=False))
    for name in ("graph.ttl", "graph.jsonld", "graph.nt"):
        assert (tmp_path / name).read_bytes() == (seed_out / name).read_bytes(), name


def test_mesh_known_by_name_only_keeps_its_qualifiers_and_major_flags() -> None:
    """A MEDLINE heading (no UIs): descriptor and descriptor/qualifier pairs by name, like the
    D...Q... IRIs of the XML, each labelled; the pairs are not descriptors (no dcterms:subject).
    """
    from graph.model import Identifiers, MeshHeading, MeshQualifier
    from graph.vocab import mesh_name_iri, mesh_name_pair_iri

    heading = MeshHeading(
        "Breast Neoplasms",
        major=True,
        qualifiers=(MeshQualifier("diagnosis", major=True), MeshQualifier("genetics")),
    )
    g = rdflib.Graph()
    g.parse(
        data="".join(
            f"{s} {p} {o} .\n"
            for s, p, o in article_triples(Article(ids=Identifiers(pmid="1"), mesh=(heading,)))
        ),
        format="nt",
    )
    d = URIRef(mesh_name_iri("Breast Neoplasms"))
    dx = URIRef(mesh_name_pair_iri("Breast Neoplasms", "diagnosis"))
    gen = URIRef(mesh_name_pair_iri("Breast Neoplasms", "genetics"))
    work = URIRef("https://identifiers.org/pubmed:1")
    assert set(g.objects(work, FABIO.hasSubjectTerm)) == {d, dx, gen}
    assert set(g.objects(work, FABIO.hasPrimarySubjectTerm)) == {d, dx}
    assert set(g.objects(work, NS["dcterms"].subject)) == {d}
    assert g.value(d, NS["skos"].prefLabel) == Literal("Breast Neoplasms")
    assert g.value(dx, NS["skos"].prefLabel) == Literal("Breast Neoplasms/diagnosis")


def test_mesh_iris_are_labelled_with_the_names_the_record_gives() -> None:
    """A PubMed XML record's headings (with UIs): each descriptor IRI and descriptor/qualifier
    IRI has the record's name as skos:prefLabel, so a query can show names, not only UIs."""
    (art,) = (a for a in read_pubmed_xml(FIXTURES / "metapub__pmid_28731372.xml")
              if isinstance(a, Article))  # fmt: skip
    g = rdflib.Graph()
    g.parse(data="".join(f"{s} {p} {o} .\n" for s, p, o in article_triples(art)), format="nt")
    mesh = "http://id.nlm.nih.gov/mesh/"
    labels = {(str(s), str(o)) for s, o in g.subject_objects(NS["skos"].prefLabel)
              if str(s).startswith(mesh)}  # fmt: skip
    assert (mesh + "D006801", "Humans") in labels
    assert (mesh + "D020031Q000150", "Epstein-Barr Virus Infections/complications") in labels
    expected = {(mesh + h.ui, h.name) for h in art.mesh if h.ui}
    expected |= {(mesh + h.ui + q.ui, f"{h.name}/{q.name}") for h in art.mesh for q in h.qualifiers
                 if h.ui and q.ui}  # fmt: skip
    expected |= {(mesh + c.ui, c.name) for c in art.chemicals if c.ui}  # substances' own labels
    assert len(art.mesh) == 11 and labels == expected


def test_block_cutting_gives_the_lines_of_the_line_by_line_cutting(tmp_path: Path) -> None:
    """graph.nt is cut from the sorted quads a block at a time (the fast path) or a line at a
    time (when graphs are dropped or N-Quads written): the same triples either way, with
    duplicates across records and across block edges removed."""
    arts = refs_a_articles()
    sorter = QuadSorter(external=False)
    for i, art in enumerate(arts):
        sorter.add_all(article_triples(art), f"<urn:g{i % 3}>")
        sorter.add_all(article_triples(art), f"<urn:g{i % 3 + 3}>")  # every triple twice
    quads = list(sorter.lines())
    blocks = [quads[i : i + 7] for i in range(0, len(quads), 7)]  # duplicates cross edges
    fast = [t for b in triple_blocks(blocks) for t in b]
    with (tmp_path / "g.nq").open("w", encoding="utf-8") as nq:
        slow = [t for b in triple_blocks(blocks, nquads=nq) for t in b]
    expected = sorted({q.split("\t")[0] + "\n" for q in quads})  # the graph off
    assert fast == slow == expected
    assert 10_000 < len(fast) <= len(quads) // 2
    nquads = (tmp_path / "g.nq").read_text(encoding="utf-8").splitlines(keepends=True)
    assert [parse_nq_line(q) for q in nquads] == [
        (*parse_nt_line(t + "\n"), g[:-1]) for t, g in (q.split("\t") for q in quads)
    ]
    kept = [t for b in triple_blocks(blocks, drop_graphs=frozenset({"<urn:g0>", "<urn:g3>"}))
            for t in b]  # fmt: skip
    assert set(kept) < set(fast)


def _gnu_and_python_sorters(graphs: int, *, native: bool = True) -> tuple[QuadSorter, QuadSorter]:
    """A sorter that spills to GNU sort (its output cut by graph.ntcut in C, or with
    ``native=False`` by the programs of ``_cutter``) and one that keeps everything here,
    both holding every triple of real records twice, in two of ``2 * graphs`` graphs."""
    arts = refs_a_articles()
    gnu = QuadSorter(chunk_lines=500, external=True, native=native)
    python = QuadSorter(external=False)
    for sorter in (gnu, python):
        for i, art in enumerate(arts):
            sorter.add_all(article_triples(art), f"<urn:g{i % graphs}>")
            sorter.add_all(article_triples(art), f"<urn:g{i % graphs + graphs}>")
    return gnu, python


@pytest.mark.skipif(gnu_sort() is None, reason="GNU sort | cut | uniq is what this compares")
def test_triples_cut_by_coreutils_are_the_python_cut(tmp_path: Path) -> None:
    """Real records, every triple in two graphs, a literal with a tab and one with non-ASCII
    text: ``sort | cut -f1 | uniq`` gives the lines the Python cut gives."""
    gnu, python = _gnu_and_python_sorters(5)
    for sorter in (gnu, python):
        sorter.add(("<urn:a>", "<urn:p>", literal("a\ttab and ümlaut")), "<urn:g0>")
    assert gnu._sort is not None
    cut_in_c = [t for block in gnu.triples() for t in block]
    cut_here = [t for block in python.triples() for t in block]
    assert cut_in_c == cut_here == sorted(set(cut_here))
    assert '<urn:a> <urn:p> "a\\ttab and ümlaut" .\n' in cut_in_c
    assert len(cut_in_c) > 10_000
    assert gnu._tmpdir is None  # temporary files gone


@pytest.mark.skipif(gnu_sort() is None, reason="one of the three sorters spills to GNU sort")
def test_quads_come_back_with_their_graph_iris_in_sorted_order() -> None:
    """The sorter numbers graphs in the order they come (here the reverse of their IRIs'
    order) and sorts the numbered lines; :meth:`QuadSorter.lines` gives every quad with its
    graph IRI, in the order of the IRI lines, across the block edges of the merge."""
    arts = refs_a_articles()
    expected: set[str] = set()
    sorters = [QuadSorter(chunk_lines=500, external=True), QuadSorter(chunk_lines=700,
               external=False), QuadSorter(external=False)]  # fmt: skip
    for i, art in enumerate(arts):
        for graph in (f"<urn:g{99 - i % 12}>", f"<urn:g{99 - i % 12 - 20}>"):
            triples = list(article_triples(art))
            expected.update(f"{s} {p} {o} .\t{graph}\n" for s, p, o in triples)
            for sorter in sorters:
                sorter.add_all(triples, graph)
    assert sorters[0]._sort is not None and sorters[1]._chunks  # every path taken
    for sorter in sorters:
        assert list(sorter.lines()) == sorted(expected)


@pytest.mark.skipif(gnu_sort() is None, reason="GNU sort | awk is what this compares")
@pytest.mark.parametrize("native", [True, False], ids=["graph.ntcut", "awk"])
def test_graphs_dropped_in_c_are_the_graphs_dropped_here(tmp_path: Path, native: bool) -> None:
    """Dropping the graphs of superseded records while cutting: in C after GNU sort (by
    graph.ntcut, or awk), and here, the same lines as cutting the IRI-named quads here; a
    graph never added is ignored."""
    gnu, python = _gnu_and_python_sorters(5, native=native)
    assert gnu._native is native
    quads = QuadSorter(external=False)
    everything = set()
    for q in python.lines():
        triple, graph = q[:-1].split("\t")
        quads.add(parse_nt_line(triple + "\n"), graph)
        everything.add(triple)
    drop = frozenset({"<urn:g1>", "<urn:g7>", "<urn:g2>", "<urn:nowhere>"})
    expected = [t for b in triple_blocks(quads.blocks(), drop_graphs=drop) for t in b]
    assert gnu._sort is not None
    count = gnu.write_triples(tmp_path / "gnu.nt", drop_graphs=drop)
    here = [t for b in python.triples(drop_graphs=drop) for t in b]
    assert (tmp_path / "gnu.nt").read_text(encoding="utf-8").splitlines(keepends=True) == here
    assert here == expected and count == len(expected)
    assert 10_000 < len(expected) < len(everything)  # some triples only in dropped graphs


def _sorted_nt_of_fixture(path: Path) -> bytes:
    arts = refs_a_articles()
    lines = {f"{s} {p} {o} .\n" for a in arts for s, p, o in article_triples(a)}
    data = "".join(sorted(lines)).encode("utf-8")
    path.write_bytes(data)
    return data


def test_turtle_of_a_file_still_being_written_is_the_turtle_of_the_whole(
    tmp_path: Path,
) -> None:
    """Real records' sorted N-Triples written in pieces cut anywhere (inside lines and
    UTF-8 characters), with pauses: Turtle written while they come is the same bytes as
    Turtle written from the whole file."""
    import threading
    import time

    data = _sorted_nt_of_fixture(tmp_path / "whole.nt")
    write_turtle(tmp_path / "whole.nt", tmp_path / "whole.ttl")
    nt = tmp_path / "growing.nt"
    writer = nt.open("wb", buffering=0)
    growing = GrowingFile(nt)

    def write() -> None:
        for i in range(0, len(data), 7_001):
            writer.write(data[i : i + 7_001])
            if i % 5 == 0:
                time.sleep(0.002)
        nt.rename(tmp_path / "renamed.nt")  # (the build renames it while it is read)
        growing.ends_at(writer.tell())
        writer.close()

    thread = threading.Thread(target=write)
    thread.start()
    turtle_following(growing, tmp_path / "following.ttl")
    thread.join()
    growing.close()
    assert (tmp_path / "following.ttl").read_bytes() == (tmp_path / "whole.ttl").read_bytes()
    assert len(data) > 1_000_000
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "following.ttl", "renamed.nt", "whole.nt", "whole.ttl"]  # fmt: skip


def test_a_growing_file_that_is_never_whole_is_an_error(tmp_path: Path) -> None:
    """The writer failed, said a size the file never reaches, or went away without a word
    (its pipe closed): the reader raises instead of waiting for ever, and no Turtle file
    is left."""
    import multiprocessing

    nt = tmp_path / "g.nt"
    nt.write_bytes(b'<urn:a> <urn:p> "1" .\n')
    failed = GrowingFile(nt)
    failed.ends_at(None)
    with pytest.raises(OSError, match="not written to its end"):
        turtle_following(failed, tmp_path / "g.ttl")
    short = GrowingFile(nt)
    short.ends_at(nt.stat().st_size + 10)
    with pytest.raises(OSError, match="ends at byte 22, not 32"):
        short.read()
    gone = GrowingFile(nt)
    theirs, ours = multiprocessing.Pipe(duplex=False)
    gone.ends_at_from(theirs)
    ours.close()
    with pytest.raises(OSError, match="not written to its end"):
        gone.read()
    for reader in (failed, short, gone):
        reader.close()
    assert [p.name for p in tmp_path.iterdir()] == ["g.nt"]


def test_big_writes_only_where_stdbuf_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``stdbuf -o64K`` is put before the helpers only where it runs: a machine whose
    ``stdbuf`` fails (its preload library missing, say) or that has none gets plain
    helpers, not a sort that cannot start."""
    probe = big_writes.__wrapped__  # (the cached answer is this machine's)
    real = shutil.which("stdbuf")
    assert real is not None and probe() == (real, "-o64K")
    broken = tmp_path / "stdbuf"
    broken.write_text("#!/bin/sh\necho 'stdbuf: failed to find libstdbuf.so' >&2\nexit 125\n")
    broken.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert probe() == ()
    broken.unlink()
    assert probe() == ()


@pytest.mark.skipif(gnu_sort() is None, reason="GNU sort writing the file is what this tests")
@pytest.mark.parametrize(
    "cutter", ["graph.ntcut", "awk", "awk, small writes", "cut | uniq", "python"]
)
def test_triples_written_by_uniq_are_the_python_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cutter: str
) -> None:
    """graph.nt written by graph.ntcut after GNU sort (or, without that extension, by ``sort
    | awk > file``, or ``sort | cut -f1 | uniq`` on a machine without awk, or here, without
    either) holds the lines of the Python cut, counted right, with nothing left beside it;
    with ``stdbuf``'s 64 KB writes or without them."""
    import graph.serialize as serialize

    found = serialize._cutter(False)
    prefix = serialize.big_writes()
    assert prefix and prefix[0].endswith("stdbuf")  # Debian's coreutils has it
    assert found is not None and found[0][: len(prefix)] == list(prefix)
    awk = found[0][len(prefix) :]
    assert "awk" in awk[0]  # Debian's mawk, or gawk
    fallback = {"cut | uniq": [["cut", "-f1"], ["uniq"]], "python": None,
                "awk, small writes": [awk]}  # fmt: skip
    if cutter in fallback:
        monkeypatch.setattr(serialize, "_cutter", lambda dropping: fallback[cutter])
    if cutter == "awk, small writes":
        monkeypatch.setattr(serialize, "big_writes", lambda: ())
    gnu, python = _gnu_and_python_sorters(3, native=cutter == "graph.ntcut")
    assert gnu._sort is not None and gnu.writes_turtle is (cutter == "graph.ntcut")
    assert isinstance(gnu._sort.args, list)
    assert (gnu._sort.args[0] == prefix[0]) == (cutter != "awk, small writes")
    tmpdir = gnu._tmpdir
    assert tmpdir is not None and gnu._sort is not None
    out = tmp_path / "out"
    out.mkdir()
    count = gnu.write_triples(out / "graph.nt")
    expected = [t for block in python.triples() for t in block]
    assert (out / "graph.nt").read_text(encoding="utf-8").splitlines(keepends=True) == expected
    assert count == len(expected) > 10_000
    assert [p.name for p in out.iterdir()] == ["graph.nt"]  # no temporary file beside it
    assert not tmpdir.exists()
    assert python.write_triples(tmp_path / "here.nt") == count  # the Python path counts too


@pytest.mark.skipif(gnu_sort() is None, reason="needs GNU sort | cut | uniq")
def test_triples_abandoned_early_leave_no_process_or_file() -> None:
    arts = refs_a_articles()
    sorter = QuadSorter(chunk_lines=500, external=True)
    for i, art in enumerate(arts):
        sorter.add_all(article_triples(art), f"<urn:g{i}>")
    tmpdir = sorter._tmpdir
    assert tmpdir is not None and sorter._sort is not None
    blocks = sorter.triples(size=1000)
    assert next(blocks)
    blocks.close()  # the consumer stops after one block
    children = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children")
    if children.exists():
        assert children.read_text().split() == []  # sort, cut and uniq all reaped
    assert not tmpdir.exists()


@pytest.mark.parametrize("parts", [1, 2, 3, 7])
def test_jsonld_written_in_pieces_is_the_jsonld_written_whole(tmp_path: Path, parts: int) -> None:
    """JSON-LD of a big build is written in pieces too: joined (an empty piece skipped),
    the same bytes as one writer, and the JSON holds every subject once."""
    out = tmp_path / "build"
    build([FIXTURES / "store" / "pubmed20n0014_refs_a.xml.gz"], BuildOptions(out=out, html=False))
    nt = out / "graph.nt"
    cuts = subject_cuts(nt, parts)
    pieces = [tmp_path / f"piece{i}" for i in range(parts)]
    nodes = [jsonld_piece(nt, piece, cuts[i], cuts[i + 1]) for i, piece in enumerate(pieces)]
    empty = tmp_path / "empty"
    empty.touch()
    join_jsonld([empty, *pieces[:1], empty, *pieces[1:], empty], tmp_path / "joined.jsonld")
    whole = (out / "graph.jsonld").read_bytes()
    assert (tmp_path / "joined.jsonld").read_bytes() == whole
    graph = json.loads(whole)["@graph"]
    assert len(graph) == sum(nodes) == len({n["@id"] for n in graph})
    subjects = {line.split(" ", 1)[0] for line in nt.read_text(encoding="utf-8").splitlines()}
    assert len(graph) == len(subjects)


def test_turtle_pieces_joined_without_copy_file_range(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the kernel cannot copy between files, the pieces are copied through a buffer:
    the same bytes."""
    out = tmp_path / "build"
    build([FIXTURES / "store" / "pubmed20n0014_refs_a.xml.gz"], BuildOptions(out=out, html=False))
    nt = out / "graph.nt"
    cuts = subject_cuts(nt, 3)
    pieces = [tmp_path / f"piece{i}" for i in range(3)]
    for i, piece in enumerate(pieces):
        turtle_piece(nt, piece, cuts[i], cuts[i + 1])
    monkeypatch.delattr(os, "copy_file_range", raising=False)
    join_turtle(pieces, tmp_path / "joined.ttl")
    assert (tmp_path / "joined.ttl").read_bytes() == (out / "graph.ttl").read_bytes()


@pytest.mark.parametrize("parts", [1, 2, 3, 7])
def test_turtle_written_in_pieces_is_the_turtle_written_whole(tmp_path: Path, parts: int) -> None:
    """Turtle of a big build is written in pieces cut where the subject changes and then
    joined: the same bytes as one writer, for any number of pieces."""
    out = tmp_path / "build"
    build([FIXTURES / "store" / "pubmed20n0014_refs_a.xml.gz"], BuildOptions(out=out, html=False))
    nt = out / "graph.nt"
    cuts = subject_cuts(nt, parts)
    assert cuts[0] == 0 and cuts[-1] == nt.stat().st_size and cuts == sorted(cuts)
    assert len(set(cuts)) == parts + 1  # no empty piece in a file this size
    text = nt.read_bytes()
    for cut in cuts[1:-1]:  # at a line start, where the subject changes
        assert text[cut - 1 : cut] == b"\n"
        before = text[text.rindex(b"\n", 0, cut - 1) + 1 : cut].split(b" ", 1)[0]
        assert text[cut:].split(b" ", 1)[0] != before
    pieces = [tmp_path / f"piece{i}" for i in range(parts)]
    for i, piece in enumerate(pieces):
        turtle_piece(nt, piece, cuts[i], cuts[i + 1])
    join_turtle(pieces, tmp_path / "joined.ttl")
    whole = (out / "graph.ttl").read_bytes()
    assert (tmp_path / "joined.ttl").read_bytes() == whole
    assert whole.count(b"@prefix ") == len(PREFIXES)  # one header, citegraph's
    assert whole.startswith(b"@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n")


def test_jsonld_nodes_are_the_json_of_their_dicts(tmp_path: Path) -> None:
    """The JSON-LD writer writes each node's text itself: it must be exactly what
    ``json.dumps(node, ensure_ascii=False, sort_keys=True)`` writes (escapes, control
    characters, language tags, datatypes, several types), and hold the same graph."""
    out = tmp_path / "build"
    build([FIXTURES / "store" / "pubmed20n0014_refs_a.xml.gz"], BuildOptions(out=out, html=False))
    a, title = "<urn:uuid:00000000-0000-5000-8000-000000000001>", f"<{NS['dcterms'].title}>"
    texts = [('say "hi"\\ \n\r\t', None), ("caf\u00e9 \U0001f600 \x01\x1f", "en"), ("2025", None)]
    odd = [f"{a} {title} {literal(t, lang=lang)} .\n" for t, lang in texts]
    odd.append(f'{a} <{NS["dcterms"].date}> "2025-01-02"^^<{XSD.date}> .\n')
    odd += [f"{a} <{RDF.type}> <{FABIO.JournalArticle}> .\n", f"{a} <{RDF.type}> <urn:x:T> .\n"]
    nt = tmp_path / "all.nt"
    lines = sorted(set(odd) | set((out / "graph.nt").read_text(encoding="utf-8").splitlines(True)))
    write_ntriples(lines, nt)
    with nt.open(encoding="utf-8") as fh:
        nodes = write_jsonld(fh, tmp_path / "all.jsonld")
    text = (tmp_path / "all.jsonld").read_text(encoding="utf-8")
    body = text[text.index('"@graph": [') :].splitlines()[1:-2]
    assert len(body) == nodes > 100
    for line in body:
        node = line.strip().removesuffix(",")
        assert node == json.dumps(json.loads(node), ensure_ascii=False, sort_keys=True)
    odd_node = json.loads(next(line for line in body if a[1:-1] in line).strip().rstrip(","))
    assert odd_node["@type"] == ["fabio:JournalArticle", "urn:x:T"]
    assert {"@language": "en", "@value": "caf\u00e9 \U0001f600 \x01\x1f"} in odd_node[
        "dcterms:title"
    ]
    assert {"@value": 'say "hi"\\ \n\r\t'} in odd_node["dcterms:title"]
    assert isomorphic(
        rdflib.Graph().parse(nt, format="nt"),
        rdflib.Graph().parse(tmp_path / "all.jsonld", format="json-ld"),
    )


def test_substances_grants_and_affiliations_are_in_the_rdf(tmp_path: Path) -> None:
    """A PubMed record's ChemicalList, GrantList and author affiliations, and a JATS
    funding-group, as SPARQL sees them in the built graph.nt."""
    pubmed = FIXTURES / "metapub__pmid_28731372.xml"
    f1000 = FIXTURES / "pubchunks__f1000research_1.xml"
    build([pubmed, f1000], BuildOptions(out=tmp_path, html=False, jsonld=False))
    g = rdflib.Graph().parse(tmp_path / "graph.nt", format="nt")
    work = URIRef("https://identifiers.org/pubmed:28731372")

    def rows(query: str, **bindings: object) -> set[tuple[str, ...]]:
        found = g.query(query, initNs=NS, initBindings=bindings)  # type: ignore[arg-type]
        return {tuple(str(v) for v in row) for row in found}  # type: ignore[union-attr]

    mesh = "http://id.nlm.nih.gov/mesh/"
    assert rows(
        "SELECT ?c ?name ?rn WHERE { ?w citegraph:substance ?c . ?c skos:prefLabel ?name "
        "OPTIONAL { ?c citegraph:registryNumber ?rn } }", w=work,
    ) == {
        (f"{mesh}D000914", "Antibodies, Viral", "None"),
        (f"{mesh}D019309", "Epstein-Barr Virus Nuclear Antigens", "None"),
        (f"{mesh}D002762", "Cholecalciferol", "1C6V77QF41"),
        (f"{mesh}C417029", "EBV-encoded nuclear antigen 1", "O5GA75RST7"),
    }  # fmt: skip
    grants = (
        "SELECT ?funder ?number WHERE { ?w schema:funder ?f . ?f a foaf:Organization ; "
        "foaf:name ?funder OPTIONAL { ?w schema:funding ?g . ?g a schema:Grant ; "
        "schema:funder ?f ; schema:identifier ?number } }"
    )
    assert rows(grants, w=work) == {("Austrian Science Fund FWF", "J 3545")}
    assert rows(  # the record's <Acronym>FWF_</Acronym> and <Country>Austria</Country>
        "SELECT ?code ?country WHERE { ?w schema:funder ?f . ?f schema:alternateName ?code ; "
        "schema:location ?country }", w=work,
    ) == {("FWF_", "Austria")}  # fmt: skip
    f1000_work = URIRef("https://doi.org/10.12688/f1000research.14013.2")
    assert rows(grants, w=f1000_work) == {
        ("rOpenSci", "None"),
        ("Agricultural Research Service", "2027-22000-039-00"),
        ("Agricultural Research Service", "2072-22000-039-15-S"),
    }
    # one node per agency; ARS by its Crossref Funder Registry DOI, rOpenSci by its name
    funders = set(g.objects(f1000_work, NS["schema"].funder))
    assert URIRef("https://doi.org/10.13039/100007917") in funders and len(funders) == 2

    (article,) = list(read_pubmed_xml(pubmed))
    assert isinstance(article, Article)
    by_position = {}
    for pos, name in g.query(
        "SELECT ?pos ?name WHERE { ?r pro:isDocumentContextFor ?w ; schema:position ?pos ; "
        "pro:relatesToOrganization ?o . ?o foaf:name ?name }",
        initNs=NS,
        initBindings={"w": work},
    ):  # type: ignore[misc]
        by_position.setdefault(int(pos), set()).add(str(name))
    expected = {i: set(a.affiliations) for i, a in enumerate(article.authors, 1) if a.affiliations}
    assert by_position == expected and len(expected) == 11


def test_a_publisher_item_identifier_is_written_as_fabio_has_pii() -> None:
    """The nbib record's ``AID - ABR-5-67 [pii]`` and the Springer JATS article's
    ``publisher-id`` (the readers' ``ids.pii``)."""
    from pipelines.readers import detect

    for path, work, pii in (
        (FIXTURES / "jabref__NbibImporterTest.nbib", "pubmed:27169098", "ABR-5-67"),
        (FIXTURES / "pubchunks__pubmed_full_3.xml", "pubmed:28405917", "9630"),
    ):
        (article,) = list(detect(path).read(path))
        assert isinstance(article, Article) and article.ids.pii == pii
        triples = set(article_triples(article))
        assert (f"<https://identifiers.org/{work}>", f"<{FABIO.hasPII}>", f'"{pii}"') in triples


def test_a_vernacular_title_is_an_alternative_not_a_second_title(tmp_path: Path) -> None:
    """A real record with a VernacularTitle: one dcterms:title (the English one, which
    every query and the graph rebuilt from RDF then show, once) and the vernacular as
    dcterms:alternative."""
    from graph.network import citation_graph_from_store
    from graph.store import open_store

    source = FIXTURES / "store" / "pubmed20n0014_refs_b.xml.gz"
    (art,) = [a for a in read_pubmed_xml(source) if isinstance(a, Article) and a.vernacular_title]
    assert art.title and art.vernacular_title and art.title != art.vernacular_title
    out = tmp_path / "out"
    build([source], BuildOptions(out=out, html=False))
    g = rdflib.Graph().parse(out / "graph.nt", format="nt")
    work = URIRef(work_iri(art.ids))
    assert list(g.objects(work, NS["dcterms"].title)) == [Literal(art.title)]
    assert list(g.objects(work, NS["dcterms"].alternative)) == [Literal(art.vernacular_title)]
    assert citation_graph_from_store(open_store(out / "graph.nt")).nodes[str(work)]["title"] == (
        art.title
    )

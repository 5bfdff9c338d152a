"""graph.ntcut (the C extension graph._ntcut): its N-Triples are awk's, its Turtle Oxigraph's."""

from __future__ import annotations

import contextlib
import errno
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph import ntcut
from graph.rdf import article_triples, literal
from graph.serialize import QuadSorter, gnu_sort, write_turtle
from graph.vocab import PREFIXES
from tests.conftest import refs_a_articles

XSD = PREFIXES["xsd"]


def test_the_extension_is_built_with_citegraph() -> None:
    """The installation the suite runs in (``pip install -e .`` with a C compiler, as CI
    has) built graph._ntcut: the fast path is the one tested, not the fallback."""
    assert ntcut.native()


def _cut_file(lines: list[str], tmp_path: Path, name: str, drop: tuple[int, ...] = ()) -> int:
    """Cut quad lines with graph.ntcut into ``name``.nt and ``name``.ttl (with citegraph's
    @prefix lines before it, as the sorter writes them)."""
    from graph.serialize import _TURTLE_HEADER

    quads = tmp_path / f"{name}.quads"
    quads.write_bytes("".join(lines).encode("utf-8"))
    with (
        quads.open("rb") as src,
        (tmp_path / f"{name}.nt").open("wb") as nt,
        (tmp_path / f"{name}.ttl").open("wb") as ttl,
    ):
        ttl.write(_TURTLE_HEADER)
        ttl.flush()
        return ntcut.cut_sorted(src.fileno(), nt.fileno(), ttl.fileno(), drop)


def _same_turtle_as_oxigraph(lines: list[str], tmp_path: Path) -> bytes:
    """graph.ntcut's Turtle of the triple lines (each in graph 0) and Oxigraph's Turtle of
    the same N-Triples: the same bytes; returns them."""
    count = _cut_file([f"{line[:-1]}\t0\n" for line in lines], tmp_path, "c")
    assert count == len(lines)
    assert (tmp_path / "c.nt").read_text(encoding="utf-8") == "".join(lines)
    write_turtle(tmp_path / "c.nt", tmp_path / "oxigraph.ttl")
    ours, theirs = (tmp_path / "c.ttl").read_bytes(), (tmp_path / "oxigraph.ttl").read_bytes()
    assert ours == theirs
    return ours


@pytest.mark.skipif(gnu_sort() is None, reason="graph.ntcut reads GNU sort's output")
def test_real_records_cut_in_c_are_the_awk_and_oxigraph_files(tmp_path: Path) -> None:
    """Real records (120 PubMed articles with their reference lists), every triple in two
    graphs, four graphs dropped: graph.nt and graph.ttl written by graph.ntcut in one pass
    after GNU sort are the bytes of awk's graph.nt and of Oxigraph's Turtle of it."""
    arts = refs_a_articles()
    sorters = {native: QuadSorter(chunk_lines=500, external=True, native=native)
               for native in (True, False)}  # fmt: skip
    for sorter in sorters.values():
        for i, art in enumerate(arts):
            sorter.add_all(article_triples(art), f"<urn:g{i % 7}>")
            sorter.add_all(article_triples(art), f"<urn:g{i % 7 + 7}>")
        sorter.add(("<urn:a>", "<urn:p>", literal("a\ttab, ümlaut, \x07 bell")), "<urn:g0>")
    drop = frozenset({"<urn:g1>", "<urn:g8>", "<urn:g3>", "<urn:g4>"})
    assert sorters[True].writes_turtle and not sorters[False].writes_turtle
    (tmp_path / "c").mkdir()
    (tmp_path / "awk").mkdir()
    count = sorters[True].write_triples(tmp_path / "c" / "graph.nt", drop_graphs=drop,
                                        turtle=tmp_path / "c" / "graph.ttl")  # fmt: skip
    assert sorters[False].write_triples(tmp_path / "awk" / "graph.nt", drop_graphs=drop) == count
    write_turtle(tmp_path / "awk" / "graph.nt", tmp_path / "awk" / "graph.ttl")
    for name in ("graph.nt", "graph.ttl"):
        assert (tmp_path / "c" / name).read_bytes() == (tmp_path / "awk" / name).read_bytes()
    assert count > 10_000
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["graph.nt", "graph.ttl"]


def _iri(local: str, ns: str = PREFIXES["dcterms"]) -> str:
    return f"<{ns}{local}>"


# Code points at the edges of Turtle's PN_CHARS_BASE / PN_CHARS ranges, and beside them.
_EDGES = [0xB7, 0xBF, 0xC0, 0xD6, 0xD7, 0xD8, 0xF6, 0xF7, 0xF8, 0x2FF, 0x300, 0x36F, 0x370,
          0x37D, 0x37E, 0x37F, 0x1FFF, 0x2000, 0x200B, 0x200C, 0x200D, 0x200E, 0x203F, 0x2040,
          0x2041, 0x206F, 0x2070, 0x218F, 0x2190, 0x2BFF, 0x2C00, 0x2FEF, 0x2FF0, 0x3000,
          0x3001, 0xD7FF, 0xF900, 0xFDCF, 0xFDF0, 0xFFEF, 0x10000, 0x1F600, 0xEFFFD]  # fmt: skip


def test_names_compacted_as_oxigraph_compacts_them(tmp_path: Path) -> None:
    """IRIs whose local names hold every printable ASCII character an IRI may hold, first,
    in the middle and last, and the code points at the edges of Turtle's name characters;
    an empty local name, rdf:type as a predicate, an object and a subject: graph.ntcut
    writes each as Oxigraph does."""
    ascii_ok = [chr(c) for c in range(0x21, 0x7F) if chr(c) not in '<>"{}|^`\\']
    locals_ = [""]
    for c in [*ascii_ok, *map(chr, _EDGES)]:
        locals_ += [c, f"{c}x", f"x{c}", f"x{c}y", f"x{c}{c}"]
    subject = _iri("s", "urn:uuid:")
    names = dict.fromkeys(locals_)  # (each once, in order: the cut writes a triple once)
    lines = [f"{subject} {_iri(name)} {_iri(name, PREFIXES['fabio'])} .\n" for name in names]
    rdf_type = _iri("type", PREFIXES["rdf"])
    lines += [f"{subject} {rdf_type} {rdf_type} .\n", f"{rdf_type} {rdf_type} {subject} .\n"]
    turtle = _same_turtle_as_oxigraph(lines, tmp_path)
    assert b"\ta rdf:type ." in turtle and b"\nrdf:type a <urn:uuid:s> .\n" in turtle
    assert b"dcterms:\\-x " in turtle and b"dcterms:x. " not in turtle  # (a last '.' escaped)


def test_literals_written_as_oxigraph_writes_them(tmp_path: Path) -> None:
    """Literals with every control character, DEL, U+FFFE/U+FFFF, quotes and backslashes,
    N-Triples escapes of every kind; language tags in upper case; numbers that Turtle
    writes bare and look-alikes it does not; booleans, xsd:string, other datatypes, an IRI
    datatype outside every namespace; blank nodes: graph.ntcut writes each as Oxigraph."""
    s, p = "<urn:uuid:s>", _iri("p")
    objects = [
        literal("".join(map(chr, range(0x20))) + '\x7f\ufffe\uffff "q" \\ é ∑ 😀'),
        r'"\u0041\U0001F600\b\f\'\t\"\\"',
        '"x"@EN-GB',
        '"y"@de',
        '""',
        '"_:b"',
    ]
    for kind, values in {
        "integer": ["1", "-0", "+12", "1.", "", "a", "1e5"],
        "decimal": ["1.5", ".5", "-1.0", "1.", "1", "+.0", "1.5e3"],
        "double": ["1e5", "1.5E-3", ".5e+1", "1.e2", "e5", "1.5", "1e", "-1E0"],
        "boolean": ["true", "false", "TRUE", "1", "truex"],
        "string": ["plain", "with \\\"quote\\\""],
        "gYear": ["2024"], "date": ["2024-01-02"],
    }.items():  # fmt: skip
        objects += [f'"{v}"^^<{XSD}{kind}>' for v in values]
    objects += ['"v"^^<urn:type:odd>', '"v"^^<http://purl.org/spar/fabio/Odd.>', "_:b1"]
    lines = [f"{s} {p} {o} .\n" for o in objects]
    lines += ["_:b1 <urn:p> _:b2 .\n", "_:b1 <urn:q> <urn:uuid:s> .\n"]
    turtle = _same_turtle_as_oxigraph(lines, tmp_path).decode("utf-8")
    assert ' , 1 , "-0"' not in turtle and " , -0 , +12 , " in turtle  # bare integers
    assert '"x"@en-gb' in turtle and "\\u0000\\u0001" in turtle and "\\uFFFE" in turtle


def test_dropped_graphs_duplicates_and_a_line_longer_than_the_read_buffer(
    tmp_path: Path,
) -> None:
    """A triple in a dropped graph and a kept one is kept, once; one only in dropped graphs
    is left out, numbers beyond every dropped one kept; a 9 MB literal (more than the 4 MB
    read buffer) comes through whole."""
    big = "x" * 9_000_000
    lines = ['<urn:a> <urn:p> "1" .\t2\n', '<urn:a> <urn:p> "1" .\t5\n',
             '<urn:a> <urn:p> "2" .\t2\n', '<urn:a> <urn:q> "1" .\t1000000\n',
             f'<urn:b> <urn:p> "{big}" .\t0\n', '<urn:c> <urn:p> "3" .\t0\n']  # fmt: skip
    assert _cut_file(lines, tmp_path, "d", drop=(2, 7)) == 4
    assert (tmp_path / "d.nt").read_text(encoding="utf-8") == (
        f'<urn:a> <urn:p> "1" .\n<urn:a> <urn:q> "1" .\n<urn:b> <urn:p> "{big}" .\n'
        '<urn:c> <urn:p> "3" .\n'
    )
    write_turtle(tmp_path / "d.nt", tmp_path / "d.oxigraph.ttl")
    assert (tmp_path / "d.ttl").read_bytes() == (tmp_path / "d.oxigraph.ttl").read_bytes()


_NOT_QUAD_LINES = {
    "no tab": '<urn:a> <urn:p> "1" .\n',
    "no number": '<urn:a> <urn:p> "1" .\tx\n',
    "no dot": '<urn:a> <urn:p> "1"\t0\n',
    "literal predicate": '<urn:a> "p" "1" .\t0\n',
    "bad escape": '<urn:a> <urn:p> "1\\q" .\t0\n',
    "bare object": "<urn:a> <urn:p> 1 .\t0\n",
    "open datatype": '<urn:a> <urn:p> "1"^^<urn:t .\t0\n',
    "no object": "<urn:a> <urn:p> .\t0\n",
    "no predicate": "<urn:a> .\t0\n",
}


@pytest.mark.parametrize("bad", list(_NOT_QUAD_LINES.values()), ids=list(_NOT_QUAD_LINES))
def test_a_line_that_is_not_a_quad_line_is_named(tmp_path: Path, bad: str) -> None:
    """A line that is not a sorted quad line stops the cut with an error naming its number."""
    good = '<urn:a> <urn:a> "0" .\t0\n'
    with pytest.raises(ValueError, match=r"^line 2 is not a sorted quad line$"):
        _cut_file([good, bad, good], tmp_path, "bad")


def test_a_write_that_fails_is_an_os_error(tmp_path: Path) -> None:
    """Writes to a full disk (/dev/full) raise ENOSPC; a descriptor that is not open, EBADF."""
    quads = tmp_path / "q"
    quads.write_bytes(b'<urn:a> <urn:p> "1" .\t0\n' * 100_000)
    with quads.open("rb") as src, open("/dev/full", "wb") as full:
        with pytest.raises(OSError) as raised:
            ntcut.cut_sorted(src.fileno(), full.fileno())
        assert raised.value.errno == errno.ENOSPC
    read, write = os.pipe()
    os.write(write, b'<urn:a> <urn:p> "1" .\t0\n')
    os.close(write)
    with pytest.raises(OSError) as raised:
        ntcut.cut_sorted(read, 987_654)
    os.close(read)
    assert raised.value.errno == errno.EBADF


@contextlib.contextmanager
def _drained_pipe() -> Iterator[tuple[int, list[bytes]]]:
    """A pipe whose reading end a thread drains into a list: yields the writing end (closed
    on exit, when the thread has read everything) and the list."""
    read, write = os.pipe()
    chunks: list[bytes] = []

    def drain() -> None:
        chunks.extend(iter(lambda: os.read(read, 1 << 16), b""))

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        yield write, chunks
    finally:
        os.close(write)
        reader.join()
        os.close(read)


def _written(triples: list[tuple[str, str, str]], end: bytes) -> tuple[int, bytes]:
    """What a QuadWriter writes for ``triples``, then a line of bytes, through a pipe."""
    with _drained_pipe() as (write, chunks):
        writer = ntcut.quad_writer(write)
        count = writer.add(iter(triples), end)
        writer.write(b"<urn:last> <urn:p> <urn:o> .\t0\n")
        writer.flush()
    return count, b"".join(chunks)


def test_quad_lines_written_in_c_are_the_python_lines() -> None:
    """The triples of real records (and a 3 MB literal, more than the 1 MB buffer) written
    by QuadWriter are the bytes of the f-strings the Python path makes, UTF-8."""
    arts = refs_a_articles()
    triples = [t for a in arts for t in article_triples(a)]
    triples.append(("<urn:big>", "<urn:p>", literal("ü" * 1_500_000)))
    count, data = _written(triples, b" .\t12\n")
    expected = "".join(f"{s} {p} {o} .\t12\n" for s, p, o in triples)
    assert count == len(triples) > 10_000
    assert data == (expected + "<urn:last> <urn:p> <urn:o> .\t0\n").encode("utf-8")


def test_quad_writer_refuses_what_is_not_a_triple_of_strings() -> None:
    """Not a tuple of three, a term that is not str, a lone surrogate (not UTF-8): each is
    an error saying so, and no part of its line is written (the good lines before it
    are); when part of a bad line already went out (a 2 MB term before the bad one),
    every later write is refused; a writer closed writes nothing more."""
    good = ("<urn:a>", "<urn:p>", "<urn:o>")
    with _drained_pipe() as (write, chunks):
        writer = ntcut.quad_writer(write)
        for bad, error, message in [
            ([good, ["<urn:a>", "<urn:p>", "<urn:o>"]], TypeError, "of three terms, not list"),
            ([good, ("<urn:a>", "<urn:p>")], TypeError, "tuple of three terms, not tuple"),
            ([good, ("<urn:a>", "<urn:p>", 3)], TypeError, "terms are str, not int"),
            ([good, ("<urn:a>", "<urn:p>", '"\ud800"')], UnicodeEncodeError, "surrogates"),
        ]:
            with pytest.raises(error, match=message):
                writer.add(bad, b" .\t0\n")
        writer.flush()
        with pytest.raises(TypeError, match="terms are str, not int"):
            writer.add([("<urn:a>", literal("x" * 2_000_000), 3)], b" .\t0\n")
        with pytest.raises(ValueError, match="wrote part of a bad line"):
            writer.add([good], b" .\t0\n")
        writer.close()
        with pytest.raises(ValueError, match="closed"):
            writer.flush()
    data = b"".join(chunks)
    lines = b"<urn:a> <urn:p> <urn:o> .\t0\n" * 4
    assert data.startswith(lines + b'<urn:a> "xxx') and len(data) < len(lines) + 2_000_100


def test_quad_writer_to_a_sort_that_died_is_a_broken_pipe() -> None:
    """The reading end is gone (GNU sort died): the write that finds it out raises
    BrokenPipeError."""
    read, write = os.pipe()
    os.close(read)
    writer = ntcut.quad_writer(write)
    with pytest.raises(BrokenPipeError):
        writer.add([("<urn:a>", "<urn:p>", literal("x" * 2_000_000))], b" .\t0\n")
    os.close(write)

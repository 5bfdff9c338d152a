"""Turtle / JSON-LD written by a forked process from lines fed through a pipe: the same file
as written in this process, and never a half-written one."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.serialize import write_jsonld, write_turtle
from pipelines.build import BuildOptions, build
from pipelines.piped import PipedSerialiser
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def nt_lines(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    out = tmp_path_factory.mktemp("nt")
    build([FIXTURES / "store" / "pubmed20n0014_refs_a.xml.gz"], BuildOptions(out=out, html=False))
    lines = (out / "graph.nt").read_text(encoding="utf-8").splitlines(keepends=True)
    assert len(lines) > 10_000
    return lines


@pytest.mark.parametrize("kind", ["turtle", "jsonld"])
def test_piped_file_is_the_file_written_here(
    tmp_path: Path, nt_lines: list[str], kind: str
) -> None:
    here, there = tmp_path / "here", tmp_path / "there"
    (write_turtle if kind == "turtle" else write_jsonld)(nt_lines, here)
    with PipedSerialiser(kind, there) as piped:  # type: ignore[arg-type]
        for line in nt_lines:
            piped.write(line)
    assert there.read_bytes() == here.read_bytes()


def test_a_failure_here_leaves_no_file_there(tmp_path: Path, nt_lines: list[str]) -> None:
    target = tmp_path / "graph.ttl"
    with (
        pytest.raises(RuntimeError, match="reading stopped"),
        PipedSerialiser("turtle", target) as piped,
    ):
        for line in nt_lines[:5000]:
            piped.write(line)
        raise RuntimeError("reading stopped")
    assert list(tmp_path.iterdir()) == []  # neither the file nor its temporary file


def test_two_serialisers_side_by_side_each_see_their_end(
    tmp_path: Path, nt_lines: list[str]
) -> None:
    """The second child must not hold the first one's pipe open (else it never ends)."""
    ttl, jsonld = tmp_path / "g.ttl", tmp_path / "g.jsonld"
    with PipedSerialiser("turtle", ttl) as a, PipedSerialiser("jsonld", jsonld, others=(a,)) as b:
        for line in nt_lines:
            a.write(line)
            b.write(line)
    assert ttl.stat().st_size > 0 and jsonld.stat().st_size > 0


def test_a_failing_child_fails_here(tmp_path: Path, nt_lines: list[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with (
        pytest.raises(FileExistsError),  # the child's error, not a broken pipe here
        PipedSerialiser("turtle", blocker / "graph.ttl") as piped,
    ):
        for line in nt_lines:
            piped.write(line)
    assert [p.name for p in tmp_path.iterdir()] == ["file"]

"""The data model travels between processes (``--jobs``, parsing ahead in a worker) by
pickle: every record type must come back equal, with every field."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from pathlib import Path

import pytest

import graph.model as model
from pipelines.readers import detect
from tests.conftest import FIXTURES, SEED

READ = [
    SEED,  # a PubMed page: references parsed from text
    FIXTURES / "metapub__pmid_28731372.xml",  # PubMed XML: MeSH, grants, ids
    FIXTURES / "pubchunks__pubmed_full_3.xml",  # JATS: reference lists with fields
    FIXTURES / "jabref__NbibImporterTest.nbib",  # MEDLINE
    FIXTURES / "store" / "pubmed20n0014_refs_a.xml.gz",
]


@pytest.mark.parametrize("path", READ, ids=lambda p: Path(p).name)
def test_articles_survive_pickling(path: Path) -> None:
    articles = list(detect(path).read(path))
    assert articles
    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        back = pickle.loads(pickle.dumps(articles, protocol=protocol))
        assert back == articles
        assert [type(a) for a in back] == [type(a) for a in articles]


def test_every_model_class_pickles_by_its_constructor() -> None:
    """A record type added to the model without the fast pickling would silently fall back
    to dataclasses' slow per-field state."""
    classes = [c for _, c in inspect.getmembers(model, inspect.isclass)
               if dataclasses.is_dataclass(c) and c.__module__ == model.__name__]  # fmt: skip
    assert len(classes) >= 11
    for cls in classes:
        assert "__reduce__" in vars(cls), cls.__name__
        init = [f.name for f in dataclasses.fields(cls) if f.init]
        assert list(cls.__match_args__) == init == [f.name for f in dataclasses.fields(cls)]


def test_an_unpickled_record_is_still_frozen_and_hashable() -> None:
    """Unpickling stores the slots directly (no ``__init__``): the object must still be the
    frozen value, equal and with the same hash, rebuilt by the module's maker."""
    (article,) = detect(FIXTURES / "metapub__pmid_28731372.xml").read(
        FIXTURES / "metapub__pmid_28731372.xml"
    )
    assert isinstance(article, model.Article)
    back = pickle.loads(pickle.dumps(article))
    assert back == article and back is not article
    heading = back.mesh[0]
    assert hash(heading) == hash(article.mesh[0])
    with pytest.raises(dataclasses.FrozenInstanceError):
        heading.name = "changed"  # type: ignore[misc]
    assert type(article).__reduce__(article)[0] is model._make_Article  # type: ignore[attr-defined]

"""The roles component on a short article of our own: actors with merged mentions that index
the exact text on word edges, roles from the task's inventory, a summary, JSON round trip."""

import pytest

from propwatch.doc import MAIN_ROLES, Actor, Article, Document
from propwatch.errors import UsageError
from propwatch.pipeline import Pipeline, get_component
from propwatch.pipeline.registry import get_spec
from propwatch.roles.entities import normalise
from propwatch.roles.model import FINE_ROLES

from ..conftest import FIXTURES

TEXT = (FIXTURES / "roles" / "articles" / "EN_UA_000001.txt").read_text("utf-8")


@pytest.fixture(scope="module")
def document() -> Document:
    pipeline = Pipeline([get_component("techniques"), get_component("roles")])
    return pipeline(Article(id="border", text=TEXT))


def _layer(document: Document):
    return next(layer for layer in document.layers if layer.name == "roles")


def test_actors_have_merged_mentions_on_word_edges(document):
    layer = _layer(document)
    assert layer.kind == Actor.kind and layer.component == "roles.v1"
    actors = {a.name: a for a in layer.items}
    putin = actors["Vladimir Putin"]
    assert [TEXT[m.start:m.end] for m in putin.mentions] == ["Vladimir Putin", "Putin"]
    zelensky = actors["Volodymyr Zelensky"]
    assert len(zelensky.mentions) == 2  # "Zelensky's office" joins the full name
    us = [a for a in layer.items if any(TEXT[m.start:m.end] == "Washington" for m in a.mentions)]
    assert len(us) == 1 and {normalise(TEXT[m.start:m.end]) for m in us[0].mentions} >= {
        "united states", "washington"}
    for actor in layer.items:
        assert actor.main_role in MAIN_ROLES and 0.0 <= actor.score <= 1.0
        assert set(actor.fine_roles) <= set(FINE_ROLES[actor.main_role])
        for m in actor.mentions:
            assert 0 <= m.start < m.end <= len(TEXT)
            assert m.start == 0 or not TEXT[m.start - 1].isalnum()
            assert m.end == len(TEXT) or not TEXT[m.end].isalnum()
            assert m.main_role in MAIN_ROLES and m.fine_roles


def test_actors_come_most_mentioned_first_and_the_summary_counts_them(document):
    layer = _layer(document)
    counts = [len(a.mentions) for a in layer.items]
    assert counts == sorted(counts, reverse=True)
    summary = layer.summary
    assert summary["actors"] == len(layer.items)
    assert sum(summary["counts"].values()) == len(layer.items)
    assert set(summary) >= {"protagonists", "antagonists", "innocents", "mentions"}


def test_layer_round_trips_through_json(document):
    layer = _layer(document)
    again = [Actor.from_dict(a.to_dict(TEXT)) for a in layer.items]
    assert again == list(layer.items)


def test_unknown_setting_is_refused():
    with pytest.raises(UsageError, match="E401"):
        get_spec("roles").factory({"model_dir": None, "colour": "red"})

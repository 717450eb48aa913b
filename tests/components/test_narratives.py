"""The narratives component: trained heads over the techniques encoder's shared pass with the
default taxonomy, zero-shot descriptions with a user's taxonomy; evidence reads whole."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from propwatch.components import narratives as component
from propwatch.doc import NARRATIVE, SUBNARRATIVE, Article, Document, NarrativeLabel
from propwatch.errors import UsageError
from propwatch.ingest import article_from_text
from propwatch.pipeline import Pipeline, get_component
from propwatch.pipeline.component import Shared

from ..conftest import FIXTURES

SYRIA = Path(__file__).resolve().parents[2] / "examples" / "taxonomies" / "syria.toml"
STAGED = (FIXTURES / "narratives" / "staged-attack.txt").read_text("utf-8")
FESTIVAL = (FIXTURES / "narratives" / "harbour-festival.txt").read_text("utf-8")


def whole(text: str, start: int, end: int) -> bool:
    inside = re.compile(r"\w")
    return not (start > 0 and inside.match(text[start - 1]) and inside.match(text[start])) and \
        not (end < len(text) and inside.match(text[end - 1]) and inside.match(text[end]))


@pytest.fixture(scope="module")
def zero_shot():
    return component.SPEC.factory({"taxonomy": str(SYRIA)})


def test_user_taxonomy_labels_the_staged_attack_story_with_evidence(zero_shot):
    layer = zero_shot(Document(article_from_text(STAGED, id="staged")), Shared())
    assert layer.summary["mode"] == "zero-shot" and layer.summary["taxonomy"] == "syria-war"
    # the version names the taxonomy and its content: edited taxonomies never mix in a store
    assert zero_shot.version.startswith("zero-shot:syria-war@")
    labels = {x.label: x for x in layer.items}
    assert "Staged attacks" in labels and not layer.summary["other"]
    staged = labels["Staged attacks"]
    assert staged.level == NARRATIVE and 0.5 < staged.score <= 1 and staged.evidence
    best = STAGED[staged.evidence[0].start:staged.evidence[0].end]
    assert "staged chemical attack" in best or "fake victims" in best
    for item in layer.items:
        for span in item.evidence:
            assert whole(STAGED, span.start, span.end)
            assert STAGED[span.start:span.end].strip() == STAGED[span.start:span.end]
        if item.level == SUBNARRATIVE:
            assert item.parent in labels


def test_user_taxonomy_calls_an_unrelated_story_other(zero_shot):
    layer = zero_shot(Document(article_from_text(FESTIVAL, id="festival")), Shared())
    assert [x.label for x in layer.items] == ["Other"] and layer.summary["other"]


def test_default_taxonomy_reuses_the_techniques_encoder_pass():
    pipeline = Pipeline([get_component("techniques"), get_component("narratives")])
    doc = pipeline(article_from_text(STAGED, id="staged"))
    layer = doc.layer("narratives")
    assert layer.summary["mode"] == "trained" and layer.summary["taxonomy"] == "semeval2025"
    assert all(isinstance(x, NarrativeLabel) for x in layer.items)
    data = doc.to_dict()["layers"]["narratives"]
    assert [x["label"] for x in data["items"]] == [x.label for x in layer.items]


def test_the_encoder_runs_once_per_article_whoever_asks_first():
    narratives = get_component("narratives")
    article = article_from_text(FESTIVAL, id="f")
    shared = Shared()
    shared.get(("encoded", narratives.encoder.version), lambda: narratives.encoder.encode(article))
    calls = []
    original = narratives.encoder.encode
    narratives.encoder.encode = lambda *a, **k: calls.append(1) or original(*a, **k)
    try:
        narratives(Document(article), shared)
    finally:
        # the detector is shared by the whole session: leave no instance attribute behind
        del narratives.encoder.encode
    assert calls == []


def test_empty_content_is_other():
    made = get_component("narratives")
    article = Article(id="x", text="Share this\n", boilerplate=((0, 10),))
    layer = made(Document(article), Shared())
    assert [x.label for x in layer.items] == ["Other"]


def test_bad_settings_are_named(tmp_path):
    with pytest.raises(UsageError, match="unknown setting 'colour'"):
        component.SPEC.factory({"colour": "red"})
    with pytest.raises(UsageError, match="between 0 and 1"):
        component.SPEC.factory({"threshold": 2})
    with pytest.raises(UsageError) as caught:
        component.SPEC.factory({"taxonomy": str(tmp_path / "none.toml")})
    assert caught.value.code == "E411"

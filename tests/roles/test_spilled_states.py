"""Actors and roles read from a long article's spilled encoder states (read a window or a
chunk at a time) are the ones read from memory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from propwatch.detect.transformer import default_model_dir
from propwatch.ingest import article_from_text

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / \
    "harbor-daily-2023-05-04-grain-blockade.txt"


def test_spilled_states_give_the_same_actors(monkeypatch):
    if not (default_model_dir() / "encoder.onnx").exists():
        pytest.skip("no transformer artifact: run 'propwatch train transformer'")
    from propwatch.detect import get_detector
    from propwatch.roles import RoleTagger
    from propwatch.roles import features as role_features
    from propwatch.roles.features import SpilledRows, TokenStates

    detector = get_detector("transformer")
    tagger = RoleTagger(task_priors=False)
    article = article_from_text(EXAMPLE.read_text(encoding="utf-8"), id="x")
    kept = detector.encode(article, spill_after=None)
    spilled = detector.encode(article, spill_after=0)
    tokens = TokenStates.of(spilled)
    assert isinstance(tokens.states, SpilledRows)
    whole = TokenStates.of(kept)
    np.testing.assert_array_equal(tokens.states[3:40], whole.states[3:40])
    np.testing.assert_array_equal(tokens.states[[0, 7, 300]], whole.states[[0, 7, 300]])
    np.testing.assert_allclose(tokens.states.mean_all(), whole.states.mean(0), atol=1e-5)
    monkeypatch.setattr(role_features, "CHUNK_ROWS", 50)  # chunks end inside the article
    from propwatch.roles import ner
    monkeypatch.setattr(ner.EntityHead._spilled_logits, "__defaults__", (7,))
    expected = tagger.actors(article, kept)
    assert expected and tagger.actors(article, spilled) == expected

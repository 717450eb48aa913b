"""Narrative features from the techniques encoder's states, whether a long article's states
stayed in memory or were spilled to disk."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from propwatch.detect.tokens import split_sentences
from propwatch.detect.transformer import default_model_dir
from propwatch.ingest import article_from_text
from propwatch.narratives.model import encoder_passages, pooled

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / \
    "harbor-daily-2023-05-04-grain-blockade.txt"


@pytest.fixture(scope="module")
def detector():
    if not (default_model_dir() / "encoder.onnx").exists():
        pytest.skip("no transformer artifact: run 'propwatch train transformer'")
    from propwatch.detect import get_detector
    return get_detector("transformer")


def test_spilled_states_pool_to_the_same_features(detector):
    article = article_from_text(EXAMPLE.read_text(encoding="utf-8"), id="x")
    sentences = [(s.start, s.end) for s in split_sentences(article.text, article.content_ranges())]
    kept = detector.encode(article, spill_after=None)
    spilled = detector.encode(article, spill_after=0)
    features, passages = encoder_passages(article, kept, sentences)
    features_s, passages_s = encoder_passages(article, spilled, sentences)
    assert [(p.start, p.end) for p in passages] == [(p.start, p.end) for p in passages_s]
    for a, b in zip(passages, passages_s):
        np.testing.assert_array_equal(a.features, b.features)
    np.testing.assert_allclose(features, features_s, atol=1e-5)
    # each sentence pools exactly the subwords whose start lies in it
    every = np.concatenate(list(kept.hidden))
    starts = np.concatenate([w.starts for w in kept.windows])
    bounds = np.array([s for s, _ in sentences])
    owner = np.searchsorted(bounds, starts, side="right") - 1
    expected = [(s, e, pooled(every[owner == i])) for i, (s, e) in enumerate(sentences)
                if (owner == i).any()]
    assert len(expected) == len(passages)
    for (s, e, f), p in zip(expected, passages):
        assert (s, e) == (p.start, p.end)
        np.testing.assert_array_equal(f, p.features)

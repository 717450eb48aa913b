"""Attribution token states read from a long article's spilled encoder states are the ones
read from memory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from propwatch.attribution.model import token_states
from propwatch.attribution.tagger import paragraphs
from propwatch.detect.transformer import default_model_dir
from propwatch.ingest import article_from_text

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / \
    "harbor-daily-2023-05-04-grain-blockade.txt"


def test_spilled_states_give_the_same_token_states():
    if not (default_model_dir() / "encoder.onnx").exists():
        pytest.skip("no transformer artifact: run 'propwatch train transformer'")
    from propwatch.detect import get_detector

    detector = get_detector("transformer")
    article = article_from_text(EXAMPLE.read_text(encoding="utf-8"), id="x")
    found = paragraphs(article.text, article.content_ranges())
    kept = detector.encode(article, spill_after=None)
    spilled = detector.encode(article, spill_after=0)
    assert spilled.hidden.spilled
    ours = token_states(found, spilled.windows, spilled.hidden)
    theirs = token_states(found, kept.windows, kept.hidden)
    assert len(ours) == len(theirs) == len(found)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)
    assert any(a.any() for a in ours)

"""The narrative heads and the top-down decision: what an article gets from probabilities."""

from __future__ import annotations

import numpy as np

from propwatch.doc import NARRATIVE, SUBNARRATIVE
from propwatch.narratives.heads import fit_heads
from propwatch.narratives.model import NarrativeClassifier, Passage, Scored, decide
from propwatch.narratives.taxonomy import load_taxonomy


def test_fit_heads_learns_each_label_from_its_own_feature():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 6))
    y = np.stack([x[:, 0] > 0.5, x[:, 3] < -0.8], axis=1).astype(float)  # one rare label
    heads = fit_heads(x, y, c=1.0)
    p = heads.probabilities(x)
    for label in range(2):
        positive, negative = p[y[:, label] == 1, label], p[y[:, label] == 0, label]
        assert positive.mean() > 0.7
        assert negative.mean() < 0.3
    assert abs(heads.weight[0, 0]) > 5 * abs(heads.weight[1, 0])  # the label's own feature


def test_fit_heads_penalty_shrinks_weights():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(80, 4))
    y = (x[:, :1] > 0).astype(float)
    strong, weak = fit_heads(x, y, c=0.001), fit_heads(x, y, c=10.0)
    assert np.abs(strong.weight).sum() < np.abs(weak.weight).sum()


TAXONOMY = load_taxonomy()
NARR = "URW: Discrediting Ukraine"
SUB = "URW: Discrediting Ukraine: Ukraine is a puppet of the West"
OTHER_NARR = "URW: Praise of Russia"
LABELS = (NARR, SUB, OTHER_NARR)
THRESHOLDS = {NARRATIVE: 0.5, SUBNARRATIVE: 0.4}
PASSAGES = [Passage(0, 10, np.zeros(2)), Passage(11, 30, np.zeros(2)), Passage(31, 40, np.zeros(2))]


def scored(article, passages=None):
    passages = np.array(passages if passages is not None else [[0.1, 0.2, 0.0]] * 3)
    return Scored(LABELS, np.array(article), passages)


def test_nothing_passes_is_other_scored_against_the_best_narrative():
    found = decide(scored([0.3, 0.9, 0.2]), TAXONOMY, THRESHOLDS, PASSAGES)
    assert [(x.label, x.level) for x in found] == [("Other", NARRATIVE)]
    assert found[0].score == 0.7  # 1 - P(best narrative); a subnarrative alone gives no label


def test_narrative_then_its_passing_subnarrative_with_evidence_best_first():
    found = decide(scored([0.8, 0.45, 0.1], [[0.2, 0.1, 0], [0.9, 0.7, 0], [0.5, 0.8, 0]]),
                   TAXONOMY, THRESHOLDS, PASSAGES, evidence=2)
    assert [(x.label, x.level, x.parent) for x in found] == [
        (NARR, NARRATIVE, None), (SUB, SUBNARRATIVE, NARR)]
    assert [(s.start, s.end) for s in found[0].evidence] == [(11, 30), (31, 40)]
    assert [(s.start, s.end) for s in found[1].evidence] == [(31, 40), (11, 30)]
    assert found[1].description and found[0].score == 0.8


def test_narrative_without_a_passing_subnarrative_gets_its_other():
    found = decide(scored([0.6, 0.1, 0.7]), TAXONOMY, THRESHOLDS, PASSAGES)
    assert [x.label for x in found] == [OTHER_NARR, f"{OTHER_NARR}: Other", NARR, f"{NARR}: Other"]


def test_shipped_model_matches_the_default_taxonomy():
    model = NarrativeClassifier()
    assert model.taxonomy == "semeval2025"
    assert all(TAXONOMY.get(label) is not None for label in model.labels)
    assert model.heads.weight.shape == (768, len(model.labels))  # mean and max of 384 states
    assert 0 < model.thresholds[NARRATIVE] < 1 and 0 < model.thresholds[SUBNARRATIVE] < 1
    assert {"slope", "intercept", NARRATIVE, SUBNARRATIVE} <= set(model.meta["zero_shot"])

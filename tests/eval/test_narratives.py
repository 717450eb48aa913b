"""Narrative scoring (SemEval-2025 subtask 2 samples F1) and the cross-validated figures of the
shipped approach on the English training articles."""

from __future__ import annotations

import pytest

from propwatch.errors import DataError
from propwatch.eval.narratives import article_f1, samples_f1
from propwatch.eval.semeval2025 import data_root, folds, locate, read_narratives


def test_samples_f1_averages_per_article_f1():
    gold = [["A", "B"], ["Other"], ["C"]]
    predicted = [["A"], ["Other"], ["D"]]
    assert article_f1(["A"], ["A", "B"]) == pytest.approx(2 / 3)
    assert samples_f1(predicted, gold) == pytest.approx((2 / 3 + 1 + 0) / 3)
    # re-weighted: "Other" articles count for 0.25 of the mean, the others for 0.75
    assert samples_f1(predicted, gold, 0.25) == pytest.approx(0.25 * 1 + 0.75 * (2 / 3) / 2)
    assert samples_f1([], []) == 0.0


def test_folds_are_disjoint_and_cover_every_article():
    names = [f"a{i}" for i in range(23)]
    dealt = folds(names, 5, seed=13)
    assert sorted(n for fold in dealt for n in fold) == sorted(names)
    assert dealt == folds(list(reversed(names)), 5, seed=13)  # order of input does not matter


def test_locate_finds_a_mention_near_a_wrong_offset():
    text = "In Kyiv, officials said Kyiv would not yield."
    assert locate(text, "Kyiv", 3) == 3
    assert locate(text, "Kyiv", 26) == 24  # off by two: the nearest occurrence
    assert locate(text, "Moscow", 3) is None


def test_missing_data_is_named(tmp_path, monkeypatch):
    monkeypatch.delenv("PROPWATCH_DATA", raising=False)
    with pytest.raises(DataError) as caught:
        data_root(tmp_path)
    assert caught.value.code == "E306" and str(tmp_path) in str(caught.value)


def test_annotations_read_labels_once_in_order(tmp_path):
    path = tmp_path / "subtask-2-annotations.txt"
    path.write_text("EN_1.txt\tA;B;A\tA: x;B: Other\nEN_2.txt\tOther\tOther\n", encoding="utf-8")
    assert read_narratives(path) == {"EN_1.txt": (("A", "B"), ("A: x", "B: Other")),
                                     "EN_2.txt": (("Other",), ("Other",))}
    path.write_text("EN_1.txt\tA\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 1"):
        read_narratives(path)


@pytest.mark.slow
def test_cross_validated_figures_beat_the_other_baseline():
    try:
        data_root(None)
    except DataError:
        pytest.skip("SemEval-2025 narratives data not found: set PROPWATCH_DATA to the shared data")
    from propwatch.detect import get_detector
    from propwatch.eval.narratives import cross_validate, load_dataset

    figures = cross_validate(load_dataset(None, get_detector("transformer")))
    # measured 0.448 / 0.349 at the dev set's share of "Other" (README); floors leave noise room
    assert figures["coarse_f1_dev_share"] >= 0.41
    assert figures["fine_f1_dev_share"] >= 0.31
    assert figures["coarse_f1_dev_share"] > figures["baseline_other"]["coarse_f1_dev_share"] + 0.12

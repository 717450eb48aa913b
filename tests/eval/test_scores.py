"""The SemEval-2020 Task 11 scorers on hand-made cases whose figures are worked out by hand."""

import pytest

from propwatch.eval.scores import score_si, score_tc


def si(pred, gold):
    return score_si(predicted=pred, gold=gold)


def test_exact_match_scores_one():
    result = si({"a": [(0, 10)]}, {"a": [(0, 10)]})
    assert (result.precision, result.recall, result.f1) == (1.0, 1.0, 1.0)


def test_partial_overlap_gets_partial_credit():
    # 5 shared characters of a 10-char prediction and a 20-char gold span
    result = si({"a": [(5, 15)]}, {"a": [(10, 30)]})
    assert result.precision == pytest.approx(5 / 10)
    assert result.recall == pytest.approx(5 / 20)
    assert result.f1 == pytest.approx(2 * 0.5 * 0.25 / 0.75)


def test_one_prediction_over_two_gold_spans_sums_credit():
    result = si({"a": [(0, 15)]}, {"a": [(0, 5), (10, 15)]})
    assert result.precision == pytest.approx(10 / 15)
    assert result.recall == pytest.approx((1 + 1) / 2)


def test_overlapping_predictions_are_merged_first():
    # unmerged, recall would be (4/8 + 6/8) = 1.25 > 1
    result = si({"a": [(0, 4), (2, 8)]}, {"a": [(0, 8)]})
    assert (result.precision, result.recall) == (1.0, 1.0)


def test_overlapping_gold_spans_are_merged_too():
    result = si({"a": [(0, 10)]}, {"a": [(0, 6), (4, 10), (4, 10)]})
    assert (result.precision, result.recall) == (1.0, 1.0)
    assert result.support == 1


def test_empty_predictions_score_zero():
    result = si({}, {"a": [(0, 10)]})
    assert (result.precision, result.recall, result.f1) == (0.0, 0.0, 0.0)


def test_predictions_in_an_article_without_gold_cost_precision():
    result = si({"a": [(0, 10)], "b": [(0, 10)]}, {"a": [(0, 10)]})
    assert result.precision == pytest.approx(0.5)
    assert result.recall == pytest.approx(1.0)


def test_credit_is_summed_over_articles_before_dividing():
    result = si({"a": [(0, 10)], "b": [(0, 4)]}, {"a": [(0, 5)], "b": [(0, 8), (20, 30)]})
    assert result.precision == pytest.approx((5 / 10 + 4 / 4) / 2)
    assert result.recall == pytest.approx((5 / 5 + 4 / 8 + 0) / 3)


def test_spans_of_different_articles_never_overlap():
    result = si({"a": [(0, 10)]}, {"b": [(0, 10)]})
    assert result.f1 == 0.0


def test_tc_micro_f1_is_accuracy_with_one_label_per_span():
    gold = [("a", 0, 5, "Doubt"), ("a", 6, 9, "Slogans"), ("b", 0, 3, "Repetition")]
    pred = [("a", 0, 5, "Doubt"), ("a", 6, 9, "Doubt"), ("b", 0, 3, "Repetition")]
    result = score_tc(predicted=pred, gold=gold)
    assert result.micro.f1 == pytest.approx(2 / 3)
    assert result.per_technique["Doubt"].precision == pytest.approx(1 / 2)
    assert result.per_technique["Doubt"].recall == pytest.approx(1.0)
    assert result.per_technique["Slogans"].f1 == 0.0
    assert result.per_technique["Repetition"].f1 == 1.0


def test_tc_span_with_two_gold_techniques_needs_both():
    gold = [("a", 0, 5, "Doubt"), ("a", 0, 5, "Loaded_Language")]
    both = score_tc(predicted=[("a", 0, 5, "Loaded_Language"), ("a", 0, 5, "Doubt")], gold=gold)
    twice = score_tc(predicted=[("a", 0, 5, "Doubt"), ("a", 0, 5, "Doubt")], gold=gold)
    assert both.micro.f1 == 1.0
    assert twice.micro.f1 == pytest.approx(0.5)


def test_tc_empty_prediction():
    result = score_tc(predicted=[], gold=[("a", 0, 5, "Doubt")])
    assert result.micro.f1 == 0.0


def test_expected_calibration_error_by_hand():
    from propwatch.eval.scores import expected_calibration_error

    # bin 0.9: scores 0.9, 0.9 vs outcomes 1, 0 -> gap 0.4; bin 0.1: 0.1 vs 0.1 -> 0
    assert expected_calibration_error([0.9, 0.9, 0.1, 0.1], [1, 0, 0.1, 0.1]) == pytest.approx(0.2)
    assert expected_calibration_error([], []) == 0.0


def test_isotonic_fit_is_monotone_and_pools_violators():
    from propwatch.eval.scores import isotonic_fit

    xs, ys = isotonic_fit([0.1, 0.2, 0.3, 0.4], [0.0, 1.0, 0.0, 1.0])
    assert ys == sorted(ys)
    assert ys == [0.0, 0.5, 1.0]

"""Attribution scoring (PolNeAR protocol) and the PolNeAR reader."""

import os
from pathlib import Path

import pytest

from propwatch.doc import Attribution, Span
from propwatch.errors import DataError
from propwatch.eval.attributions import (match_attributions, score_attributions,
                                         token_f1_by_role)
from propwatch.eval.polnear import find_polnear, fold_of, iter_polnear, split_polnear

TEXT = '"We will respond," the minister said, "firmly." Officials believe the talks failed.'


def at(text: str, piece: str, role: str, after: int = 0) -> Span:
    start = text.index(piece, after)
    return Span(start, start + len(piece), role)


def attribution(source: list[str], cue: str, content: list[str]) -> Attribution:
    return Attribution(source=tuple(at(TEXT, s, "source") for s in source),
                       cue=(at(TEXT, cue, "cue"),),
                       content=tuple(at(TEXT, c, "content") for c in content))


SPLIT_QUOTE = attribution(["the minister"], "said", ["We will respond,", "firmly."])
BELIEF = attribution(["Officials"], "believe", ["the talks failed"])


def test_perfect_prediction_scores_one_at_both_thresholds():
    rows = score_attributions([([SPLIT_QUOTE, BELIEF], [SPLIT_QUOTE, BELIEF])])
    assert [(r.threshold, r.f1, r.source_accuracy, r.cue_accuracy) for r in rows] == [
        (0.3, 1.0, 1.0, 1.0), (0.8, 1.0, 1.0, 1.0)]


def test_overlap_ratio_is_over_the_gold_content_union():
    only_first_fragment = attribution(["the minister"], "said", ["We will respond,"])
    # 16 of the 23 gold content characters: matched at 0.3, not at 0.8
    lenient, strict = score_attributions([([SPLIT_QUOTE], [only_first_fragment])])
    assert (lenient.matched, strict.matched) == (1, 0)
    assert strict.precision == strict.recall == strict.f1 == 0.0


def test_each_attribution_is_matched_once_best_overlap_first():
    whole = attribution([], "said", ["We will respond,", "firmly."])
    part = attribution([], "said", ["firmly."])
    assert match_attributions([SPLIT_QUOTE], [part, whole], 0.3) == [(0, 1)]
    lenient, _ = score_attributions([([SPLIT_QUOTE], [part, whole])])
    assert (lenient.matched, lenient.precision, lenient.recall) == (1, 0.5, 1.0)


def test_source_accuracy_needs_overlap_or_both_without_a_source():
    wrong_source = attribution(["Officials"], "said", ["We will respond,", "firmly."])
    no_source_gold = attribution([], "believe", ["the talks failed"])
    rows = score_attributions([([SPLIT_QUOTE, no_source_gold], [wrong_source, BELIEF])])
    assert rows[0].matched == 2 and rows[0].source_accuracy == 0.0
    rows = score_attributions([([no_source_gold], [attribution([], "believe",
                                                                 ["the talks failed"])])])
    assert rows[0].source_accuracy == 1.0


def test_token_f1_per_role():
    predicted = attribution(["minister"], "said", ["We will respond,"])
    scores = token_f1_by_role([(TEXT, [SPLIT_QUOTE], [predicted])])
    assert scores["cue"]["f1"] == 1.0
    assert scores["source"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "gold_tokens": 2}
    assert scores["content"]["recall"] == 0.6667  # "We will respond ," of "... , firmly ."


def test_missing_polnear_is_one_clear_error(tmp_path: Path):
    with pytest.raises(DataError, match="E304"):
        find_polnear(tmp_path)


def test_folds_are_fixed_and_cover_every_article():
    ids = [f"outlet_{i}" for i in range(200)]
    assert [fold_of(i, 5) for i in ids] == [fold_of(i, 5) for i in ids]
    assert {fold_of(i, 5) for i in ids} == {0, 1, 2, 3, 4}


@pytest.fixture(scope="module")
def polnear():
    data = os.environ.get("PROPWATCH_DATA")
    if not data or not (Path(data) / "polnear" / "gold-train.jsonl").is_file():
        pytest.skip("no PolNeAR under PROPWATCH_DATA (CI sets PROPWATCH_DATA=../shared/data)")
    return list(iter_polnear(data))


def test_polnear_reads_every_article_with_exact_offsets(polnear):
    assert len(polnear) == 840
    assert sum(len(g.attributions) for g in polnear) == 19868
    no_source = sum(not a.source for g in polnear for a in g.attributions)
    assert no_source == 1507  # 1,502 flagged no_source; 5 more have no source fragment
    train, held_out = split_polnear(polnear)
    assert len(train) + len(held_out) == 840 and 120 < len(held_out) < 220
    assert not {g.article.id for g in train} & {g.article.id for g in held_out}
    gold = [list(g.attributions) for g in polnear[:50]]
    rows = score_attributions(zip(gold, gold))
    assert all(r.f1 == 1.0 for r in rows)

"""Scorers of SemEval-2020 Task 11, as the organizers define them, and the quality gate.

SI: for predicted spans S and gold spans T of the same article (overlapping spans of each side
merged first), precision = sum_s sum_t |s∩t|/|s| / |S| and recall = sum_s sum_t |s∩t|/|t| / |T|,
summed over all articles before dividing. TC: predictions for the gold spans; micro-averaged F1
over (article, start, end, technique) matched as multisets, so a span with two gold techniques
needs both.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from .doc import merge_ranges

Range = tuple[int, int]


@dataclass(frozen=True, slots=True)
class PRF:
    precision: float
    recall: float
    f1: float
    support: int = 0  # number of gold items

    @staticmethod
    def of(precision: float, recall: float, support: int = 0) -> "PRF":
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return PRF(precision, recall, f1, support)


def score_si(*, predicted: Mapping[str, Iterable[Range]], gold: Mapping[str, Iterable[Range]],
             merge_predicted: bool = True) -> PRF:
    """SI precision, recall and F1 with partial credit over character overlap."""
    precision_sum = recall_sum = 0.0
    n_predicted = n_gold = 0
    for article_id in set(predicted) | set(gold):
        pred = list(predicted.get(article_id, ()))
        pred = merge_ranges(pred) if merge_predicted else sorted(pred)
        ref = merge_ranges(gold.get(article_id, ()))
        n_predicted += len(pred)
        n_gold += len(ref)
        for s_start, s_end in pred:
            for t_start, t_end in ref:
                overlap = min(s_end, t_end) - max(s_start, t_start)
                if overlap > 0:
                    precision_sum += overlap / (s_end - s_start)
                    recall_sum += overlap / (t_end - t_start)
    precision = precision_sum / n_predicted if n_predicted else 0.0
    recall = recall_sum / n_gold if n_gold else 0.0
    return PRF.of(precision, recall, n_gold)


Labelled = tuple[str, int, int, str]  # article_id, start, end, technique


@dataclass(frozen=True, slots=True)
class TCScore:
    micro: PRF
    per_technique: dict[str, PRF] = field(default_factory=dict)


def score_tc(*, predicted: Sequence[Labelled], gold: Sequence[Labelled]) -> TCScore:
    """TC micro P/R/F1 and per-technique P/R/F1; rows match on (id, start, end, technique)."""
    pred_by_span: dict[tuple[str, int, int], Counter] = defaultdict(Counter)
    gold_by_span: dict[tuple[str, int, int], Counter] = defaultdict(Counter)
    for article_id, start, end, technique in predicted:
        pred_by_span[(str(article_id), start, end)][technique] += 1
    for article_id, start, end, technique in gold:
        gold_by_span[(str(article_id), start, end)][technique] += 1
    true_pos: Counter = Counter()
    for key, labels in pred_by_span.items():
        true_pos.update(labels & gold_by_span.get(key, Counter()))
    pred_counts = Counter(row[3] for row in predicted)
    gold_counts = Counter(row[3] for row in gold)
    total_tp = sum(true_pos.values())
    micro = PRF.of(total_tp / len(predicted) if predicted else 0.0,
                   total_tp / len(gold) if gold else 0.0, len(gold))
    per_technique = {
        label: PRF.of(true_pos[label] / pred_counts[label] if pred_counts[label] else 0.0,
                      true_pos[label] / gold_counts[label] if gold_counts[label] else 0.0,
                      gold_counts[label])
        for label in sorted(set(pred_counts) | set(gold_counts))
    }
    return TCScore(micro, per_technique)

"""Detectors on the PTC tasks: SI and TC scores, span-threshold sweeps, score calibration,
and the TC template task (``propwatch evaluate`` and ``propwatch classify``)."""

from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..detect import Detector, get_detector
from ..detect.words import count_cut
from ..doc import merge_ranges
from ..errors import InputError
from .ptc import LabelRow, load_split, read_article_file, read_labels
from .scores import PRF, TCScore, score_si, score_tc


@dataclass(frozen=True)
class Evaluation:
    detector: str
    split: str
    articles: int
    si: PRF
    tc: TCScore
    seconds: float
    cut_spans: int = 0  # predicted spans that begin or end inside a word (should stay 0)


def evaluate_detector(*, split: str = "dev", data: str | None = None,
                      detector: Detector | None = None,
                      progress: Callable[[int, int], None] | None = None) -> Evaluation:
    """SI and TC scores of a detector on a PTC split."""
    detector = detector or get_detector()
    loaded = load_split(split, data)
    began = time.perf_counter()
    gold_si: dict[str, list] = defaultdict(list)
    gold_tc = [(row.article_id, row.start, row.end, row.technique) for row in loaded.labels]
    by_article: dict[str, list[LabelRow]] = defaultdict(list)
    for row in loaded.labels:
        gold_si[row.article_id].append((row.start, row.end))
        by_article[row.article_id].append(row)
    predicted_si, predicted_tc = {}, []
    cut = 0
    for n, article in enumerate(loaded.articles, 1):
        predicted_si[article.id] = [(s.start, s.end) for s in detector.detect(article)]
        cut += count_cut(article.text, predicted_si[article.id])
        rows = by_article.get(article.id, [])
        offsets = [(r.start, r.end) for r in rows]
        for (start, end), label in zip(offsets, detector.classify(article, offsets)):
            predicted_tc.append((article.id, start, end, label))
        if progress:
            progress(n, len(loaded.articles))
    return Evaluation(detector.version, split, len(loaded.articles),
                      score_si(predicted=predicted_si, gold=gold_si),
                      score_tc(predicted=predicted_tc, gold=gold_tc),
                      round(time.perf_counter() - began, 2), cut)


def threshold_table(*, split: str = "dev", data: str | None = None,
                    detector: Detector | None = None,
                    thresholds: Sequence[float] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
                    ) -> list[dict]:
    """SI precision, recall and F1 of a detector at each span threshold on a PTC split."""
    detector = detector or get_detector()
    loaded = load_split(split, data)
    gold: dict[str, list] = defaultdict(list)
    for row in loaded.labels:
        gold[row.article_id].append((row.start, row.end))
    predicted: dict[float, dict[str, list]] = {t: {} for t in thresholds}
    for article in loaded.articles:
        for t, spans in detector.spans_at_thresholds(article, thresholds).items():
            predicted[t][article.id] = spans
    rows = []
    for t in thresholds:
        prf = score_si(predicted=predicted[t], gold=gold)
        rows.append({"threshold": t, "precision": round(prf.precision, 4),
                     "recall": round(prf.recall, 4), "f1": round(prf.f1, 4),
                     "spans": sum(len(v) for v in predicted[t].values())})
    return rows


def span_calibration(*, split: str = "dev", data: str | None = None,
                     detector: Detector | None = None, seed: int = 0) -> dict:
    """How well raw span scores predict the share of a span's characters in gold spans: ECE
    of the raw scores, ECE after an isotonic map cross-fitted over two halves of the split,
    and the map fitted on the whole split (to store with the artifact)."""

    from .scores import expected_calibration_error, isotonic_fit

    detector = detector or get_detector()
    loaded = load_split(split, data)
    gold: dict[str, list] = defaultdict(list)
    for row in loaded.labels:
        gold[row.article_id].append((row.start, row.end))
    per_article = []
    for article in loaded.articles:
        ranges = merge_ranges(gold.get(article.id, []))
        found = []
        for start, end, score, *_ in detector.find_spans(article):
            covered = sum(max(0, min(end, e) - max(start, s)) for s, e in ranges)
            found.append((score, covered / (end - start)))
        per_article.append(found)
    order = list(range(len(per_article)))
    random.Random(seed).shuffle(order)
    halves = [set(order[0::2]), set(order[1::2])]
    crossed_scores, crossed_outcomes = [], []
    for fit_half, apply_half in ((0, 1), (1, 0)):
        fit = [p for i in halves[fit_half] for p in per_article[i]]
        xs, ys = isotonic_fit([s for s, _ in fit], [o for _, o in fit])
        for i in halves[apply_half]:
            for score, outcome in per_article[i]:
                crossed_scores.append(float(np.interp(score, xs, ys)))
                crossed_outcomes.append(outcome)
    everything = [p for found in per_article for p in found]
    raw_scores = [s for s, _ in everything]
    outcomes = [o for _, o in everything]
    xs, ys = isotonic_fit(raw_scores, outcomes)
    return {"detector": detector.version, "split": split, "spans": len(everything),
            "ece_raw": round(expected_calibration_error(raw_scores, outcomes), 4),
            "ece_calibrated_crossfit": round(expected_calibration_error(crossed_scores,
                                                                       crossed_outcomes), 4),
            "mean_outcome": round(float(np.mean(outcomes)) if outcomes else 0.0, 4),
            "calibration": {"x": [round(x, 5) for x in xs], "y": [round(y, 5) for y in ys]}}


def classify_template(articles_dir: Path, template: Path, *,
                      detector: Detector | None = None) -> list[LabelRow]:
    """The TC task: fill in the technique of every row of a template (``id ? start end``)."""
    detector = detector or get_detector()
    rows = read_labels(template)
    by_article: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        by_article[row.article_id].append(index)
    filled = list(rows)
    for article_id, indices in by_article.items():
        path = articles_dir / f"article{article_id}.txt"
        if not path.is_file():
            path = articles_dir / f"{article_id}.txt"
        if not path.is_file():
            raise InputError.make("E101", path=articles_dir / f"article{article_id}.txt")
        article = read_article_file(path)
        offsets = [(rows[i].start, rows[i].end) for i in indices]
        for i, label in zip(indices, detector.classify(article, offsets)):
            filled[i] = LabelRow(rows[i].article_id, label, rows[i].start, rows[i].end)
    return filled

"""Scorers: SemEval-2020 Task 11 (SI and TC, as the organizers define them) and text reuse
(aligned passages, reprint clusters, origin).

SI: for predicted spans S and gold spans T of the same article (overlapping spans of each side
merged first), precision = sum_s sum_t |s∩t|/|s| / |S| and recall = sum_s sum_t |s∩t|/|t| / |T|,
summed over all articles before dividing. TC: predictions for the gold spans; micro-averaged F1
over (article, start, end, technique) matched as multisets, so a span with two gold techniques
needs both.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Hashable, Iterable, Mapping, Protocol, Sequence

from ..doc import Cluster, ReuseLink, merge_ranges

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


# ---------------------------------------------------------------------------- text reuse
#
# Reuse gold (see ``propwatch.bench.generate``) gives each article *units*: copied sentences
# ``[start, end)`` with a ``key`` naming the source sentence, and ``pre``/``post``, the whitespace
# characters right before and after. Articles x and y share a unit when both hold its key.
#
# Passages, pair-aware: the gold characters of x w.r.t. y are x's units whose key y also holds.
# Whitespace is neutral where it touches such a unit (its ``pre``/``post``): a predicted passage
# that starts at the line break before a sentence, or runs over the blank line between two
# copied paragraphs, is neither credited nor penalised for it. Everything else counts, spaces
# inside sentences included. Precision = predicted characters on gold characters of the same
# (article, partner) / all non-neutral predicted characters, the links' ranges first unioned per
# (article, partner), both sides of every link; a link between articles with no shared unit
# counts wholly against it. Recall = gold characters covered / gold characters, over the pairs
# whose longest shared run (consecutive shared units, joined across whitespace-only gaps) is at
# least ``min_chars`` long in both articles; shorter shared bits are not required (detectors
# report passages of ``min_chars`` or more) but predicting them is not an error either.
#
# Clusters: every gold unit of an article in a gold cluster is one item for the adjusted Rand
# index: gold label = that cluster, predicted label = the predicted cluster with a member
# passage covering the unit's midpoint (the largest overlap with the unit wins, then the earlier
# cluster), else a label of its own. A gold cluster's matched prediction is the predicted
# cluster that labels most of its units. ``origin_accuracy``: among gold clusters with a known
# origin, the share whose matched prediction names that article; ``origin_abstain_ok``: among
# gold clusters whose origin cannot be told, the share whose matched prediction says None. A
# gold cluster with no match fails both. ``origin_named_correctly``: among all gold clusters,
# the share whose matched prediction names the article the story was first written in (the
# gold ``original``, else its ``origin``); ``origin_named``: the share whose match names one. Shares are 0.0 when there is nothing to score (the
# counts say so).



class ReuseGold(Protocol):
    """What the reuse scorers read: ``units`` maps every article id to its units (objects with
    ``start``, ``end``, ``key`` and optional ``pre``/``post``); ``clusters`` maps a cluster id to
    an object with ``members`` (article ids) and ``origin`` (an article id or None)."""

    @property
    def units(self) -> Mapping[str, Sequence[Any]]: ...

    @property
    def clusters(self) -> Mapping[str, Any]: ...


def overlap_length(a: Sequence[Range], b: Sequence[Range]) -> int:
    """Characters in both of two sorted, merged range lists."""
    i = j = total = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if end > start:
            total += end - start
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return total


def _minus(a: Sequence[Range], b: Sequence[Range]) -> list[Range]:
    """Sorted merged ranges ``a`` less sorted merged ranges ``b``."""
    out: list[Range] = []
    j = 0
    for start, end in a:
        while j < len(b) and b[j][1] <= start:
            j += 1
        k, cursor = j, start
        while k < len(b) and b[k][0] < end:
            if b[k][0] > cursor:
                out.append((cursor, b[k][0]))
            cursor = max(cursor, b[k][1])
            k += 1
        if cursor < end:
            out.append((cursor, end))
    return out


def _length(ranges: Iterable[Range]) -> int:
    return sum(e - s for s, e in ranges)


def _shared_units(gold: ReuseGold) -> dict[tuple[str, str], list[Any]]:
    """(x, y) -> the units of x whose key y also holds, sorted by start."""
    holders: dict[str, list[str]] = defaultdict(list)
    for article_id, units in gold.units.items():
        for key in dict.fromkeys(u.key for u in units):
            holders[key].append(article_id)
    shared: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for article_id, units in gold.units.items():
        for unit in units:
            for other in holders[unit.key]:
                if other != article_id:
                    shared[(article_id, other)].append(unit)
    for units in shared.values():
        units.sort(key=lambda u: (u.start, u.end))
    return shared


def _longest_run(units: Sequence[Any]) -> int:
    """Longest stretch of consecutive units joined across whitespace-only gaps."""
    best, run_start, run_end = 0, None, -1
    for u in units:
        if run_start is None or u.start > run_end:
            run_start = u.start
        run_end = max(run_end, u.end + getattr(u, "post", 0))
        best = max(best, u.end - run_start)
    return best


def score_reuse_passages(*, predicted: Sequence[ReuseLink], gold: ReuseGold,
                         min_chars: int = 200) -> PRF:
    """Character precision and recall of aligned passages, per article pair; ``support`` is the
    number of article pairs whose gold passages recall counts."""
    shared = _shared_units(gold)
    gold_ranges: dict[tuple[str, str], list[Range]] = {}
    neutral: dict[tuple[str, str], list[Range]] = {}
    for pair, units in shared.items():
        ranges = merge_ranges((u.start, u.end) for u in units)
        gold_ranges[pair] = ranges
        space = merge_ranges(r for u in units for r in (
            (u.start - getattr(u, "pre", 0), u.start), (u.end, u.end + getattr(u, "post", 0)))
            if r[1] > r[0])
        neutral[pair] = _minus(space, ranges)
    predicted_ranges: dict[tuple[str, str], list[Range]] = defaultdict(list)
    for link in predicted:
        predicted_ranges[(link.a, link.b)].append((link.a_start, link.a_end))
        predicted_ranges[(link.b, link.a)].append((link.b_start, link.b_end))
    merged = {pair: merge_ranges(r) for pair, r in predicted_ranges.items()}
    correct = counted = 0
    for pair, ranges in merged.items():
        counted += _length(ranges) - overlap_length(ranges, neutral.get(pair, ()))
        correct += overlap_length(ranges, gold_ranges.get(pair, ()))
    runs = {pair: _longest_run(units) for pair, units in shared.items()}
    covered = total = pairs = 0
    for (x, y), ranges in gold_ranges.items():
        if runs[(x, y)] < min_chars or runs.get((y, x), 0) < min_chars:
            continue
        pairs += x < y
        total += _length(ranges)
        covered += overlap_length(ranges, merged.get((x, y), ()))
    return PRF.of(correct / counted if counted else 0.0, covered / total if total else 0.0,
                  pairs)


def adjusted_rand_index(labels_true: Sequence[Hashable], labels_pred: Sequence[Hashable]) -> float:
    """Adjusted Rand index of two labelings of the same items (1.0 = same partition, ~0 =
    chance, negative = worse than chance); label names do not matter."""
    n = len(labels_true)
    if n != len(labels_pred):
        raise ValueError(f"labelings differ in length: {n} and {len(labels_pred)}")

    def pairs(counts: Iterable[int]) -> int:
        return sum(c * (c - 1) // 2 for c in counts)

    index = pairs(Counter(zip(labels_true, labels_pred)).values())
    sum_true = pairs(Counter(labels_true).values())
    sum_pred = pairs(Counter(labels_pred).values())
    total = n * (n - 1) // 2
    if total == 0:
        return 1.0
    expected = sum_true * sum_pred / total
    maximum = (sum_true + sum_pred) / 2
    if maximum == expected:  # both labelings trivial the same way (one group, or all singletons)
        return 1.0
    return (index - expected) / (maximum - expected)


def score_reuse_clusters(*, predicted: Sequence[Cluster], gold: ReuseGold) -> dict[str, Any]:
    """ARI of predicted clusters over gold copied units, origin accuracy where the gold knows the
    origin, abstention where it does not, and the counts behind them."""
    cluster_of = {aid: cid for cid, c in gold.clusters.items() for aid in c.members}
    members: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for index, cluster in enumerate(predicted):
        for m in cluster.members:
            members[m.article_id].append((m.start, m.end, index))
    labels_true: list[Hashable] = []
    labels_pred: list[Hashable] = []
    votes: dict[str, Counter] = defaultdict(Counter)
    covered = 0
    for article_id in sorted(gold.units):
        gold_cluster = cluster_of.get(article_id)
        if gold_cluster is None:
            continue
        candidates = members.get(article_id, ())
        for unit in gold.units[article_id]:
            mid = (unit.start + unit.end) // 2
            best, best_overlap = -1, -1
            for start, end, index in candidates:
                if start <= mid < end:
                    overlap = min(end, unit.end) - max(start, unit.start)
                    if overlap > best_overlap or (overlap == best_overlap and index < best):
                        best, best_overlap = index, overlap
            labels_true.append(gold_cluster)
            if best < 0:
                labels_pred.append(("unmatched", len(labels_pred)))
            else:
                labels_pred.append(best)
                votes[gold_cluster][best] += 1
                covered += 1
    known = unknown = right = abstained = found = named = named_right = 0
    for cid, cluster in gold.clusters.items():
        ballot = votes.get(cid)
        match = None
        if ballot:
            match = predicted[min(ballot, key=lambda i: (-ballot[i], i))]
            found += 1
        first = getattr(cluster, "original", None) or cluster.origin
        if match is not None and match.origin is not None:
            named += 1
            named_right += first is not None and match.origin == first
        if cluster.origin is not None:
            known += 1
            right += match is not None and match.origin == cluster.origin
        else:
            unknown += 1
            abstained += match is not None and match.origin is None
    return {
        "ari": adjusted_rand_index(labels_true, labels_pred) if labels_true else 0.0,
        "origin_accuracy": right / known if known else 0.0,
        "origin_abstain_ok": abstained / unknown if unknown else 0.0,
        "origin_named_correctly": named_right / len(gold.clusters) if gold.clusters else 0.0,
        "origin_named": named / len(gold.clusters) if gold.clusters else 0.0,
        "units": len(labels_true),
        "units_covered": covered,
        "clusters": len(gold.clusters),
        "clusters_found": found,
        "clusters_known_origin": known,
        "clusters_unknown_origin": unknown,
        "predicted_clusters": len(predicted),
    }


# ---------------------------------------------------------------- calibration of span scores


def expected_calibration_error(scores: Sequence[float], outcomes: Sequence[float],
                               bins: int = 10) -> float:
    """Weighted mean gap between mean score and mean outcome over equal-width score bins."""
    import numpy as np

    s, o = np.asarray(scores, float), np.asarray(outcomes, float)
    if not len(s):
        return 0.0
    index = np.minimum((s * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        chosen = index == b
        if chosen.any():
            total += chosen.sum() / len(s) * abs(s[chosen].mean() - o[chosen].mean())
    return float(total)


def isotonic_fit(scores: Sequence[float], outcomes: Sequence[float]
                 ) -> tuple[list[float], list[float]]:
    """Monotone map from score to expected outcome (pool-adjacent-violators), as the points
    (x, y) of a piecewise-linear function for ``numpy.interp``."""
    import numpy as np

    order = np.argsort(np.asarray(scores, float), kind="stable")
    xs = np.asarray(scores, float)[order]
    ys = np.asarray(outcomes, float)[order]
    blocks: list[list[float]] = []  # [sum_y, count, min_x, max_x]
    for x, y in zip(xs, ys):
        blocks.append([y, 1, x, x])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1]:
            y2, n2, lo2, hi2 = blocks.pop()
            blocks[-1] = [blocks[-1][0] + y2, blocks[-1][1] + n2, blocks[-1][2], hi2]
    points_x, points_y = [], []
    for total, count, lo, hi in blocks:
        points_x.append(float((lo + hi) / 2))
        points_y.append(float(total / count))
    return points_x, points_y

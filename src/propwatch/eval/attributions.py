"""Scoring attribution extraction the PolNeAR way (``../shared/data/polnear/README.md``).

Each gold attribution's content (the union of its fragments) is matched to at most one
predicted content, greedily by overlap ratio |gold ∩ predicted| / |gold|, counted above a
threshold (0.3 lenient, 0.8 strict); micro precision, recall and F1 over attributions; on the
matched pairs, source accuracy (the predicted source overlaps a gold source fragment, or both
name none) and cue accuracy (overlap); and token F1 per role (source, cue, content)."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import asdict, dataclass
from typing import Iterable, Sequence

from ..doc import Attribution, Span, merge_ranges
from .scores import PRF, overlap_length

THRESHOLDS = (0.3, 0.8)
ROLES = ("source", "cue", "content")
_TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True, slots=True)
class AttributionScores:
    """Attribution-level figures at one overlap threshold."""

    threshold: float
    gold: int
    predicted: int
    matched: int
    precision: float
    recall: float
    f1: float
    source_accuracy: float  # on matched pairs
    cue_accuracy: float  # on matched pairs

    def to_dict(self) -> dict:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


def _overlap(a: Sequence[Span], b: Sequence[Span]) -> int:
    """Characters covered by both fragment lists."""
    return overlap_length(_ranges(a), _ranges(b))


def _ranges(spans: Sequence[Span]) -> list[tuple[int, int]]:
    return merge_ranges([(s.start, s.end) for s in spans])


def _length(spans: Sequence[Span]) -> int:
    return sum(end - start for start, end in _ranges(spans))


def match_attributions(gold: Sequence[Attribution], predicted: Sequence[Attribution],
                       threshold: float) -> list[tuple[int, int]]:
    """(gold index, predicted index) pairs: greedily by content overlap ratio over the gold
    content, best first, each attribution used once, ratios below ``threshold`` never."""
    candidates = []
    for g, gold_item in enumerate(gold):
        size = _length(gold_item.content)
        for p, predicted_item in enumerate(predicted):
            ratio = _overlap(gold_item.content, predicted_item.content) / size if size else 0.0
            if ratio >= threshold and ratio > 0:
                candidates.append((-ratio, g, p))
    used_gold: set[int] = set()
    used_predicted: set[int] = set()
    pairs = []
    for _, g, p in sorted(candidates):
        if g not in used_gold and p not in used_predicted:
            used_gold.add(g)
            used_predicted.add(p)
            pairs.append((g, p))
    return sorted(pairs)


def source_agrees(gold: Attribution, predicted: Attribution) -> bool:
    """The predicted source overlaps a gold source fragment, or neither names a source."""
    if not gold.source:
        return not predicted.source
    return _overlap(gold.source, predicted.source) > 0


def score_attributions(documents: Iterable[tuple[Sequence[Attribution], Sequence[Attribution]]],
                       thresholds: Sequence[float] = THRESHOLDS) -> list[AttributionScores]:
    """Micro-averaged figures over ``(gold, predicted)`` attribution lists, one per article."""
    documents = list(documents)
    rows = []
    for threshold in thresholds:
        gold_n = predicted_n = matched = source_ok = cue_ok = 0
        for gold, predicted in documents:
            gold_n += len(gold)
            predicted_n += len(predicted)
            for g, p in match_attributions(gold, predicted, threshold):
                matched += 1
                source_ok += source_agrees(gold[g], predicted[p])
                cue_ok += _overlap(gold[g].cue, predicted[p].cue) > 0
        prf = PRF.of(matched / predicted_n if predicted_n else 0.0,
                     matched / gold_n if gold_n else 0.0)
        rows.append(AttributionScores(
            threshold, gold_n, predicted_n, matched, prf.precision, prf.recall, prf.f1,
            source_ok / matched if matched else 0.0, cue_ok / matched if matched else 0.0))
    return rows


def token_f1_by_role(documents: Iterable[tuple[str, Sequence[Attribution],
                                               Sequence[Attribution]]]) -> dict[str, dict]:
    """Token precision, recall and F1 per role over ``(text, gold, predicted)``: a token has a
    role when it overlaps a fragment of that role in any attribution."""
    counts = {role: [0, 0, 0] for role in ROLES}  # true positives, predicted, gold
    for text, gold, predicted in documents:
        tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
        for role in ROLES:
            gold_tokens = _tokens_in(tokens, [s for a in gold for s in getattr(a, role)])
            found = _tokens_in(tokens, [s for a in predicted for s in getattr(a, role)])
            counts[role][0] += len(gold_tokens & found)
            counts[role][1] += len(found)
            counts[role][2] += len(gold_tokens)
    result = {}
    for role, (tp, predicted_n, gold_n) in counts.items():
        prf = PRF.of(tp / predicted_n if predicted_n else 0.0, tp / gold_n if gold_n else 0.0)
        result[role] = {"precision": round(prf.precision, 4), "recall": round(prf.recall, 4),
                        "f1": round(prf.f1, 4), "gold_tokens": gold_n}
    return result


def _tokens_in(tokens: Sequence[tuple[int, int]], spans: Sequence[Span]) -> set[int]:
    """Indices of the tokens that overlap any of ``spans`` (tokens and spans sorted by start)."""
    starts = [s for s, _ in tokens]
    hits: set[int] = set()
    for span in spans:
        first = max(0, bisect_left(starts, span.start) - 1)
        last = bisect_right(starts, span.end)
        hits.update(i for i in range(first, last)
                    if tokens[i][0] < span.end and tokens[i][1] > span.start)
    return hits

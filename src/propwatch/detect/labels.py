"""Choosing techniques for given spans (the TC task), shared by every detector."""

from __future__ import annotations

from typing import Sequence

import numpy as np


def pick_labels(spans: Sequence[tuple[int, int]], probs: Sequence[Sequence[float]],
                classes: Sequence[str]) -> list[str]:
    """The likeliest technique for each span; a span listed again (PTC lists a span once per
    technique it carries) gets its next likeliest, so two rows can be two techniques."""
    seen: dict[tuple[int, int], int] = {}
    labels = []
    for span, row in zip(spans, probs):
        rank = seen.get(tuple(span), 0)
        seen[tuple(span)] = rank + 1
        order = np.argsort(-np.asarray(row, dtype=float), kind="stable")
        labels.append(classes[int(order[min(rank, len(order) - 1)])])
    return labels

"""A multinomial linear model over named sparse features, evaluated with numpy alone.

Training (sklearn, in ``propwatch.train``) exports its vocabulary and weights here, so run
time needs neither sklearn nor pickles.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np


@dataclass(frozen=True)
class LinearModel:
    classes: tuple[str, ...]
    vocabulary: Mapping[str, int]
    coef: np.ndarray  # (n_classes or 1, n_features)
    intercept: np.ndarray  # (n_classes or 1,)

    def decision(self, rows: Sequence[Mapping[str, float]]) -> np.ndarray:
        scores = np.tile(self.intercept, (len(rows), 1)).astype(np.float64)
        for i, row in enumerate(rows):
            idx = [self.vocabulary[k] for k in row if k in self.vocabulary]
            if idx:
                values = np.fromiter((row[k] for k in row if k in self.vocabulary), float, len(idx))
                scores[i] += self.coef[:, idx] @ values
        return scores

    def predict_proba(self, rows: Sequence[Mapping[str, float]]) -> np.ndarray:
        """Class probabilities, one row per input, columns in ``classes`` order."""
        scores = self.decision(rows)
        if scores.shape[1] == 1:  # binary: one weight vector for the positive class
            positive = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            return np.column_stack([1.0 - positive, positive])
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def top_features(self, row: Mapping[str, float], class_index: int, k: int = 3) -> list[str]:
        """The features of ``row`` that pushed hardest toward ``class_index`` (for reasons)."""
        weight_row = self.coef[class_index if self.coef.shape[0] > 1 else 0]
        scored = [(weight_row[self.vocabulary[f]] * v, f) for f, v in row.items()
                  if f in self.vocabulary]
        return [f for w, f in sorted(scored, reverse=True)[:k] if w > 0]

    def save(self, path: Path) -> None:
        names = [""] * len(self.vocabulary)
        for name, index in self.vocabulary.items():
            names[index] = name
        np.savez_compressed(path, coef=self.coef.astype(np.float32),
                            intercept=self.intercept.astype(np.float32),
                            classes=np.array(json.dumps(list(self.classes))),
                            names=np.array(json.dumps(names)))

    @classmethod
    def load(cls, path: Path) -> "LinearModel":
        with np.load(path, allow_pickle=False) as data:
            names = json.loads(str(data["names"]))
            return cls(classes=tuple(json.loads(str(data["classes"]))),
                       vocabulary={n: i for i, n in enumerate(names)},
                       coef=data["coef"].astype(np.float64),
                       intercept=data["intercept"].astype(np.float64))

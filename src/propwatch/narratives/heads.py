"""Linear heads over article features: one L2-regularised logistic regression per label, fitted
together in numpy (no scikit-learn at run time or in evaluation), with balanced class weights
so that a label with five positive articles in two hundred is not simply never predicted."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Heads:
    """``sigmoid(((x - mean) / scale) @ weight + bias)``: one column per label."""

    mean: np.ndarray  # (d,)
    scale: np.ndarray  # (d,)
    weight: np.ndarray  # (d, labels)
    bias: np.ndarray  # (labels,)

    def logits(self, features: np.ndarray) -> np.ndarray:
        """(n, labels) for (n, d) features (or (labels,) for one row)."""
        return ((features - self.mean) / self.scale) @ self.weight + self.bias

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-np.clip(self.logits(features), -30, 30)))


def fit_heads(features: np.ndarray, targets: np.ndarray, *, c: float = 0.01,
              steps: int = 600) -> Heads:
    """Fit one head per column of ``targets`` (n, labels; 0/1) on standardised ``features``
    (n, d). ``c`` is scikit-learn's C: the inverse strength of the L2 penalty, which is
    ``1 / (2 C)`` times the squared weights against the sum of the weighted log-losses.
    Full-batch Adam on the convex loss: enough steps to converge at these sizes."""
    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(targets, dtype=np.float64)
    mean, scale = x.mean(0), x.std(0) + 1e-6
    x = (x - mean) / scale
    n, d = x.shape
    positives = y.sum(0)
    # balanced weights: n / (2 * count) for each class of each label
    w_pos = np.where(positives > 0, n / (2 * np.maximum(positives, 1)), 0.0)
    w_neg = np.where(n - positives > 0, n / (2 * np.maximum(n - positives, 1)), 0.0)
    sample_weight = y * w_pos + (1 - y) * w_neg
    weight = np.zeros((d, y.shape[1]))
    bias = np.log(np.maximum(positives, 0.5) / np.maximum(n - positives, 0.5))
    state = [np.zeros_like(weight), np.zeros_like(weight), np.zeros_like(bias),
             np.zeros_like(bias)]
    rate, beta1, beta2 = 0.05, 0.9, 0.999
    for step in range(1, steps + 1):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ weight + bias, -30, 30)))
        error = (p - y) * sample_weight
        grad_w = x.T @ error + weight / c
        grad_b = error.sum(0)
        for i, grad in ((0, grad_w), (2, grad_b)):
            state[i] = beta1 * state[i] + (1 - beta1) * grad
            state[i + 1] = beta2 * state[i + 1] + (1 - beta2) * grad ** 2
        correction = np.sqrt(1 - beta2 ** step) / (1 - beta1 ** step)
        weight -= rate * correction * state[0] / (np.sqrt(state[1]) + 1e-8)
        bias -= rate * correction * state[2] / (np.sqrt(state[3]) + 1e-8)
    return Heads(mean.astype(np.float32), scale.astype(np.float32), weight.astype(np.float32),
                 bias.astype(np.float32))


@dataclass(frozen=True)
class Neighbours:
    """Label votes of the ``k`` training articles most like the article (cosine of their
    standardised features), weighted by ``exp(temperature * cosine)``: what similar articles
    were labelled, a second opinion beside the heads that helps rare labels."""

    mean: np.ndarray  # (d,)
    scale: np.ndarray  # (d,)
    rows: np.ndarray  # (n, d) standardised, unit length
    targets: np.ndarray  # (n, labels) 0/1
    k: int = 10
    temperature: float = 10.0

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """(n, labels) votes for (n, d) features (or (labels,) for one row)."""
        single = features.ndim == 1
        x = (np.atleast_2d(features) - self.mean) / self.scale
        x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        similarity = x @ self.rows.T.astype(np.float32)
        k = min(self.k, len(self.rows))
        nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        weights = np.exp(self.temperature * np.take_along_axis(similarity, nearest, 1))
        weights /= weights.sum(1, keepdims=True)
        votes = np.einsum("nk,nkl->nl", weights, self.targets[nearest].astype(np.float32))
        return votes[0] if single else votes


def remember(features: np.ndarray, targets: np.ndarray, *, k: int = 10,
             temperature: float = 10.0) -> Neighbours:
    """The training articles as ``Neighbours`` (standardised with their own mean and scale)."""
    x = np.asarray(features, dtype=np.float32)
    mean, scale = x.mean(0), x.std(0) + 1e-6
    rows = (x - mean) / scale
    rows /= np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
    return Neighbours(mean, scale, rows.astype(np.float16), np.asarray(targets, np.uint8), k,
                      temperature)


@dataclass(frozen=True)
class Blend:
    """Heads and neighbours together: ``weight`` of the neighbours' votes."""

    heads: Heads
    neighbours: Neighbours | None = None
    weight: float = 0.7

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        own = self.heads.probabilities(features)
        if self.neighbours is None:
            return own
        return self.weight * self.neighbours.probabilities(features) + (1 - self.weight) * own

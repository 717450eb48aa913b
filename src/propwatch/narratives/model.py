"""Narrative labels of an article, two ways over the same taxonomy:

- ``NarrativeClassifier``, trained (``propwatch train narratives``): logistic heads over the
  techniques encoder's states, pooled over the article (mean and max), blended with the labels
  of the most similar training articles. The pipeline computes those states once for the
  techniques, so the labels cost a few matrix products.
- ``DescriptionScorer``, zero-shot, for a taxonomy without training data: each label's
  description and examples against every sentence with the sentence encoder of ``kb``.

Both decide top-down: a narrative when its probability passes the narrative threshold, then
under it each subnarrative that passes the subnarrative threshold, or "<narrative>: Other";
"Other" when no narrative passes. Evidence: the sentences that score highest for the label
when read on their own, so a reader can check why it was given.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from ..doc import NARRATIVE, SUBNARRATIVE, Article, NarrativeLabel, Span
from ..errors import ModelError
from .heads import Blend, Heads, Neighbours
from .taxonomy import OTHER, Taxonomy

MODEL_DIR = Path(str(resources.files("propwatch").joinpath("models", "narratives")))
FEATURES = "encoder-mean-max"  # what the heads read: mean and max of the encoder's states


@dataclass(frozen=True)
class Passage:
    """A sentence of the article with its features for the heads (or its sentence vector)."""

    start: int
    end: int
    features: np.ndarray


@dataclass(frozen=True)
class Scored:
    """Probabilities of every narrative and subnarrative, and per-passage ones for evidence."""

    labels: tuple[str, ...]
    article: np.ndarray  # (labels,)
    passages: np.ndarray  # (passages, labels)


def pooled(states: np.ndarray) -> np.ndarray:
    """Mean and max of subword states (n, h) -> (2h,)."""
    if len(states) == 0:
        return np.zeros(2 * states.shape[1], dtype=np.float32)
    return np.concatenate([states.mean(0), states.max(0)]).astype(np.float32)


def encoder_passages(article: Article, encoded, sentences: Sequence[tuple[int, int]]
                     ) -> tuple[np.ndarray, list[Passage]]:
    """The article's pooled features and each sentence's, from the techniques encoder's
    ``Encoded`` states (subwords are assigned to the sentence holding their start). States a
    long article spilled to disk are pooled window by window, never read back whole."""
    if getattr(encoded.hidden, "spilled", False):
        return _streamed_passages(encoded, sentences)
    states = [h for h in encoded.hidden if len(h)]
    if not states:
        return np.zeros(0, np.float32), []
    every = np.concatenate(states).astype(np.float32)
    starts = np.concatenate([np.array([o[0] for o in w.offsets]) for w, h in
                             zip(encoded.windows, encoded.hidden) if len(h)])
    bounds = [s for s, _ in sentences]
    owner = np.searchsorted(np.asarray(bounds, dtype=np.int64), starts, side="right") - 1
    # each sentence's rows, in their order (a mask per sentence was quadratic in length)
    order = np.argsort(owner, kind="stable")
    owners = owner[order]
    passages = []
    for i, (start, end) in enumerate(sentences):
        lo, hi = np.searchsorted(owners, [i, i + 1], side="left")
        if hi > lo:
            passages.append(Passage(start, end, pooled(every[order[lo:hi]])))
    return pooled(every), passages


def _streamed_passages(encoded, sentences: Sequence[tuple[int, int]]
                       ) -> tuple[np.ndarray, list[Passage]]:
    """:func:`encoder_passages` one window at a time: the article's mean and max as running
    ones, and each sentence pooled once its last subword has been read."""
    bounds = np.asarray([s for s, _ in sentences], dtype=np.int64)
    total, peak, rows = None, None, 0
    pending: dict[int, list[np.ndarray]] = {}
    passages = []

    def finish(below: int) -> None:
        for i in sorted(k for k in pending if k < below):
            blocks = pending.pop(i)
            if i >= 0:
                passages.append(Passage(*sentences[i], pooled(np.concatenate(blocks))))

    for window, hidden in zip(encoded.windows, encoded.hidden):
        if not len(hidden):
            continue
        hidden = np.asarray(hidden, dtype=np.float32)
        owner = np.searchsorted(bounds, window.starts.astype(np.int64), side="right") - 1
        finish(int(owner.min()))
        for i in np.unique(owner).tolist():
            pending.setdefault(i, []).append(hidden[owner == i])
        total = hidden.sum(0, dtype=np.float64) + (0.0 if total is None else total)
        peak = hidden.max(0) if peak is None else np.maximum(peak, hidden.max(0))
        rows += len(hidden)
    finish(len(sentences) + 1)
    if total is None:
        return np.zeros(0, np.float32), []
    passages.sort(key=lambda p: p.start)
    return np.concatenate([total / rows, peak]).astype(np.float32), passages


class NarrativeClassifier:
    """The trained heads and remembered training articles: ``models/narratives`` (heads.npz,
    neighbours.npz, meta.json). Sentences are scored by the heads alone (their evidence)."""

    def __init__(self, model_dir: str | Path | None = None) -> None:
        folder = Path(model_dir) if model_dir else MODEL_DIR
        try:
            self.meta = json.loads((folder / "meta.json").read_text("utf-8"))
            with np.load(folder / "heads.npz") as data:
                self.heads = Heads(data["mean"], data["scale"], data["weight"], data["bias"])
            neighbours = None
            if self.meta.get("neighbours"):
                setting = self.meta["neighbours"]
                with np.load(folder / "neighbours.npz") as data:
                    neighbours = Neighbours(data["mean"], data["scale"], data["rows"],
                                            data["targets"], int(setting["k"]),
                                            float(setting["temperature"]))
            self.blend = Blend(self.heads, neighbours, float((self.meta.get("neighbours")
                                                              or {}).get("weight", 0.0)))
            self.labels: tuple[str, ...] = tuple(self.meta["labels"])
            self.version: str = self.meta["version"]
            self.encoder: str = self.meta["encoder"]
            self.taxonomy: str = self.meta["taxonomy"]
            self.thresholds: dict[str, float] = dict(self.meta["thresholds"])
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError.make("E202", path=folder) from exc
        if self.heads.weight.shape[1] != len(self.labels):
            raise ModelError.make("E202", path=folder)

    def score(self, features: np.ndarray, passages: Sequence[Passage]) -> Scored:
        rows = np.stack([p.features for p in passages]) if passages else np.zeros(
            (0, len(features)), np.float32)
        return Scored(self.labels, self.blend.probabilities(features),
                      self.heads.probabilities(rows) if len(rows) else np.zeros(
                          (0, len(self.labels))))


class DescriptionScorer:
    """Zero-shot: a label's probability from the best cosine between its description and
    examples and a sentence of the article, mapped through a logistic curve fitted on the
    SemEval-2025 training articles with the default taxonomy (``meta.json`` ``zero_shot``)."""

    def __init__(self, taxonomy: Taxonomy, encoder, calibration: dict) -> None:
        self.encoder = encoder
        self.labels = tuple(x.label for x in (*taxonomy.narratives, *taxonomy.subnarratives))
        vectors = []
        for label in self.labels:
            entry = taxonomy.get(label)
            texts = [f"{label.split(': ')[-1]}. {entry.description}", *entry.examples]
            mean = encoder.encode(texts).mean(0)
            vectors.append(mean / max(float(np.linalg.norm(mean)), 1e-12))
        self.vectors = np.stack(vectors) if vectors else np.zeros((0, encoder.dim), np.float32)
        self.slope, self.intercept = float(calibration["slope"]), float(calibration["intercept"])
        self.thresholds = {NARRATIVE: float(calibration["narrative"]),
                           SUBNARRATIVE: float(calibration["subnarrative"])}
        self.version = f"zero-shot:{taxonomy.name}@{taxonomy.digest}+{encoder.version}"

    def passages(self, article: Article, sentences: Sequence[tuple[int, int]]) -> list[Passage]:
        vectors = self.encoder.encode([article.text[s:e] for s, e in sentences])
        return [Passage(s, e, v) for (s, e), v in zip(sentences, vectors)]

    def score(self, passages: Sequence[Passage]) -> Scored:
        if not passages:
            empty = np.zeros(len(self.labels))
            return Scored(self.labels, empty, np.zeros((0, len(self.labels))))
        cosines = np.stack([p.features for p in passages]) @ self.vectors.T
        probs = 1.0 / (1.0 + np.exp(-(self.slope * cosines + self.intercept)))
        return Scored(self.labels, probs.max(0), probs)


def decide(scored: Scored, taxonomy: Taxonomy, thresholds: dict[str, float],
           passages: Sequence[Passage], *, evidence: int = 3) -> list[NarrativeLabel]:
    """The labels the article gets, narratives first, each followed by its subnarratives; an
    article that passes no narrative gets "Other" (with the best narrative's probability
    against it as the reason to read its score by)."""
    index = {label: i for i, label in enumerate(scored.labels)}
    out: list[NarrativeLabel] = []
    chosen = sorted(((float(scored.article[index[x.label]]), x.label) for x in taxonomy.narratives
                     if x.label in index and scored.article[index[x.label]] >= thresholds[NARRATIVE]),
                    reverse=True)
    if not chosen:
        best = max((float(scored.article[index[x.label]]) for x in taxonomy.narratives
                    if x.label in index), default=0.0)
        return [NarrativeLabel(OTHER, NARRATIVE, round(1.0 - best, 4),
                               description=taxonomy.description(OTHER))]
    for score, narrative in chosen:
        out.append(NarrativeLabel(narrative, NARRATIVE, score,
                                  _evidence(scored, index[narrative], passages, evidence),
                                  description=taxonomy.description(narrative)))
        subs = sorted(((float(scored.article[index[x.label]]), x.label)
                       for x in taxonomy.children(narrative)
                       if x.label in index and
                       scored.article[index[x.label]] >= thresholds[SUBNARRATIVE]), reverse=True)
        if not subs:
            other = f"{narrative}: {OTHER}"
            out.append(NarrativeLabel(other, SUBNARRATIVE, score, parent=narrative,
                                      description=taxonomy.description(other)))
        for sub_score, sub in subs:
            out.append(NarrativeLabel(sub, SUBNARRATIVE, sub_score,
                                      _evidence(scored, index[sub], passages, evidence),
                                      parent=narrative, description=taxonomy.description(sub)))
    return out


def _evidence(scored: Scored, column: int, passages: Sequence[Passage], top: int
              ) -> tuple[Span, ...]:
    """The ``top`` sentences that score highest for the label on their own, best first."""
    if not len(scored.passages):
        return ()
    column_scores = scored.passages[:, column]
    best = np.argsort(-column_scores, kind="stable")[:top]
    return tuple(Span(passages[i].start, passages[i].end, "evidence",
                      round(float(column_scores[i]), 4)) for i in best)

"""The baseline detector: a sentence scorer, a CRF span tagger and a technique classifier.

All three are trained on PTC train by ``propwatch train baseline`` and ship as package data in
``propwatch/models/baseline/``. Run time needs numpy and python-crfsuite only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import pycrfsuite

from ..doc import Article, Span
from ..errors import ModelError
from ..pipeline.component import Shared
from ..techniques import describe
from .features import (STOPWORDS, ArticleContext, SiblingIndex, article_context,
                       sentence_features, span_features, token_features)
from .linear import LinearModel
from .calibration import calibrate
from .labels import pick_labels
from .tokens import trim
from .words import merge_overlaps, whole_words

NAME = "baseline"
VERSION = "baseline-crf-v1"
INSIDE = "I"
REPETITION_FEATURES = ("occ=", "before=", "cfreq=")  # see features.span_features
SENTENCE_CHUNK = 2000  # sentences whose feature rows are scored together
SPAN_CHUNK = 500  # spans whose feature rows are scored together


def default_model_dir() -> Path:
    return Path(str(resources.files("propwatch") / "models" / "baseline"))


@dataclass(frozen=True)
class TaggedSentence:
    start: int
    end: int
    token_offsets: list[tuple[int, int]]
    inside: np.ndarray  # P(token inside a propaganda span), from the CRF marginals


def spans_from_probabilities(text: str, token_offsets: Sequence[tuple[int, int]],
                             inside: Sequence[float], threshold: float
                             ) -> list[tuple[int, int, float]]:
    """Maximal runs of tokens with ``inside >= threshold``, on whole words and trimmed to the
    PTC rule, with the run's mean probability as its score (runs that overlap once widened to
    whole words are joined)."""
    runs, run = [], []
    for j, p in enumerate(list(inside) + [0.0]):
        if p >= threshold:
            run.append(j)
        elif run:
            start, end = trim(text, *whole_words(text, token_offsets[run[0]][0],
                                                 token_offsets[run[-1]][1]))
            if end > start:
                runs.append((start, end, run))
            run = []
    return [(start, end, float(np.mean([inside[k] for i in members for k in runs[i][2]])))
            for start, end, members in merge_overlaps([(s, e) for s, e, _ in runs])]


class BaselineDetector:
    """Finds propaganda spans and names their techniques."""

    name = NAME
    version = VERSION

    def __init__(self, model_dir: Path | None = None, threshold: float | None = None) -> None:
        model_dir = Path(model_dir) if model_dir else default_model_dir()
        self.model_dir = model_dir
        try:
            self.meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
            self.sentence_model = LinearModel.load(model_dir / "sentence.npz")
            self.technique_model = LinearModel.load(model_dir / "technique.npz")
            self.tagger = pycrfsuite.Tagger()
            self.tagger.open(str(model_dir / "spans.crfsuite"))
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError.make("E202", path=model_dir) from exc
        self.threshold = float(threshold if threshold is not None else self.meta["threshold"])

    # ------------------------------------------------------------ span identification
    def tag(self, article: Article, ctx: ArticleContext | None = None) -> list[TaggedSentence]:
        """Per-token probabilities of lying inside a span, sentence by sentence."""
        return list(self.iter_tag(article, ctx))

    def sentence_scores(self, ctx: ArticleContext, chunk: int = SENTENCE_CHUNK) -> np.ndarray:
        """The sentence scorer's P(propaganda) of each sentence, ``chunk`` sentences at a time
        (a long article's feature rows are never all in memory)."""
        scores = np.zeros(len(ctx.sentences))
        for lo in range(0, len(ctx.sentences), chunk):
            rows = [sentence_features(ctx.sentences[i], i, ctx)
                    for i in range(lo, min(lo + chunk, len(ctx.sentences)))]
            scores[lo:lo + len(rows)] = self.sentence_model.predict_proba(rows)[:, 1]
        return scores

    def iter_tag(self, article: Article, ctx: ArticleContext | None = None
                 ) -> Iterator[TaggedSentence]:
        """:meth:`tag` one sentence at a time (a long article's are never all kept)."""
        ctx = ctx or article_context(article)
        if not ctx.sentences:
            return
        sentence_scores = self.sentence_scores(ctx)
        for i, sentence in enumerate(ctx.sentences):
            rows = token_features(sentence, i, sentence_scores, ctx)
            self.tagger.set(pycrfsuite.ItemSequence(rows))
            inside = np.array([self.tagger.marginal(INSIDE, j) for j in range(len(rows))])
            yield TaggedSentence(sentence.start, sentence.end,
                                 [(t.start, t.end) for t in sentence.tokens], inside)

    def find_spans(self, article: Article, ctx: ArticleContext | None = None
                   ) -> list[tuple[int, int, float]]:
        """Runs of tokens whose inside-probability reaches the threshold: (start, end, score)."""
        return [span for sentence in self.tag(article, ctx)
                for span in spans_from_probabilities(article.text, sentence.token_offsets,
                                                     sentence.inside, self.threshold)]

    def spans_at_thresholds(self, article: Article, thresholds: Sequence[float]
                            ) -> dict[float, list[tuple[int, int]]]:
        """The spans each threshold would give, from one pass of the tagger."""
        tagged = self.tag(article)
        return {t: [(s, e) for sentence in tagged for s, e, _ in spans_from_probabilities(
                    article.text, sentence.token_offsets, sentence.inside, t)]
                for t in thresholds}

    # ------------------------------------------------------------ technique classification
    def rank_techniques(self, article: Article, spans: Sequence[tuple[int, int]],
                        ctx: ArticleContext | None = None, *, repetition: bool = True,
                        keep_rows: bool = True, chunk: int = SPAN_CHUNK
                        ) -> tuple[np.ndarray, list[dict]]:
        """Technique probabilities for each given span (rows follow ``spans``) and the
        feature rows (``keep_rows=False``: none kept; a long article's spans are scored
        ``chunk`` at a time); ``repetition=False`` leaves out the article-level repetition
        features (ablation)."""
        ctx = ctx or article_context(article)
        spans = list(spans)
        siblings = SiblingIndex(spans)
        probs = np.zeros((len(spans), len(self.technique_model.classes)))
        kept: list[dict] = []
        for lo in range(0, len(spans), chunk):
            rows = [span_features(ctx, s, e, siblings) for s, e in spans[lo:lo + chunk]]
            if not repetition:
                rows = [{k: v for k, v in row.items() if not k.startswith(REPETITION_FEATURES)}
                        for row in rows]
            probs[lo:lo + len(rows)] = self.technique_model.predict_proba(rows)
            if keep_rows:
                kept += rows
        return probs, kept

    def classify(self, article: Article, spans: Sequence[tuple[int, int]]) -> list[str]:
        """One technique per given span; a span given twice gets its two likeliest techniques."""
        probs, _ = self.rank_techniques(article, spans)
        return pick_labels(spans, probs, self.technique_model.classes)

    def _cue_text(self, feats: dict, class_index: int) -> str:
        """The span's own content words that pushed most toward the technique, in words."""
        cues = []
        for name in self.technique_model.top_features(feats, class_index, 12):
            kind, _, value = name.partition("=")
            if kind == "occ" and value not in ("1",):
                cues.append(f"phrase occurs {value.lstrip('>')}+ times" if value.startswith(">")
                            else f"phrase occurs {value} times")
            elif kind in ("w", "b") and not all(w in STOPWORDS or not w[:1].isalnum()
                                                for w in value.split("_")):
                cues.append(f"'{value.replace('_', ' ')}'")
        return f" (cues: {', '.join(cues[:3])})" if cues else ""

    # ------------------------------------------------------------ both
    def detect(self, article: Article, shared: Shared | None = None) -> list[Span]:
        """Spans with their likeliest technique, a score and a reason (the CRF baseline has
        no encoder states to share)."""
        ctx = article_context(article)
        found = self.find_spans(article, ctx)
        offsets = [(s, e) for s, e, _ in found]
        probs, rows = self.rank_techniques(article, offsets, ctx)
        spans = []
        for (start, end, score), row, feats in zip(found, probs, rows):
            best = int(np.argmax(row))
            label = self.technique_model.classes[best]
            reason = (f"span tagger {score:.2f}; {describe(label).name.lower()} {row[best]:.2f}"
                      + self._cue_text(feats, best))
            spans.append(Span(start, end, label,
                              round(calibrate(score, self.meta.get("calibration")), 4), reason))
        return spans

"""The shipped attribution tagger: a CRF over lexical features and, when the model was trained
with them, the projected hidden states of the techniques encoder (read from the pipeline's
shared pass, so no second forward runs when techniques ran first)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from ..doc import Article, Attribution
from ..errors import ModelError
from .syntax import SubjectParser
from .tagger import (Paragraph, cited_chains, fragments, group, link_citations, paragraphs,
                     token_features, trimmed)

MODEL_DIR = Path(str(resources.files("propwatch").joinpath("models", "attributions")))


@dataclass(frozen=True)
class Projection:
    """Encoder states to a few standardised dimensions: ((h - mean) @ basis) / scale."""

    mean: np.ndarray
    basis: np.ndarray
    scale: np.ndarray

    def __call__(self, hidden: np.ndarray) -> np.ndarray:
        return ((hidden - self.mean) @ self.basis) / self.scale

    @classmethod
    def fit(cls, states: np.ndarray, dims: int, seed: int = 0,
            sample: int = 50_000) -> "Projection":
        """Principal directions of ``states`` (rows), fitted on a fixed sample."""
        rng = np.random.default_rng(seed)
        rows = states[rng.choice(len(states), min(sample, len(states)), replace=False)]
        mean = rows.mean(0)
        basis = np.linalg.svd(rows - mean, full_matrices=False)[2][:dims].T
        scale = ((rows - mean) @ basis).std(0) + 1e-6
        return cls(mean.astype(np.float32), basis.astype(np.float32), scale.astype(np.float32))


def token_states(paragraph_list: Sequence[Paragraph], windows, hidden) -> list[np.ndarray]:
    """For each paragraph, the encoder state of each token's first subword (zeros where the
    encoder saw no subword: boilerplate, or text it skipped)."""
    return list(iter_token_states(paragraph_list, windows, hidden))


def iter_token_states(paragraph_list: Sequence[Paragraph], windows, hidden
                      ) -> Iterator[np.ndarray]:
    """:func:`token_states` a paragraph at a time. States a long article spilled to disk
    (``hidden.spilled``) are read a window at a time, never all at once."""
    if getattr(hidden, "spilled", False):
        yield from _spilled_token_states(paragraph_list, windows, hidden)
        return
    yield from _token_states(paragraph_list, windows, hidden)


def _spilled_token_states(paragraph_list: Sequence[Paragraph], windows, hidden
                          ) -> Iterator[np.ndarray]:
    starts = np.concatenate([np.asarray(w.starts, dtype=np.int64) for w in windows]) \
        if windows else np.zeros(0, np.int64)
    first_row = np.cumsum([0, *(len(w.starts) for w in windows)])
    width = hidden.width or 0
    order = np.argsort(starts, kind="stable")
    starts = starts[order]
    cache: dict[int, np.ndarray] = {}
    for paragraph in paragraph_list:
        at = np.searchsorted(starts, [t.start for t in paragraph.tokens], side="left")
        rows = np.zeros((len(paragraph.tokens), width), np.float32)
        for k, (token, i) in enumerate(zip(paragraph.tokens, at)):
            if i < len(starts) and starts[i] < token.end:
                flat = int(order[i])
                w = int(np.searchsorted(first_row, flat, side="right")) - 1
                if w not in cache:
                    if len(cache) > 4:  # paragraphs follow the text: keep the last few windows
                        cache.pop(next(iter(cache)))
                    cache[w] = hidden[w]
                rows[k] = cache[w][flat - first_row[w]]
        yield rows


def _token_states(paragraph_list: Sequence[Paragraph], windows, hidden) -> Iterator[np.ndarray]:
    starts = np.fromiter((s for w in windows for s, _ in w.offsets), dtype=np.int64)
    width = hidden[0].shape[1] if hidden else 0
    states = np.concatenate(hidden) if hidden else np.zeros((0, width), np.float32)
    order = np.argsort(starts, kind="stable")
    starts, states = starts[order], states[order]
    for paragraph in paragraph_list:
        at = np.searchsorted(starts, [t.start for t in paragraph.tokens], side="left")
        rows = np.zeros((len(paragraph.tokens), width), np.float32)
        for k, (token, i) in enumerate(zip(paragraph.tokens, at)):
            if i < len(starts) and starts[i] < token.end:
                rows[k] = states[i]
        yield rows


class AttributionTagger:
    """Finds attributions in an article (source, cue and content fragments, grouped)."""

    def __init__(self, model_dir: str | Path | None = None) -> None:
        folder = Path(model_dir) if model_dir else MODEL_DIR
        try:
            self.meta: dict[str, Any] = json.loads((folder / "meta.json").read_text("utf-8"))
            import pycrfsuite

            self._tagger = pycrfsuite.Tagger()
            self._tagger.open(str(folder / "tagger.crfsuite"))
        except (OSError, ValueError):
            raise ModelError.make("E202", path=folder) from None
        self.version: str = self.meta["version"]
        self.cues = frozenset(self.meta["cue_lexicon"])
        self.encoder: str | None = self.meta.get("encoder")  # the detector whose states it reads
        self.projection = None
        if self.encoder:
            arrays = np.load(folder / "projection.npz")
            self.projection = Projection(arrays["mean"], arrays["basis"], arrays["scale"])
        self._lock = threading.Lock()  # a pycrfsuite Tagger keeps per-call state
        decoding = self.meta.get("decoding", {})
        self.subject_parser = SubjectParser() if decoding.get("parse_sources") else None

    def features(self, article: Article, encoded=None) -> list[tuple[Paragraph, list[dict]]]:
        """Each paragraph of the article's content with its tokens' features; ``encoded`` (the
        techniques encoder's pass) is needed when the model reads encoder states."""
        return list(self.iter_features(article, encoded))

    def iter_features(self, article: Article, encoded=None
                      ) -> Iterator[tuple[Paragraph, list[dict]]]:
        """:meth:`features` a paragraph at a time: a long article's feature rows (a dict per
        token) and full-width states are never all in memory."""
        found = paragraphs(article.text, article.content_ranges())
        states: Iterator[Any] = iter([None] * len(found))
        if self.projection is not None:
            if encoded is None:
                raise ValueError("this attribution model reads encoder states: pass encoded")
            states = (self.projection(s) for s in iter_token_states(found, encoded.windows,
                                                                    encoded.hidden))
        for p, h in zip(found, states):
            yield p, token_features(p, self.cues, h)

    def tag(self, article: Article, encoded=None) -> list[Attribution]:
        """The article's attributions, in text order, each scored by its least sure token."""
        out: list[Attribution] = []
        for paragraph, rows in self.iter_features(article, encoded):
            with self._lock:
                tags, scores = self._decode(rows)
            found = trimmed(article.text, fragments(paragraph.tokens, tags, scores))
            out += group(found, paragraph.tokens)
        out = cited_chains(article.text, link_citations(article.text, out),
                           article.content_ranges())
        if self.subject_parser is not None:
            out = self.subject_parser.fill_sources(article.text, out)
        return out

    def _decode(self, rows: list[dict]) -> tuple[list[str], list[float]]:
        """Tags and their scores. With ``o_threshold`` in the model's decoding, posterior
        decoding: a token is outside every role only when P(O) reaches the threshold, else it
        takes its likeliest role (recall for precision; chosen on held-out PolNeAR)."""
        tagger = self._tagger
        threshold = self.meta.get("decoding", {}).get("o_threshold")
        if threshold is None:
            tags = tagger.tag(rows)
            return tags, [tagger.marginal(t, i) for i, t in enumerate(tags)]
        tagger.set(rows)  # marginals only: no Viterbi pass
        roles = [label for label in tagger.labels() if label != "O"]
        out, scores = [], []
        for i in range(len(rows)):
            outside = tagger.marginal("O", i)
            tag = "O" if outside >= threshold or not roles else max(
                roles, key=lambda label: tagger.marginal(label, i))
            if tag.startswith("I-") and (not out or out[-1][2:] != tag[2:]):
                tag = "B-" + tag[2:]  # a role starts here
            out.append(tag)
            scores.append(1.0 - outside)
        return out, scores

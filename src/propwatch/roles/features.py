"""Features of an entity mention in context, read from the token states of the techniques
transformer (the pipeline's shared encoder pass, so they cost no forward of their own).

A mention is described by the mean state of its own subwords, the mean state of the sentence
it sits in, the mean state of a few subwords either side of it, the mean over every occurrence
of the same name in the article (roles are cast per actor, not per word), and a few scalars
(how often and how early the name occurs, whether the title names it).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..detect.tokens import split_sentences
from ..doc import Article

#: the parts of a mention's feature vector, in order; meta.json names those a model uses
PARTS = ("mention", "sentence", "context", "name", "article", "scalars")
CONTEXT = 12  # subwords either side of a mention that make up its near context
CHUNK_ROWS = 8192  # rows of spilled states read at once
N_SCALARS = 4


class SpilledRows:
    """A long article's states, spilled to disk by the encoder (``HiddenStates``), read as
    one (n, h) array would be, but only the rows asked for, a window at a time."""

    def __init__(self, hidden) -> None:
        self.hidden = hidden
        self.first = np.cumsum([0, *hidden.sizes])  # the flat index of each window's row 0
        self.shape = (int(self.first[-1]), int(hidden.width or 384))

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key) -> np.ndarray:
        if isinstance(key, slice):
            key = np.arange(*key.indices(len(self)))
        rows = np.asarray(key, dtype=np.int64).reshape(-1)
        out = np.zeros((len(rows), self.shape[1]), np.float32)
        windows = np.searchsorted(self.first, rows, side="right") - 1
        for w in np.unique(windows).tolist():
            mine = windows == w
            out[mine] = self.hidden[w][rows[mine] - self.first[w]]
        return out

    def mean_all(self) -> np.ndarray:
        """The mean of every row, read a window at a time."""
        total = np.zeros(self.shape[1], np.float64)
        for block in self.hidden:
            total += block.sum(0, dtype=np.float64)
        return (total / max(1, len(self))).astype(np.float32)


@dataclass(frozen=True)
class TokenStates:
    """An article's subword states flattened over windows, with character offsets, sorted."""

    states: np.ndarray  # (n, h); a SpilledRows for a long article's states on disk
    starts: np.ndarray  # (n,) character start of each subword
    ends: np.ndarray  # (n,) character end

    @staticmethod
    def of(encoded) -> TokenStates:
        """From a ``detect.transformer.Encoded`` (windows and hidden states)."""
        if getattr(encoded.hidden, "spilled", False):  # never read back whole
            windows = encoded.windows
            starts = (np.concatenate([np.asarray(w.starts, np.int64) for w in windows])
                      if windows else np.zeros(0, np.int64))
            ends = (np.concatenate([np.asarray(w.ends, np.int64) for w in windows])
                    if windows else np.zeros(0, np.int64))
            return TokenStates(SpilledRows(encoded.hidden), starts, ends)  # type: ignore[arg-type]
        hidden = list(encoded.hidden)
        width = hidden[0].shape[1] if hidden else 384
        states = (np.concatenate(hidden).astype(np.float32) if hidden
                  else np.zeros((0, width), np.float32))
        offsets = [o for w in encoded.windows for o in w.offsets]
        starts = np.array([a for a, _ in offsets], dtype=np.int64)
        ends = np.array([b for _, b in offsets], dtype=np.int64)
        return TokenStates(states, starts, ends)

    @property
    def width(self) -> int:
        return int(self.states.shape[1])

    def between(self, start: int, end: int) -> tuple[int, int]:
        """Indices ``[lo, hi)`` of the subwords overlapping ``[start, end)``."""
        lo = int(np.searchsorted(self.ends, start, side="right"))
        hi = int(np.searchsorted(self.starts, end, side="left"))
        return lo, max(lo, hi)

    def mean(self, lo: int, hi: int) -> np.ndarray:
        lo, hi = max(0, lo), min(len(self.states), hi)
        if hi <= lo:
            return np.zeros(self.width, np.float32)
        if isinstance(self.states, SpilledRows) and hi - lo > CHUNK_ROWS:
            if lo == 0 and hi == len(self.states):
                return self.states.mean_all()
            total = np.zeros(self.width, np.float64)
            for a in range(lo, hi, CHUNK_ROWS):
                total += self.states[a:min(hi, a + CHUNK_ROWS)].sum(0, dtype=np.float64)
            return (total / (hi - lo)).astype(np.float32)
        return self.states[lo:hi].mean(0)


def _occurrences(text: str, name: str) -> list[int]:
    """Starts of whole-word occurrences of ``name`` in ``text``."""
    if not name.strip():
        return []
    pattern = re.compile(r"(?<!\w)" + re.escape(name) + r"(?!\w)")
    return [m.start() for m in pattern.finditer(text)]


def mention_features(article: Article, tokens: TokenStates,
                     mentions: Sequence[tuple[int, int]]) -> np.ndarray:
    """One row per mention ``[start, end)`` of ``article``: the parts of PARTS concatenated."""
    text = article.text
    sentences = [(s.start, s.end) for s in split_sentences(text, article.content_ranges())]
    sentence_starts = [s for s, _ in sentences]
    article_mean = tokens.mean(0, len(tokens.states))
    title_end = text.find("\n")
    title_end = len(text) if title_end < 0 else title_end
    rows = []
    by_name: dict[str, tuple[np.ndarray, list[int]]] = {}  # a name's states, once per name
    for start, end in mentions:
        lo, hi = tokens.between(start, end)
        own = tokens.mean(lo, hi)
        k = bisect_right(sentence_starts, start) - 1
        s_start, s_end = sentences[k] if 0 <= k < len(sentences) else (start, end)
        sentence = tokens.mean(*tokens.between(s_start, max(s_end, end)))
        context = np.zeros(tokens.width, np.float32)
        near = [*range(max(0, lo - CONTEXT), lo), *range(hi, min(len(tokens.states),
                                                                  hi + CONTEXT))]
        if near:
            context = tokens.states[near].mean(0)
        name = text[start:end]
        if name not in by_name:
            found = _occurrences(text, name) or [start]
            by_name[name] = (np.mean([tokens.mean(*tokens.between(a, a + len(name)))
                                      for a in found], 0), found)
        name_mean, found = by_name[name]
        scalars = np.array([np.log1p(len(found)), start / max(1, len(text)),
                            float(any(a < title_end for a in found)),
                            float(min(found) >= start)], np.float32)
        rows.append(np.concatenate([own, sentence, context, name_mean, article_mean, scalars]))
    width = tokens.width * (len(PARTS) - 1) + N_SCALARS
    return np.array(rows, np.float32) if rows else np.zeros((0, width), np.float32)


def select(features: np.ndarray, parts: Sequence[str], width: int) -> np.ndarray:
    """The columns of ``features`` that belong to ``parts`` (a model's chosen subset)."""
    columns = []
    for i, part in enumerate(PARTS):
        if part not in parts:
            continue
        lo = i * width
        hi = lo + (N_SCALARS if part == "scalars" else width)
        columns.append(features[:, lo:hi])
    return np.concatenate(columns, 1) if columns else features[:, :0]

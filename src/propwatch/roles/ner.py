"""A fast named-entity tagger read off the techniques transformer's token states: a softmax
over BIO tags of five entity types per subword, distilled from spaCy's ``en_core_web_sm`` NER
(``propwatch train roles`` labels news articles with spaCy and fits this head on the states).

The encoder is uncased, so each subword also gets the shape of its word (capitalised, all
capitals, first of its sentence...). Costs about a millisecond per article on top of the pass
the pipeline already made, where spaCy's NER would take 50-100 ms.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from .features import TokenStates

#: spaCy labels the head tags, and the actor type each becomes
LABELS = ("PERSON", "ORG", "GPE", "NORP", "LOC")
TAGS = ("O", *(f"{p}-{label}" for label in LABELS for p in ("B", "I")))
N_SHAPE = 8
_WORD = re.compile(r"\w+(?:[’'.\-&]\w+)*\.?")


def word_spans(text: str, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray,
                                                                          np.ndarray]:
    """The start and end of the word each subword lies in (a word: letters, digits and inner
    apostrophes, dots, hyphens)."""
    w_start = starts.copy()
    w_end = ends.copy()
    for i, (a, b) in enumerate(zip(starts.tolist(), ends.tolist())):
        while a > 0 and (text[a - 1].isalnum() or (text[a - 1] in "'’.-&" and a > 1
                                                    and text[a - 2].isalnum())):
            a -= 1
        while b < len(text) and (text[b].isalnum() or (text[b] in "'’.-&" and b + 1 < len(text)
                                                        and text[b + 1].isalnum())):
            b += 1
        w_start[i], w_end[i] = a, b
    return w_start, w_end


def shape_features(text: str, tokens: TokenStates) -> np.ndarray:
    """Per subword: its word is capitalised, all capitals, has a digit; it starts its word;
    its word starts a sentence or line; the previous and the next word are capitalised; it is
    punctuation."""
    n = len(tokens.starts)
    out = np.zeros((n, N_SHAPE), np.float32)
    if not n:
        return out
    w_start, w_end = word_spans(text, tokens.starts, tokens.ends)
    for i in range(n):
        word = text[w_start[i]:w_end[i]]
        before = text[max(0, w_start[i] - 3):w_start[i]]
        prev_word = _neighbour(text, int(w_start[i]), -1)
        next_word = _neighbour(text, int(w_end[i]), 1)
        out[i] = (word[:1].isupper(), len(word) > 1 and word.isupper(),
                  any(c.isdigit() for c in word), tokens.starts[i] == w_start[i],
                  w_start[i] == 0 or "\n" in before or bool(re.search(r"[.!?][\"”’')]*\s+$",
                                                                        before)),
                  prev_word[:1].isupper(), next_word[:1].isupper(),
                  not any(c.isalnum() for c in word))
    return out


def _neighbour(text: str, at: int, step: int) -> str:
    """The word before ``at`` (step -1) or after it (step 1) on the same line."""
    if step < 0:
        line = text[max(0, at - 40):at].rsplit("\n", 1)[-1]
        words = _WORD.findall(line)
        return words[-1] if words else ""
    line = text[at:at + 40].split("\n", 1)[0]
    found = _WORD.search(line)
    return found.group() if found else ""


def features(text: str, tokens: TokenStates) -> np.ndarray:
    """The head's input per subword: its state, its neighbours' states (where a name begins
    and ends), its word's shape and its neighbours' shapes."""
    shape = shape_features(text, tokens)
    return np.hstack([tokens.states, _shifted(tokens.states, 1), _shifted(tokens.states, -1),
                      shape, _shifted(shape, 1), _shifted(shape, -1)])


def _shifted(rows: np.ndarray, by: int) -> np.ndarray:
    """``rows`` moved down by ``by`` (up when negative), zeros where nothing moved in."""
    out = np.zeros_like(rows)
    if by > 0:
        out[by:] = rows[:-by]
    elif by < 0:
        out[:by] = rows[-by:]
    return out


def gold_tags(tokens: TokenStates, entities: Sequence[tuple[int, int, str]]) -> np.ndarray:
    """Tag indices per subword for entities ``(start, end, label)`` (B on the first subword)."""
    tags = np.zeros(len(tokens.starts), np.int64)
    for start, end, label in entities:
        if label not in LABELS:
            continue
        lo, hi = tokens.between(start, end)
        if hi <= lo:
            continue
        tags[lo] = TAGS.index(f"B-{label}")
        tags[lo + 1:hi] = TAGS.index(f"I-{label}")
    return tags


def decode(text: str, tokens: TokenStates, probs: np.ndarray) -> list[tuple[int, int, str]]:
    """Entities ``(start, end, label)`` from per-subword tag probabilities: runs of non-O
    subwords (a B starts a new one), widened to whole words, labelled by their summed
    probabilities."""
    if not len(probs):
        return []
    best = probs.argmax(1)
    w_start, w_end = word_spans(text, tokens.starts, tokens.ends)
    runs: list[list[int]] = []
    for i, tag in enumerate(best.tolist()):
        if tag == 0:
            continue
        begins = TAGS[tag].startswith("B-")
        joined = (runs and runs[-1][-1] == i - 1
                  and (not begins or w_start[i] == w_start[i - 1]))
        if joined:
            runs[-1].append(i)
        else:
            runs.append([i])
    out = []
    for run in runs:
        mass = probs[run][:, 1:].sum(0).reshape(len(LABELS), 2).sum(1)
        out.append((int(w_start[run[0]]), int(w_end[run[-1]]), LABELS[int(mass.argmax())]))
    return out


class EntityHead:
    """The trained head (``ner.npz``: scaler, weights, bias) and its decoding."""

    def __init__(self, path) -> None:
        with np.load(path) as data:
            self.mean = data["mean"].astype(np.float32)
            self.scale = data["scale"].astype(np.float32)
            self.weight = data["weight"].astype(np.float32)
            self.bias = data["bias"].astype(np.float32)

    def entities(self, text: str, tokens: TokenStates) -> list[tuple[int, int, str]]:
        """Entities ``(start, end, label)`` of the subwords in ``tokens``."""
        if not len(tokens.starts):
            return []
        logits = ((features(text, tokens) - self.mean) / self.scale) @ self.weight.T + self.bias
        logits -= logits.max(1, keepdims=True)
        probs = np.exp(logits)
        return decode(text, tokens, probs / probs.sum(1, keepdims=True))


def fit_head(rows: np.ndarray, tags: np.ndarray, kept_o: float, l2: float = 1e-3,
             steps: int = 300) -> dict[str, np.ndarray]:
    """Fit the head on feature ``rows`` and tag indices, where only a share ``kept_o`` of the
    O subwords was kept (the O bias is moved back by log(kept_o)); returns the arrays of
    ``ner.npz``."""
    from .model import fit_softmax

    mean = rows.mean(0)
    scale = rows.std(0) + 1e-3
    weight, bias = fit_softmax((rows - mean) / scale, np.eye(len(TAGS))[tags], l2, steps)
    bias = bias.copy()
    bias[0] -= np.log(kept_o)
    return {"mean": mean.astype(np.float32), "scale": scale.astype(np.float32),
            "weight": weight.astype(np.float16), "bias": bias.astype(np.float32)}

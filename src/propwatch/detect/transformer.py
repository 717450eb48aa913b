"""The transformer detector: all-MiniLM-L6-v2 fine-tuned on PTC train (BIO tagging over
subwords for spans, a span head for techniques), run with onnxruntime, tokenizers and numpy.

Artifact in ``propwatch/models/transformer/``: ``encoder.onnx`` (int8), ``span_head.npz``,
``tokenizer.json`` and ``meta.json``, written by ``propwatch train transformer``.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Sequence

import numpy as np

from ..doc import Article, Span
from ..errors import ModelError
from ..techniques import LABELS, describe
from .calibration import calibrate
from .labels import pick_labels
from .tokens import split_sentences, trim

NAME = "transformer"
VERSION = "minilm-l6-ptc-v1"
LABELS_BIO = ("O", "B", "I")
MAX_TOKENS = 254  # subwords per window, plus [CLS] and [SEP]
_WORD_CHAR = re.compile(r"\w")


def default_model_dir() -> Path:
    return Path(str(resources.files("propwatch") / "models" / "transformer"))


@dataclass(frozen=True)
class Window:
    """Consecutive sentences of one article as subwords, with character offsets."""

    ids: list[int]
    offsets: list[tuple[int, int]]
    cls: int
    sep: int


def load_tokenizer(path: Path):
    """The WordPiece tokenizer without the padding and truncation to 128 that the packaged
    tokenizer.json switches on: windows are packed and cut here instead."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


def encode_article(article: Article, tokenizer) -> list[Window]:
    """Pack the article's sentences into windows of at most MAX_TOKENS subwords; a longer
    sentence is cut into pieces. Each subword keeps its offsets into ``article.text``."""
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    windows: list[Window] = []
    ids: list[int] = []
    offsets: list[tuple[int, int]] = []
    for sentence in split_sentences(article.text, article.content_ranges()):
        enc = tokenizer.encode(article.text[sentence.start:sentence.end], add_special_tokens=False)
        s_ids = list(enc.ids)
        s_offsets = [(sentence.start + a, sentence.start + b) for a, b in enc.offsets]
        while s_ids:
            if len(ids) + len(s_ids) > MAX_TOKENS and ids:
                windows.append(Window(ids, offsets, cls, sep))
                ids, offsets = [], []
            take = min(len(s_ids), MAX_TOKENS - len(ids))
            ids += s_ids[:take]
            offsets += s_offsets[:take]
            s_ids, s_offsets = s_ids[take:], s_offsets[take:]
    if ids:
        windows.append(Window(ids, offsets, cls, sep))
    return windows


def span_extra_features(text: str, start: int, end: int) -> list[float]:
    """Article-level signals for the span head: how often the phrase occurs in the article and
    before the span, its length in characters, and whether it is quoted."""
    phrase = text[start:end].lower()
    lower = text.lower()
    occurrences = lower.count(phrase) if phrase.strip() else 1
    before = lower.count(phrase, 0, start) if phrase.strip() else 0
    quoted = float((start > 0 and text[start - 1] in "\"“‘'") or
                   (end < len(text) and text[end] in "\"”’'"))
    return [float(np.log1p(occurrences - 1)), float(np.log1p(before)),
            float(np.log1p(end - start) / 5.0), quoted]


def _runs(inside: np.ndarray, threshold: float, merge_gap: int) -> list[list[int]]:
    """Subword indices of each span: those at or above the threshold, with runs joined across
    gaps of at most ``merge_gap`` subwords (the partial-credit metric punishes fragments)."""
    above = np.flatnonzero(inside >= threshold)
    runs: list[list[int]] = []
    for k in above.tolist():
        if runs and k - runs[-1][-1] - 1 <= merge_gap:
            runs[-1].extend(range(runs[-1][-1] + 1, k + 1))
        else:
            runs.append([k])
    return runs


def _widen_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Spans start and end on word edges: a run that stops inside a word takes all of it."""
    while start > 0 and _WORD_CHAR.match(text[start - 1]) and _WORD_CHAR.match(text[start]):
        start -= 1
    while end < len(text) and _WORD_CHAR.match(text[end]) and _WORD_CHAR.match(text[end - 1]):
        end += 1
    return start, end


class TransformerDetector:
    """Finds propaganda spans and names their techniques with the fine-tuned MiniLM."""

    name = NAME
    version = VERSION

    def __init__(self, model_dir: Path | None = None, threshold: float | None = None) -> None:
        model_dir = Path(model_dir) if model_dir else default_model_dir()
        self.model_dir = model_dir
        try:
            import onnxruntime as ort
        except ImportError as exc:  # pragma: no cover - both are base dependencies
            raise ModelError.make("E202", path=model_dir) from exc
        try:
            self.meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
            options = ort.SessionOptions()
            options.intra_op_num_threads = int(self.meta.get("threads", 2))
            options.inter_op_num_threads = 1
            self.session = ort.InferenceSession(str(model_dir / "encoder.onnx"), options,
                                                providers=["CPUExecutionProvider"])
            self.tokenizer = load_tokenizer(model_dir / "tokenizer.json")
            with np.load(model_dir / "span_head.npz") as head:
                self.head_weight, self.head_bias = head["weight"], head["bias"]
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise ModelError.make("E202", path=model_dir) from exc
        self.threshold = float(threshold if threshold is not None else self.meta["threshold"])
        self.merge_gap = int(self.meta.get("merge_gap", 8))
        self._lock = threading.Lock()

    # ------------------------------------------------------------ the encoder
    def _encode(self, windows: Sequence[Window], batch: int = 8):
        """(BIO probabilities (n, 3), hidden states (n, h)) for each window's subwords."""
        out = []
        for b in range(0, len(windows), batch):
            chunk = windows[b:b + batch]
            width = max(len(w.ids) for w in chunk) + 2
            ids = np.zeros((len(chunk), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, w in enumerate(chunk):
                ids[row, :len(w.ids) + 2] = [w.cls, *w.ids, w.sep]
                mask[row, :len(w.ids) + 2] = 1
            with self._lock:
                bio, hidden = self.session.run(["bio", "hidden"], {"ids": ids, "mask": mask})
            for row, w in enumerate(chunk):
                n = len(w.ids)
                out.append((bio[row, 1:n + 1], hidden[row, 1:n + 1]))
        return out

    def _technique_probs(self, text: str, hidden: np.ndarray, first: int, last: int,
                         start: int, end: int) -> np.ndarray:
        states = hidden[first:last + 1]
        rep = np.concatenate([states.mean(0), states[0], states[-1],
                              np.array(span_extra_features(text, start, end), np.float32)])
        logits = self.head_weight @ rep + self.head_bias
        logits -= logits.max()
        probs = np.exp(logits)
        return probs / probs.sum()

    # ------------------------------------------------------------ span identification
    def find_spans(self, article: Article, threshold: float | None = None,
                   encoded=None) -> list[tuple[int, int, float, np.ndarray]]:
        """(start, end, score, technique probabilities) of each span found."""
        threshold = self.threshold if threshold is None else threshold
        windows = encode_article(article, self.tokenizer)
        found = []
        for window, (bio, hidden) in zip(windows, encoded or self._encode(windows)):
            inside = bio[:, 1] + bio[:, 2]  # P(B) + P(I): the subword is inside a span
            for run in _runs(inside, threshold, self.merge_gap):
                found.append(self._span(article.text, window, hidden, inside, run))
        return [f for f in found if f is not None]

    def spans_at_thresholds(self, article: Article, thresholds: Sequence[float]
                            ) -> dict[float, list[tuple[int, int]]]:
        """The spans each threshold would give, from one pass of the encoder."""
        encoded = self._encode(encode_article(article, self.tokenizer))
        return {t: [(s, e) for s, e, _, _ in self.find_spans(article, t, encoded)]
                for t in thresholds}

    def _span(self, text, window, hidden, inside, run):
        start, end = window.offsets[run[0]][0], window.offsets[run[-1]][1]
        start, end = _widen_to_words(text, start, end)
        start, end = trim(text, start, end)
        if end <= start:
            return None
        probs = self._technique_probs(text, hidden, run[0], run[-1], start, end)
        return start, end, float(np.mean(inside[run])), probs

    def detect(self, article: Article) -> list[Span]:
        spans = []
        for start, end, score, probs in self.find_spans(article):
            best = int(np.argmax(probs))
            label = LABELS[best]
            reason = (f"MiniLM span tagger {score:.2f}; {describe(label).name.lower()} "
                      f"{probs[best]:.2f}")
            spans.append(Span(start, end, label,
                              round(calibrate(score, self.meta.get("calibration")), 4), reason))
        return spans

    # ------------------------------------------------------------ technique classification
    def classify(self, article: Article, spans: Sequence[tuple[int, int]]) -> list[str]:
        """One technique per given span; a span given twice gets its two likeliest."""
        windows = encode_article(article, self.tokenizer)
        encoded = self._encode(windows)
        rows = []
        for start, end in spans:
            best_window, best_idx = None, []
            for w, window in enumerate(windows):
                idx = [k for k, (s, e) in enumerate(window.offsets) if e > s and s < end and start < e]
                if len(idx) > len(best_idx):
                    best_window, best_idx = w, idx
            if best_window is None:
                probs = np.full(len(LABELS), 1.0 / len(LABELS))
                probs[LABELS.index("Loaded_Language")] += 1.0
            else:
                hidden = encoded[best_window][1]
                probs = self._technique_probs(article.text, hidden, best_idx[0], best_idx[-1],
                                              start, end)
            rows.append(probs)
        return pick_labels(spans, rows, LABELS)

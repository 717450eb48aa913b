"""The transformer detector: all-MiniLM-L6-v2 fine-tuned on PTC train (BIO tagging over
subwords for spans, a span head for techniques), run with onnxruntime, tokenizers and numpy,
and blended with the baseline's CRF marginals and technique classifier (:class:`Decoding`).

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
from ..pipeline.component import Shared
from ..techniques import LABELS, describe
from .calibration import calibrate
from .labels import pick_labels
from .onnx import open_session
from .tokens import Sentence, split_sentences, trim
from .words import merge_overlaps, whole_words

NAME = "transformer"
VERSION = "minilm-l6-ptc-v3"
LABELS_BIO = ("O", "B", "I")
MAX_TOKENS = 254  # subwords per window, plus [CLS] and [SEP]
_SURROGATE = re.compile("[\ud800-\udfff]")


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


def encode_article(article: Article, tokenizer, pack: bool = True) -> list[Window]:
    """Pack the article's sentences into windows of at most MAX_TOKENS subwords (with
    ``pack=False``, one sentence per window: no context); a longer sentence is cut into pieces.
    Each subword keeps its offsets into ``article.text``."""
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    windows: list[Window] = []
    ids: list[int] = []
    offsets: list[tuple[int, int]] = []
    # the tokenizer refuses lone surrogates; U+FFFD is one character too, so offsets hold
    text = _SURROGATE.sub("\ufffd", article.text)
    for sentence in split_sentences(article.text, article.content_ranges()):
        enc = tokenizer.encode(text[sentence.start:sentence.end], add_special_tokens=False)
        s_ids = list(enc.ids)
        s_offsets = [(sentence.start + a, sentence.start + b) for a, b in enc.offsets]
        while s_ids:
            if ids and (len(ids) + len(s_ids) > MAX_TOKENS or not pack):
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


@dataclass(frozen=True)
class Decoding:
    """How the two taggers' subword probabilities become spans and techniques (meta.json
    ``decoding``; chosen on PTC dev by ``propwatch evaluate --detector transformer --tune``).

    A subword's inside-probability is ``tagger_weight`` × MiniLM's P(B)+P(I) plus the rest ×
    the baseline CRF's marginal for the word it lies in. Subwords at or above ``threshold``
    make up spans, joined across gaps of at most ``merge_gap`` subwords, or across a longer gap
    whose mean inside-probability still reaches ``bridge_floor`` (the partial-credit metric
    punishes fragments), as long as the joined span stays within ``max_span`` subwords (so
    evidence stays a passage one can read, not a whole paragraph); a span is kept when its
    peak reaches ``threshold + keep_margin``. Techniques blend the two classifiers
    log-linearly, ``technique_weight`` on MiniLM's span head; then Repetition is multiplied
    by ``repetition_boost`` for a span whose phrase already occurred earlier in the article
    (document-level matching)."""

    tagger_weight: float = 1.0
    threshold: float = 0.3
    keep_margin: float = 0.0
    merge_gap: int = 8
    bridge_floor: float | None = None  # None: join only across gaps of merge_gap or less
    max_span: int | None = None  # None: joins may grow a span without limit
    technique_weight: float = 1.0
    repetition_boost: float = 1.0

    @staticmethod
    def from_meta(meta: dict, threshold: float | None = None) -> "Decoding":
        fields = dict(meta.get("decoding") or {"threshold": meta.get("threshold", 0.3),
                                                 "merge_gap": meta.get("merge_gap", 8)})
        if threshold is not None:
            fields["threshold"] = float(threshold)
        return Decoding(**fields)


def decode_runs(inside: np.ndarray, threshold: float, keep: float, merge_gap: int,
                bridge_floor: float | None = None, max_span: int | None = None
                ) -> list[list[int]]:
    """Subword indices of each span: those at or above ``threshold``, joined across gaps of at
    most ``merge_gap`` subwords or across longer gaps whose mean stays at or above
    ``bridge_floor``, unless the join would make the span longer than ``max_span`` subwords;
    runs whose peak stays under ``keep`` are dropped."""
    runs: list[list[int]] = []
    for k in np.flatnonzero(inside >= threshold).tolist():
        if runs and _joins(inside, runs[-1], k, merge_gap, bridge_floor, max_span):
            runs[-1].extend(range(runs[-1][-1] + 1, k + 1))
        else:
            runs.append([k])
    return [run for run in runs if float(inside[run].max()) >= keep]


def _joins(inside: np.ndarray, run: list[int], k: int, merge_gap: int,
           bridge_floor: float | None, max_span: int | None) -> bool:
    """Whether subword ``k`` (at or above the threshold) continues ``run``."""
    gap = k - run[-1] - 1
    if gap == 0:
        return True
    if max_span is not None and k - run[0] + 1 > max_span:
        return False
    return gap <= merge_gap or (bridge_floor is not None
                                and float(inside[run[-1] + 1:k].mean()) >= bridge_floor)


def blend_techniques(own: np.ndarray, other: np.ndarray, weight: float) -> np.ndarray:
    """Log-linear blend of two technique distributions (rows), renormalised."""
    logits = weight * np.log(own + 1e-9) + (1.0 - weight) * np.log(other + 1e-9)
    logits -= logits.max(axis=-1, keepdims=True)
    probs = np.exp(logits)
    return probs / probs.sum(axis=-1, keepdims=True)


def occurs_earlier(lower_text: str, start: int, end: int) -> bool:
    """Whether the span's phrase (case-folded) already occurs before it in the article."""
    phrase = lower_text[start:end]
    return bool(phrase.strip()) and lower_text.find(phrase, 0, start) >= 0


def boost_repetition(probs: np.ndarray, earlier: Sequence[bool], factor: float) -> np.ndarray:
    """Multiply P(Repetition) by ``factor`` in the rows whose phrase occurred earlier in the
    article (``earlier``, see :func:`occurs_earlier`), and renormalise."""
    if factor == 1.0 or not any(earlier):
        return probs
    probs = probs.copy()
    probs[np.asarray(earlier, dtype=bool), LABELS.index("Repetition")] *= factor
    return probs / probs.sum(axis=1, keepdims=True)


def _drop_cut_words(text: str, start: int, end: int) -> tuple[int, int]:
    """A span joined across a sentence boundary can begin with the last word of a sentence
    that started before it ('…hard to swallow. "They want us hungry…') or end with the first
    word of one that goes on after it. That lone word is cut off; a one-word sentence the span
    holds whole ("Nothing!") stays."""
    pieces = split_sentences(text, [(start, end)])
    if len(pieces) >= 2 and _word_count(pieces[0]) == 1:
        before = split_sentences(text, [(max(0, start - 500), pieces[0].end)])
        if before and before[-1].start < pieces[0].start:
            start, pieces = pieces[1].start, pieces[1:]
    if len(pieces) >= 2 and _word_count(pieces[-1]) == 1:
        after = split_sentences(text, [(pieces[-1].start, min(len(text), end + 500))])
        if after and after[0].end > pieces[-1].end:
            end = pieces[-2].end
    return start, end


def _take_in_quotes(text: str, start: int, end: int) -> tuple[int, int]:
    """Double quotation marks around or across a span are taken in, so a quotation reads
    whole: a span that is exactly a quotation's words gets both marks; a span holding one mark
    of a pair whose partner is the character just outside it gets the partner. Single quotes
    are left alone (they double as apostrophes)."""
    if start > 0 and _opens(text, start - 1) and start <= _partner(text, start - 1) <= end:
        start -= 1  # its partner is inside or just after: the closing step below takes that
    if end < len(text) and _closes(text, end) and _partner(text, end) >= start:
        end += 1
    return start, end


def _opens(text: str, at: int) -> bool:
    """Whether ``text[at]`` opens a double quotation (a straight mark opens when the marks
    before it in its paragraph are even in number)."""
    if text[at] == "\u201c":
        return True
    return text[at] == '"' and text.count('"', text.rfind("\n", 0, at) + 1, at) % 2 == 0


def _closes(text: str, at: int) -> bool:
    return text[at] == "\u201d" or (text[at] == '"' and not _opens(text, at))


def _partner(text: str, at: int) -> int:
    """Where the mark at ``at`` is closed (or opened), within its paragraph; -1 if nowhere."""
    if _opens(text, at):
        close = "\u201d" if text[at] == "\u201c" else '"'
        line_end = text.find("\n", at)
        return text.find(close, at + 1, len(text) if line_end < 0 else line_end)
    opening = "\u201c" if text[at] == "\u201d" else '"'
    return text.rfind(opening, text.rfind("\n", 0, at) + 1, at)


def _word_count(sentence: Sentence) -> int:
    return sum(1 for token in sentence.tokens if token.text[0].isalnum())


def word_probabilities(windows: Sequence[Window], tagged) -> list[np.ndarray]:
    """The baseline CRF's inside-probability of the word each subword lies in (0 outside)."""
    starts, ends, probs = [], [], []
    for sentence in tagged:
        for (s, e), p in zip(sentence.token_offsets, sentence.inside):
            starts.append(s)
            ends.append(e)
            probs.append(float(p))
    order = np.argsort(starts, kind="stable")
    starts_a = np.asarray(starts, dtype=np.int64)[order]
    ends_a = np.asarray(ends, dtype=np.int64)[order]
    probs_a = np.asarray(probs, dtype=np.float32)[order]
    out = []
    for window in windows:
        sub_starts = np.fromiter((s for s, _ in window.offsets), dtype=np.int64,
                                 count=len(window.offsets))
        at = np.searchsorted(starts_a, sub_starts, side="right") - 1
        inside = np.zeros(len(window.offsets), dtype=np.float32)
        ok = (at >= 0)
        ok[ok] &= ends_a[at[ok]] > sub_starts[ok]
        inside[ok] = probs_a[at[ok]]
        out.append(inside)
    return out


@dataclass
class Encoded:
    """One article through both models: windows, MiniLM outputs and the blended
    inside-probabilities; the baseline's article context is kept for technique features."""

    windows: list[Window]
    hidden: list[np.ndarray]
    bio: list[np.ndarray]  # MiniLM P(O), P(B), P(I) per subword
    crf: list[np.ndarray]  # baseline CRF marginal per subword; [] when encoded for TC only
    ctx: object

    @property
    def tagger(self) -> list[np.ndarray]:
        """MiniLM's P(B)+P(I) per subword: the probability it lies inside a span."""
        return [b[:, 1] + b[:, 2] for b in self.bio]


class TransformerDetector:
    """Finds propaganda spans and names their techniques with the fine-tuned MiniLM, helped by
    the baseline's CRF marginals and technique classifier (see :class:`Decoding`)."""

    name = NAME
    version = VERSION

    def __init__(self, model_dir: Path | None = None, threshold: float | None = None) -> None:
        from .baseline import BaselineDetector

        model_dir = Path(model_dir) if model_dir else default_model_dir()
        self.model_dir = model_dir
        try:
            self.meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
            self.session = open_session(model_dir / "encoder.onnx",
                                        int(self.meta.get("threads", 2)))
            self.tokenizer = load_tokenizer(model_dir / "tokenizer.json")
            with np.load(model_dir / "span_head.npz") as head:
                self.head_weight, self.head_bias = head["weight"], head["bias"]
            self.decoding = Decoding.from_meta(self.meta, threshold)
        except (OSError, ValueError, KeyError, RuntimeError, TypeError, ImportError) as exc:
            raise ModelError.make("E202", path=model_dir) from exc
        self.threshold = self.decoding.threshold
        self.baseline = BaselineDetector()
        classes = list(self.baseline.technique_model.classes)
        self._baseline_order = [classes.index(label) for label in LABELS]
        self._lock = threading.Lock()

    # ------------------------------------------------------------ the models
    def _run_encoder(self, windows: Sequence[Window], batch: int = 8):
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

    def encode(self, article: Article, pack: bool = True, *, tag: bool = True) -> Encoded:
        """Both taggers over the article, once; everything else decodes from this. With
        ``tag=False`` the baseline CRF is skipped: enough for techniques, not for spans."""
        from .features import article_context

        windows = encode_article(article, self.tokenizer, pack)
        outputs = self._run_encoder(windows)
        ctx = article_context(article)
        crf = word_probabilities(windows, self.baseline.tag(article, ctx)) if tag else []
        return Encoded(windows, [h for _, h in outputs], [b for b, _ in outputs], crf, ctx)

    def _head_probs(self, hidden: np.ndarray, first: int, last: int,
                    extras: list[float]) -> np.ndarray:
        states = hidden[first:last + 1]
        rep = np.concatenate([states.mean(0), states[0], states[-1],
                              np.array(extras, np.float32)])
        logits = self.head_weight @ rep + self.head_bias
        logits -= logits.max()
        probs = np.exp(logits)
        return probs / probs.sum()

    def technique_probs(self, article: Article, encoded: Encoded,
                        spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """Technique probabilities (rows follow ``spans``, columns follow LABELS): MiniLM's span
        head blended with the baseline classifier."""
        if not spans:
            return np.zeros((0, len(LABELS)))
        d = self.decoding
        lower = article.text.lower()
        return boost_repetition(
            blend_techniques(*self.technique_sources(article, encoded, spans), d.technique_weight),
            [occurs_earlier(lower, s, e) for s, e in spans], d.repetition_boost)

    def technique_sources(self, article: Article, encoded: Encoded,
                          spans: Sequence[tuple[int, int]], *, repetition: bool = True
                          ) -> tuple[np.ndarray, np.ndarray]:
        """The two opinions blended by :meth:`technique_probs`: MiniLM's span head over the
        window holding most of the span, and the baseline classifier (columns follow LABELS).
        ``repetition=False`` hides from both how often the phrase recurs (ablation)."""
        own = []
        for start, end in spans:
            best_window, best_idx = None, []
            for w, window in enumerate(encoded.windows):
                idx = [k for k, (s, e) in enumerate(window.offsets)
                       if e > s and s < end and start < e]
                if len(idx) > len(best_idx):
                    best_window, best_idx = w, idx
            if best_window is None:  # nothing to encode (e.g. only boilerplate): no opinion
                own.append(np.full(len(LABELS), 1.0 / len(LABELS)))
            else:
                extras = span_extra_features(article.text, start, end)
                if not repetition:
                    extras[0] = extras[1] = 0.0
                own.append(self._head_probs(encoded.hidden[best_window], best_idx[0],
                                            best_idx[-1], extras))
        other, _ = self.baseline.rank_techniques(article, spans, encoded.ctx,
                                                 repetition=repetition)
        return np.array(own).reshape(len(spans), len(LABELS)), other[:, self._baseline_order]

    # ------------------------------------------------------------ span identification
    def find_spans(self, article: Article, threshold: float | None = None,
                   encoded: Encoded | None = None, decoding: Decoding | None = None
                   ) -> list[tuple[int, int, float, str]]:
        """(start, end, score, evidence) of each span found; score is the run's mean blended
        inside-probability."""
        d = decoding or self.decoding
        threshold = d.threshold if threshold is None else threshold
        encoded = encoded or self.encode(article)
        text = article.text
        if len(encoded.crf) != len(encoded.windows):
            raise ValueError("spans need the CRF marginals: encode(article) without tag=False")
        pieces = []  # (start, end, [inside, tagger and CRF summed over the run, its length])
        for window, tagger, crf in zip(encoded.windows, encoded.tagger, encoded.crf):
            inside = d.tagger_weight * tagger + (1.0 - d.tagger_weight) * crf
            for run in decode_runs(inside, threshold, threshold + d.keep_margin, d.merge_gap,
                                   d.bridge_floor, d.max_span):
                start, end = window.offsets[run[0]][0], window.offsets[run[-1]][1]
                start, end = _drop_cut_words(text, *whole_words(text, start, end))
                start, end = _take_in_quotes(text, *trim(text, start, end))
                start, end = whole_words(text, start, end)  # dropping a word may land in one
                if end > start:
                    pieces.append((start, end, [float(inside[run].sum()),
                                                float(tagger[run].sum()),
                                                float(crf[run].sum()), len(run)]))
        found = []
        # two runs that end and begin in one word overlap once widened: they become one span
        for start, end, members in merge_overlaps([(s, e) for s, e, _ in pieces]):
            total, tag_sum, crf_sum, count = np.sum([pieces[i][2] for i in members], axis=0)
            evidence = f"MiniLM tagger {tag_sum / count:.2f}, CRF {crf_sum / count:.2f}"
            found.append((start, end, float(total / count), evidence))
        return found

    def spans_at_thresholds(self, article: Article, thresholds: Sequence[float]
                            ) -> dict[float, list[tuple[int, int]]]:
        """The spans each threshold would give, from one pass of the models."""
        encoded = self.encode(article)
        return {t: [(s, e) for s, e, _, _ in self.find_spans(article, t, encoded)]
                for t in thresholds}

    def detect(self, article: Article, shared: Shared | None = None) -> list[Span]:
        """Spans with their technique; the encoder pass is left in ``shared`` (key
        ``("encoded", version)``) for later components of the pipeline."""
        encoded = (shared.get(("encoded", self.version), lambda: self.encode(article))
                   if shared is not None else self.encode(article))
        found = self.find_spans(article, encoded=encoded)
        probs = self.technique_probs(article, encoded, [(s, e) for s, e, _, _ in found])
        spans = []
        for (start, end, score, evidence), row in zip(found, probs):
            best = int(np.argmax(row))
            label = LABELS[best]
            reason = (f"span {score:.2f} ({evidence}); {describe(label).name.lower()} "
                      f"{row[best]:.2f}")
            spans.append(Span(start, end, label,
                              round(calibrate(score, self.meta.get("calibration")), 4), reason))
        return spans

    # ------------------------------------------------------------ technique classification
    def classify(self, article: Article, spans: Sequence[tuple[int, int]]) -> list[str]:
        """One technique per given span; a span given twice gets its two likeliest."""
        probs = self.technique_probs(article, self.encode(article, tag=False), spans)
        return pick_labels(spans, probs, LABELS)

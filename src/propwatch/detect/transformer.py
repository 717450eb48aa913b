"""The transformer detector: all-MiniLM-L6-v2 fine-tuned on PTC train (BIO tagging over
subwords for spans, a span head for techniques), run with onnxruntime, tokenizers and numpy,
and blended with the baseline's CRF marginals and technique classifier (:class:`Decoding`).

Artifact in ``propwatch/models/transformer/``: ``encoder.onnx`` (int8), ``span_head.npz``,
``tokenizer.json`` and ``meta.json``, written by ``propwatch train transformer``.
"""

from __future__ import annotations

import json
import os
import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from ..doc import Article, Span
from ..errors import ModelError
from ..pipeline.component import Shared
from ..techniques import LABELS, describe
from .calibration import calibrate
from .features import REPETITION_REACH
from .labels import pick_labels
from .onnx import open_session
from .tokens import Sentence, iter_sentences, split_sentences, trim
from .words import merge_overlaps, whole_words

NAME = "transformer"
VERSION = "minilm-l6-ptc-v3"
LABELS_BIO = ("O", "B", "I")
MAX_TOKENS = 254  # subwords per window, plus [CLS] and [SEP]
# Past this many subwords an article's hidden states go to a temporary file (see HiddenStates):
# 16,384 states are 25 MB of float32 (about 70,000 characters); a PTC article has about 1,000.
SPILL_SUBWORDS = 16_384
_SURROGATE = re.compile("[\ud800-\udfff]")


def default_model_dir() -> Path:
    return Path(str(resources.files("propwatch") / "models" / "transformer"))


class Window:
    """Consecutive sentences of one article as subwords, with character offsets. Kept compact
    (numpy int32 arrays, not lists of tuples): a long article has millions of subwords."""

    __slots__ = ("cls", "ends", "id_array", "sep", "starts")

    def __init__(self, ids: Sequence[int], offsets: Sequence[tuple[int, int]], cls: int,
                 sep: int) -> None:
        self.id_array = np.asarray(ids, dtype=np.int32).reshape(-1)
        pairs = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
        self.starts = np.ascontiguousarray(pairs[:, 0], dtype=np.int32)
        self.ends = np.ascontiguousarray(pairs[:, 1], dtype=np.int32)
        self.cls, self.sep = int(cls), int(sep)

    @property
    def ids(self) -> list[int]:
        """The subword ids, as plain ints (built on each call: keep it local)."""
        return self.id_array.tolist()

    @property
    def offsets(self) -> list[tuple[int, int]]:
        """(start, end) of each subword, as plain ints (built on each call: keep it local)."""
        return list(zip(self.starts.tolist(), self.ends.tolist()))

    def __len__(self) -> int:
        return len(self.id_array)

    def __repr__(self) -> str:
        return f"Window({len(self.id_array)} subwords, {self.start}-{self.end})"

    @property
    def start(self) -> int:
        return int(self.starts.min()) if len(self.starts) else 0

    @property
    def end(self) -> int:
        return int(self.ends.max()) if len(self.ends) else 0


class HiddenStates(Sequence):
    """The encoder's hidden states, one (n, h) array per window. Kept in memory until more
    than ``spill_after`` subwords have come, then written to an unlinked temporary file and
    read back one window at a time (``os.pread``, so reading does not keep pages mapped): a
    long article's states (1.5 KB a subword) never sit in memory whole. ``None``: never
    spill. Consumers iterate or index; ``list(states)`` would pull every window back."""

    def __init__(self, spill_after: int | None = None) -> None:
        self.spill_after = spill_after
        self._arrays: list[np.ndarray] | None = []
        self._places: list[tuple[int, int]] = []  # byte offset and rows of each window
        self._file = None
        self._bytes = 0
        self.rows = 0
        self.width: int | None = None
        self.dtype = np.dtype(np.float32)
        self._reading = threading.Lock()

    @property
    def spilled(self) -> bool:
        return self._file is not None

    def append(self, states: np.ndarray) -> None:
        if self.width is None:
            self.width, self.dtype = int(states.shape[1]), states.dtype
        if (self._file is None and self.spill_after is not None
                and self.rows + len(states) > self.spill_after):
            self._spill()
        if self._file is None:
            self._arrays.append(states)
        else:
            self._write(states)
        self.rows += len(states)

    def _spill(self) -> None:
        import tempfile

        self._file = tempfile.TemporaryFile(prefix="propwatch-states-", buffering=0)
        kept, self._arrays = self._arrays, None
        for states in kept:
            self._write(states)

    def _write(self, states: np.ndarray) -> None:
        data = np.ascontiguousarray(states, dtype=self.dtype).tobytes()
        view = memoryview(data)
        while view:  # a raw file may write less than asked
            view = view[self._file.write(view):]
        self._places.append((self._bytes, len(states)))
        self._bytes += len(data)

    def __len__(self) -> int:
        return len(self._arrays) if self._file is None else len(self._places)

    @property
    def sizes(self) -> list[int]:
        """Rows of each window's states (without reading any)."""
        if self._file is None:
            return [len(a) for a in self._arrays]
        return [rows for _, rows in self._places]

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if self._file is None:
            return self._arrays[index]
        offset, rows = self._places[index]
        size = rows * (self.width or 0) * self.dtype.itemsize
        if hasattr(os, "pread"):
            data = os.pread(self._file.fileno(), size, offset)
        else:  # Windows: no pread; one reader at a time
            with self._reading:
                self._file.seek(offset)
                data = self._file.read(size)
        return np.frombuffer(data, dtype=self.dtype).reshape(rows, self.width or 0)

    def __iter__(self):
        for index in range(len(self)):
            yield self[index]

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


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
    for sentence in iter_sentences(article.text, article.content_ranges()):
        enc = tokenizer.encode(text[sentence.start:sentence.end], add_special_tokens=False)
        s_ids = list(enc.ids)
        s_offsets = [(sentence.start + a, sentence.start + b) for a, b in enc.offsets]
        at = 0  # an index, not slicing: a sentence of a million subwords stays linear
        while at < len(s_ids):
            left = len(s_ids) - at
            if ids and (len(ids) + left > MAX_TOKENS or not pack):
                windows.append(Window(ids, offsets, cls, sep))
                ids, offsets = [], []
            take = min(left, MAX_TOKENS - len(ids))
            ids += s_ids[at:at + take]
            offsets += s_offsets[at:at + take]
            at += take
    if ids:
        windows.append(Window(ids, offsets, cls, sep))
    return windows


def span_extra_features(text: str, start: int, end: int, lower: str | None = None
                        ) -> list[float]:
    """Article-level signals for the span head: how often the phrase occurs in the article and
    before the span (within REPETITION_REACH characters of it), its length in characters, and
    whether it is quoted. ``lower`` is ``text.lower()``, when the caller has it."""
    lower = text.lower() if lower is None else lower
    # (where lower() changed the text's length, offsets into it drift: fold the phrase alone)
    phrase = lower[start:end] if len(lower) == len(text) else text[start:end].lower()
    reach_from = max(0, start - REPETITION_REACH)
    reach_to = len(lower) if end + REPETITION_REACH >= len(text) else end + REPETITION_REACH
    occurrences = lower.count(phrase, reach_from, reach_to) if phrase.strip() else 1
    before = lower.count(phrase, reach_from, start) if phrase.strip() else 0
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
    """Whether the span's phrase (case-folded) already occurs before it in the article, within
    REPETITION_REACH characters (all of a normal article; bounded work in a long one)."""
    phrase = lower_text[start:end]
    return (bool(phrase.strip())
            and lower_text.find(phrase, max(0, start - REPETITION_REACH), start) >= 0)


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


class QuoteMarks:
    """Where the newlines and double quotation marks of a text are, sorted, so that the quote
    helpers below find a mark's paragraph and partner by bisection: scanning back to the line
    start each time was quadratic in a text without newlines."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self.marks = {ch: [m.start() for m in re.finditer(ch, text)]
                      for ch in ('"', "\u201c", "\u201d")}

    def line_start(self, at: int) -> int:
        """``text.rfind("\\n", 0, at) + 1``."""
        k = bisect_left(self.newlines, at) - 1
        return self.newlines[k] + 1 if k >= 0 else 0

    def line_end(self, at: int) -> int:
        """``text.find("\\n", at)``, or the text's length when there is none."""
        k = bisect_left(self.newlines, at)
        return self.newlines[k] if k < len(self.newlines) else len(self.text)

    def count(self, ch: str, start: int, end: int) -> int:
        found = self.marks[ch]
        return max(0, bisect_left(found, end) - bisect_left(found, start))

    def find(self, ch: str, start: int, end: int) -> int:
        found = self.marks[ch]
        k = bisect_left(found, start)
        return found[k] if k < len(found) and found[k] < end else -1

    def rfind(self, ch: str, start: int, end: int) -> int:
        found = self.marks[ch]
        k = bisect_left(found, end) - 1
        return found[k] if k >= 0 and found[k] >= start else -1


def _take_in_quotes(text: str, start: int, end: int, marks: QuoteMarks | None = None
                    ) -> tuple[int, int]:
    """Double quotation marks around or across a span are taken in, so a quotation reads
    whole: a span that is exactly a quotation's words gets both marks; a span holding one mark
    of a pair whose partner is the character just outside it gets the partner. Single quotes
    are left alone (they double as apostrophes). ``marks`` indexes the text (long texts)."""
    if (start > 0 and _opens(text, start - 1, marks)
            and start <= _partner(text, start - 1, marks) <= end):
        start -= 1  # its partner is inside or just after: the closing step below takes that
    if end < len(text) and _closes(text, end, marks) and _partner(text, end, marks) >= start:
        end += 1
    return start, end


def _opens(text: str, at: int, marks: QuoteMarks | None = None) -> bool:
    """Whether ``text[at]`` opens a double quotation (a straight mark opens when the marks
    before it in its paragraph are even in number)."""
    if text[at] == "\u201c":
        return True
    if text[at] != '"':
        return False
    if marks is not None:
        return marks.count('"', marks.line_start(at), at) % 2 == 0
    return text.count('"', text.rfind("\n", 0, at) + 1, at) % 2 == 0


def _closes(text: str, at: int, marks: QuoteMarks | None = None) -> bool:
    return text[at] == "\u201d" or (text[at] == '"' and not _opens(text, at, marks))


def _partner(text: str, at: int, marks: QuoteMarks | None = None) -> int:
    """Where the mark at ``at`` is closed (or opened), within its paragraph; -1 if nowhere."""
    if _opens(text, at, marks):
        close = "\u201d" if text[at] == "\u201c" else '"'
        if marks is not None:
            return marks.find(close, at + 1, marks.line_end(at))
        line_end = text.find("\n", at)
        return text.find(close, at + 1, len(text) if line_end < 0 else line_end)
    opening = "\u201c" if text[at] == "\u201d" else '"'
    if marks is not None:
        return marks.rfind(opening, marks.line_start(at), at)
    return text.rfind(opening, text.rfind("\n", 0, at) + 1, at)


def _word_count(sentence: Sentence) -> int:
    return sum(1 for token in sentence.tokens if token.text[0].isalnum())


def word_probabilities(windows: Sequence[Window], tagged) -> list[np.ndarray]:
    """The baseline CRF's inside-probability of the word each subword lies in (0 outside).
    ``tagged`` may be a generator: its sentences are read once into compact arrays."""
    from array import array

    starts, ends, probs = array("q"), array("q"), array("f")
    for sentence in tagged:
        for (s, e), p in zip(sentence.token_offsets, sentence.inside):
            starts.append(s)
            ends.append(e)
            probs.append(float(p))
    order = np.argsort(np.frombuffer(starts, dtype=np.int64) if starts else
                       np.zeros(0, np.int64), kind="stable")
    starts_a = np.asarray(starts, dtype=np.int64)[order]
    ends_a = np.asarray(ends, dtype=np.int64)[order]
    probs_a = np.asarray(probs, dtype=np.float32)[order]
    del starts, ends, probs
    out = []
    for window in windows:
        sub_starts = window.starts.astype(np.int64)
        at = np.searchsorted(starts_a, sub_starts, side="right") - 1
        inside = np.zeros(len(sub_starts), dtype=np.float32)
        ok = (at >= 0)
        ok[ok] &= ends_a[at[ok]] > sub_starts[ok]
        inside[ok] = probs_a[at[ok]]
        out.append(inside)
    return out


class WindowIndex:
    """Which windows a character range overlaps, by bisection over the windows' extents
    (windows follow the text, so their extents are sorted; else every window is a candidate)."""

    def __init__(self, windows: Sequence[Window]) -> None:
        self.count = len(windows)
        self.firsts = [w.start for w in windows]
        self.lasts = [w.end for w in windows]
        self.sorted = all(a <= b for a, b in zip(self.firsts, self.firsts[1:])) and all(
            a <= b for a, b in zip(self.lasts, self.lasts[1:]))

    def overlapping(self, start: int, end: int) -> range:
        """Indices, in order, of every window that may hold a subword overlapping
        ``[start, end)`` (a superset: callers test the subwords)."""
        if not self.sorted:
            return range(self.count)
        return range(bisect_right(self.lasts, start), bisect_left(self.firsts, end))


@dataclass
class Encoded:
    """One article through both models: windows, MiniLM outputs and the blended
    inside-probabilities; the baseline's article context is kept for technique features."""

    windows: list[Window]
    hidden: Sequence[np.ndarray]  # a HiddenStates: per window, maybe on disk (never list() it)
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
        self.spill_after: int | None = SPILL_SUBWORDS  # see HiddenStates
        self.baseline = BaselineDetector()
        classes = list(self.baseline.technique_model.classes)
        self._baseline_order = [classes.index(label) for label in LABELS]
        self._lock = threading.Lock()

    # ------------------------------------------------------------ the models
    def _run_encoder(self, windows: Sequence[Window], batch: int = 8,
                     spill_after: int | None = SPILL_SUBWORDS
                     ) -> tuple[list[np.ndarray], HiddenStates]:
        """BIO probabilities (n, 3) and hidden states (n, h) of each window's subwords, a batch
        of windows at a time; the states past ``spill_after`` subwords go to disk. (Running
        each window alone, unpadded, was 1.15x faster but moved the int8 activation ranges:
        dev SI 0.4619 -> 0.4523, and a decoding re-tuned on those outputs still gave a
        cross-fitted SI of 0.4395 against the batched forward's 0.4495.)"""
        bios: list[np.ndarray] = []
        states = HiddenStates(spill_after)
        for b in range(0, len(windows), batch):
            chunk = windows[b:b + batch]
            width = max(len(w) for w in chunk) + 2
            ids = np.zeros((len(chunk), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, w in enumerate(chunk):
                n = len(w)
                ids[row, 0], ids[row, 1:n + 1], ids[row, n + 1] = w.cls, w.id_array, w.sep
                mask[row, :n + 2] = 1
            with self._lock:
                bio, hidden = self.session.run(["bio", "hidden"], {"ids": ids, "mask": mask})
            for row, w in enumerate(chunk):
                n = len(w)
                bios.append(bio[row, 1:n + 1])
                states.append(hidden[row, 1:n + 1])  # on disk: a copy; the batch can go
            del bio, hidden
        return bios, states

    def encode(self, article: Article, pack: bool = True, *, tag: bool = True,
               spill_after: int | None | str = "default") -> Encoded:
        """Both taggers over the article, once; everything else decodes from this. With
        ``tag=False`` the baseline CRF is skipped: enough for techniques, not for spans.
        Hidden states past ``spill_after`` subwords (default: ``self.spill_after``) are kept
        on disk (None: never)."""
        from .features import article_context

        windows = encode_article(article, self.tokenizer, pack)
        bios, states = self._run_encoder(
            windows, spill_after=self.spill_after if spill_after == "default" else spill_after)
        ctx = article_context(article)
        crf = (word_probabilities(windows, self.baseline.iter_tag(article, ctx)) if tag
               else [])
        return Encoded(windows, states, bios, crf, ctx)

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
        lower = encoded.ctx.lower if hasattr(encoded.ctx, "lower") else article.text.lower()
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
        lookup = WindowIndex(encoded.windows)
        lower = encoded.ctx.lower if hasattr(encoded.ctx, "lower") else None
        for start, end in spans:
            best_window, best_idx = None, np.zeros(0, np.int64)
            for w in lookup.overlapping(start, end):
                window = encoded.windows[w]
                idx = np.flatnonzero((window.ends > window.starts) & (window.starts < end)
                                     & (window.ends > start))
                if len(idx) > len(best_idx):
                    best_window, best_idx = w, idx
            if best_window is None:  # nothing to encode (e.g. only boilerplate): no opinion
                own.append(np.full(len(LABELS), 1.0 / len(LABELS)))
            else:
                extras = span_extra_features(article.text, start, end, lower)
                if not repetition:
                    extras[0] = extras[1] = 0.0
                own.append(self._head_probs(encoded.hidden[best_window], int(best_idx[0]),
                                            int(best_idx[-1]), extras))
        other, _ = self.baseline.rank_techniques(article, spans, encoded.ctx,
                                                 repetition=repetition, keep_rows=False)
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
        marks = QuoteMarks(text)
        pieces = []  # (start, end, [inside, tagger and CRF summed over the run, its length])
        for window, bio, crf in zip(encoded.windows, encoded.bio, encoded.crf):
            tagger = bio[:, 1] + bio[:, 2]
            inside = d.tagger_weight * tagger + (1.0 - d.tagger_weight) * crf
            for run in decode_runs(inside, threshold, threshold + d.keep_margin, d.merge_gap,
                                   d.bridge_floor, d.max_span):
                start, end = int(window.starts[run[0]]), int(window.ends[run[-1]])
                start, end = _drop_cut_words(text, *whole_words(text, start, end))
                start, end = _take_in_quotes(text, *trim(text, start, end), marks)
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

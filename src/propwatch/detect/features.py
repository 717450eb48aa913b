"""Features of the baseline detector: per sentence, per token (span tagger) and per span
(technique classifier). Shared by training and run time so the two cannot drift apart."""

from __future__ import annotations

import re
import sys
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from typing import Iterator, Sequence, overload

from ..doc import Article
from .tokens import Sentence, Token, first_tokens, iter_sentences, last_tokens, tokenize

STOPWORDS = frozenset(
    "a an the and or but if of to in on at by for with from as is are was were be been being "
    "this that these those it its he she they them his her their we our you your i me my not "
    "no so than then there here who whom which what when where why how all any each more most "
    "other some such only own same too very can will just do does did has have had would should "
    "could may might must also into about over after before up down out s t".split()
)
OPEN_QUOTES = {"“", "‘", "«"}
CLOSE_QUOTES = {"”", "’", "»"}
# How far back (and ahead) article-level repetition looks for a span's phrase, in characters:
# all of any normal article; a bounded cost per span in a long one (time linear in length).
REPETITION_REACH = 200_000


def _bucket(value: float, edges: Sequence[float]) -> str:
    for edge in edges:
        if value <= edge:
            return str(edge)
    return f">{edges[-1]}"


def utf8_safe(word: str) -> str:
    """A feature string crfsuite can encode: lone surrogates (possible in JSON input) become
    '?'. Only features change; the text and every offset stay as given."""
    return word if word.isascii() else word.encode("utf-8", "replace").decode("utf-8")


def shape(word: str) -> str:
    if word.isdigit():
        return "d"
    if not any(c.isalnum() for c in word):
        return "p"
    if word.isupper() and len(word) > 1:
        return "XX"
    if word[0].isupper():
        return "Xx"
    return "x"


class Sentences(Sequence[Sentence]):
    """An article's sentences kept as their (start, end) only, and tokenized again when read:
    a long article's tokens (over 100 bytes each as objects) are never all in memory. The
    tokens of ``[start, end)`` are the ones :func:`~.tokens.split_sentences` gave."""

    def __init__(self, text: str, starts: Sequence[int], ends: Sequence[int]) -> None:
        self.text, self.starts, self.ends = text, starts, ends

    def __len__(self) -> int:
        return len(self.starts)

    @overload
    def __getitem__(self, index: int) -> Sentence: ...

    @overload
    def __getitem__(self, index: slice) -> list[Sentence]: ...

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        start, end = self.starts[index], self.ends[index]
        return Sentence(start, end, tuple(tokenize(self.text, start, end)))

    def __iter__(self) -> Iterator[Sentence]:
        for start, end in zip(self.starts, self.ends):
            yield Sentence(start, end, tuple(tokenize(self.text, start, end)))


@dataclass(frozen=True)
class ArticleContext:
    """What the features need to know about the whole article, computed once."""

    text: str
    lower: str
    sentences: Sequence[Sentence]
    word_counts: Counter
    trigram_counts: Counter
    first_line_end: int
    newlines: Sequence[int] | None = None  # where the text's newlines are, sorted


def article_context(article: Article) -> ArticleContext:
    """Sentences, word and trigram counts, read in one pass over the article's sentences."""
    text = article.text
    starts, ends = array("q"), array("q")
    words: Counter = Counter()
    trigrams: Counter = Counter()
    last: list[str] = []  # the two words before the sentence: trigrams run across sentences
    for sentence in iter_sentences(text, article.content_ranges()):
        starts.append(sentence.start)
        ends.append(sentence.end)
        # interned: every trigram that holds a word holds one string of it
        mine = [sys.intern(t.text.lower()) for t in sentence.tokens if t.text[0].isalnum()]
        words.update(mine)
        run = last + mine
        trigrams.update(zip(run, run[1:], run[2:]))
        last = run[-2:]
    first_line_end = text.find("\n")
    return ArticleContext(text, text.lower(), Sentences(text, starts, ends), words, trigrams,
                          len(text) if first_line_end < 0 else first_line_end,
                          array("q", (m.start() for m in re.finditer("\n", text))))


def quote_mask(tokens: Sequence[Token]) -> list[bool]:
    """For each token, whether it lies inside quotation marks (the marks count as inside)."""
    inside, mask = False, []
    for token in tokens:
        t = token.text
        if t in OPEN_QUOTES or (t == '"' and not inside):
            inside = True
            mask.append(True)
        elif t in CLOSE_QUOTES and t != "’" or (t == '"' and inside):
            mask.append(True)
            inside = False
        else:
            mask.append(inside)
    return mask


# ---------------------------------------------------------------- sentences


def sentence_features(sentence: Sentence, position: int, ctx: ArticleContext) -> dict[str, float]:
    """Bag of words and bigrams plus shape cues; input of the sentence scorer."""
    words = [t.text.lower() for t in sentence.tokens]
    feats: dict[str, float] = {f"w={w}": 1.0 for w in words}
    for a, b in zip(words, words[1:]):
        feats[f"b={a}_{b}"] = 1.0
    feats[f"len={_bucket(len(words), (3, 6, 10, 20, 35, 60))}"] = 1.0
    feats[f"pos={_bucket(position, (0, 1, 3, 8, 20))}"] = 1.0
    if sentence.start < ctx.first_line_end:
        feats["title"] = 1.0
    if any(quote_mask(sentence.tokens)):
        feats["quoted"] = 1.0
    caps = sum(1 for t in sentence.tokens if t.text.isupper() and len(t.text) > 1)
    if caps:
        feats[f"caps={_bucket(caps, (1, 3))}"] = 1.0
    repeated = sum(1 for tri in zip(words, words[1:], words[2:]) if ctx.trigram_counts[tri] > 1)
    if repeated:
        feats[f"rep3={_bucket(repeated, (1, 3, 8))}"] = 1.0
    return feats


# ---------------------------------------------------------------- tokens


def token_features(sentence: Sentence, position: int, sentence_scores: Sequence[float],
                   ctx: ArticleContext) -> list[dict[str, float | str]]:
    """One feature dict per token of ``sentence`` (the ``position``-th of the article) for the
    CRF span tagger; ``sentence_scores`` are the sentence scorer's output for every sentence."""
    sentence_score = float(sentence_scores[position])
    neighbours = {
        "sp_prev": str(min(int(sentence_scores[position - 1] * 5), 4)) if position else "none",
        "sp_next": (str(min(int(sentence_scores[position + 1] * 5), 4))
                    if position + 1 < len(sentence_scores) else "none"),
    }
    tokens = sentence.tokens
    words = [utf8_safe(t.text.lower()) for t in tokens]
    quoted = quote_mask(tokens)
    n = len(tokens)
    score_bin = str(min(int(sentence_score * 10), 9))
    is_title = sentence.start < ctx.first_line_end
    rows: list[dict[str, float | str]] = []
    for i, token in enumerate(tokens):
        w = words[i]
        f: dict[str, float | str] = {
            "w": w,
            "suf3": w[-3:],
            "shape": shape(token.text),
            "sp": score_bin,
            "spv": sentence_score,
            "sp*shape": score_bin + shape(token.text),
            "rel": str(int(4 * i / n)),
            **neighbours,
        }
        if i == 0:
            f["first"] = 1.0
        if i == n - 1:
            f["last"] = 1.0
        if quoted[i]:
            f["q"] = 1.0
            f["q*sp"] = score_bin
        if is_title:
            f["title"] = 1.0
        if w not in STOPWORDS and token.text[0].isalnum():
            f["freq"] = _bucket(ctx.word_counts[w], (1, 2, 4, 8))
        tri_rep = any(
            ctx.trigram_counts[tuple(words[j:j + 3])] > 1
            for j in range(max(0, i - 2), min(i + 1, n - 2))
        )
        if tri_rep:
            f["rep3"] = 1.0
        for offset in (-3, -2, -1, 1, 2, 3):
            j = i + offset
            f[f"w{offset:+d}"] = words[j] if 0 <= j < n else ("<s>" if j < 0 else "</s>")
        f["w-1|w"] = f"{f['w-1']}|{w}"
        f["w|w+1"] = f"{w}|{f['w+1']}"
        f["sh-1|sh|sh+1"] = "".join(shape(tokens[j].text) if 0 <= j < n else "_"
                                    for j in (i - 1, i, i + 1))
        rows.append(f)
    return rows


# ---------------------------------------------------------------- spans


class SiblingIndex:
    """The spans given for one article, sorted, to count those equal to or overlapping a span
    by bisection (a scan of every sibling for every span was quadratic)."""

    def __init__(self, spans: Sequence[tuple[int, int]]) -> None:
        pairs = sorted((int(s), int(e)) for s, e in spans)
        self.starts = [s for s, _ in pairs]
        self.ends = [e for _, e in pairs]
        self.longest = max((e - s for s, e in pairs), default=0)
        self.exact = Counter(pairs)

    def same(self, start: int, end: int) -> int:
        return self.exact[(start, end)]

    def overlapping(self, start: int, end: int) -> int:
        """How many spans ``(s, e)`` have ``s < end and start < e`` (itself included)."""
        lo = bisect_right(self.starts, start - max(self.longest, 0))
        hi = bisect_left(self.starts, end)
        return sum(1 for j in range(lo, hi) if self.ends[j] > start)


def span_features(ctx: ArticleContext, start: int, end: int,
                  siblings: Sequence[tuple[int, int]] | SiblingIndex) -> dict[str, float]:
    """Features of the span ``[start, end)`` for the technique classifier. ``siblings`` are all
    spans given for this article (the TC template, or the tagger's spans), or their index."""
    text = ctx.text
    tokens = tokenize(text, start, end)
    words = [t.text.lower() for t in tokens] or [text[start:end].lower()]
    f: dict[str, float] = {}
    for w in words:
        f[f"w={w}"] = 1.0
    for a, b in zip(words, words[1:]):
        f[f"b={a}_{b}"] = 1.0
    f[f"first={words[0]}"] = 1.0
    f[f"last={words[-1]}"] = 1.0
    lower_span = ctx.lower[start:end]
    padded = f" {lower_span[:60]} "
    for k in (3, 4, 5):
        for j in range(len(padded) - k + 1):
            f[f"c{k}={padded[j:j + k]}"] = 0.3
    f[f"ntok={_bucket(len(words), (1, 2, 3, 5, 8, 12, 20, 35))}"] = 1.0
    # Repetition: how often the phrase (or its content words) occurs in the article (within
    # REPETITION_REACH characters of the span: all of a normal article).
    reach_from = max(0, start - REPETITION_REACH)
    reach_to = (len(ctx.lower) if end + REPETITION_REACH >= len(text)
                else end + REPETITION_REACH)
    occurrences = ctx.lower.count(lower_span, reach_from, reach_to) if lower_span.strip() else 1
    before = ctx.lower.count(lower_span, reach_from, start) if lower_span.strip() else 0
    f[f"occ={_bucket(occurrences, (1, 2, 3, 5))}"] = 1.0
    f[f"before={_bucket(before, (0, 1, 2))}"] = 1.0
    content = [w for w in words if w not in STOPWORDS and w[0].isalnum()]
    if content:
        mean_freq = sum(ctx.word_counts[w] for w in content) / len(content)
        f[f"cfreq={_bucket(mean_freq, (1, 2, 3, 5, 10))}"] = 1.0
    # Context: the line around the span, and the words just outside it.
    if ctx.newlines is not None:  # bisection: a scan to the line's ends was quadratic
        k = bisect_left(ctx.newlines, start) - 1
        line_start = ctx.newlines[k] + 1 if k >= 0 else 0
        k = bisect_left(ctx.newlines, end)
        line_end = ctx.newlines[k] if k < len(ctx.newlines) else len(text)
    else:
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end
    for t in last_tokens(text, line_start, start, 6) + first_tokens(text, end, line_end, 6):
        f[f"ctx={t.text.lower()}"] = 0.5
    left = tokenize(text, max(line_start, start - 40), start)
    right = tokenize(text, end, min(line_end, end + 40))
    f[f"left={left[-1].text.lower() if left else '<s>'}"] = 1.0
    f[f"right={right[0].text.lower() if right else '</s>'}"] = 1.0
    if start < ctx.first_line_end:
        f["title"] = 1.0
    if (start > 0 and text[start - 1] in "\"“‘'") or (end < len(text) and text[end] in "\"”’'"):
        f["quoted"] = 1.0
    if lower_span != text[start:end] and text[start:end].isupper():
        f["allcaps"] = 1.0
    for mark in "!?":
        if mark in text[start:end]:
            f[f"has{mark}"] = 1.0
    if line_start == start and line_end == end:
        f["whole_line"] = 1.0
    index = siblings if isinstance(siblings, SiblingIndex) else SiblingIndex(siblings)
    same = index.same(start, end)
    overlapping = index.overlapping(start, end) - same
    if same > 1:
        f["shared_span"] = 1.0
    if overlapping:
        f[f"overlaps={_bucket(overlapping, (1, 2))}"] = 1.0
    f["bias"] = 1.0
    return f

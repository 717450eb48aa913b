"""Tokens and sentences with character offsets into the original text.

Token indices exist only inside ``detect``; everything leaving it is a ``Span`` in characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, Sequence

# Words keep inner apostrophes and hyphens ("don't", "false-flag"); every other
# non-space character is a token of its own, so quotes and punctuation are visible.
_TOKEN = re.compile(r"\w+(?:[’'\-]\w+)*|[^\w\s]")
# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) before
# whitespace and an upper-case letter, digit or opening quote.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’')\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")

# Characters a span never starts or ends with (the PTC version-2 trimming rule).
TRIM = " \t\r\n.,:;"


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    tokens: tuple[Token, ...]


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Tokens of ``text[start:end]`` with offsets into ``text``."""
    end = len(text) if end is None else end
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text, start, end)]


def split_sentences(text: str, ranges: Sequence[tuple[int, int]] | None = None) -> list[Sentence]:
    """Sentences of ``text`` inside ``ranges`` (default: all of it): one per line, then split
    further at sentence-final punctuation. Empty pieces are dropped."""
    return list(iter_sentences(text, ranges))


def iter_sentences(text: str, ranges: Sequence[tuple[int, int]] | None = None
                   ) -> Iterator[Sentence]:
    """:func:`split_sentences` one sentence at a time (a long text's are never all kept)."""
    ranges = [(0, len(text))] if ranges is None else ranges
    for range_start, range_end in ranges:
        line_start = range_start
        while line_start < range_end:
            newline = text.find("\n", line_start, range_end)
            line_end = range_end if newline < 0 else newline
            piece_start = line_start
            for match in _SENTENCE_END.finditer(text, line_start, line_end):
                yield from _sentence(text, piece_start, match.start())
                piece_start = match.end()
            yield from _sentence(text, piece_start, line_end)
            line_start = line_end + 1


def _sentence(text: str, start: int, end: int) -> Iterator[Sentence]:
    tokens = tokenize(text, start, end)
    if tokens:
        yield Sentence(tokens[0].start, tokens[-1].end, tuple(tokens))


def last_tokens(text: str, start: int, end: int, k: int) -> list[Token]:
    """``tokenize(text, start, end)[-k:]``, reading only as far back as it needs: tokens hold
    no whitespace, so tokenizing from just after a whitespace character gives the same tokens
    there as tokenizing from ``start``."""
    step = 256
    while True:
        cut = max(start, end - step)
        if cut == start:
            return tokenize(text, start, end)[-k:] if k else []
        while cut < end and not text[cut].isspace():
            cut += 1
        if cut < end:
            found = tokenize(text, cut + 1, end)
            if len(found) >= k:
                return found[-k:] if k else []
        step *= 4


def first_tokens(text: str, start: int, end: int, k: int) -> list[Token]:
    """``tokenize(text, start, end)[:k]``, reading only as far ahead as it needs (up to a
    whitespace character, where no token can go on)."""
    step = 256
    while True:
        cut = min(end, start + step)
        if cut == end:
            return tokenize(text, start, end)[:k]
        while cut > start and not text[cut].isspace():
            cut -= 1
        if cut > start:
            found = tokenize(text, start, cut)
            if len(found) >= k:
                return found[:k]
        step *= 4


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` past whitespace and the punctuation spans never start or end with."""
    while start < end and text[start] in TRIM:
        start += 1
    while end > start and text[end - 1] in TRIM:
        end -= 1
    return start, end

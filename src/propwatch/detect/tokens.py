"""Tokens and sentences with character offsets into the original text.

Token indices exist only inside ``detect``; everything leaving it is a ``Span`` in characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

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
    ranges = [(0, len(text))] if ranges is None else ranges
    sentences: list[Sentence] = []
    for range_start, range_end in ranges:
        line_start = range_start
        while line_start < range_end:
            newline = text.find("\n", line_start, range_end)
            line_end = range_end if newline < 0 else newline
            piece_start = line_start
            for match in _SENTENCE_END.finditer(text, line_start, line_end):
                _add_sentence(text, piece_start, match.start(), sentences)
                piece_start = match.end()
            _add_sentence(text, piece_start, line_end, sentences)
            line_start = line_end + 1
    return sentences


def _add_sentence(text: str, start: int, end: int, out: list[Sentence]) -> None:
    tokens = tokenize(text, start, end)
    if tokens:
        out.append(Sentence(tokens[0].start, tokens[-1].end, tuple(tokens)))


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` past whitespace and the punctuation spans never start or end with."""
    while start < end and text[start] in TRIM:
        start += 1
    while end > start and text[end - 1] in TRIM:
        end -= 1
    return start, end

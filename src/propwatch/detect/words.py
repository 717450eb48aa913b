"""Whole words: where a word begins and ends in the text, so no span leaves ``detect`` cut
inside one.

A word is a run of letters and digits, joined through a hyphen (``-``, U+2010, U+2011, soft
hyphen) or an apostrophe (``'``, U+2019, U+02BC) that has a letter or digit on both sides
("Turkish-backed", "false‑flag", "don't", "Russia’s"), and through ``.`` or ``,`` between two
digits ("3.5", "10,000"). An en dash or em dash is punctuation ("1990–2000", "Moscow—Kyiv"):
annotators treat what it separates as words of their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..doc import Span

HYPHENS = "-\u2010\u2011\u00ad"
APOSTROPHES = "'\u2019\u02bc"
NUMBER_JOINERS = ".,"


def _letter(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _joins(text: str, at: int) -> bool:
    """Whether ``text[at]`` joins the characters either side of it into one word."""
    if at <= 0 or at >= len(text) - 1:
        return False
    ch, before, after = text[at], text[at - 1], text[at + 1]
    if ch in HYPHENS or ch in APOSTROPHES:
        return _letter(before) and _letter(after)
    if ch in NUMBER_JOINERS:
        return before.isdigit() and after.isdigit()
    return False


def _in_word(text: str, at: int) -> bool:
    """Whether ``text[at]`` belongs to a word."""
    return _letter(text[at]) or _joins(text, at)


def inside_word(text: str, at: int) -> bool:
    """Whether offset ``at`` (a span's start or end) falls between two characters of one word."""
    return 0 < at < len(text) and _in_word(text, at - 1) and _in_word(text, at)


def cuts_word(text: str, start: int, end: int) -> bool:
    """Whether the span ``[start, end)`` begins or ends inside a word."""
    return inside_word(text, start) or inside_word(text, end)


def word_start(text: str, at: int) -> int:
    """The start of the word ``at`` lies inside (``at`` itself when it lies on no word)."""
    while inside_word(text, at):
        at -= 1
    return at


def word_end(text: str, at: int) -> int:
    """The end of the word ``at`` lies inside (``at`` itself when it lies on no word)."""
    while inside_word(text, at):
        at += 1
    return at


def whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` widened so that it begins and ends on word edges: a span that cuts a
    word takes all of it."""
    if end <= start:
        return start, end
    return word_start(text, start), word_end(text, end)


def merge_overlaps(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int, list[int]]]:
    """Overlapping ``(start, end)`` spans joined: ``(start, end, indices)`` in text order,
    ``indices`` naming the input spans each one joins."""
    order = sorted(range(len(spans := list(spans))), key=lambda i: (spans[i][0], spans[i][1]))
    merged: list[tuple[int, int, list[int]]] = []
    for i in order:
        start, end = spans[i]
        if merged and start < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2] + [i])
        else:
            merged.append((start, end, [i]))
    return merged


def whole_word_spans(text: str, spans: Sequence[Span]) -> list[Span]:
    """Labelled spans widened to whole words, in text order; spans of one label that then
    overlap become one, with the score and reason of the likelier."""
    out: list[Span] = []
    by_label: dict[str, list[Span]] = {}
    for span in spans:
        by_label.setdefault(span.label, []).append(span)
    for label, group in by_label.items():
        edges = [whole_words(text, span.start, span.end) for span in group]
        for start, end, members in merge_overlaps(edges):
            best = max((group[i] for i in members), key=lambda span: span.score)
            out.append(Span(start, end, label, best.score, best.reason))
    return sorted(out, key=lambda span: (span.start, span.end, span.label))


def count_cut(text: str, spans: Iterable[tuple[int, int]]) -> int:
    """How many of the spans begin or end inside a word."""
    return sum(1 for start, end in spans if cuts_word(text, start, end))

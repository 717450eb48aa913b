"""Attributions as a token tagging task: each token of a paragraph is tagged B/I of SOURCE,
CUE or CONTENT (or O) by a linear-chain CRF; the tagged fragments are then grouped into
attributions around their cues.

Features are lexical (the word, its shape, suffix, a window of two to three words each side),
the quotation state (inside a quotation, opening or closing mark: quote marks are paired per
paragraph), membership of a cue lexicon learnt from the training data, and optionally the
encoder's hidden state of the token's first subword, projected to a few dimensions."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from ..detect.tokens import Token, tokenize
from ..doc import Attribution, Span

ROLES = {"SRC": "source", "CUE": "cue", "CON": "content"}
_CODES = {role: code for code, role in ROLES.items()}
_PARAGRAPH_BREAK = re.compile(r"\n")
_STRAIGHT = {'"'}
_OPENING = {"“", "«", "„"}
_CLOSING = {"”", "»"}


@dataclass(frozen=True)
class Paragraph:
    """The tokens of one line of text and each token's quotation state: IN (inside a
    quotation), OUT, QO (an opening mark) or QC (a closing mark)."""

    tokens: tuple[Token, ...]
    quotes: tuple[str, ...]


def paragraphs(text: str, ranges: Sequence[tuple[int, int]] | None = None) -> list[Paragraph]:
    """The non-empty lines of ``text`` (inside ``ranges``, default all), tokenised."""
    out = []
    for range_start, range_end in ranges or [(0, len(text))]:
        start = range_start
        for match in _PARAGRAPH_BREAK.finditer(text, range_start, range_end):
            out += _paragraph(text, start, match.start())
            start = match.end()
        out += _paragraph(text, start, range_end)
    return out


def _paragraph(text: str, start: int, end: int) -> list[Paragraph]:
    tokens = tokenize(text, start, end)
    if not tokens:
        return []
    inside, quotes = False, []
    for token in tokens:
        mark = token.text
        if mark in _OPENING or (mark in _STRAIGHT and not inside):
            quotes.append("QO")
            inside = True
        elif mark in _CLOSING or mark in _STRAIGHT:
            quotes.append("QC")
            inside = False
        else:
            quotes.append("IN" if inside else "OUT")
    return [Paragraph(tuple(tokens), tuple(quotes))]


def learn_cue_lexicon(examples: Iterable[tuple[str, Sequence[Attribution]]],
                      min_count: int = 3) -> frozenset[str]:
    """Lower-cased words found inside gold cues at least ``min_count`` times."""
    counts: Counter[str] = Counter()
    for text, attributions in examples:
        for attribution in attributions:
            for cue in attribution.cue:
                counts.update(t.text.lower() for t in tokenize(text, cue.start, cue.end))
    return frozenset(w for w, n in counts.items() if n >= min_count and w.isalpha())


def _shape(word: str) -> str:
    if word.isdigit():
        return "d"
    if word[0].isupper():
        return "X" if len(word) > 1 and word.isupper() else "Xx"
    return "x" if word[0].isalpha() else word


def token_features(paragraph: Paragraph, cues: frozenset[str],
                   hidden: np.ndarray | None = None) -> list[dict[str, float | str]]:
    """CRF features of every token of ``paragraph``; ``hidden`` (tokens x d) adds the
    projected encoder state."""
    tokens, quotes = paragraph.tokens, paragraph.quotes
    words = [t.text.lower() for t in tokens]
    shapes = [_shape(t.text) for t in tokens]
    rows: list[dict[str, float | str]] = []
    states = hidden.tolist() if hidden is not None else None  # floats, not numpy scalars
    names = [f"h{k}" for k in range(hidden.shape[1])] if hidden is not None else []
    for i, word in enumerate(words):
        row: dict[str, float | str] = {"bias": 1.0, "w": word, "s3": word[-3:], "sh": shapes[i],
                                       "q": quotes[i], "cue": float(word in cues)}
        for d in (-3, -2, -1, 1, 2, 3):
            j = i + d
            if not 0 <= j < len(words):
                row[f"w{d}"] = "<pad>"
                continue
            row[f"w{d}"] = words[j]
            if abs(d) <= 2:
                row[f"q{d}"] = quotes[j]
                row[f"cue{d}"] = float(words[j] in cues)
                row[f"sh{d}"] = shapes[j]
        if states is not None:
            row.update(zip(names, states[i]))
        rows.append(row)
    return rows


def gold_tags(paragraph: Paragraph, attributions: Sequence[Attribution]) -> list[str]:
    """B-/I- role tags of the paragraph's tokens from gold attributions (a token keeps the
    first role that reaches it: PolNeAR gives each token at most one)."""
    tokens = paragraph.tokens
    tags = ["O"] * len(tokens)
    first, last = tokens[0].start, tokens[-1].end
    for attribution in attributions:
        for span in attribution.spans():
            if span.end <= first or span.start >= last:
                continue
            begin = True
            for k, token in enumerate(tokens):
                if token.start < span.end and token.end > span.start:
                    if tags[k] == "O":
                        tags[k] = ("B-" if begin else "I-") + _CODES[span.label]
                    begin = False
    return tags


def fragments(tokens: Sequence[Token], tags: Sequence[str],
              scores: Sequence[float] | None = None) -> list[tuple[str, int, int, float]]:
    """(role, start, end, mean score) of each run of tags of one role."""
    out: list[tuple[str, int, int, float]] = []
    current: list = []
    for k, (token, tag) in enumerate(zip(tokens, tags)):
        score = scores[k] if scores is not None else 1.0
        if tag == "O":
            if current:
                out.append(_close(current))
            current = []
            continue
        begin, code = tag.split("-", 1)
        if current and (begin == "B" or current[0] != code):
            out.append(_close(current))
            current = []
        if not current:
            current = [code, token.start, token.end, [score]]
        else:
            current[2] = token.end
            current[3].append(score)
    if current:
        out.append(_close(current))
    return out


def _close(current: list) -> tuple[str, int, int, float]:
    code, start, end, scores = current
    return ROLES[code], start, end, float(sum(scores) / len(scores))


_EDGE = " \t\r\n\xa0.,:;—–-"


def trimmed(text: str, found: Sequence[tuple[str, int, int, float]]
            ) -> list[tuple[str, int, int, float]]:
    """Fragments without leading or trailing punctuation and spaces (content keeps its quote
    marks and final stop); a fragment of punctuation only is dropped."""
    out = []
    for role, start, end, score in found:
        edge = _EDGE if role != "content" else " \t\r\n\xa0,:;—–-"
        while start < end and text[start] in edge:
            start += 1
        while end > start and text[end - 1] in edge:
            end -= 1
        if end > start and any(ch.isalnum() for ch in text[start:end]):
            out.append((role, start, end, score))
    return out


def group(found: Sequence[tuple[str, int, int, float]],
          tokens: Sequence[Token] = ()) -> list[Attribution]:
    """Attributions from one paragraph's fragments: each cue anchors one; every source and
    content fragment joins the nearest cue (by characters between them). A cue left without
    content makes no attribution. Given the paragraph's ``tokens``, a cue left without a
    source takes the subject right next to it ("he said", "Trump wavered", '..." said
    Safronkov'), when there is one."""
    cues = [f for f in found if f[0] == "cue"]
    if not cues:
        return []
    members: list[dict[str, list]] = [{"source": [], "content": []} for _ in cues]
    for fragment in found:
        role, start, end, _ = fragment
        if role == "cue":
            continue
        nearest = min(range(len(cues)), key=lambda i: max(0, cues[i][1] - end, start - cues[i][2]))
        members[nearest][role].append(fragment)
    out = []
    for cue, parts in zip(cues, members):
        if not parts["content"]:
            continue
        pieces = [cue, *parts["source"], *parts["content"]]
        source = tuple(Span(s, e, "source") for _, s, e, _ in parts["source"])
        if not source and tokens:
            taken = [(f[1], f[2]) for f in found]
            source = _adjacent_subject(tokens, cue[1], cue[2], taken)
        out.append(Attribution(
            cue=(Span(cue[1], cue[2], "cue"),),
            content=tuple(Span(s, e, "content") for _, s, e, _ in parts["content"]),
            source=source, score=round(min(p[3] for p in pieces), 4)))
    return out


SUBJECT_PRONOUNS = {"he", "she", "they", "we", "i", "it"}
_JOINERS = {"of", "al", "de", "bin", "van", "von"}


def _adjacent_subject(tokens: Sequence[Token], cue_start: int, cue_end: int,
                      taken: Sequence[tuple[int, int]]) -> tuple[Span, ...]:
    """The pronoun or capitalised name just before the cue, or just after it when a quote or
    comma precedes the cue; () when there is none or it is already another fragment."""
    index = {t.start: k for k, t in enumerate(tokens)}
    first = index.get(cue_start)
    last = next((k for k, t in enumerate(tokens) if t.end == cue_end), None)
    if first is None or last is None:
        return ()
    candidates = []
    if first > 0:
        candidates.append(_name_or_pronoun(tokens, first - 1, step=-1))
    if first > 0 and tokens[first - 1].text in {",", '"', "”", "’", "'"} and last + 1 < len(tokens):
        candidates.append(_name_or_pronoun(tokens, last + 1, step=1))
    for found in candidates:
        if found and not any(s < found[1] and e > found[0] for s, e in taken):
            return (Span(found[0], found[1], "source"),)
    return ()


def _name_or_pronoun(tokens: Sequence[Token], k: int, step: int) -> tuple[int, int] | None:
    token = tokens[k]
    if token.text.lower() in SUBJECT_PRONOUNS:
        return token.start, token.end
    if not token.text[:1].isupper() or not token.text[:1].isalpha():
        return None
    end = k
    while 0 <= end + step < len(tokens) and (tokens[end + step].text[:1].isupper() or (
            tokens[end + step].text.lower() in _JOINERS and 0 <= end + 2 * step < len(tokens)
            and tokens[end + 2 * step].text[:1].isupper())):
        end += step
    a, b = sorted((k, end))
    return tokens[a].start, tokens[b].end


_CITING = re.compile(r"(citing|quoting)\b", re.IGNORECASE)
MAX_CITED_CHARS = 120


def link_citations(text: str, items: Sequence[Attribution]) -> list[Attribution]:
    """Chains of sources: in "SANA, citing a statement by a military source, said X" the
    tagger sees "citing" as a cue whose content is the cited phrase. That attribution becomes
    the cited source's own (source: the phrase, content: X), and the main attribution (the
    next one, whose cue comes after it) ``cites`` it, taking "SANA" as its source when the
    tagger grouped it with "citing"."""
    out = list(items)
    for i, item in enumerate(out):
        cue_text = " ".join(text[c.start:c.end] for c in item.cue)
        cited_chars = sum(c.end - c.start for c in item.content)
        if not _CITING.match(cue_text) or cited_chars > MAX_CITED_CHARS:
            continue
        main = next((j for j in range(i + 1, len(out)) if out[j].cue[0].start >= item.cue[-1].end
                     and out[j].cue[0].start - item.content[-1].end < MAX_CITED_CHARS), None)
        if main is None:
            continue
        out[i] = Attribution(cue=item.cue, content=out[main].content,
                             source=tuple(Span(c.start, c.end, "source") for c in item.content),
                             score=item.score)
        # the citer: "SANA" may have been grouped with "citing", the nearer cue
        out[main] = Attribution(cue=out[main].cue, content=out[main].content,
                                source=out[main].source or item.source, cites=i,
                                score=out[main].score)
    return out


# "SANA, citing a statement by a military source on Monday, said these ..." (one sentence)
_CITING_SENTENCE = re.compile(
    r"(?P<citer>[A-Z][^,.;:\n]{1,80}?),\s+(?P<citing>citing|quoting)\s+"
    r"(?:(?:a|the)\s+(?:statement|report|remarks?|comments?)\s+(?:by|from)\s+)?"
    r"(?P<cited>[^,;:\n]{2,100}?)(?:\s+(?:on|last|this)\s+\w+)?,\s+"
    r"(?P<cue>said|says|reported|reports|stated|claimed|added|wrote|warned)\s+"
    r"(?P<content>[^\n]+?[.!?][\"”’]?)(?=\s|$)")


def cited_chains(text: str, items: Sequence[Attribution],
                 ranges: Sequence[tuple[int, int]] | None = None) -> list[Attribution]:
    """The "X, citing Y, said Z" sentence, a rule that assists the tagger: X says Z citing Y,
    as two attributions, the first of which ``cites`` the second. Tagged attributions that
    overlap the sentence's cues give way to them."""
    out = list(items)
    for start, end in ranges or [(0, len(text))]:
        for match in _CITING_SENTENCE.finditer(text, start, end):
            spans = {k: Span(match.start(k), match.end(k), k) for k in
                     ("citer", "citing", "cited", "cue", "content")}
            kept = [a for a in out if not any(c.overlaps(spans["cue"]) or
                                              c.overlaps(spans["citing"]) for c in a.cue)]
            at = sum(1 for a in kept if a.cue[0].start < match.start())
            content = (Span(spans["content"].start, spans["content"].end, "content"),)
            main = Attribution(cue=(Span(spans["cue"].start, spans["cue"].end, "cue"),),
                               content=content, cites=at + 1,
                               source=(Span(spans["citer"].start, spans["citer"].end, "source"),))
            cited = Attribution(cue=(Span(spans["citing"].start, spans["citing"].end, "cue"),),
                                content=content,
                                source=(Span(spans["cited"].start, spans["cited"].end, "source"),))
            shift = {i: (i + 2 if i >= at else i) for i in range(len(kept))}
            kept = [a if a.cites is None else Attribution(
                cue=a.cue, content=a.content, source=a.source, speaker=a.speaker,
                source_type=a.source_type, cites=shift.get(a.cites), score=a.score) for a in kept]
            out = kept[:at] + [main, cited] + kept[at:]
    return out

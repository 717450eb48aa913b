"""An article's sourcing profile: how many attributions and distinct speakers of each source
type, how much of the article's text is attributed content of each type, and the sentences
that assert checkable facts in the author's own voice with no attribution."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Sequence

from ..detect.tokens import split_sentences
from ..doc import SOURCE_TYPES, Article, Attribution, merge_ranges
from .sources import SourceReading

# A checkable statement names something: a number, a date, or a proper name past the first word.
_NUMBER = re.compile(r"\d")
_NAME_INSIDE = re.compile(r"(?<=[\w,;:] )[A-Z][a-z]")
_OPINION = re.compile(r"\b(I|we|you|should|must|ought|perhaps|maybe|seems?|clearly|obviously)\b")
MIN_WORDS = 6


def sourcing_profile(article: Article, items: Sequence[Attribution],
                     readings: Sequence[SourceReading]) -> dict[str, Any]:
    """The layer summary of the attributions component (see the module docstring)."""
    content_chars = sum(end - start for start, end in article.content_ranges()) or 1
    by_type = Counter(a.source_type for a in items)
    speakers: dict[str, set[str]] = {}
    for item in items:
        if item.speaker:
            speakers.setdefault(item.source_type, set()).add(item.speaker)
    share = {}
    for kind in SOURCE_TYPES:
        ranges = merge_ranges((s.start, s.end) for a in items if a.source_type == kind
                              for s in a.content)
        if ranges:
            share[kind] = round(sum(e - s for s, e in ranges) / content_chars, 4)
    attributed = merge_ranges((s.start, s.end) for a in items for s in a.spans())
    state = sorted({r.outlet.name for r in readings if r.outlet and r.outlet.state_affiliated})
    claims = unattributed_claims(article, attributed)
    return {
        "attributions": len(items),
        "by_type": {k: by_type[k] for k in SOURCE_TYPES if by_type[k]},
        "speakers": {k: sorted(v) for k, v in sorted(speakers.items())},
        "content_share": share,
        "attributed_share": round(sum(e - s for s, e in merge_ranges(
            (s.start, s.end) for a in items for s in a.content)) / content_chars, 4),
        "anonymous_share": share.get("anonymous", 0.0),
        "state_affiliated_outlets": state,
        "unattributed_claims": [{"start": s, "end": e} for s, e in claims],
    }


def unattributed_claims(article: Article, attributed: Sequence[tuple[int, int]]
                        ) -> list[tuple[int, int]]:
    """Sentences in the author's voice that state something checkable (a number, a date or a
    name past the first word), touch no attribution, and are neither questions nor opinion."""
    out = []
    for sentence in split_sentences(article.text, article.content_ranges()):
        start, end = sentence.start, sentence.end
        text = article.text[start:end]
        if len(sentence.tokens) < MIN_WORDS or text.rstrip().endswith("?"):
            continue
        if any(s < end and e > start for s, e in attributed):
            continue
        if _OPINION.search(text) or not (_NUMBER.search(text) or _NAME_INSIDE.search(text)):
            continue
        out.append((start, end))
    return out

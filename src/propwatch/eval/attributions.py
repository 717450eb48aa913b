"""Scoring attribution extraction the PolNeAR way (``../shared/data/polnear/README.md``).

Each gold attribution's content (the union of its fragments) is matched to at most one
predicted content, greedily by overlap ratio |gold ∩ predicted| / |gold|, counted above a
threshold (0.3 lenient, 0.8 strict); micro precision, recall and F1 over attributions; on the
matched pairs, source accuracy (the predicted source overlaps a gold source fragment, or both
name none) and cue accuracy (overlap); and token F1 per role (source, cue, content)."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from ..doc import Attribution, Span, merge_ranges
from .scores import PRF, overlap_length

if TYPE_CHECKING:  # pragma: no cover
    from ..attribution.model import AttributionTagger
    from .polnear import GoldArticle

THRESHOLDS = (0.3, 0.8)
ROLES = ("source", "cue", "content")
_TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True, slots=True)
class AttributionScores:
    """Attribution-level figures at one overlap threshold."""

    threshold: float
    gold: int
    predicted: int
    matched: int
    precision: float
    recall: float
    f1: float
    source_accuracy: float  # on matched pairs
    cue_accuracy: float  # on matched pairs

    def to_dict(self) -> dict:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


def _overlap(a: Sequence[Span], b: Sequence[Span]) -> int:
    """Characters covered by both fragment lists."""
    return overlap_length(_ranges(a), _ranges(b))


def _ranges(spans: Sequence[Span]) -> list[tuple[int, int]]:
    return merge_ranges([(s.start, s.end) for s in spans])


def _length(spans: Sequence[Span]) -> int:
    return sum(end - start for start, end in _ranges(spans))


def match_attributions(gold: Sequence[Attribution], predicted: Sequence[Attribution],
                       threshold: float) -> list[tuple[int, int]]:
    """(gold index, predicted index) pairs: greedily by content overlap ratio over the gold
    content, best first, each attribution used once, ratios below ``threshold`` never."""
    candidates = []
    for g, gold_item in enumerate(gold):
        size = _length(gold_item.content)
        for p, predicted_item in enumerate(predicted):
            ratio = _overlap(gold_item.content, predicted_item.content) / size if size else 0.0
            if ratio >= threshold and ratio > 0:
                candidates.append((-ratio, g, p))
    used_gold: set[int] = set()
    used_predicted: set[int] = set()
    pairs = []
    for _, g, p in sorted(candidates):
        if g not in used_gold and p not in used_predicted:
            used_gold.add(g)
            used_predicted.add(p)
            pairs.append((g, p))
    return sorted(pairs)


def source_agrees(gold: Attribution, predicted: Attribution) -> bool:
    """The predicted source overlaps a gold source fragment, or neither names a source."""
    if not gold.source:
        return not predicted.source
    return _overlap(gold.source, predicted.source) > 0


def score_attributions(documents: Iterable[tuple[Sequence[Attribution], Sequence[Attribution]]],
                       thresholds: Sequence[float] = THRESHOLDS) -> list[AttributionScores]:
    """Micro-averaged figures over ``(gold, predicted)`` attribution lists, one per article."""
    documents = list(documents)
    rows = []
    for threshold in thresholds:
        gold_n = predicted_n = matched = source_ok = cue_ok = 0
        for gold, predicted in documents:
            gold_n += len(gold)
            predicted_n += len(predicted)
            for g, p in match_attributions(gold, predicted, threshold):
                matched += 1
                source_ok += source_agrees(gold[g], predicted[p])
                cue_ok += _overlap(gold[g].cue, predicted[p].cue) > 0
        prf = PRF.of(matched / predicted_n if predicted_n else 0.0,
                     matched / gold_n if gold_n else 0.0)
        rows.append(AttributionScores(
            threshold, gold_n, predicted_n, matched, prf.precision, prf.recall, prf.f1,
            source_ok / matched if matched else 0.0, cue_ok / matched if matched else 0.0))
    return rows


def token_f1_by_role(documents: Iterable[tuple[str, Sequence[Attribution],
                                               Sequence[Attribution]]]) -> dict[str, dict]:
    """Token precision, recall and F1 per role over ``(text, gold, predicted)``: a token has a
    role when it overlaps a fragment of that role in any attribution."""
    counts = {role: [0, 0, 0] for role in ROLES}  # true positives, predicted, gold
    for text, gold, predicted in documents:
        tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
        for role in ROLES:
            gold_tokens = _tokens_in(tokens, [s for a in gold for s in getattr(a, role)])
            found = _tokens_in(tokens, [s for a in predicted for s in getattr(a, role)])
            counts[role][0] += len(gold_tokens & found)
            counts[role][1] += len(found)
            counts[role][2] += len(gold_tokens)
    result = {}
    for role, (tp, predicted_n, gold_n) in counts.items():
        prf = PRF.of(tp / predicted_n if predicted_n else 0.0, tp / gold_n if gold_n else 0.0)
        result[role] = {"precision": round(prf.precision, 4), "recall": round(prf.recall, 4),
                        "f1": round(prf.f1, 4), "gold_tokens": gold_n}
    return result


def _tokens_in(tokens: Sequence[tuple[int, int]], spans: Sequence[Span]) -> set[int]:
    """Indices of the tokens that overlap any of ``spans`` (tokens and spans sorted by start)."""
    starts = [s for s, _ in tokens]
    hits: set[int] = set()
    for span in spans:
        first = max(0, bisect_left(starts, span.start) - 1)
        last = bisect_right(starts, span.end)
        hits.update(i for i in range(first, last)
                    if tokens[i][0] < span.end and tokens[i][1] > span.start)
    return hits


def evaluate_tagger(tagger: "AttributionTagger", items: Sequence["GoldArticle"],
                    encoder=None) -> dict:
    """PolNeAR-protocol figures of ``tagger`` on ``items``."""
    if tagger.encoder and encoder is None:
        from ..detect import get_detector

        encoder = get_detector("transformer")
    pairs, with_text = [], []
    for g in items:
        encoded = encoder.encode(g.article, tag=False) if tagger.encoder else None
        predicted = tagger.tag(g.article, encoded)
        pairs.append((list(g.attributions), predicted))
        with_text.append((g.article.text, list(g.attributions), predicted))
    return {"articles": len(items),
            "attributions": [r.to_dict() for r in score_attributions(pairs)],
            "tokens": token_f1_by_role(with_text)}


@dataclass(frozen=True)
class MarkedArticle:
    """One article of a hand-marked gold file: its text (markup removed) and attributions,
    each with the speaker and source type the marking states."""

    id: str
    text: str
    attributions: tuple[Attribution, ...]


_MARK = re.compile(r"\[([SCQ])(\d+) |\]")
_NOTE = re.compile(r"^@(\d+)\s+(.*)$")
_FIELD = re.compile(r'(\w+)=(?:"([^"]*)"|(\S+))')
_ROLE_OF = {"S": "source", "C": "cue", "Q": "content"}


def read_marked(path: str | Path) -> list[MarkedArticle]:
    """Articles of a marked gold file. Blocks are separated by a line ``---``; a block is a
    line ``# ID``, the text, and one line per attribution ``@N speaker="..." type=...
    [cites=M]``. In the text ``[SN ...]`` marks a source fragment of attribution N, ``[CN ...]``
    a cue and ``[QN ...]`` a content fragment (several of a role are fragments in text order).
    An error names the file and the line."""
    path = Path(path)
    articles = []
    block: list[tuple[int, str]] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines + ["---"], 1):
        if line.strip() == "---":
            if block:
                articles.append(_marked_article(path, block))
            block = []
        else:
            block.append((number, line))
    return articles


def _marked_article(path: Path, block: list[tuple[int, str]]) -> MarkedArticle:
    first_line, header = block[0]
    if not header.startswith("# "):
        raise ValueError(f"{path}:{first_line}: a block starts with '# ID'")
    notes: dict[int, dict[str, str]] = {}
    text_lines: list[tuple[int, str]] = []
    for number, line in block[1:]:
        note = _NOTE.match(line)
        if note:
            notes[int(note.group(1))] = {k: a or b for k, a, b in _FIELD.findall(note.group(2))}
        else:
            text_lines.append((number, line))
    text_parts: list[str] = []
    fragments: dict[int, dict[str, list[Span]]] = {}
    open_mark: tuple[str, int, int, int] | None = None  # role, attribution, start, line
    length = 0
    for index, (number, line) in enumerate(text_lines):
        cursor = 0
        for match in _MARK.finditer(line):
            text_parts.append(line[cursor:match.start()])
            length += match.start() - cursor
            cursor = match.end()
            if match.group() == "]":
                if open_mark is None:
                    raise ValueError(f"{path}:{number}: ']' closes nothing")
                role, n, start, _ = open_mark
                fragments.setdefault(n, {}).setdefault(role, []).append(Span(start, length, role))
                open_mark = None
            elif open_mark is not None:
                raise ValueError(f"{path}:{number}: marks do not nest")
            else:
                open_mark = (_ROLE_OF[match.group(1)], int(match.group(2)), length, number)
        text_parts.append(line[cursor:])
        length += len(line) - cursor
        if index < len(text_lines) - 1:
            text_parts.append("\n")
            length += 1
    if open_mark is not None:
        raise ValueError(f"{path}:{open_mark[3]}: a mark is not closed")
    attributions = []
    linked = {}  # a citing source and the source it cites report the same content
    for n, note in notes.items():
        if "cites" in note:
            linked[n], linked[int(note["cites"])] = int(note["cites"]), n
    for n in sorted(fragments):
        roles, note = fragments[n], notes.get(n, {})
        if "content" not in roles and n in linked:
            roles["content"] = fragments.get(linked[n], {}).get("content", [])
        if not roles.get("cue") or not roles.get("content"):
            raise ValueError(f"{path}: {header[2:]} attribution {n} needs a cue and content")
        cites = note.get("cites")
        attributions.append(Attribution(
            cue=tuple(roles["cue"]), content=tuple(roles["content"]),
            source=tuple(roles.get("source", ())), speaker=note.get("speaker"),
            source_type=note.get("type", "none" if "source" not in roles else "anonymous"),
            cites=sorted(fragments).index(int(cites)) if cites else None))
    return MarkedArticle(header[2:].strip(), "".join(text_parts), tuple(attributions))


def speaker_scores(documents: Iterable[tuple[Sequence[Attribution], Sequence[Attribution]]],
                   threshold: float = 0.3) -> dict[str, float | int]:
    """On the pairs matched at ``threshold``: how often the predicted source type equals the
    gold one, and the speaker too (where the gold names one; compared case-free)."""
    matched = type_ok = named = speaker_ok = 0
    for gold, predicted in documents:
        for g, p in match_attributions(gold, predicted, threshold):
            matched += 1
            type_ok += gold[g].source_type == predicted[p].source_type
            if gold[g].speaker:
                named += 1
                speaker_ok += (predicted[p].speaker or "").lower() == gold[g].speaker.lower()
    return {"matched": matched, "type_accuracy": round(type_ok / matched, 4) if matched else 0.0,
            "named": named, "speaker_accuracy": round(speaker_ok / named, 4) if named else 0.0}

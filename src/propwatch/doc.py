"""Immutable domain objects: Article, Span, the layered Document, records, and their JSON form.

Offsets are half-open character (code point) offsets into ``Article.text``, which is
kept exactly as the user gave it: ``article.text[span.start:span.end]`` is the evidence.
A ``Document`` is an article plus named layers of findings (``techniques``, ``attributions``,
``matches``, ``narratives``, ``roles``...), each stamped with the component that made it.
This module uses the standard library only.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar, Iterable, Iterator, Mapping, Protocol, Sequence

SCHEMA_VERSION = 2  # 2: one key per layer under "layers"; 1 (still read): technique spans only
TECHNIQUES = "techniques"  # the layer of technique spans


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range ``[start, end)`` of an article with a ``label`` (for the
    techniques layer, the exact PTC technique), a score in [0, 1] and a reason."""

    kind: ClassVar[str] = "span"

    start: int
    end: int
    label: str
    score: float = 1.0
    reason: str = ""

    def __post_init__(self) -> None:
        if not (isinstance(self.start, int) and isinstance(self.end, int)):
            raise ValueError(f"span offsets must be integers, got {self.start!r}, {self.end!r}")
        if self.start < 0 or self.end <= self.start:
            raise ValueError(f"span [{self.start}, {self.end}) is empty or negative")
        if not 0.0 <= float(self.score) <= 1.0:
            raise ValueError(f"span score {self.score!r} is outside [0, 1]")

    @property
    def technique(self) -> str:
        """The label of a technique span (the PTC technique)."""
        return self.label

    def __len__(self) -> int:
        return self.end - self.start

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end

    def spans(self) -> tuple["Span", ...]:
        return (self,)

    def to_dict(self, text: str | None = None, *, label_key: str = "label") -> dict[str, Any]:
        """JSON form; ``text`` adds the evidence, ``label_key`` names the label field
        (``technique`` in the JSONL records of version 1)."""
        data: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            label_key: self.label,
            "score": round(float(self.score), 4),
        }
        if self.reason:
            data["reason"] = self.reason
        if text is not None:
            data["text"] = text[self.start : self.end]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Span":
        return cls(
            start=int(data["start"]),
            end=int(data["end"]),
            label=str(data["label"] if "label" in data else data["technique"]),
            score=float(data.get("score", 1.0)),
            reason=str(data.get("reason", "")),
        )


class Record(Protocol):
    """A finding of a layer: a Span, or a small typed record made of spans (an attribution's
    source, cue and content). ``kind`` names it in JSON and in the store."""

    kind: ClassVar[str]

    def spans(self) -> tuple[Span, ...]:
        """Every span of the text the record points at."""
        ...

    def to_dict(self, text: str | None = None) -> dict[str, Any]:
        ...


#: record kind -> class with ``from_dict``; ``register_record`` adds one (plugins too).
RECORD_KINDS: dict[str, Any] = {}


def register_record(cls: Any) -> Any:
    """Class decorator: make a record kind readable from JSON and from the store."""
    RECORD_KINDS[cls.kind] = cls
    return cls


register_record(Span)


@dataclass(frozen=True, slots=True)
class RawRecord:
    """A record of a kind this process does not know (its plugin is not installed): kept as
    its JSON, so reading and writing it again loses nothing."""

    kind: str  # type: ignore[misc]  # an instance field here, a ClassVar elsewhere
    data: Mapping[str, Any]

    def spans(self) -> tuple[Span, ...]:
        return ()

    def to_dict(self, text: str | None = None) -> dict[str, Any]:
        return dict(self.data)


def record_from_dict(kind: str, data: Mapping[str, Any]) -> Any:
    """The record of ``kind`` in ``data``; unknown kinds stay a ``RawRecord``."""
    cls = RECORD_KINDS.get(kind)
    return cls.from_dict(data) if cls is not None else RawRecord(kind, dict(data))


#: where an attribution's source comes from (``docs``: the source-type taxonomy)
SOURCE_TYPES = ("named_person", "named_organisation", "government", "outlet", "anonymous", "none")


@register_record
@dataclass(frozen=True, slots=True)
class Attribution:
    """Who says what: the source, the cue ("said", "warned") and the content, each in one or
    more fragments in text order (content interrupted by "he said" has two). No source
    fragment means the text names none ("it is reported that ...")."""

    kind: ClassVar[str] = "attribution"

    cue: tuple[Span, ...]
    content: tuple[Span, ...]
    source: tuple[Span, ...] = ()
    speaker: str | None = None  # the name the source resolves to, when the text gives one
    source_type: str = "none"  # one of SOURCE_TYPES
    cites: int | None = None  # index of the attribution this source cites, in the same layer
    score: float = 1.0

    @property
    def label(self) -> str:
        """The source type: what the store indexes an attribution by."""
        return self.source_type

    def spans(self) -> tuple[Span, ...]:
        return (*self.source, *self.cue, *self.content)

    def to_dict(self, text: str | None = None) -> dict[str, Any]:
        return {"source": _fragments(self.source, text), "cue": _fragments(self.cue, text),
                "content": _fragments(self.content, text),
                "speaker": self.speaker, "source_type": self.source_type, "cites": self.cites,
                "score": round(float(self.score), 4)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Attribution":
        def role(name: str) -> tuple[Span, ...]:
            given = data.get(name) or ()
            given = [given] if isinstance(given, Mapping) else given  # one span, not a list
            return tuple(sorted((Span(int(f["start"]), int(f["end"]), name) for f in given),
                                key=lambda s: (s.start, s.end)))

        return cls(cue=role("cue"), content=role("content"), source=role("source"),
                   speaker=data.get("speaker"), source_type=str(data.get("source_type", "none")),
                   cites=data.get("cites"), score=float(data.get("score", 1.0)))


@register_record
@dataclass(frozen=True, slots=True)
class ClaimMatch:
    """A known claim of a knowledge base that the article repeats, with the sentences that
    carry it (``evidence``, best first) and the probability that it is the same claim."""

    kind: ClassVar[str] = "claim_match"

    kb: str
    claim_id: str
    claim: str
    score: float
    evidence: tuple[Span, ...]
    verdict: str | None = None
    url: str | None = None
    tags: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """What the store indexes a match by: the claim, within its knowledge base."""
        return f"{self.kb}:{self.claim_id}"

    def spans(self) -> tuple[Span, ...]:
        return self.evidence

    def to_dict(self, text: str | None = None) -> dict[str, Any]:
        return {"kb": self.kb, "claim_id": self.claim_id, "claim": self.claim,
                "score": round(float(self.score), 4), "evidence": _fragments(self.evidence, text),
                "verdict": self.verdict, "url": self.url, "tags": list(self.tags)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ClaimMatch":
        return cls(kb=str(data["kb"]), claim_id=str(data["claim_id"]), claim=str(data["claim"]),
                   score=float(data.get("score", 0.0)),
                   evidence=tuple(Span(int(f["start"]), int(f["end"]), "evidence",
                                       float(data.get("score", 0.0)))
                                  for f in data.get("evidence") or ()),
                   verdict=data.get("verdict"), url=data.get("url"),
                   tags=tuple(data.get("tags") or ()))


#: levels of a narrative taxonomy
NARRATIVE, SUBNARRATIVE = "narrative", "subnarrative"


@register_record
@dataclass(frozen=True, slots=True)
class NarrativeLabel:
    """A label of a narrative taxonomy that the article serves: a narrative, or a subnarrative
    under its ``parent``, with its probability and the passages that carry it (best first)."""

    kind: ClassVar[str] = "narrative"

    label: str  # the taxonomy's label string, e.g. "URW: Discrediting Ukraine"
    level: str  # NARRATIVE or SUBNARRATIVE
    score: float
    evidence: tuple[Span, ...] = ()
    parent: str | None = None  # a subnarrative's narrative
    description: str = ""

    def spans(self) -> tuple[Span, ...]:
        return self.evidence

    def to_dict(self, text: str | None = None) -> dict[str, Any]:
        return {"label": self.label, "level": self.level, "parent": self.parent,
                "score": round(float(self.score), 4), "description": self.description,
                "evidence": [{**f, "score": round(float(s.score), 4)}
                             for f, s in zip(_fragments(self.evidence, text), self.evidence)]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "NarrativeLabel":
        return cls(label=str(data["label"]), level=str(data.get("level", NARRATIVE)),
                   score=float(data.get("score", 0.0)), parent=data.get("parent"),
                   description=str(data.get("description", "")),
                   evidence=tuple(Span(int(f["start"]), int(f["end"]), "evidence",
                                       float(f.get("score", 0.0)))
                                  for f in data.get("evidence") or ()))


#: main roles of entity framing, and the fine roles under each (SemEval-2025 Task 10)
MAIN_ROLES = ("Protagonist", "Antagonist", "Innocent")


@dataclass(frozen=True, slots=True)
class RoleMention:
    """One mention of an actor, ``[start, end)``, with the main role the text gives it there,
    its probability, and the fine roles (best first)."""

    start: int
    end: int
    main_role: str
    score: float
    fine_roles: tuple[str, ...] = ()

    def span(self) -> Span:
        return Span(self.start, self.end, self.main_role, min(1.0, max(0.0, float(self.score))))

    def to_dict(self, text: str | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {"start": self.start, "end": self.end, "main_role": self.main_role,
                                "fine_roles": list(self.fine_roles),
                                "score": round(float(self.score), 4)}
        if text is not None:
            data["text"] = text[self.start:self.end]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "RoleMention":
        return cls(start=int(data["start"]), end=int(data["end"]),
                   main_role=str(data["main_role"]), score=float(data.get("score", 0.0)),
                   fine_roles=tuple(data.get("fine_roles") or ()))


@register_record
@dataclass(frozen=True, slots=True)
class Actor:
    """An actor of the article, its mentions merged ("Syrian army", "the army"), and the role
    the article casts it in over all of them: main role, fine roles, probability."""

    kind: ClassVar[str] = "actor"

    name: str  # the fullest name the article uses
    entity_type: str  # person, organisation, country, group, other
    main_role: str  # one of MAIN_ROLES
    score: float
    mentions: tuple[RoleMention, ...]
    fine_roles: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """What the store indexes an actor by: its main role."""
        return self.main_role

    def spans(self) -> tuple[Span, ...]:
        return tuple(m.span() for m in self.mentions)

    def to_dict(self, text: str | None = None) -> dict[str, Any]:
        return {"name": self.name, "entity_type": self.entity_type, "main_role": self.main_role,
                "fine_roles": list(self.fine_roles), "score": round(float(self.score), 4),
                "mentions": [m.to_dict(text) for m in self.mentions]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Actor":
        return cls(name=str(data["name"]), entity_type=str(data.get("entity_type", "other")),
                   main_role=str(data["main_role"]), score=float(data.get("score", 0.0)),
                   fine_roles=tuple(data.get("fine_roles") or ()),
                   mentions=tuple(RoleMention.from_dict(m) for m in data.get("mentions") or ()))


def _fragments(spans: Sequence[Span], text: str | None) -> list[dict[str, Any]]:
    """One role's fragments as ``{"start", "end", "text"}`` (``text`` only when given)."""
    return [{"start": s.start, "end": s.end, **({"text": text[s.start:s.end]} if text is not None
                                                else {})} for s in spans]


Range = tuple[int, int]


# ---------------------------------------------------------------- publication times
#
# ``Article.published`` is a string in ISO 8601, kept at the precision and in the zone the
# source gave: a date alone ("2021-03-04") stays a date; a date and time keeps its seconds (or
# not) and its UTC offset ("2021-03-04T14:22:05+02:00", "2021-03-04T12:22Z") or has none (a
# naive time: the source stated no zone). ``parse_published`` is the one reader and validator
# (ingest turns "4 May 2023 - 9:15" and the like into ISO first); ``compare_published`` orders
# two values at the finest precision both have.

_ISO_PUBLISHED = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"(?:[Tt ](?P<hour>\d{2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,9}))?)?"
    r" ?(?P<zone>[Zz]|[+-]\d{2}(?::?\d{2})?)?)?")
#: precision levels of a publication time
DAY, MINUTE, SECOND, FRACTION = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class Published:
    """A parsed publication time. ``text`` is its canonical ISO 8601 form (``T`` between date
    and time, the zone as ``Z`` or ``+HH:MM``); ``clock`` is the wall-clock time as written
    (None for a date alone); ``offset`` its UTC offset (None when the source gave no zone);
    ``precision`` one of DAY, MINUTE, SECOND, FRACTION."""

    text: str
    day: date
    clock: time | None = None
    offset: timedelta | None = None
    precision: int = DAY

    @property
    def instant(self) -> datetime | None:
        """The moment in UTC, when a time and a zone are both known."""
        if self.clock is None or self.offset is None:
            return None
        local = datetime.combine(self.day, self.clock)
        return (local - self.offset).replace(tzinfo=UTC)


def parse_published(value: object) -> Published | None:
    """The publication time in an ISO 8601 string (a date, or a date and time with an optional
    ``Z`` or ``+HH[:MM]`` zone; a space may stand for ``T``), or None when it is not one or names
    an impossible day, hour or offset."""
    if not isinstance(value, str):
        return None
    match = _ISO_PUBLISHED.fullmatch(value.strip())
    if not match:
        return None
    g = match.groupdict()
    try:
        day = date(int(g["year"]), int(g["month"]), int(g["day"]))
        if g["hour"] is None:
            return Published(day.isoformat(), day)
        fraction = g["fraction"] or ""
        clock = time(int(g["hour"]), int(g["minute"]), int(g["second"] or 0),
                     int(fraction[:6].ljust(6, "0")) if fraction else 0)
    except ValueError:  # 2020-02-31, 25:00 and the like have the shape and are still no time
        return None
    precision = FRACTION if fraction else SECOND if g["second"] is not None else MINUTE
    text = f"{day.isoformat()}T{clock.strftime('%H:%M')}"
    if g["second"] is not None:
        text += f":{g['second']}" + (f".{fraction}" if fraction else "")
    offset, zone = None, g["zone"]
    if zone:
        if zone in "Zz":
            offset, zone = timedelta(0), "Z"
        else:
            digits = zone[1:].replace(":", "")
            hours, minutes = int(digits[:2]), int(digits[2:] or 0)
            if hours > 23 or minutes > 59:
                return None
            sign = -1 if zone[0] == "-" else 1
            offset = sign * timedelta(hours=hours, minutes=minutes)
            zone = f"{zone[0]}{hours:02d}:{minutes:02d}"
        text += zone
    return Published(text, day, clock, offset, precision)


def normalise_published(value: object) -> str | None:
    """The canonical ISO 8601 form of a publication time (``parse_published``), else None."""
    parsed = parse_published(value)
    return parsed.text if parsed is not None else None


def _truncate(moment: datetime, precision: int) -> datetime:
    if precision == MINUTE:
        return moment.replace(second=0, microsecond=0)
    if precision == SECOND:
        return moment.replace(microsecond=0)
    return moment


def _common(a: Published, b: Published) -> tuple[datetime, datetime] | None:
    """The two times at the finest precision both have, or None when only their days compare:
    a date alone, or a time with a zone against one without (a naive time may lie anywhere in a
    day's worth of zones, so only the days compare, each as written)."""
    if a.clock is None or b.clock is None:
        return None
    precision = min(a.precision, b.precision)
    if a.offset is not None and b.offset is not None:
        x, y = a.instant, b.instant
    elif a.offset is None and b.offset is None:  # both naive: taken to share one zone
        x, y = datetime.combine(a.day, a.clock), datetime.combine(b.day, b.clock)
    else:
        return None
    assert x is not None and y is not None
    return _truncate(x, precision), _truncate(y, precision)


def compare_published(a: str | Published, b: str | Published) -> int:
    """-1 when ``a`` is earlier than ``b``, 1 when later, 0 when they are the same at the finest
    precision both have. Two times with zones compare as instants; two times without zones as
    wall-clock times (taken to share a zone); a date against a time compares with the time's
    date as written (in its own zone), as does a time with a zone against one without.
    Raises ValueError for a value that is not ISO 8601 (``parse_published``)."""
    x, y = _parsed(a), _parsed(b)
    common = _common(x, y)
    left, right = common if common is not None else (x.day, y.day)
    return (left > right) - (left < right)


def published_gap_hours(earlier: str | Published, later: str | Published) -> float:
    """Hours from ``earlier`` to ``later`` at the finest precision both have (0 when tied or
    reversed). Where only the days compare, each day between counts 24 h less the 12 h a
    time of day left unknown may take up: one day apart is 12 h, two days 36 h."""
    x, y = _parsed(earlier), _parsed(later)
    common = _common(x, y)
    if common is not None:
        return max(0.0, (common[1] - common[0]).total_seconds() / 3600)
    days = (y.day - x.day).days
    return max(0.0, 24.0 * days - 12.0) if days > 0 else 0.0


def published_sort_key(value: str | None) -> tuple[int, str, str]:
    """A key that sorts publication times for display: by UTC instant (times without a zone are
    read as UTC, a date alone as its midnight), invalid or missing values last."""
    parsed = parse_published(value) if value else None
    if parsed is None:
        return (1, "", value or "")
    moment = parsed.instant or datetime.combine(parsed.day, parsed.clock or time(0))
    return (0, moment.strftime("%Y-%m-%dT%H:%M:%S.%f"), parsed.text)


def _parsed(value: str | Published) -> Published:
    if isinstance(value, Published):
        return value
    parsed = parse_published(value)
    if parsed is None:
        raise ValueError(f"{value!r} is not an ISO 8601 date or date and time")
    return parsed


@dataclass(frozen=True, slots=True)
class Article:
    """One article: its text exactly as given, metadata, and boilerplate ranges to skip."""

    id: str
    text: str
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    published: str | None = None  # ISO 8601 as given: a date, or date and time (+ zone)
    source: str | None = None  # where it was read from: a path, "-" for stdin, or None
    boilerplate: tuple[Range, ...] = field(default_factory=tuple)
    # The URL the page names as its own (<link rel="canonical">, og:url); ``url`` is where it
    # was fetched from (after redirects) when propwatch fetched it.
    canonical_url: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise TypeError("Article.text must be a str")
        ranges = tuple(sorted((int(s), int(e)) for s, e in self.boilerplate))
        for start, end in ranges:
            if not 0 <= start < end <= len(self.text):
                raise ValueError(
                    f"boilerplate range [{start}, {end}) lies outside the text of {self.id!r}"
                )
        object.__setattr__(self, "boilerplate", ranges)

    def content_ranges(self) -> list[Range]:
        """The complement of the boilerplate ranges: the parts detectors should read."""
        ranges, cursor = [], 0
        for start, end in self.boilerplate:
            if start > cursor:
                ranges.append((cursor, start))
            cursor = max(cursor, end)
        if cursor < len(self.text):
            ranges.append((cursor, len(self.text)))
        return ranges

    def is_boilerplate(self, start: int, end: int) -> bool:
        """True when ``[start, end)`` overlaps a boilerplate range."""
        return any(s < end and start < e for s, e in self.boilerplate)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "title": self.title,
            "outlet": self.outlet,
            "url": self.url,
            "canonical_url": self.canonical_url,
            "published": self.published,
            "boilerplate": [list(r) for r in self.boilerplate],
            "text": self.text,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Article":
        return cls(
            id=str(data["id"]),
            text=data["text"],
            title=data.get("title"),
            outlet=data.get("outlet"),
            url=data.get("url"),
            published=data.get("published"),
            source=data.get("source"),
            boilerplate=tuple(tuple(r) for r in data.get("boilerplate", ())),
            canonical_url=data.get("canonical_url"),
        )


@dataclass(frozen=True, slots=True)
class Layer:
    """One layer of findings over an article's text, stamped with the component that made it
    (``component``: its versioned registry name; ``version``: its model or rules version).
    ``items`` are Spans (kept in text order) or records of one ``kind``; ``summary`` holds
    the component's per-article figures (JSON-ready)."""

    name: str
    component: str
    version: str = ""
    items: tuple[Any, ...] = ()
    kind: str = Span.kind
    summary: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        items = tuple(self.items)
        if items and all(isinstance(i, Span) for i in items):
            items = tuple(sorted(items, key=lambda s: (s.start, s.end, s.label)))
        object.__setattr__(self, "items", items)

    def spans(self) -> Iterator[Span]:
        """Every span the layer's items point at."""
        for item in self.items:
            yield from item.spans()

    def to_dict(self, text: str | None = None) -> dict[str, Any]:
        return {"component": self.component, "version": self.version, "kind": self.kind,
                "summary": dict(self.summary),
                "items": [item.to_dict(text) for item in self.items]}

    @classmethod
    def from_dict(cls, name: str, data: Mapping[str, Any]) -> "Layer":
        kind = str(data.get("kind", Span.kind))
        return cls(name=name, component=str(data.get("component", name)),
                   version=str(data.get("version", "")),
                   items=tuple(record_from_dict(kind, item) for item in data.get("items", ())),
                   kind=kind, summary=dict(data.get("summary") or {}))


def span_summary(article: Article, spans: Iterable[Span]) -> dict[str, Any]:
    """Counts per label and the share of the article's content the spans cover."""
    spans = list(spans)
    covered = _covered_characters(spans)
    content = sum(e - s for s, e in article.content_ranges()) or 1
    counts = Counter(span.label for span in spans)
    return {
        "spans": len(spans),
        "techniques": dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        "covered_characters": covered,
        "coverage": round(covered / content, 4),
    }


def technique_layer(article: Article, spans: Iterable[Span], version: str,
                    component: str = "techniques.v1") -> Layer:
    """The techniques layer of ``spans``, with its summary."""
    spans = tuple(spans)
    return Layer(TECHNIQUES, component, version, spans, Span.kind, span_summary(article, spans))


_META_KEYS = ("id", "source", "title", "outlet", "url", "canonical_url", "published")


@dataclass(frozen=True, slots=True)
class Document:
    """An article and the layers of findings that components added to it, in the order they
    ran. Every span of every layer lies inside the article's text."""

    article: Article
    layers: tuple[Layer, ...] = ()

    def __post_init__(self) -> None:
        layers = tuple(self.layers)
        names = [layer.name for layer in layers]
        if len(set(names)) != len(names):
            raise ValueError(f"document {self.article.id!r} has a layer twice: {names}")
        size = len(self.article.text)
        for layer in layers:
            for span in layer.spans():
                if span.end > size:
                    raise ValueError(
                        f"span [{span.start}, {span.end}) of layer '{layer.name}' lies outside "
                        f"article {self.article.id!r} ({size} characters)")
        object.__setattr__(self, "layers", layers)

    def layer(self, name: str) -> Layer | None:
        """The layer called ``name``, or None when no component wrote it."""
        return next((layer for layer in self.layers if layer.name == name), None)

    def __contains__(self, name: object) -> bool:
        return any(layer.name == name for layer in self.layers)

    def with_layer(self, layer: Layer) -> "Document":
        """A copy with ``layer`` added (replacing a layer of the same name)."""
        kept = tuple(l for l in self.layers if l.name != layer.name)
        return replace(self, layers=kept + (layer,))

    # The techniques layer, as 0.1 showed it.
    @property
    def spans(self) -> tuple[Span, ...]:
        """The technique spans (empty when the techniques layer is absent)."""
        layer = self.layer(TECHNIQUES)
        return layer.items if layer is not None else ()

    @property
    def detector(self) -> str:
        """The version of the detector that made the technique spans ("" when none ran)."""
        layer = self.layer(TECHNIQUES)
        return layer.version if layer is not None else ""

    @property
    def summary(self) -> dict[str, Any]:
        """Counts per technique and the share of the content covered by technique spans."""
        layer = self.layer(TECHNIQUES)
        if layer is not None and layer.summary:
            return dict(layer.summary)
        return span_summary(self.article, self.spans)

    def to_dict(self) -> dict[str, Any]:
        article = self.article.to_dict()
        text = article.pop("text")
        boilerplate = article.pop("boilerplate")
        return {
            "schema_version": SCHEMA_VERSION,
            **{key: article[key] for key in _META_KEYS},
            "layers": {layer.name: layer.to_dict(text) for layer in self.layers},
            "boilerplate": boilerplate,
            "text": text,
        }

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    def technique_fields(self) -> dict[str, Any]:
        """The techniques layer as version 1 put it at the top of a record (``detector``,
        ``summary``, ``spans`` with a ``technique`` key): JSONL keeps these for old scripts."""
        text = self.article.text
        return {"detector": self.detector, "summary": self.summary,
                "spans": [s.to_dict(text, label_key="technique") for s in self.spans]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Document":
        """Read version 2, or version 1 (technique spans and their detector)."""
        version = data.get("schema_version")
        article = Article.from_dict(data)
        if version == 1:
            spans = tuple(Span.from_dict(s) for s in data.get("spans", ()))
            detector = str(data.get("detector", ""))
            return cls(article, (technique_layer(article, spans, detector),) if detector or spans
                       else ())
        if version != SCHEMA_VERSION:
            raise ValueError(f"unsupported schema_version {version!r}; this propwatch reads 1 "
                             f"and {SCHEMA_VERSION}")
        return cls(article, tuple(Layer.from_dict(name, layer)
                                  for name, layer in (data.get("layers") or {}).items()))

    @classmethod
    def from_json(cls, text: str) -> "Document":
        return cls.from_dict(json.loads(text))


Analysis = Document  # the name of 0.1: an analysis is a document with its layers


def merge_ranges(ranges: Iterable[Range]) -> list[Range]:
    """Union of half-open ranges, sorted; touching ranges are joined."""
    merged: list[list[int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _covered_characters(spans: Iterable[Span]) -> int:
    return sum(e - s for s, e in merge_ranges((sp.start, sp.end) for sp in spans))


# ---------------------------------------------------------------- text reuse


@dataclass(frozen=True, slots=True, order=True)
class Passage:
    """A half-open character range ``[start, end)`` of one article."""

    article_id: str
    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start < 0 or self.end <= self.start:
            raise ValueError(f"passage [{self.start}, {self.end}) of {self.article_id!r} is empty")

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.article_id, "start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True, order=True)
class ReuseLink:
    """Two aligned passages that carry the same text: ``a`` and ``b`` are article ids with
    ``a < b``; ``score`` is the share of aligned words that match exactly (1.0 = verbatim)."""

    a: str
    a_start: int
    a_end: int
    b: str
    b_start: int
    b_end: int
    score: float

    def __post_init__(self) -> None:
        if not self.a < self.b:
            raise ValueError(f"reuse link ids must be ordered a < b, got {self.a!r}, {self.b!r}")
        if self.a_end <= self.a_start or self.b_end <= self.b_start:
            raise ValueError("reuse link passages must be non-empty")

    @property
    def passages(self) -> tuple[Passage, Passage]:
        return Passage(self.a, self.a_start, self.a_end), Passage(self.b, self.b_start, self.b_end)

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "a_start": self.a_start, "a_end": self.a_end,
                "b": self.b, "b_start": self.b_start, "b_end": self.b_end,
                "score": round(float(self.score), 4)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ReuseLink":
        return cls(str(data["a"]), int(data["a_start"]), int(data["a_end"]),
                   str(data["b"]), int(data["b_start"]), int(data["b_end"]),
                   float(data["score"]))


#: how a cluster's origin was found (``Cluster.origin_basis``)
ORIGIN_BASES = ("earliest", "earliest dated; N undated", "tie", "undated")


@dataclass(frozen=True, slots=True)
class Cluster:
    """Passages that carry one text across articles, with its likely origin: the article
    published first, or None when the earliest members are tied or none is dated.
    ``origin_basis`` says how it was found: ``earliest`` (every member dated), ``earliest
    dated; N undated`` (N members have no date), ``tie`` or ``undated`` (origin None), or ""
    for clusters stored before bases existed; ``origin_confidence`` lies in [0, 1] (0 when
    there is no origin; None when not known); ``origin_note`` says it in words."""

    id: str
    members: tuple[Passage, ...]
    origin: str | None = None
    origin_note: str = ""
    origin_basis: str = ""
    origin_confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"cluster": self.id, "origin": self.origin,
                                "members": [m.to_dict() for m in self.members]}
        if self.origin_note:
            data["origin_note"] = self.origin_note
        if self.origin_basis:
            data["origin_basis"] = self.origin_basis
        if self.origin_confidence is not None:
            data["origin_confidence"] = round(float(self.origin_confidence), 4)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Cluster":
        confidence = data.get("origin_confidence")
        return cls(id=str(data["cluster"]),
                   members=tuple(Passage(str(m["id"]), int(m["start"]), int(m["end"]))
                                 for m in data["members"]),
                   origin=data.get("origin"), origin_note=str(data.get("origin_note", "")),
                   origin_basis=str(data.get("origin_basis", "")),
                   origin_confidence=float(confidence) if confidence is not None else None)

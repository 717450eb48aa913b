"""Immutable domain objects: Article, Span, Analysis, and their JSON form.

Offsets are half-open character (code point) offsets into ``Article.text``, which is
kept exactly as the user gave it: ``article.text[span.start:span.end]`` is the evidence.
This module uses the standard library only.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range ``[start, end)`` of an article that uses ``technique``."""

    start: int
    end: int
    technique: str
    score: float = 1.0
    reason: str = ""

    def __post_init__(self) -> None:
        if not (isinstance(self.start, int) and isinstance(self.end, int)):
            raise ValueError(f"span offsets must be integers, got {self.start!r}, {self.end!r}")
        if self.start < 0 or self.end <= self.start:
            raise ValueError(f"span [{self.start}, {self.end}) is empty or negative")
        if not 0.0 <= float(self.score) <= 1.0:
            raise ValueError(f"span score {self.score!r} is outside [0, 1]")

    def __len__(self) -> int:
        return self.end - self.start

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end

    def to_dict(self, text: str | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "technique": self.technique,
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
            technique=str(data["technique"]),
            score=float(data.get("score", 1.0)),
            reason=str(data.get("reason", "")),
        )


Range = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Article:
    """One article: its text exactly as given, metadata, and boilerplate ranges to skip."""

    id: str
    text: str
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    published: str | None = None  # ISO 8601 date (YYYY-MM-DD) when known
    source: str | None = None  # where it was read from: a path, "-" for stdin, or None
    boilerplate: tuple[Range, ...] = field(default_factory=tuple)

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
        )


@dataclass(frozen=True, slots=True)
class Analysis:
    """An article with the technique spans a detector found in it."""

    article: Article
    spans: tuple[Span, ...]
    detector: str = ""

    def __post_init__(self) -> None:
        spans = tuple(sorted(self.spans, key=lambda s: (s.start, s.end, s.technique)))
        for span in spans:
            if span.end > len(self.article.text):
                raise ValueError(
                    f"span [{span.start}, {span.end}) lies outside article {self.article.id!r} "
                    f"({len(self.article.text)} characters)"
                )
        object.__setattr__(self, "spans", spans)

    @property
    def summary(self) -> dict[str, Any]:
        """Counts per technique and the share of the article's content covered by spans."""
        covered = _covered_characters(self.spans)
        content = sum(e - s for s, e in self.article.content_ranges()) or 1
        counts = Counter(span.technique for span in self.spans)
        return {
            "spans": len(self.spans),
            "techniques": dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
            "covered_characters": covered,
            "coverage": round(covered / content, 4),
        }

    def to_dict(self) -> dict[str, Any]:
        text = self.article.text
        article = self.article.to_dict()
        return {
            "schema_version": SCHEMA_VERSION,
            "detector": self.detector,
            "id": article.pop("id"),
            "source": article.pop("source"),
            "title": article.pop("title"),
            "outlet": article.pop("outlet"),
            "url": article.pop("url"),
            "published": article.pop("published"),
            "summary": self.summary,
            "spans": [span.to_dict(text) for span in self.spans],
            "boilerplate": article.pop("boilerplate"),
            "text": text,
        }

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Analysis":
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ValueError(
                f"unsupported schema_version {version!r}; this propwatch reads {SCHEMA_VERSION}"
            )
        article = Article.from_dict(data)
        return cls(
            article=article,
            spans=tuple(Span.from_dict(s) for s in data.get("spans", ())),
            detector=str(data.get("detector", "")),
        )

    @classmethod
    def from_json(cls, text: str) -> "Analysis":
        return cls.from_dict(json.loads(text))


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


@dataclass(frozen=True, slots=True)
class Cluster:
    """Passages that carry one text across articles, with its likely origin (an article id, or
    None when dates are missing or tied; ``origin_note`` says which)."""

    id: str
    members: tuple[Passage, ...]
    origin: str | None = None
    origin_note: str = ""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"cluster": self.id, "origin": self.origin,
                                "members": [m.to_dict() for m in self.members]}
        if self.origin_note:
            data["origin_note"] = self.origin_note
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Cluster":
        return cls(id=str(data["cluster"]),
                   members=tuple(Passage(str(m["id"]), int(m["start"]), int(m["end"]))
                                 for m in data["members"]),
                   origin=data.get("origin"), origin_note=str(data.get("origin_note", "")))

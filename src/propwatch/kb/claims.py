"""One known claim of a knowledge base: what it says, what the checkers concluded, where to
read more. Stdlib only; every reader yields these and every store row holds one."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class KnownClaim:
    """A claim as a knowledge base states it. ``id`` is unique within its knowledge base."""

    id: str
    claim: str  # the claim itself, one or two sentences ("White Helmets stage chemical attacks")
    verdict: str | None = None  # the checkers' conclusion or disproof, as they wrote it
    url: str | None = None
    date: str | None = None  # ISO 8601 date of the check or of the case
    language: str | None = None  # ISO 639-1 code of ``claim``
    tags: tuple[str, ...] = ()  # narratives, keywords, topics: what matches are grouped by
    title: str | None = None  # the fact-check's own title, when it differs from the claim
    summary: str | None = None  # a longer description of the case
    outlets: tuple[str, ...] = ()  # where the claim was seen

    def text_for_matching(self) -> str:
        """What retrieval reads: the claim, and the title when it adds words."""
        if self.title and self.title.strip().lower() != self.claim.strip().lower():
            return f"{self.claim} {self.title}"
        return self.claim

    def to_json(self) -> dict:
        data = asdict(self)
        data["tags"], data["outlets"] = list(self.tags), list(self.outlets)
        return {k: v for k, v in data.items() if v not in (None, [], "")}

    @classmethod
    def from_json(cls, data: dict) -> "KnownClaim":
        return cls(id=str(data["id"]), claim=data["claim"], verdict=data.get("verdict"),
                   url=data.get("url"), date=data.get("date"), language=data.get("language"),
                   tags=tuple(data.get("tags") or ()), title=data.get("title"),
                   summary=data.get("summary"), outlets=tuple(data.get("outlets") or ()))


KNOWN_CLAIM_FIELDS = tuple(f for f in KnownClaim.__dataclass_fields__)  # the generic JSONL/CSV keys

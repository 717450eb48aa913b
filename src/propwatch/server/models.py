"""Pydantic request and response models of the REST API (they also make its OpenAPI schema).

Responses are built by the library (``Analysis.to_dict()``, ``Store.stats()``...) and sent as
they are; these models document them and are checked against them in the tests.
"""

from __future__ import annotations

from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from ..ingest import lone_surrogate


def _refuse_lone_surrogate(value: str) -> None:
    """Ingest's rule for every record, files and requests alike: a lone surrogate is refused."""
    offset = lone_surrogate(value)
    if offset is not None:
        raise PydanticCustomError(
            "surrogate", "holds a lone surrogate at offset {offset}, which is not a "
            "character; fix the text's encoding", {"offset": offset})


class AnalyzeRequest(BaseModel):
    """One article to analyse. Metadata the text states (a title line, a dateline) is read from
    it unless given here; empty strings count as not given."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={
        "examples": [{"text": "Foreign saboteurs plot to starve us all, officials warn.",
                      "title": "Grain blockade", "outlet": "Harbor Daily",
                      "published": "2023-05-04"}]})

    text: str = Field(description="The article text; offsets in the answer count its characters.")
    title: Optional[str] = None
    outlet: Optional[str] = None
    published: Optional[str] = Field(None, description=(
        "A date, or date and time with its zone: 2023-05-04, 2023-05-04T10:15:00+02:00, "
        "4 May 2023 10:15 GMT. Kept at the precision and in the zone given (ISO 8601)."))
    url: Optional[str] = None
    canonical_url: Optional[str] = None
    id: Optional[str] = Field(None, description="The article id in the answer (default 'text').")

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.replace("\ufeff", "").strip():
            raise PydanticCustomError("empty", "must not be empty")
        _refuse_lone_surrogate(value)
        return value

    @field_validator("title", "outlet", "published", "url", "canonical_url", "id")
    @classmethod
    def _blank_is_none(cls, value: Optional[str]) -> Optional[str]:
        if value is not None:
            _refuse_lone_surrogate(value)
        return value if value is None or value.strip() else None


class SpanOut(BaseModel):
    start: int = Field(description="Offset of the first character (0-based, code points).")
    end: int = Field(description="Offset after the last character (half-open).")
    label: str = Field(description="For technique spans, the exact PTC label (/api/techniques).")
    score: float
    reason: Optional[str] = None
    text: str = Field(description="text[start:end], the evidence.")


class LayerOut(BaseModel):
    """One layer of findings and the component that made it."""

    model_config = ConfigDict(extra="allow")

    component: str = Field(description="Versioned component name, e.g. techniques.v1.")
    version: str = Field(description="What made the findings: model or rules version.")
    kind: str = Field(description="Kind of the items: span, attribution, or a plugin's kind.")
    summary: dict[str, Any]
    items: list[dict[str, Any]] = Field(description="Spans ({start, end, label, score, reason?, "
                                                    "text}) or records made of spans.")


class AnalysisOut(BaseModel):
    """Exactly ``Document.to_dict()``, as ``propwatch analyze --format json`` writes it
    (schema_version 2: one key per layer under ``layers``)."""

    schema_version: int
    id: str
    source: Optional[str]
    title: Optional[str]
    outlet: Optional[str]
    url: Optional[str]
    canonical_url: Optional[str] = Field(None, description=(
        "The URL the page names as its own (link rel=canonical or og:url), when it names one."))
    published: Optional[str]
    layers: dict[str, LayerOut]
    boilerplate: list[list[int]] = Field(description="[start, end) ranges skipped as debris.")
    text: str


class TechniqueOut(BaseModel):
    label: str
    name: str
    definition: str
    color: str


class ArticleItem(BaseModel):
    id: str
    title: Optional[str]
    outlet: Optional[str]
    published: Optional[str]
    n_spans: int


class ArticlePage(BaseModel):
    items: list[ArticleItem]
    page: int
    page_size: int
    has_more: bool


class TimelineRow(BaseModel):
    month: str = Field(description="YYYY-MM of the articles' publication date.")
    technique: str
    count: int


class StatsOut(BaseModel):
    """``Store.stats()`` plus spans per technique per month."""

    model_config = ConfigDict(extra="allow")

    articles: int
    outlets: dict[str, int]
    no_outlet: int
    published: dict[str, Any]
    spans: dict[str, Any]
    runs: dict[str, int]
    reuse: Optional[dict[str, Any]]
    timeline: list[TimelineRow]


class SourcingRow(BaseModel):
    """How one outlet sourced its articles in one period (``Store.sourcing()``)."""

    outlet: str | None = Field(description="null for articles with no outlet.")
    period: str | None = Field(description="YYYY-MM (by=month), YYYY (by=year); null for "
                                           "by=all and for undated articles.")
    articles: int = Field(description="Articles with an attributions layer.")
    attributions: int
    attributed_share: float = Field(description="Mean share of an article's text that is "
                                                "attributed content.")
    anonymous_share: float = Field(description="Mean share in content from anonymous sources.")
    articles_citing_state_outlets: int = Field(description="Articles citing a state-affiliated "
                                                           "outlet.")
    by_type: dict[str, int] = Field(description="Attributions per source type (named_person, "
                                                "named_organisation, government, outlet, "
                                                "anonymous, none); zeros left out.")


class ReuseLinkOut(BaseModel):
    a: str
    a_start: int
    a_end: int
    b: str
    b_start: int
    b_end: int
    score: float


class PassageOut(BaseModel):
    id: str
    start: int
    end: int


class ClusterOut(BaseModel):
    cluster: str
    origin: Optional[str]
    members: list[PassageOut]
    origin_note: Optional[str] = None
    origin_basis: str | None = Field(None, description=(
        "How the origin was found: 'earliest' (every member dated), 'earliest dated; N "
        "undated', 'tie' or 'undated' (origin null)."))
    origin_confidence: float | None = Field(None, description=(
        "Confidence in the origin, 0 to 1 (0 when origin is null)."))


class KnowledgeBaseOut(BaseModel):
    """A knowledge base of known claims (``Store.knowledge_bases()``)."""

    name: str
    version: int = Field(description="Bumped by each import that adds, changes or removes a "
                                     "claim.")
    format: str | None = Field(description="The reader it was imported with: euvsdisinfo, "
                                              "checkthat, jsonl, csv.")
    claims: int
    created_at: str = Field(description="UTC, ISO 8601.")
    updated_at: str = Field(description="UTC, ISO 8601.")
    sources: list[str] = Field(description="The files of its latest version.")


class KbVersionOut(BaseModel):
    version: int
    imported_at: str
    format: str | None
    sources: list[str]
    claims: int
    added: int
    changed: int
    removed: int
    content_hash: str | None


class VectorsOut(BaseModel):
    dim: int
    claims: int = Field(description="Claims with a vector of this encoder.")


class KnowledgeBaseDetail(KnowledgeBaseOut):
    """One knowledge base (``Store.knowledge_base()``): its versions, oldest first, and the
    claim vectors stored per sentence encoder (claims without one are encoded at the first
    match)."""

    versions: list[KbVersionOut]
    vectors: dict[str, VectorsOut]


class ClaimOut(BaseModel):
    """A known claim (``KnownClaim.to_json()``): keys without a value are left out."""

    id: str
    claim: str
    verdict: str | None = Field(None, description="The checkers' conclusion, as they wrote "
                                                     "it.")
    url: str | None = None
    date: str | None = Field(None, description="ISO 8601 date of the check or case.")
    language: str | None = None
    tags: list[str] = Field([], description="Narratives, keywords, topics; 'prefix:value' "
                                            "tags (country:X) group apart.")
    title: str | None = None
    summary: str | None = None
    outlets: list[str] = []
    score: float | None = Field(None, description="With search: FTS5 bm25 relevance "
                                                     "(higher is better).")


class KbStatsOut(BaseModel):
    """``Store.kb_stats()``: figures of one knowledge base."""

    model_config = ConfigDict(extra="allow")

    name: str
    version: int
    format: str | None
    claims: int
    languages: dict[str, int]
    dates: dict[str, Any] = Field(description="{first, last, undated}.")
    tags: dict[str, int] = Field(description="The top tags without a 'prefix:'.")
    distinct_tags: int
    tagged_claims: int
    tag_groups: dict[str, dict[str, int]] = Field(description="prefix -> its top values "
                                                              "(country -> {X: n}).")
    outlets: dict[str, int]
    with_verdict: int
    with_url: int
    with_summary: int
    vectors: dict[str, VectorsOut]


class HealthOut(BaseModel):
    status: str
    version: str
    detector: str
    components: dict[str, str] = Field(description="Layer -> version of what writes it.")
    db: Optional[str]
    articles: Optional[int]


class ErrorDetail(BaseModel):
    code: str = Field(description="validation_error, invalid_input, not_found, no_store, "
                                  "too_large, unauthorized, unsupported_media_type, timeout, "
                                  "worker_lost, store_error, query_timeout, internal ...")
    message: str
    field: Optional[str] = None


class ErrorOut(BaseModel):
    error: ErrorDetail

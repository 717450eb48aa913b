"""GET /api/articles (search, filter, page), /api/articles/{id} and its HTML report."""

from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Depends, Path, Query

from ...render.report import render_html
from ...store import Store
from ...techniques import LABELS, PROPAGANDA
from ..deps import get_store, require_token
from ..models import AnalysisOut, ArticlePage, ErrorOut
from ..problems import ApiError, SafeJSONResponse, shown
from .reports import report_response

router = APIRouter(tags=["articles"], dependencies=[Depends(require_token)])

_ERRORS = {401: {"model": ErrorOut}, 404: {"model": ErrorOut, "description":
                                           "no such article, or no store (code no_store)"},
           422: {"model": ErrorOut}}
_KNOWN_TECHNIQUES = set(LABELS) | {PROPAGANDA}


def _blank_none(value: Optional[str]) -> Optional[str]:
    return value if value is not None and value.strip() else None


@router.get("/api/articles", response_model=ArticlePage, responses=_ERRORS)
def list_articles(
    q: Optional[str] = Query(None, max_length=500,
                             description="Full-text search over title and text (FTS5)."),
    outlet: Optional[str] = Query(None, max_length=500, description="Exact outlet, any case."),
    technique: Optional[str] = Query(None, max_length=200,
                                     description="Only articles with a span of this label."),
    page: int = Query(1, ge=1, le=1_000_000),
    page_size: int = Query(20, ge=1, le=100),
    store: Store = Depends(get_store),
) -> dict:
    """One page of stored articles (by relevance with ``q``, else by id), with span counts."""
    technique = _blank_none(technique)
    if technique is not None and technique not in _KNOWN_TECHNIQUES:
        raise ApiError(422, "validation_error",
                       f"field 'technique': unknown technique '{shown(technique)}'; use a label from "
                       "/api/techniques", field="technique")
    rows = store.list_articles(limit=page_size + 1, offset=(page - 1) * page_size,
                               outlet=_blank_none(outlet), technique=technique,
                               q=_blank_none(q))
    return {"items": rows[:page_size], "page": page, "page_size": page_size,
            "has_more": len(rows) > page_size}


def _analysis(store: Store, article_id: str):
    analysis = store.document(article_id)
    if analysis is None:
        raise ApiError(404, "not_found",
                       f"no article '{shown(article_id)}' in the corpus; GET /api/articles lists them",
                       field="id")
    return analysis


# Ids may hold '/', so they are matched as paths; the report route must come first.
@router.get("/api/articles/{id:path}/report.html", responses={
    200: {"content": {"text/html": {}}, "description": "a self-contained HTML report page"},
    **_ERRORS})
def article_report(id: str = Path(description="The article id."),
                   store: Store = Depends(get_store)):
    """The stored article's HTML report page (its stored spans)."""
    analysis = _analysis(store, id)
    return report_response(render_html(analysis), analysis.article.id, download=False)


@router.get("/api/articles/{id:path}", response_model=AnalysisOut, responses=_ERRORS)
def get_article(id: str = Path(description="The article id."),
                store: Store = Depends(get_store)) -> SafeJSONResponse:
    """The stored article with its stored spans, shaped as /api/analyze answers."""
    return SafeJSONResponse(_analysis(store, id).to_dict())

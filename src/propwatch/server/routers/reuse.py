"""GET /api/reuse/pairs and /api/reuse/clusters: the latest reuse run saved in the store."""

from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Depends, Query, Response

from ...store import Store
from ..deps import get_store, require_token
from ..models import ClusterOut, ErrorOut, ReuseLinkOut
from ..problems import ApiError, shown

router = APIRouter(tags=["reuse"], dependencies=[Depends(require_token)])
_ERRORS = {401: {"model": ErrorOut}, 404: {"model": ErrorOut}, 422: {"model": ErrorOut}}


def _known(store: Store, article: Optional[str]) -> Optional[str]:
    if article is None or not article.strip():
        return None
    if store.get_article(article) is None:
        raise ApiError(404, "not_found",
                       f"no article '{shown(article)}' in the corpus; GET /api/articles lists them",
                       field="article")
    return article


@router.get("/api/reuse/pairs", response_model=list[ReuseLinkOut], responses=_ERRORS)
def pairs(response: Response,
          article: Optional[str] = Query(None, description="Only links touching this article."),
          limit: int = Query(1000, ge=1, le=100_000, description="At most this many links."),
          store: Store = Depends(get_store)) -> list[dict]:
    """Aligned passages shared by two articles (``a < b``; offsets into each text; score =
    share of aligned words that match). Empty when no reuse run was saved. The header
    ``X-Total-Count`` gives the number before ``limit``."""
    links = store.reuse_links(article_id=_known(store, article))
    response.headers["X-Total-Count"] = str(len(links))
    return [link.to_dict() for link in links[:limit]]


@router.get("/api/reuse/clusters", response_model=list[ClusterOut], responses=_ERRORS,
            response_model_exclude_unset=True)
def clusters(article: Optional[str] = Query(None, description="Only clusters holding a passage "
                                                              "of this article."),
             store: Store = Depends(get_store)) -> list[dict]:
    """Reprint clusters with their likely origin: the earliest dated member, with
    ``origin_basis`` (``earliest``, ``earliest dated; N undated``) and ``origin_confidence``;
    null only for a tie on the earliest time or when no member is dated (``origin_note`` says
    which)."""
    return [cluster.to_dict() for cluster in store.clusters(article_id=_known(store, article))]

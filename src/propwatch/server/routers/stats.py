"""GET /api/stats: corpus figures and spans per technique per month."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from ...store import Store
from ..deps import get_store, require_token
from ..models import ErrorOut, StatsOut

router = APIRouter(tags=["stats"], dependencies=[Depends(require_token)])


@router.get("/api/stats", response_model=StatsOut,
            responses={401: {"model": ErrorOut}, 404: {"model": ErrorOut}})
def stats(store: Store = Depends(get_store)) -> dict:
    """``Store.stats()`` (articles, outlets, dates, spans per technique and outlet, runs, the
    latest reuse run) plus ``timeline``: ``[{month: YYYY-MM, technique, count}]``."""
    return {**store.stats(), "timeline": store.technique_timeline()}

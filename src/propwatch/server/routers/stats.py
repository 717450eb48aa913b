"""GET /api/stats: corpus figures and spans per technique per month; GET /api/stats/sourcing:
how each outlet sources its articles over time (the stored attributions layers)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query

from ...store import Store
from ..deps import get_store, require_token
from ..models import ErrorOut, SourcingRow, StatsOut

router = APIRouter(tags=["stats"], dependencies=[Depends(require_token)])


@router.get("/api/stats", response_model=StatsOut,
            responses={401: {"model": ErrorOut}, 404: {"model": ErrorOut}})
def stats(store: Store = Depends(get_store)) -> dict:
    """``Store.stats()`` (articles, outlets, dates, spans per technique and outlet, runs, the
    latest reuse run) plus ``timeline``: ``[{month: YYYY-MM, technique, count}]``."""
    return {**store.stats(), "timeline": store.technique_timeline()}


@router.get("/api/stats/sourcing", response_model=list[SourcingRow],
            responses={401: {"model": ErrorOut}, 404: {"model": ErrorOut},
                       422: {"model": ErrorOut}})
def sourcing(by: Literal["month", "year", "all"] = Query(
                 "month", description="The period of publication each row covers."),
             outlet: str | None = Query(None, max_length=500,
                                        description="Only this outlet (exact, any case)."),
             store: Store = Depends(get_store)) -> list[dict]:
    """``Store.sourcing()``, as ``propwatch corpus sourcing --json`` prints it: per outlet and
    period, the articles with an attributions layer, their attributions, the mean shares of
    attributed and of anonymous content, attributions per source type, and how many articles
    cite a state-affiliated outlet. Empty until articles are analysed with attributions."""
    rows = store.sourcing(period=by)
    if outlet is not None and outlet.strip():
        wanted = outlet.strip().casefold()
        rows = [row for row in rows if (row["outlet"] or "").casefold() == wanted]
    return rows

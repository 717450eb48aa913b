"""GET /api/health: liveness and what this server serves (never needs the token)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from ... import __version__
from ..deps import get_runtime
from ..models import HealthOut
from ..runtime import Runtime

router = APIRouter(tags=["health"])


@router.get("/api/health", response_model=HealthOut)
async def health(runtime: Runtime = Depends(get_runtime)) -> dict:
    """Status, version, the detector's version, the pipeline's components (layer -> version),
    the store path and its number of articles."""
    # Answered on the event loop; only the count takes a thread, one of its own: never waits
    # behind analyses or behind the store routes' queries.
    store = runtime.store
    versions = runtime.versions
    return {"status": "ok", "version": __version__, "detector": versions.get("techniques", ""),
            "components": versions,
            "db": store.path if store is not None else None,
            "articles": await runtime.count_articles()}

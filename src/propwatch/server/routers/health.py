"""GET /api/health: liveness and what this server serves (never needs the token)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from ... import __version__
from ..deps import get_runtime
from ..models import HealthOut
from ..runtime import Runtime

router = APIRouter(tags=["health"])


@router.get("/api/health", response_model=HealthOut)
def health(runtime: Runtime = Depends(get_runtime)) -> dict:
    """Status, version, the detector's version, the pipeline's components (layer -> version),
    the store path and its number of articles."""
    store = runtime.store
    versions = runtime.pipeline.versions
    return {"status": "ok", "version": __version__, "detector": versions.get("techniques", ""),
            "components": versions,
            "db": store.path if store is not None else None,
            "articles": store.count() if store is not None else None}

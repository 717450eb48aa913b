"""GET /api/techniques: the 14 techniques with readable names, definitions and colours."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from ...techniques import TECHNIQUES
from ..deps import require_token
from ..models import ErrorOut, TechniqueOut

router = APIRouter(tags=["techniques"], dependencies=[Depends(require_token)])


@router.get("/api/techniques", response_model=list[TechniqueOut],
            responses={401: {"model": ErrorOut}})
def techniques() -> list[dict]:
    """Exact PTC label, readable name, one-line definition and highlight colour of each."""
    return [{"label": t.label, "name": t.name, "definition": t.definition, "color": t.color}
            for t in TECHNIQUES]

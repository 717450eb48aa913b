"""GET /api/kb (the knowledge bases of known claims in the store), /api/kb/{name} (one, with
its versions and vectors), /api/kb/{name}/claims (search or list), /api/kb/{name}/claims/{id}
and /api/kb/{name}/stats."""

from __future__ import annotations

import re
from itertools import islice
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Response

from ...errors import StoreError
from ...store import Store
from ..deps import get_store, require_token
from ..models import (
    ClaimOut,
    ErrorOut,
    KbStatsOut,
    KnowledgeBaseDetail,
    KnowledgeBaseOut,
)
from ..problems import ApiError, shown

router = APIRouter(tags=["knowledge bases"], dependencies=[Depends(require_token)])

_ERRORS = {401: {"model": ErrorOut},
           404: {"model": ErrorOut, "description": "no such knowledge base or claim, or no "
                                                   "store (code no_store)"},
           422: {"model": ErrorOut}}
# The store's rule for knowledge-base names: another name cannot be one (nor reach SQL).
KB_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
UNKNOWN_KB = "E620"  # StoreError: no knowledge base of that name


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: no stored name or id holds one
        return False
    return True


def unknown_kb(name: str, *, field: str = "name", status: int = 404) -> ApiError:
    """The answer for a knowledge base the store does not hold."""
    where = f"field '{field}': " if status == 422 else ""
    return ApiError(status, "not_found" if status == 404 else "validation_error",
                    f"{where}no knowledge base '{shown(name)}' in the store; GET /api/kb lists "
                    "them (import one with 'propwatch kb import')", field=field)


def _kb(store: Store, name: str) -> dict[str, Any]:
    info = store.knowledge_base(name) if KB_NAME.fullmatch(name) else None
    if info is None:
        raise unknown_kb(name)
    return info


def _claim_json(claim: Any, score: float | None = None) -> dict[str, Any]:
    data = claim.to_json()
    return data if score is None else {**data, "score": round(score, 4)}


@router.get("/api/kb", response_model=list[KnowledgeBaseOut], responses=_ERRORS)
def list_kbs(store: Store = Depends(get_store)) -> list[dict]:
    """Every knowledge base in the store by name: version, format, claims, created and updated
    (UTC), the files of its latest version. Empty when none was imported."""
    return store.knowledge_bases()


@router.get("/api/kb/{name}", response_model=KnowledgeBaseDetail, responses=_ERRORS)
def get_kb(name: str = Path(description="The knowledge base."),
           store: Store = Depends(get_store)) -> dict:
    """One knowledge base as /api/kb lists it, with ``versions`` (oldest first: when, from
    which files, claims added, changed and removed) and ``vectors`` ({encoder: {dim,
    claims}})."""
    return _kb(store, name)


@router.get("/api/kb/{name}/claims", response_model=list[ClaimOut], responses=_ERRORS,
            response_model_exclude_unset=True)
def list_claims(
    response: Response,
    name: str = Path(description="The knowledge base."),
    search: str | None = Query(None, max_length=500, description=(
        "Claims holding every word (in the claim, title, summary or tags), best first by FTS5 "
        "bm25, each with its ``score``; ``word*`` for a prefix. Without it: the claims in "
        "import order.")),
    limit: int = Query(20, ge=1, le=1000, description="At most this many claims."),
    offset: int = Query(0, ge=0, le=1_000_000, description="Skip this many first."),
    store: Store = Depends(get_store),
) -> list[dict]:
    """Search the claims of a knowledge base, or list them. Listing, the header
    ``X-Total-Count`` gives how many it holds."""
    info = _kb(store, name)
    if search is not None and search.strip():
        if not _encodable(search):
            raise ApiError(422, "validation_error", "field 'search': holds a lone surrogate, "
                           "which is not a character", field="search")
        try:
            found = store.search_claims(name, search, limit=offset + limit)
        except StoreError as exc:
            if exc.code == UNKNOWN_KB:  # deleted since
                raise unknown_kb(name) from None
            raise
        return [_claim_json(claim, score) for claim, score in found[offset:]]
    response.headers["X-Total-Count"] = str(info["claims"])
    try:
        claims = store.claims(name, batch_size=min(offset + limit, 1000))
        return [_claim_json(claim) for claim in islice(claims, offset, offset + limit)]
    except StoreError as exc:
        if exc.code == UNKNOWN_KB:
            raise unknown_kb(name) from None
        raise


@router.get("/api/kb/{name}/stats", response_model=KbStatsOut, responses=_ERRORS)
def kb_stats(name: str = Path(description="The knowledge base."),
             top: int = Query(10, ge=1, le=100, description="This many top tags and outlets "
                                                            "(and values per tag prefix)."),
             store: Store = Depends(get_store)) -> dict:
    """Figures of a knowledge base, as ``propwatch kb stats --json`` prints them: claims, per
    language, date range, top tags (``prefix:value`` tags counted per prefix), top outlets,
    how many claims have a verdict, a URL, a summary, and the stored vectors."""
    if not KB_NAME.fullmatch(name):
        raise unknown_kb(name)
    try:
        return store.kb_stats(name, top=top)
    except StoreError as exc:
        if exc.code == UNKNOWN_KB:
            raise unknown_kb(name) from None
        raise


# Claim ids may hold '/': matched as a path, after the stats route.
@router.get("/api/kb/{name}/claims/{id:path}", response_model=ClaimOut, responses=_ERRORS,
            response_model_exclude_unset=True)
def get_claim(name: str = Path(description="The knowledge base."),
              id: str = Path(description="The claim's id in its knowledge base."),
              store: Store = Depends(get_store)) -> dict:
    """One claim in full: text, verdict, link, date, language, tags, title, summary,
    outlets."""
    _kb(store, name)
    claim = store.claim(name, id) if _encodable(id) else None
    if claim is None:
        raise ApiError(404, "not_found", f"no claim '{shown(id)}' in knowledge base "
                       f"'{shown(name)}'; GET /api/kb/{shown(name)}/claims?search=... finds "
                       "claims", field="id")
    return _claim_json(claim)

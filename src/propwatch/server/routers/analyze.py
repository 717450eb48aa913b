"""POST /api/analyze and POST /api/report: analyse one article sent as JSON or as a file."""

from __future__ import annotations

from typing import Optional

import anyio
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from ...errors import PropwatchError
from ...pipeline import get_spec
from ..deps import get_runtime, require_token
from ..inputs import Upload, read_request
from ..models import AnalysisOut, AnalyzeRequest, ErrorOut
from ..problems import ApiError, SafeJSONResponse, shown
from ..runtime import Runtime
from .reports import report_response

router = APIRouter(tags=["analyze"], dependencies=[Depends(require_token)])

_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": AnalyzeRequest.model_json_schema()},
            "multipart/form-data": {"schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary",
                             "description": ".txt, .html, .jsonl or .csv; for JSONL and CSV "
                                            "the first record is analysed"},
                    **{k: {"type": "string"} for k in ("title", "outlet", "published", "url",
                                                       "canonical_url", "id")},
                },
            }},
        },
    },
}
_ERRORS = {code: {"model": ErrorOut, "description": what} for code, what in (
    (401, "missing or wrong token"), (413, "body over --max-body-bytes"),
    (415, "neither JSON nor multipart"), (422, "bad request: names the field"),
    (503, "over --timeout (timeout), or the analysis worker ended (worker_lost)"))}


def _components(runtime: Runtime, with_: Optional[list[str]],
                without: Optional[list[str]]) -> tuple[str, ...]:
    # Names longer than any component's go in cut, so the E204 message quotes them cut.
    try:
        return runtime.components_for([shown(n) for n in with_ or []],
                                      [shown(n) for n in without or []])
    except PropwatchError as exc:
        raise ApiError(422, "validation_error", f"field 'with'/'without': {exc}",
                       field="with") from None


_WITH = Query(None, alias="with", description="Add a component (and its layer); repeatable.")
_WITHOUT = Query(None, description="Leave a component out; repeatable.")
_KB = Query(None, description="Also find the known claims of this knowledge base of the "
                              "server's store (GET /api/kb lists them): adds the matches "
                              "component and its layer; repeatable.")
MAX_KBS = 10  # knowledge bases one request may name (each set is one index in the worker)


def _kb_names(kb: list[str] | None) -> list[str]:
    """The knowledge bases a request names, once each and sorted (one index per set)."""
    names = sorted({n.strip() for n in kb or [] if n.strip()})
    if len(names) > MAX_KBS:
        raise ApiError(422, "validation_error", f"field 'kb': at most {MAX_KBS} knowledge "
                       f"bases per request, not {len(names)}", field="kb")
    return names


def _is_matches(name: str) -> bool:
    try:
        return get_spec(name).name == "matches"
    except PropwatchError:
        return False  # an unknown name: _components answers it


async def _pipeline(runtime: Runtime, with_: list[str] | None, without: list[str] | None,
                    kb: list[str] | None) -> tuple[tuple[str, ...], dict[str, dict]]:
    """The request's components (``with``/``without``, and ``matches`` for ``kb``) and their
    settings for this request: the matches component reads the knowledge bases named from
    the server's store; each is checked (422 naming one the store does not hold)."""
    names = _kb_names(kb)
    if names and any(_is_matches(n) for n in without or []):
        raise ApiError(422, "validation_error", "field 'kb': needs the matches component, "
                       "which 'without' leaves out", field="kb")
    components = _components(runtime, [*(with_ or []), *(["matches"] if names else [])],
                             without)
    if not names:
        return components, {}
    store = runtime.store
    if store is None:
        raise ApiError(404, "no_store", "field 'kb': no knowledge bases here: start propwatch "
                       "serve with --db FILE, a store with knowledge bases ('propwatch kb "
                       "import')", field="kb")

    def known() -> set[str]:
        with store.time_limit(runtime.settings.query_timeout_s):
            return {row["name"] for row in store.knowledge_bases()}

    have = await anyio.to_thread.run_sync(known)
    missing = [n for n in names if n not in have]
    if missing:
        listed = ", ".join(sorted(have)[:10]) + (", ..." if len(have) > 10 else "")
        raise ApiError(422, "validation_error",
                       f"field 'kb': no knowledge base '{shown(missing[0])}' in the store; "
                       + (f"it holds {listed} (GET /api/kb lists them)" if have else
                          "it holds none: import one with 'propwatch kb import'"), field="kb")
    return components, {"matches": {"kb": names, "db": runtime.settings.db}}


def _record_headers(upload: Upload) -> dict[str, str]:
    return {"X-Propwatch-Records": str(upload.records)} if upload.records > 1 else {}


@router.post("/api/analyze", response_model=AnalysisOut, openapi_extra=_BODY,
             responses=_ERRORS)
async def analyze(request: Request, runtime: Runtime = Depends(get_runtime),
                  with_: Optional[list[str]] = _WITH,
                  without: Optional[list[str]] = _WITHOUT,
                  kb: list[str] | None = _KB) -> SafeJSONResponse:
    """The layers of one article (technique spans by default; ``with``/``without`` change the
    components): exactly what ``propwatch analyze --format json`` writes. ``with=attributions``
    adds who says what: ``layers.attributions`` holds each attribution's source, cue and
    content fragments with speaker and source type, and its ``summary`` the sourcing profile
    (shares, source types, state-affiliated outlets, unattributed claims). ``kb=NAME``
    (repeatable; the server's store, GET /api/kb) adds the known claims the article repeats:
    ``layers.matches`` holds each as ``{kb, claim_id, claim, score, evidence: [{start, end,
    text}], verdict, url, tags}``, best first; an unknown name is a 422 naming it.

    Send JSON ``{"text": ..., "title"?, "outlet"?, "published"?, "url"?, "id"?}`` or a
    multipart form with a ``file`` (.txt, .html, .jsonl, .csv; optional metadata fields).
    A JSONL or CSV file may hold several records: the first one is analysed, and the header
    ``X-Propwatch-Records`` gives how many there were. Title, outlet and date stated in the
    text are read from it unless given."""
    components, config = await _pipeline(runtime, with_, without, kb)
    read = await read_request(request, runtime.ingest_settings)
    (analysis, _), upload = await runtime.analyze(read, components, config=config)
    return SafeJSONResponse(analysis.to_dict(), headers=_record_headers(upload))


@router.post("/api/report", response_class=HTMLResponse, openapi_extra=_BODY,
             responses={200: {"content": {"text/html": {}},
                              "description": "a self-contained HTML report page"}, **_ERRORS})
async def report(request: Request, runtime: Runtime = Depends(get_runtime),
                 with_: Optional[list[str]] = _WITH,
                 without: Optional[list[str]] = _WITHOUT,
                 kb: list[str] | None = _KB) -> HTMLResponse:
    """The same input and parameters as /api/analyze; answers the self-contained HTML report
    page (inline CSS and JS, article text escaped) as a download."""
    components, config = await _pipeline(runtime, with_, without, kb)
    read = await read_request(request, runtime.ingest_settings)
    (analysis, page), upload = await runtime.analyze(read, components, report=True,
                                                     config=config)
    assert page is not None
    return report_response(page, analysis.article.id, download=True,
                           headers=_record_headers(upload))

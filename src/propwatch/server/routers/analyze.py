"""POST /api/analyze and POST /api/report: analyse one article sent as JSON or as a file."""

from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from ...errors import PropwatchError
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
                                                       "id")},
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


def _record_headers(upload: Upload) -> dict[str, str]:
    return {"X-Propwatch-Records": str(upload.records)} if upload.records > 1 else {}


@router.post("/api/analyze", response_model=AnalysisOut, openapi_extra=_BODY,
             responses=_ERRORS)
async def analyze(request: Request, runtime: Runtime = Depends(get_runtime),
                  with_: Optional[list[str]] = _WITH,
                  without: Optional[list[str]] = _WITHOUT) -> SafeJSONResponse:
    """The layers of one article (technique spans by default; ``with``/``without`` change the
    components): exactly what ``propwatch analyze --format json`` writes. ``with=attributions``
    adds who says what: ``layers.attributions`` holds each attribution's source, cue and
    content fragments with speaker and source type, and its ``summary`` the sourcing profile
    (shares, source types, state-affiliated outlets, unattributed claims).

    Send JSON ``{"text": ..., "title"?, "outlet"?, "published"?, "url"?, "id"?}`` or a
    multipart form with a ``file`` (.txt, .html, .jsonl, .csv; optional metadata fields).
    A JSONL or CSV file may hold several records: the first one is analysed, and the header
    ``X-Propwatch-Records`` gives how many there were. Title, outlet and date stated in the
    text are read from it unless given."""
    components = _components(runtime, with_, without)
    read = await read_request(request, runtime.ingest_settings)
    (analysis, _), upload = await runtime.analyze(read, components)
    return SafeJSONResponse(analysis.to_dict(), headers=_record_headers(upload))


@router.post("/api/report", response_class=HTMLResponse, openapi_extra=_BODY,
             responses={200: {"content": {"text/html": {}},
                              "description": "a self-contained HTML report page"}, **_ERRORS})
async def report(request: Request, runtime: Runtime = Depends(get_runtime),
                 with_: Optional[list[str]] = _WITH,
                 without: Optional[list[str]] = _WITHOUT) -> HTMLResponse:
    """The same input as /api/analyze; answers the self-contained HTML report page (inline CSS
    and JS, article text escaped) as a download."""
    components = _components(runtime, with_, without)
    read = await read_request(request, runtime.ingest_settings)
    (analysis, page), upload = await runtime.analyze(read, components, report=True)
    assert page is not None
    return report_response(page, analysis.article.id, download=True,
                           headers=_record_headers(upload))

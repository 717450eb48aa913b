"""POST /api/analyze and POST /api/report: analyse one article sent as JSON or as a file."""

from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from ...doc import Document
from ...errors import PropwatchError
from ...pipeline import Pipeline
from ...render.report import render_html
from ..deps import get_runtime, require_token
from ..inputs import Upload, read_request
from ..models import AnalysisOut, AnalyzeRequest, ErrorOut
from ..problems import ApiError, SafeJSONResponse
from ..runtime import PIPELINE_LOCK, Runtime
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
    (503, "the analysis took longer than --timeout"))}


def _pipeline(runtime: Runtime, with_: Optional[list[str]],
              without: Optional[list[str]]) -> Pipeline:
    try:
        return runtime.pipeline_for(with_ or [], without or [])
    except PropwatchError as exc:
        raise ApiError(422, "validation_error", f"field 'with'/'without': {exc}",
                       field="with") from None


def _analysis_job(pipeline: Pipeline, read):
    def job() -> tuple[Document, Upload]:
        upload = read()
        with PIPELINE_LOCK:
            return pipeline(upload.article), upload

    return job


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
    components): exactly what ``propwatch analyze --format json`` writes.

    Send JSON ``{"text": ..., "title"?, "outlet"?, "published"?, "url"?, "id"?}`` or a
    multipart form with a ``file`` (.txt, .html, .jsonl, .csv; optional metadata fields).
    A JSONL or CSV file may hold several records: the first one is analysed, and the header
    ``X-Propwatch-Records`` gives how many there were. Title, outlet and date stated in the
    text are read from it unless given."""
    pipeline = _pipeline(runtime, with_, without)
    read = await read_request(request, runtime.ingest_settings)
    analysis, upload = await runtime.run(_analysis_job(pipeline, read))
    return SafeJSONResponse(analysis.to_dict(), headers=_record_headers(upload))


@router.post("/api/report", response_class=HTMLResponse, openapi_extra=_BODY,
             responses={200: {"content": {"text/html": {}},
                              "description": "a self-contained HTML report page"}, **_ERRORS})
async def report(request: Request, runtime: Runtime = Depends(get_runtime),
                 with_: Optional[list[str]] = _WITH,
                 without: Optional[list[str]] = _WITHOUT) -> HTMLResponse:
    """The same input as /api/analyze; answers the self-contained HTML report page (inline CSS
    and JS, article text escaped) as a download."""
    pipeline = _pipeline(runtime, with_, without)
    read = await read_request(request, runtime.ingest_settings)
    job = _analysis_job(pipeline, read)

    def render() -> tuple[str, Document, Upload]:
        analysis, upload = job()
        return render_html(analysis), analysis, upload

    page, analysis, upload = await runtime.run(render)
    return report_response(page, analysis.article.id, download=True,
                           headers=_record_headers(upload))

"""POST /api/analyze and POST /api/report: analyse one article sent as JSON or as a file."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from ...doc import Analysis
from ...pipeline import analyze_article
from ...report import render_html
from ..deps import get_runtime, require_token
from ..inputs import Upload, read_request
from ..models import AnalysisOut, AnalyzeRequest, ErrorOut
from ..problems import SafeJSONResponse
from ..runtime import Runtime, detector_lock
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


def _analysis_job(runtime: Runtime, read):
    detector = runtime.detector

    def job() -> tuple[Analysis, Upload]:
        upload = read()
        with detector_lock(detector):
            return analyze_article(upload.article, detector=detector), upload

    return job


def _record_headers(upload: Upload) -> dict[str, str]:
    return {"X-Propwatch-Records": str(upload.records)} if upload.records > 1 else {}


@router.post("/api/analyze", response_model=AnalysisOut, openapi_extra=_BODY,
             responses=_ERRORS)
async def analyze(request: Request, runtime: Runtime = Depends(get_runtime)) -> SafeJSONResponse:
    """Technique spans of one article: exactly what ``propwatch analyze --format json`` writes.

    Send JSON ``{"text": ..., "title"?, "outlet"?, "published"?, "url"?, "id"?}`` or a
    multipart form with a ``file`` (.txt, .html, .jsonl, .csv; optional metadata fields).
    A JSONL or CSV file may hold several records: the first one is analysed, and the header
    ``X-Propwatch-Records`` gives how many there were. Title, outlet and date stated in the
    text are read from it unless given."""
    read = await read_request(request, runtime.ingest_settings)
    analysis, upload = await runtime.run(_analysis_job(runtime, read))
    return SafeJSONResponse(analysis.to_dict(), headers=_record_headers(upload))


@router.post("/api/report", response_class=HTMLResponse, openapi_extra=_BODY,
             responses={200: {"content": {"text/html": {}},
                              "description": "a self-contained HTML report page"}, **_ERRORS})
async def report(request: Request, runtime: Runtime = Depends(get_runtime)) -> HTMLResponse:
    """The same input as /api/analyze; answers the self-contained HTML report page (inline CSS
    and JS, article text escaped) as a download."""
    read = await read_request(request, runtime.ingest_settings)
    job = _analysis_job(runtime, read)

    def render() -> tuple[str, Analysis, Upload]:
        analysis, upload = job()
        return render_html(analysis), analysis, upload

    page, analysis, upload = await runtime.run(render)
    return report_response(page, analysis.article.id, download=True,
                           headers=_record_headers(upload))

"""The HTML report answer shared by POST /api/report and GET /api/articles/{id}/report.html."""

from __future__ import annotations

import re
from typing import Mapping

from fastapi.responses import HTMLResponse

# The page pins its inline script with its own CSP <meta>; the header adds what a <meta>
# cannot say (framing: only this server's own pages may embed it).
REPORT_CSP = "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"


def _filename(article_id: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", article_id).strip(".-")[:80] or "article"
    return f"{stem}-report.html"


def report_response(page: str, article_id: str, *, download: bool,
                    headers: Mapping[str, str] | None = None) -> HTMLResponse:
    disposition = "attachment" if download else "inline"
    return HTMLResponse(page, headers={
        "Content-Disposition": f'{disposition}; filename="{_filename(article_id)}"',
        "Content-Security-Policy": REPORT_CSP, "Cache-Control": "no-store", **(headers or {})})

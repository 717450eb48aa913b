"""Pure ASGI middleware: security headers, the request-body limit, and the last-resort 500.

They are plain ASGI (not ``BaseHTTPMiddleware``) so that bodies stream through them untouched
and an exception from a route never escapes as a traceback to the client.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from typing import Any, Awaitable, Callable, MutableMapping

from starlette.exceptions import HTTPException

from .problems import error_response, internal_error_response

log = logging.getLogger("propwatch.server")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

UI_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
          "script-src 'self'; frame-ancestors 'none'")
API_CSP = "default-src 'none'; frame-ancestors 'none'"
# Swagger UI and ReDoc (fastapi-offline) load their script, CSS and icon from this server
# (/static-offline-docs), start with one inline script (allowed by its hash), style with
# inline styles, draw data: images, call the API (try it out), and ReDoc searches in a blob:
# worker. Nothing comes from another origin (ReDoc's "powered by" logo on its CDN is blocked).
DOCS_CSP = ("default-src 'none'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
            "worker-src 'self' blob:; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'")
DOCS_PAGES = ("/docs", "/docs/oauth2-redirect", "/redoc")
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def docs_csp(page: bytes) -> str:
    """The docs CSP for ``page``, allowing exactly its inline scripts by their hashes."""
    hashes = [base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode("ascii")
              for m in _INLINE_SCRIPT.finditer(page)]
    return DOCS_CSP.format(scripts=" ".join(["'self'", *(f"'sha256-{h}'" for h in hashes)]))


def is_ui_path(path: str) -> bool:
    return path == "/" or path == "/ui" or path.startswith("/ui/") or path == "/index.html"


class SecurityHeadersMiddleware:
    """``nosniff``, ``no-referrer`` on every answer; a CSP unless the route set its own (the
    report pages do): the UI's for its pages, a deny-all one for the API."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if path in DOCS_PAGES:
            await self.app(scope, receive, _DocsPage(send))
            return
        csp = UI_CSP if is_ui_path(path) else API_CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = with_security_headers(message.get("headers", []), csp)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def with_security_headers(headers: Any, csp: str) -> list:
    """``headers`` plus nosniff, no-referrer and ``csp``, unless already set."""
    headers = list(headers)
    names = {name.lower() for name, _ in headers}
    extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
             (b"content-security-policy", csp.encode("ascii"))]
    return headers + [(k, v) for k, v in extra if k not in names]


class _DocsPage:
    """A ``send`` for the (small) docs pages: holds the answer until its body is complete, so
    that the CSP can name the page's inline scripts by hash."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.start: Message | None = None
        self.body = b""

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
            return
        if message["type"] != "http.response.body" or self.start is None:
            await self.send(message)
            return
        self.body += message.get("body", b"")
        if message.get("more_body", False):
            return
        self.start["headers"] = with_security_headers(self.start.get("headers", []),
                                                      docs_csp(self.body))
        await self.send(self.start)
        await self.send({"type": "http.response.body", "body": self.body})


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a body outgrows the limit while it streams in. It is an
    HTTPException so that FastAPI's own body parsing passes it on instead of answering 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_message(limit))


def too_large_message(limit: int) -> str:
    return (f"the request body is over the {limit}-byte limit; send a shorter article, or start "
            "propwatch serve with a larger --max-body-bytes")


class BodyLimitMiddleware:
    """Refuses bodies over ``limit`` bytes with 413: at once when Content-Length says so, and
    while streaming by counting the bytes received, so a missing or lying Content-Length
    (chunked uploads) cannot get past it."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = [v for k, v in scope.get("headers", []) if k.lower() == b"content-length"]
        if declared:
            try:
                length = int(declared[0])
                if length < 0:
                    raise ValueError
            except ValueError:
                await _answer(scope, receive, send, error_response(
                    400, "bad_request", "the Content-Length header is not a whole number"))
                return
            if length > self.limit:
                await _answer(scope, receive, send, error_response(
                    413, "too_large", too_large_message(self.limit)))
                return
        received = 0
        watched = _ResponseWatch(send)

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            # Raised where no exception handler runs (a middleware that read the body).
            if watched.started:
                raise
            await _answer(scope, receive, send,
                          error_response(413, "too_large", too_large_message(self.limit)))


class CatchAllMiddleware:
    """The last resort: an exception no handler took is logged with its traceback and answered
    ``500 {"error": {"code": "internal", ...}}``; the client never sees the traceback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        watched = _ResponseWatch(send)
        try:
            await self.app(scope, receive, watched)
        except Exception:  # noqa: BLE001 - the point of this middleware
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            if not watched.started:
                await internal_error_response()(scope, receive, send)


class _ResponseWatch:
    """A ``send`` that passes messages on and notes whether the response has started (after
    which an error can no longer be answered with a response of its own)."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        await self.send(message)


async def _answer(scope: Scope, receive: Receive, send: Send, response: Any) -> None:
    """Send ``response`` without reading the body (the server closes the connection after a
    response that left the body unread, as HTTP allows)."""
    await response(scope, receive, send)

"""Pure ASGI middleware: security headers, the request-body limit, and the last-resort 500.

They are plain ASGI (not ``BaseHTTPMiddleware``) so that bodies stream through them untouched
and an exception from a route never escapes as a traceback to the client.
"""

from __future__ import annotations

import logging
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
_DOCS_PATHS = ("/docs", "/redoc")  # Swagger UI and ReDoc load their scripts from a CDN


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
        csp = (UI_CSP if is_ui_path(path)
               else None if path.startswith(_DOCS_PATHS) else API_CSP)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                extra = [(b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"no-referrer")]
                if csp is not None:
                    extra.append((b"content-security-policy", csp.encode("ascii")))
                headers += [(k, v) for k, v in extra if k not in names]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


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

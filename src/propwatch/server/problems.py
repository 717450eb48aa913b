"""Every error answer is JSON ``{"error": {"code", "message", "field"?}}``: the exception type
the routes raise, the handlers that turn exceptions into such answers, and a JSON response
class that never fails on odd text (lone surrogates are sent as \\u escapes)."""

from __future__ import annotations

import json
import logging
from typing import Any, Mapping, Sequence

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from ..errors import InputError, PropwatchError, StoreError

log = logging.getLogger("propwatch.server")
QUERY_TIMEOUT = "E610"  # Store.time_limit stopped a query


class SafeJSONResponse(JSONResponse):
    """UTF-8 JSON; text a client sent with lone surrogates (valid JSON escapes, invalid UTF-8)
    goes back escaped instead of failing, so offsets stay as the client counted them."""

    def render(self, content: Any) -> bytes:
        try:
            return json.dumps(content, ensure_ascii=False, allow_nan=False,
                              separators=(",", ":")).encode("utf-8")
        except UnicodeEncodeError:
            return json.dumps(content, ensure_ascii=True, allow_nan=False,
                              separators=(",", ":")).encode("ascii")


class ApiError(Exception):
    """An error answer: HTTP status, a short code, a message a person can act on."""

    def __init__(self, status: int, code: str, message: str, *, field: str | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.headers = dict(headers or {})

    def response(self) -> SafeJSONResponse:
        return error_response(self.status, self.code, self.message, field=self.field,
                              headers=self.headers)


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    return {"error": error}


def error_response(status: int, code: str, message: str, *, field: str | None = None,
                   headers: Mapping[str, str] | None = None) -> SafeJSONResponse:
    return SafeJSONResponse(error_body(code, message, field), status_code=status,
                            headers=dict(headers or {}))


NO_STORE = ApiError(404, "no_store", "no corpus store: start propwatch serve with --db FILE")
ECHO_LIMIT = 80  # characters of a client's value quoted back in a message


def shown(value: str, limit: int = ECHO_LIMIT) -> str:
    """A client's value as quoted in a message: cut to ``limit`` characters with an ellipsis,
    so that a 10,000-character id does not come back whole."""
    return value if len(value) <= limit else value[:limit - 1] + "\u2026"

_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type",
               503: "unavailable"}
_HTTP_MESSAGES = {404: "no such route; see /docs for the API",
                  405: "this method is not allowed here; see /docs for the API"}


# ------------------------------------------------------------------ validation messages

def _field_of(loc: Sequence[Any]) -> str:
    # A location may hold a client's key (an unexpected field): cut like any echoed value.
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return shown(".".join(parts)) or "body"


def _phrase(error: Mapping[str, Any]) -> str:
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind in ("empty", "string_too_short") and ctx.get("min_length", 1) == 1:
        return "must not be empty"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        word = {"greater_than_equal": "at least", "greater_than": "more than",
                "less_than_equal": "at most", "less_than": "less than"}[kind]
        limit = next(iter(ctx.values()), "?")
        return f"must be {word} {limit}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "must be a whole number"
    if kind in ("float_parsing", "float_type"):
        return "must be a number"
    if kind == "string_type":
        return "must be a string"
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        return "must be a JSON object"
    if kind == "json_invalid":
        return f"is not valid JSON ({ctx.get('error', 'parse error')})"
    message = str(error.get("msg", "is invalid"))
    return message[:1].lower() + message[1:]


def validation_error(errors: Sequence[Mapping[str, Any]]) -> ApiError:
    """A 422 naming the first bad field, as ``field 'text': must not be empty``; the other
    problems are appended."""
    phrases = ([(_field_of(e.get("loc", ())), _phrase(e)) for e in errors]
               or [("body", "is invalid")])
    field, first = phrases[0]
    message = f"field '{field}': {first}"
    others = [f"field '{f}': {p}" for f, p in phrases[1:4]]
    if others:
        message += "; also " + "; ".join(others)
    return ApiError(422, "validation_error", message, field=field)


# ------------------------------------------------------------------ handlers

def install_handlers(app: FastAPI) -> None:
    """Register the handlers that answer every error as JSON."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> SafeJSONResponse:
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> SafeJSONResponse:
        return validation_error(exc.errors()).response()

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> SafeJSONResponse:
        status = exc.status_code
        code = _HTTP_CODES.get(status, "bad_request" if status < 500 else "unavailable")
        detail = exc.detail if isinstance(exc.detail, str) else None
        message = _HTTP_MESSAGES.get(status) or (detail or "request refused").rstrip(".")
        return error_response(status, code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError) -> SafeJSONResponse:
        return error_response(422, "invalid_input", str(exc))

    @app.exception_handler(StoreError)
    async def _store(request: Request, exc: StoreError) -> SafeJSONResponse:
        log.warning("store error on %s %s: %s", request.method, request.url.path, exc)
        code = "query_timeout" if exc.code == QUERY_TIMEOUT else "store_error"
        return error_response(503, code, str(exc), headers={"Retry-After": "5"})

    @app.exception_handler(PropwatchError)
    async def _propwatch(request: Request, exc: PropwatchError) -> SafeJSONResponse:
        log.warning("error on %s %s: %s", request.method, request.url.path, exc)
        return error_response(500, "internal", str(exc))

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> SafeJSONResponse:
        # Reached only when CatchAllMiddleware is not in the stack; it normally answers first.
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return internal_error_response()


def internal_error_response() -> SafeJSONResponse:
    return error_response(500, "internal",
                          "an unexpected error occurred on the server; it has been logged")

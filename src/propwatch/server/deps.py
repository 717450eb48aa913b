"""Dependencies the routers share: the app's runtime and the token check."""

from __future__ import annotations

import functools
import hmac
from typing import Any, Optional, cast

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from ..store import Store
from .problems import ApiError
from .runtime import Runtime

_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <token>")
_api_key = APIKeyHeader(name="X-API-Token", auto_error=False, description="X-API-Token: <token>")


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def get_store(runtime: Runtime = Depends(get_runtime)) -> Store:
    """The corpus store, each query under the server's time limit (past it: 503
    ``query_timeout``), or 404 ``no_store`` when the server was started without --db."""
    return cast(Store, _TimeLimited(runtime.require_store(), runtime.settings.query_timeout_s))


class _TimeLimited:
    """The store, each method call under ``Store.time_limit``. The limit is per thread, so it
    is set by the call itself, in the thread that runs the query (a route's thread)."""

    def __init__(self, store: Store, seconds: float) -> None:
        self._store, self._seconds = store, seconds

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._store, name)
        if not callable(value):
            return value

        @functools.wraps(value)
        def limited(*args: Any, **kwargs: Any) -> Any:
            with self._store.time_limit(self._seconds):
                return value(*args, **kwargs)

        return limited


def _same(given: str, expected: str) -> bool:
    # Header values arrive decoded as latin-1: encoding back gives the bytes the client sent,
    # which are compared with the token's UTF-8 bytes (a non-ASCII token works too).
    return hmac.compare_digest(given.encode("latin-1", "replace"),
                               expected.encode("utf-8", "surrogatepass"))


def require_token(
    runtime: Runtime = Depends(get_runtime),
    bearer: Optional[HTTPAuthorizationCredentials] = Security(_bearer),
    api_key: Optional[str] = Security(_api_key),
) -> None:
    """401 unless the configured token came as ``Authorization: Bearer`` or ``X-API-Token``
    (no token configured: everyone may call)."""
    expected = runtime.settings.token
    if expected is None:
        return
    given = [c for c in (bearer.credentials if bearer else None, api_key) if c]
    # Compare every candidate (no early exit), in constant time per comparison.
    matched = False
    for candidate in given:
        matched |= _same(candidate, expected)
    if not matched:
        raise ApiError(401, "unauthorized",
                       "missing or wrong API token: send 'Authorization: Bearer <token>' or "
                       "'X-API-Token: <token>' with the token propwatch serve was started with"
                       if given else
                       "this server needs an API token: send 'Authorization: Bearer <token>' "
                       "or 'X-API-Token: <token>'",
                       headers={"WWW-Authenticate": 'Bearer realm="propwatch"'})

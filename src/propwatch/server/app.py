"""The FastAPI application: routers, error handlers, middleware, the UI's static files.

``create_app(settings)`` opens the store and starts the analysis workers (``settings.workers``
processes, one per usable core by default), each of which loads the pipeline's components (so a
bad --db or component fails before serving); each analysis runs in an idle worker process (see
``workers``), never on the event loop. With the default ``isolation="process"`` a script that
calls ``create_app`` needs the usual ``if __name__ == "__main__":`` guard (the workers are
spawned processes).
"""

from __future__ import annotations

import errno
import logging
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from .settings import MISSING_EXTRA

try:
    from fastapi import FastAPI
    from fastapi.responses import FileResponse, RedirectResponse
    from fastapi.staticfiles import StaticFiles
    from fastapi_offline import FastAPIOffline
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(MISSING_EXTRA) from exc

from .. import __version__
from ..errors import UsageError
from .middleware import BodyLimitMiddleware, CatchAllMiddleware, SecurityHeadersMiddleware
from .problems import SafeJSONResponse, install_handlers
from .routers import analyze, articles, health, kb, reuse, stats, techniques
from .runtime import Runtime
from .settings import ServerSettings

log = logging.getLogger("propwatch.server")

UI_DIR = Path(__file__).resolve().parent / "ui"

DESCRIPTION = """\
Find propaganda techniques in news articles, with character-exact evidence.

* Every error is JSON `{"error": {"code", "message", "field"?}}`.
* With a token configured (`propwatch serve --token` or `PROPWATCH_TOKEN`), every `/api` route
  but `/api/health` needs `Authorization: Bearer <token>` or `X-API-Token: <token>`.
* Corpus routes (`/api/articles`, `/api/stats`, `/api/reuse/...`) and knowledge bases
  (`/api/kb/...`, `kb=` on `/api/analyze`) need `--db FILE`; without it they answer 404 with
  code `no_store`.
"""


def create_app(settings: ServerSettings, *, ui_dir: Path | None = None) -> FastAPI:
    """The API for ``settings``; ``ui_dir`` (default: the packaged ``server/ui``) is served at
    ``/`` (its index.html) and ``/ui/...`` when it holds an index.html."""
    runtime = Runtime(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime.open()
        log.info("propwatch serve: components %s, store %s", runtime.versions,
                 settings.db or "none")
        try:
            yield
        finally:
            runtime.close()

    # FastAPIOffline serves the Swagger and ReDoc assets from its package: /docs works offline
    app = FastAPIOffline(title="propwatch", version=__version__, description=DESCRIPTION,
                         lifespan=lifespan, default_response_class=SafeJSONResponse)
    app.state.runtime = runtime
    install_handlers(app)
    for module in (analyze, articles, stats, reuse, kb, techniques, health):
        app.include_router(module.router)
    _mount_ui(app, ui_dir if ui_dir is not None else UI_DIR)
    # Added last = outermost: headers on every answer, then the 500 of last resort, then the
    # body limit closest to the routes.
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes)
    app.add_middleware(CatchAllMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    return app


def _mount_ui(app: FastAPI, folder: Path) -> None:
    index = folder / "index.html"
    if not index.is_file():
        @app.get("/", include_in_schema=False)
        def no_ui() -> RedirectResponse:
            return RedirectResponse("/docs")
        return

    @app.get("/", include_in_schema=False)
    def ui_index() -> FileResponse:
        return FileResponse(index, media_type="text/html; charset=utf-8",
                            headers={"Cache-Control": "no-cache"})

    app.mount("/ui", StaticFiles(directory=folder, html=True), name="ui")


def serve(settings: ServerSettings, host: str = "127.0.0.1", port: int = 8000, *,
          on_ready: Callable[[], None] | None = None) -> None:
    """Run the API with uvicorn until interrupted. The port is bound first (E501 when it is
    taken), then the app is built (a bad --db or component fails here); ``on_ready`` is called
    when both succeeded, before serving."""
    import uvicorn

    from .protocol import deadline_protocol

    sock = listening_socket(host, port)
    try:
        app = create_app(settings)
        protocol = deadline_protocol(header_timeout=settings.header_timeout_s,
                                     body_timeout=settings.body_timeout_s)
        config = uvicorn.Config(app, http=protocol, log_level="info", server_header=False,
                                proxy_headers=False, timeout_graceful_shutdown=5)
        if on_ready is not None:
            on_ready()
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` and listening; E501 when that fails (the port is
    taken, the address is not this machine's, a port under 1024 without the right)."""
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        family, kind, proto, _, where = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise UsageError.make("E501", address=address,
                              reason=exc.strerror or str(exc)) from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        sock.bind(where)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        reason = ("the port is already in use" if exc.errno == errno.EADDRINUSE
                  else exc.strerror or str(exc))
        raise UsageError.make("E501", address=address, reason=reason) from None
    return sock

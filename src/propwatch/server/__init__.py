"""``propwatch serve``: a REST API (FastAPI) over the library, and the web UI's static files.

FastAPI and uvicorn are optional (extra ``[server]``): importing this package needs neither;
``create_app`` and ``serve`` raise an ImportError naming ``pip install 'propwatch[server]'``
when they are missing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .settings import MISSING_EXTRA, ServerSettings, require_server_extra

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["MISSING_EXTRA", "ServerSettings", "create_app", "serve"]


def create_app(settings: ServerSettings, *, ui_dir: Path | None = None) -> "FastAPI":
    """The FastAPI application for ``settings`` (detector loaded at startup, store opened now);
    ``ui_dir`` replaces the packaged web UI folder (tests)."""
    require_server_extra()
    from .app import create_app as build

    return build(settings, ui_dir=ui_dir)


def serve(settings: ServerSettings, host: str = "127.0.0.1", port: int = 8000, *,
          on_ready: Callable[[], None] | None = None) -> None:
    """Run the API with uvicorn until interrupted (binds the loopback interface by default);
    ``on_ready`` runs once the port is bound and the app built (E501: the port is taken)."""
    require_server_extra()
    from .app import serve as run

    run(settings, host=host, port=port, on_ready=on_ready)

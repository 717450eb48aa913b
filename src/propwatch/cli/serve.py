"""``propwatch serve``: register with ``app.command("serve")(serve_command)`` in propwatch.cli.

Typer only; FastAPI and uvicorn are imported when the command runs, and their absence is one
error line naming ``pip install 'propwatch[server]'`` (exit 2)."""

from __future__ import annotations

import ipaddress
from typing import List, Optional

import typer

from ..errors import PropwatchError, UsageError
from ..server.settings import ServerSettings, require_server_extra, usable_cores
from .common import (err, fail, pipeline_settings, settings_or_exit, with_knowledge_bases,
                     with_option, without_option)

_DEFAULTS = ServerSettings()  # the one place the server defaults live


def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on. The default "
                             "serves this machine only; 0.0.0.0 serves the network (use --token)."),
    port: int = typer.Option(8000, "--port", "-p", min=1, max=65535, help="Port to listen on."),
    db: Optional[str] = typer.Option(None, "--db", help="Corpus database (from 'propwatch corpus "
                                     "add') for /api/articles, /api/stats and /api/reuse."),
    token: Optional[str] = typer.Option(None, "--token", envvar="PROPWATCH_TOKEN",
                                        show_envvar=True, help="Require this token on /api "
                                        "routes (Authorization: Bearer or X-API-Token). Prefer "
                                        "the environment variable: options show in 'ps'."),
    max_body_bytes: Optional[int] = typer.Option(
        None, "--max-body-bytes", min=1,
        help=f"Refuse request bodies larger than this (413; default {_DEFAULTS.max_body_bytes:,})."),
    timeout: Optional[float] = typer.Option(
        None, "--timeout", min=0.001, help="Seconds one analysis may take; past it the answer "
        "is 503 and the analysis is stopped (its worker process is replaced; default "
        f"{_DEFAULTS.analysis_timeout_s:g})."),
    workers: Optional[int] = typer.Option(
        None, "--workers", min=1, envvar="PROPWATCH_WORKERS", show_envvar=True,
        help="Analysis worker processes, each loading the models once; a request goes to an "
        f"idle one (default: one per usable core, here {usable_cores()}). Each takes the "
        "models' memory again; 1 analyses one article at a time."),
    detector: Optional[str] = typer.Option(None, "--detector", "-d",
                                           help="Detector name (see 'propwatch detectors')."),
    with_: Optional[List[str]] = with_option(),
    without: Optional[List[str]] = without_option(),
    kb: Optional[List[str]] = typer.Option(None, "--kb", help="Match every analysis against this knowledge base of --db (repeat for several); a request's own kb= adds to it."),
) -> None:
    """Serve the REST API (and the web UI) on http://HOST:PORT; API docs at /docs."""
    try:
        require_server_extra()
    except ImportError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2)
    from ..server import serve

    if kb and not db:
        fail(UsageError.make("E402", value=", ".join(kb), option="--kb",
                             reason="knowledge bases live in a store: give it with --db"), 2)
    pipeline = with_knowledge_bases(
        pipeline_settings(settings_or_exit(detector=detector), with_, without), kb, db)
    given = {"max_body_bytes": max_body_bytes, "analysis_timeout_s": timeout,
             "workers": workers}
    try:
        settings = ServerSettings(db=db, token=token, pipeline=pipeline,
                                  **{k: v for k, v in given.items() if v is not None})
    except PropwatchError as exc:
        fail(exc, 2)
    if settings.workers > usable_cores():
        err.print(f"warning: {settings.workers} analysis workers on {usable_cores()} usable "
                  "cores: they will take turns on the cores, and each holds the models in "
                  "memory.", markup=False)
    if token is None and not _is_loopback(host):
        err.print(f"warning: serving on {host} without --token: anyone who can reach this port "
                  "can use the API. Set PROPWATCH_TOKEN.", markup=False)

    def banner() -> None:  # once the port is bound and the app built: nothing can fail after
        workers = (f"{settings.workers} analysis worker{'s' if settings.workers > 1 else ''}"
                   if settings.isolation == "process" else "analyses in this process")
        err.print(f"propwatch serve: http://{_url_host(host)}:{port}/ (API docs at /docs; "
                  f"{workers})", markup=False)

    try:
        serve(settings, host=host, port=port, on_ready=banner)
    except PropwatchError as exc:  # port taken (E501); a bad --db, component or detector
        fail(exc, 2)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host

"""Server settings, and the check for the optional ``[server]`` dependencies. Stdlib only, so
the CLI can build settings and report a missing extra without importing FastAPI."""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field

from ..config import Settings
from ..errors import UsageError

MISSING_EXTRA = (
    "propwatch serve needs FastAPI, fastapi-offline, uvicorn and python-multipart, which are not installed. "
    "Install them with: pip install 'propwatch[server]'"
)
_REQUIRED = ("fastapi", "fastapi_offline", "uvicorn", "python_multipart")
ISOLATIONS = ("process", "thread")


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity mask, as taskset or a container's
    cpuset gives it; ``os.cpu_count()`` where the platform has no mask)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def require_server_extra() -> None:
    """Raise ImportError naming the ``[server]`` extra when one of its packages is missing."""
    missing = [name for name in _REQUIRED if importlib.util.find_spec(name) is None]
    if missing:
        raise ImportError(f"{MISSING_EXTRA} (missing: {', '.join(missing)})")


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """Everything ``create_app`` needs; ``db=None`` serves analysis only (no corpus routes)."""

    db: str | None = None
    token: str | None = None  # when set, every /api route but /api/health needs it
    # A worst-case request is bounded by both limits: at most max_body_bytes read (2 MB holds
    # any real HTML page; its text is far shorter) and analysis_timeout_s of one worker's time,
    # after which the worker process is killed and replaced (about 1 s). At ~12 KB of text per
    # second on 2 cores, 30 s covers articles of ~300 KB of text, far beyond real ones.
    max_body_bytes: int = 2_000_000
    analysis_timeout_s: float = 30.0
    # "process": analyses run in a worker process, killed and replaced at the time limit.
    # "thread": in this process (sees components added with propwatch.pipeline.register; a
    # timed-out analysis runs on to its end, holding the analysis worker meanwhile).
    isolation: str = "process"
    # Analysis worker processes (isolation="process"), each loading the pipeline once; a job
    # goes to an idle one. Default: one per usable core. With isolation="thread" analyses run
    # one at a time whatever this says.
    workers: int = field(default_factory=usable_cores)
    query_timeout_s: float = 10.0  # a store query running longer is stopped: 503 query_timeout
    header_timeout_s: float = 10.0  # a client must send a request's headers within this
    body_timeout_s: float = 60.0  # ... and its whole body within this after the headers
    pipeline: Settings = field(default_factory=Settings)  # components, detector, threshold

    def __post_init__(self) -> None:
        if not isinstance(self.max_body_bytes, int) or self.max_body_bytes <= 0:
            raise UsageError.make("E402", value=self.max_body_bytes, option="--max-body-bytes",
                                  reason="must be a positive number of bytes")
        for value, option in ((self.analysis_timeout_s, "--timeout"),
                              (self.query_timeout_s, "query_timeout_s"),
                              (self.header_timeout_s, "header_timeout_s"),
                              (self.body_timeout_s, "body_timeout_s")):
            if not value > 0:
                raise UsageError.make("E402", value=value, option=option,
                                      reason="must be a positive number of seconds")
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) \
                or self.workers < 1:
            raise UsageError.make("E402", value=self.workers, option="--workers",
                                  reason="must be a whole number of processes, at least 1")
        if self.isolation not in ISOLATIONS:
            raise UsageError.make("E402", value=self.isolation, option="isolation",
                                  reason=f"must be one of {', '.join(ISOLATIONS)}")
        if self.token is not None and not self.token.strip():
            raise UsageError.make("E402", value="", option="--token",
                                  reason="an empty token would let anyone in; give a long "
                                         "random string or leave it out")

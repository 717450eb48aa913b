"""Server settings, and the check for the optional ``[server]`` dependencies. Stdlib only, so
the CLI can build settings and report a missing extra without importing FastAPI."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field

from ..config import Settings
from ..errors import UsageError

MISSING_EXTRA = (
    "propwatch serve needs FastAPI, fastapi-offline, uvicorn and python-multipart, which are not installed. "
    "Install them with: pip install 'propwatch[server]'"
)
_REQUIRED = ("fastapi", "fastapi_offline", "uvicorn", "python_multipart")


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
    max_body_bytes: int = 2_000_000
    analysis_timeout_s: float = 30.0
    pipeline: Settings = field(default_factory=Settings)  # components, detector, threshold

    def __post_init__(self) -> None:
        if not isinstance(self.max_body_bytes, int) or self.max_body_bytes <= 0:
            raise UsageError.make("E402", value=self.max_body_bytes, option="--max-body-bytes",
                                  reason="must be a positive number of bytes")
        if not self.analysis_timeout_s > 0:
            raise UsageError.make("E402", value=self.analysis_timeout_s, option="--timeout",
                                  reason="must be a positive number of seconds")
        if self.token is not None and not self.token.strip():
            raise UsageError.make("E402", value="", option="--token",
                                  reason="an empty token would let anyone in; give a long "
                                         "random string or leave it out")

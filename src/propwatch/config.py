"""Settings as one frozen object: packaged defaults < user file < PROPWATCH_* environment < options.

The user file is TOML at ``$PROPWATCH_CONFIG`` or ``~/.config/propwatch/config.toml``; its keys
are the field names of ``Settings`` (for example ``max_bytes = 5000000``, ``components =
["techniques", "example"]``), and a table ``[component.NAME]`` holds one component's options.
In the environment, ``PROPWATCH_COMPONENTS`` is a comma-separated list.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

from .errors import UsageError


@dataclass(frozen=True, slots=True)
class Settings:
    max_bytes: int = 20_000_000  # larger input files are refused (E104)
    # Longer article texts are refused (E114), in a file of one article or a JSONL/CSV record:
    # a news article is rarely over 100,000 characters; this leaves room for long reports.
    max_article_chars: int = 1_000_000
    components: tuple[str, ...] = ("techniques",)  # the pipeline, in order
    component: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # [component.NAME]
    detector: str | None = None  # techniques detector; None: the component's default
    threshold: float | None = None  # span threshold; None keeps the model's tuned value
    data: str | None = None  # folder holding ptc/ (PROPWATCH_DATA)


def user_config_path(environ: Mapping[str, str] | None = None) -> Path:
    env = (os.environ if environ is None else environ).get("PROPWATCH_CONFIG")
    return Path(env) if env else Path.home() / ".config" / "propwatch" / "config.toml"


def load_settings(overrides: Mapping[str, Any] | None = None,
                  environ: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from every layer; ``overrides`` (CLI options) win, ``None`` values skip."""
    environ = os.environ if environ is None else environ
    settings = Settings()
    path = user_config_path(environ)
    try:
        exists = path.is_file()
        if not exists and environ.get("PROPWATCH_CONFIG"):
            raise UsageError.make("E401", path=path, reason="PROPWATCH_CONFIG names this file but "
                                  "there is no such file; create it or unset PROPWATCH_CONFIG")
        data = tomllib.loads(path.read_text(encoding="utf-8")) if exists else None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError.make("E401", path=path, reason=str(exc)) from None
    if data is not None:
        settings = _apply(settings, data, source=str(path))
    from_env = {f.name: environ[f"PROPWATCH_{f.name.upper()}"] for f in fields(Settings)
                if f.name != "component" and f"PROPWATCH_{f.name.upper()}" in environ}
    settings = _apply(settings, from_env, source="environment")
    return _apply(settings, {k: v for k, v in (overrides or {}).items() if v is not None},
                  source="options")


def _apply(settings: Settings, values: Mapping[str, Any], source: str) -> Settings:
    known = {f.name: f for f in fields(Settings)}
    changes: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known:
            raise UsageError.make("E401", path=source, reason=f"unknown setting '{key}'")
        changes[key] = _coerce(key, value)
    return replace(settings, **changes)


def _coerce(key: str, value: Any) -> Any:
    try:
        if key in ("max_bytes", "max_article_chars"):
            if isinstance(value, float) and not value.is_integer():
                raise ValueError("must be a whole number of "
                                 + ("bytes" if key == "max_bytes" else "characters"))
            number = int(value)
            if number <= 0:
                raise ValueError("must be positive")
            return number
        if key == "components":
            names = value.split(",") if isinstance(value, str) else list(value)
            names = [str(n).strip() for n in names if str(n).strip()]
            if not names:
                raise ValueError("name at least one component")
            return tuple(dict.fromkeys(names))
        if key == "component":
            if not isinstance(value, Mapping) or not all(isinstance(v, Mapping)
                                                        for v in value.values()):
                raise ValueError("use one [component.NAME] table per component")
            return {str(k): dict(v) for k, v in value.items()}
        if key == "threshold":
            number = float(value)
            if not 0.0 < number < 1.0:
                raise ValueError("must lie between 0 and 1")
            return number
        return str(value)
    except (TypeError, ValueError) as exc:
        raise UsageError.make("E402", value=value, option=key, reason=str(exc)) from None

"""One registry of components, with versioned names.

Built-in components are named here as ``"module:attribute"`` of their ``ComponentSpec`` and
imported only when asked for; third-party packages add theirs through the entry-point group
``propwatch.components`` (the entry point names a ``ComponentSpec``, or a callable returning
one). ``register`` adds one at run time (notebooks, tests).
"""

from __future__ import annotations

import threading
from importlib import import_module
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Mapping

from ..errors import ModelError
from .component import Component, ComponentSpec

ENTRY_POINT_GROUP = "propwatch.components"

BUILTIN: dict[str, str] = {
    "techniques": "propwatch.components.techniques:SPEC",
    "attributions": "propwatch.components.attributions:SPEC",
    "matches": "propwatch.components.matches:SPEC",
    "roles": "propwatch.components.roles:SPEC",
    "narratives": "propwatch.components.narratives:SPEC",
}

_registered: dict[str, ComponentSpec] = {}
_loaded: dict[str, ComponentSpec] | None = None
_instances: dict[tuple[str, tuple], Component] = {}
_lock = threading.RLock()


def register(spec: ComponentSpec) -> ComponentSpec:
    """Make ``spec`` available by its name (replacing a component of the same name)."""
    with _lock:
        _registered[spec.name] = spec
        if _loaded is not None:
            _loaded[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    """Forget a component added with ``register`` (and its loaded instances)."""
    with _lock:
        _registered.pop(name, None)
        if _loaded is not None:
            _loaded.pop(name, None)
        for key in [k for k in _instances if _split_version(k[0])[0] == name]:
            del _instances[key]


def refresh() -> None:
    """Look for entry points again (after installing a plugin in a running process)."""
    global _loaded
    with _lock:
        _loaded = None


def _load_target(target: str) -> Any:
    module, _, attribute = target.partition(":")
    obj: Any = import_module(module)
    for part in attribute.split("."):
        obj = getattr(obj, part)
    return obj


def _spec_of(obj: Any, where: str) -> ComponentSpec:
    spec = obj if isinstance(obj, ComponentSpec) else obj() if callable(obj) else None
    if not isinstance(spec, ComponentSpec):
        raise ModelError.make("E205", name=where, reason="its entry point is not a ComponentSpec",
                              package=where)
    return spec


def _from_entry_point(entry: EntryPoint) -> ComponentSpec:
    package = entry.dist.name if entry.dist is not None else entry.value.split(":")[0]
    try:
        return _spec_of(entry.load(), package)
    except ImportError as exc:
        raise ModelError.make("E205", name=entry.name, reason=str(exc), package=package) from None


def _all() -> dict[str, ComponentSpec]:
    global _loaded
    with _lock:
        if _loaded is None:
            found: dict[str, Any] = dict(BUILTIN)
            for entry in entry_points(group=ENTRY_POINT_GROUP):
                found.setdefault(entry.name, entry)  # a plugin cannot shadow a built-in
            found.update(_registered)
            _loaded = found  # type: ignore[assignment]
        return _loaded  # type: ignore[return-value]


def _resolve(name: str) -> ComponentSpec:
    with _lock:
        entry = _all()[name]
        if isinstance(entry, str):
            entry = _spec_of(_load_target(entry), name)
        elif isinstance(entry, EntryPoint):
            entry = _from_entry_point(entry)
        _all()[name] = entry
        return entry


def _split_version(name: str) -> tuple[str, str]:
    """("techniques", "1") for "techniques.v1"; (name, "") when it carries no version."""
    base, dot_v, version = name.rpartition(".v")
    return (base, version) if dot_v and version.isdigit() else (name, "")


def component_names() -> list[str]:
    """Names of every known component (built in, installed plugins, registered)."""
    return sorted(_all())


def get_spec(name: str) -> ComponentSpec:
    """The spec of ``name`` ("techniques") or of a versioned name ("techniques.v1"); E204 when
    unknown or when the version asked for is not the one installed."""
    base, version = _split_version(name)
    if base in _all():
        spec = _resolve(base)
        if not version or version == str(spec.version):
            return spec
    raise ModelError.make("E204", name=name, choices=", ".join(component_names()))


def spec_for_layer(layer: str) -> ComponentSpec | None:
    """The spec of the component that writes ``layer``, among those already loaded or built
    in; None for a layer no known component writes."""
    with _lock:
        for name in list(_all()):
            try:
                spec = _resolve(name)
            except ModelError:
                continue
            if spec.layer == layer:
                return spec
    return None


def get_component(name: str, config: Mapping[str, Any] | None = None) -> Component:
    """The component ``name`` built with ``config`` over its defaults, once per process and
    config (models load once and are shared)."""
    spec = get_spec(name)
    merged = {**spec.defaults, **(config or {})}
    key = (spec.versioned_name, tuple(sorted((k, repr(v)) for k, v in merged.items())))
    with _lock:
        if key not in _instances:
            try:
                _instances[key] = spec.factory(merged)
            except ImportError as exc:
                raise ModelError.make("E205", name=spec.name, reason=str(exc),
                                      package=spec.package) from None
        return _instances[key]

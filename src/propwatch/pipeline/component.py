"""What a component is: the protocol every layer-maker follows, its registry entry, and the
per-document scratch space through which components share one encoder pass.

A component reads some layers of a ``Document`` and returns one new ``Layer``; the pipeline
adds it. Stdlib only, so that components, plugins and the registry can all import it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, Mapping, Protocol, TypeVar, runtime_checkable

from ..doc import Document, Layer

T = TypeVar("T")


class Shared:
    """Scratch space for one document's pass through the pipeline: a component that needs
    transformer states asks ``shared.get(key, compute)``, and the first asker pays for the
    forward while later ones reuse it. Dropped when the document leaves the pipeline."""

    __slots__ = ("_values",)

    def __init__(self) -> None:
        self._values: dict[Hashable, Any] = {}

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value under ``key``, computed by ``compute()`` the first time it is asked for."""
        if key not in self._values:
            self._values[key] = compute()
        return self._values[key]

    def __contains__(self, key: Hashable) -> bool:
        return key in self._values


@runtime_checkable
class Component(Protocol):
    """One step of a pipeline: reads the layers in ``reads``, writes the layer ``layer``."""

    name: str  # versioned registry name, e.g. "techniques.v1"; stamped on its layer
    version: str  # what made the findings: model artifact or rules version
    layer: str  # the layer it writes
    reads: tuple[str, ...]  # layers that must be there before it runs

    def __call__(self, doc: Document, shared: Shared) -> Layer:
        """The component's layer for ``doc`` (the pipeline adds it to the document)."""
        ...


#: factory(config) -> Component; config is the spec's defaults overlaid by the user's settings
Factory = Callable[[Mapping[str, Any]], Component]


@dataclass(frozen=True)
class ComponentSpec:
    """A registry entry. ``factory`` builds the component from its config; ``renderer`` is
    ``"module:attribute"`` of a ``propwatch.render.LayerRenderer`` for its layer (None: the
    generic one, highlighted spans with labels); ``package`` is what to pip-install when the
    factory cannot import what it needs."""

    name: str  # "techniques"
    version: int  # 1 -> registry name "techniques.v1"
    layer: str
    factory: Factory
    reads: tuple[str, ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    renderer: str | None = None
    package: str = "propwatch"

    @property
    def versioned_name(self) -> str:
        return f"{self.name}.v{self.version}"

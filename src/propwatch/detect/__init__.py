"""Detectors find technique spans in an article. One registry, versioned names, loaded lazily."""

from __future__ import annotations

import threading
from importlib import import_module
from pathlib import Path
from typing import Protocol, Sequence

from ..doc import Article, Span
from ..errors import ModelError
from ..pipeline.component import Shared


class Detector(Protocol):
    name: str  # registry name, e.g. "baseline"
    version: str  # artifact version, e.g. "baseline-crf-v1"

    def detect(self, article: Article, shared: Shared | None = None) -> list[Span]:
        """Technique spans in the article's non-boilerplate text; ``shared`` holds the
        document's encoder states for other components to reuse."""

    def classify(self, article: Article, spans: Sequence[tuple[int, int]]) -> list[str]:
        """The technique of each given span (the TC task)."""

    def spans_at_thresholds(self, article: Article, thresholds: Sequence[float]
                            ) -> dict[float, list[tuple[int, int]]]:
        """The (start, end) spans each span threshold would give, from one pass of the model."""


# name -> (module, class); modules import only when the detector is asked for.
REGISTRY: dict[str, tuple[str, str]] = {
    "baseline": ("propwatch.detect.baseline", "BaselineDetector"),
    "transformer": ("propwatch.detect.transformer", "TransformerDetector"),
}
DEFAULT = "transformer"

_cache: dict[tuple[str, float | None, str | None], Detector] = {}
_lock = threading.Lock()


def get_detector(name: str | None = None, *, threshold: float | None = None,
                 model_dir: str | None = None) -> Detector:
    """The named detector (None: the default), loaded once per process and shared;
    ``model_dir`` loads its artifact from another folder (one ``train`` or ``evaluate
    --write`` made)."""
    name = name or DEFAULT
    if name not in REGISTRY:
        raise ModelError.make("E201", name=name, choices=", ".join(sorted(REGISTRY)))
    key = (name, threshold, model_dir)
    with _lock:
        if key not in _cache:
            module, cls = REGISTRY[name]
            found = getattr(import_module(module), cls)
            _cache[key] = (found(threshold=threshold) if model_dir is None
                           else found(model_dir=Path(model_dir), threshold=threshold))
        return _cache[key]

"""Detectors find technique spans in an article. One registry, versioned names, loaded lazily."""

from __future__ import annotations

import threading
from importlib import import_module
from typing import Protocol, Sequence

from ..doc import Article, Span
from ..errors import ModelError


class Detector(Protocol):
    name: str  # registry name, e.g. "baseline"
    version: str  # artifact version, e.g. "baseline-crf-v1"

    def detect(self, article: Article) -> list[Span]:
        """Technique spans in the article's non-boilerplate text."""

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
DEFAULT = "transformer"  # config.Settings.detector names it too (a test keeps them equal)

_cache: dict[tuple[str, float | None], Detector] = {}
_lock = threading.Lock()


def get_detector(name: str = DEFAULT, *, threshold: float | None = None) -> Detector:
    """The named detector, loaded once per process and shared."""
    if name not in REGISTRY:
        raise ModelError.make("E201", name=name, choices=", ".join(sorted(REGISTRY)))
    key = (name, threshold)
    with _lock:
        if key not in _cache:
            module, cls = REGISTRY[name]
            _cache[key] = getattr(import_module(module), cls)(threshold=threshold)
        return _cache[key]

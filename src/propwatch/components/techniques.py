"""The ``techniques`` component: technique spans (SI + TC) from a registered detector."""

from __future__ import annotations

from typing import Any, Mapping

from ..detect import get_detector
from ..detect.words import whole_word_spans
from ..doc import TECHNIQUES, Document, Layer, technique_layer
from ..pipeline.component import ComponentSpec, Shared
from . import check_settings


class TechniquesComponent:
    """Wraps a detector: its spans on whole words (the registered detectors decode them so;
    this holds for any detector), minus any that touch boilerplate, as the techniques layer."""

    name = "techniques.v1"
    layer = TECHNIQUES
    reads: tuple[str, ...] = ()

    def __init__(self, *, detector: str | None = None, threshold: float | None = None,
                 model_dir: str | None = None) -> None:
        self.detector = get_detector(detector, threshold=threshold, model_dir=model_dir)
        self.version = self.detector.version

    def __call__(self, doc: Document, shared: Shared) -> Layer:
        article = doc.article
        spans = [s for s in whole_word_spans(article.text, self.detector.detect(article, shared))
                 if not article.is_boilerplate(s.start, s.end)]
        return technique_layer(article, spans, self.version, self.name)


def _build(config: Mapping[str, Any]) -> TechniquesComponent:
    check_settings("techniques", config, ("detector", "threshold", "model_dir"))
    return TechniquesComponent(detector=config.get("detector"), threshold=config.get("threshold"),
                               model_dir=config.get("model_dir"))


SPEC = ComponentSpec(
    name="techniques", version=1, layer=TECHNIQUES, factory=_build,
    defaults={"detector": None, "threshold": None, "model_dir": None},
    description="Propaganda technique spans (14 PTC techniques), each with a score and a reason.",
    renderer="propwatch.render.techniques:RENDERER")

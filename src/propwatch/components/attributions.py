"""The ``attributions`` component: who says what (source, cue, content), the speaker each
source resolves to, its type, and the article's sourcing profile as the layer summary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..attribution.model import AttributionTagger
from ..attribution.profile import sourcing_profile
from ..attribution.sources import (
    RELATIVE_PRONOUNS,
    antecedent,
    load_outlets,
    read_source,
    resolve_speakers,
)
from ..doc import Attribution, Document, Layer
from ..pipeline.component import ComponentSpec, Shared
from . import check_settings, encoded, shared_encoder

LAYER = "attributions"


class AttributionsComponent:
    """Tags attributions, reads each source (type, speaker) and sums up the sourcing."""

    name = "attributions.v1"
    layer = LAYER
    reads: tuple[str, ...] = ()

    def __init__(self, *, model_dir: str | None = None, outlets: str | None = None) -> None:
        self.tagger = AttributionTagger(model_dir)
        self.version = self.tagger.version
        self.outlets = load_outlets(outlets)
        self.encoder = None
        if self.tagger.encoder:
            self.encoder = shared_encoder("attributions", self.tagger.version,
                                          self.tagger.encoder)

    def __call__(self, doc: Document, shared: Shared) -> Layer:
        article = doc.article
        states = None
        if self.encoder is not None:  # the techniques component's pass, when it ran first
            states = encoded(shared, self.encoder, article)
        found = self.tagger.tag(article, states)
        readings = resolve_speakers([read_source(_source_text(article.text, a), self.outlets)
                                     for a in found], article.text)
        items = tuple(replace(a, speaker=r.speaker, source_type=r.source_type)
                      for a, r in zip(found, readings))
        return Layer(LAYER, self.name, self.version, items, kind=Attribution.kind,
                     summary=sourcing_profile(article, items, readings))


def _source_text(text: str, item: Attribution) -> str:
    """What the source says, to read its type and speaker: its fragments, or for "which" and
    "who" the name they stand for ("Damascus, which rejected…")."""
    said = ", ".join(text[s.start:s.end] for s in item.source)
    if said.strip().lower() in RELATIVE_PRONOUNS:
        return antecedent(text, item.source[0].start) or said
    return said


def _build(config: Mapping[str, Any]) -> AttributionsComponent:
    check_settings("attributions", config, ("model_dir", "outlets"))
    return AttributionsComponent(model_dir=config.get("model_dir"), outlets=config.get("outlets"))


SPEC = ComponentSpec(
    name="attributions", version=1, layer=LAYER, factory=_build,
    defaults={"model_dir": None, "outlets": None},
    description="Who says what: source, cue and content of every attribution, the speaker and "
                "source type, and the article's sourcing profile.",
    renderer="propwatch.render.attributions:RENDERER")

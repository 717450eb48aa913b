"""The ``narratives`` component: which narratives of a taxonomy the article serves, each with
its probability and the sentences that carry it.

With the default taxonomy (SemEval-2025) it reads the techniques encoder's states, which the
techniques component has already computed for the article, through trained heads. With a
taxonomy of the user's (``taxonomy = FILE``) it compares the labels' descriptions and examples
with the article's sentences (zero-shot, one sentence-encoder pass)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..detect.tokens import split_sentences
from ..doc import NARRATIVE, SUBNARRATIVE, Document, Layer, NarrativeLabel
from ..errors import UsageError
from ..narratives.model import (
    DescriptionScorer,
    NarrativeClassifier,
    decide,
    encoder_passages,
)
from ..narratives.taxonomy import OTHER, load_taxonomy
from ..pipeline.component import ComponentSpec, Shared
from . import check_settings, encoded, shared_encoder

LAYER = "narratives"
SETTINGS = ("taxonomy", "model_dir", "threshold", "evidence")


class NarrativesComponent:
    """Labels each article with the narratives and subnarratives of a taxonomy."""

    name = "narratives.v1"
    layer = LAYER
    reads: tuple[str, ...] = ()

    def __init__(self, *, taxonomy: str | None = None, model_dir: str | None = None,
                 threshold: float | None = None, evidence: int = 3) -> None:
        self.taxonomy = load_taxonomy(taxonomy)
        self.classifier = NarrativeClassifier(model_dir)
        self.evidence = evidence
        self.trained = self.taxonomy.name == self.classifier.taxonomy and all(
            self.taxonomy.get(label) is not None for label in self.classifier.labels)
        if self.trained:
            self.encoder = shared_encoder("narratives", self.classifier.version,
                                          self.classifier.encoder)
            self.thresholds = dict(self.classifier.thresholds)
            self.version = self.classifier.version
        else:
            from ..kb.encoder import SentenceEncoder

            self.scorer = DescriptionScorer(self.taxonomy, SentenceEncoder(),
                                            self.classifier.meta["zero_shot"])
            self.thresholds = dict(self.scorer.thresholds)
            self.version = self.scorer.version
        if threshold is not None:
            if not 0.0 < float(threshold) < 1.0:
                raise UsageError.make("E402", value=threshold, option="[component.narratives] "
                                      "threshold", reason="a probability between 0 and 1")
            self.thresholds[NARRATIVE] = float(threshold)

    def __call__(self, doc: Document, shared: Shared) -> Layer:
        article = doc.article
        sentences = [(s.start, s.end) for s in split_sentences(article.text,
                                                                article.content_ranges())]
        if self.trained:
            states = encoded(shared, self.encoder, article)
            features, passages = encoder_passages(article, states, sentences)
            scored = self.classifier.score(features, passages) if passages else None
        else:
            passages = self.scorer.passages(article, sentences)
            scored = self.scorer.score(passages)
        if scored is None:  # nothing to read: no text outside the boilerplate
            found = [NarrativeLabel(OTHER, NARRATIVE, 1.0,
                                    description=self.taxonomy.description(OTHER))]
        else:
            found = decide(scored, self.taxonomy, self.thresholds, passages,
                           evidence=self.evidence)
        summary = {"taxonomy": self.taxonomy.name,
                   "mode": "trained" if self.trained else "zero-shot",
                   "narratives": [x.label for x in found if x.level == NARRATIVE],
                   "subnarratives": [x.label for x in found if x.level == SUBNARRATIVE],
                   "other": found[0].label == OTHER,
                   "thresholds": self.thresholds}
        return Layer(LAYER, self.name, self.version, tuple(found), kind=NarrativeLabel.kind,
                     summary=summary)


def _build(config: Mapping[str, Any]) -> NarrativesComponent:
    check_settings("narratives", config, SETTINGS)
    return NarrativesComponent(taxonomy=config.get("taxonomy"), model_dir=config.get("model_dir"),
                               threshold=config.get("threshold"),
                               evidence=int(config.get("evidence", 3)))


SPEC = ComponentSpec(
    name="narratives", version=1, layer=LAYER, factory=_build,
    defaults={"taxonomy": None, "model_dir": None, "threshold": None, "evidence": 3},
    description="Narratives of a taxonomy (default: SemEval-2025, Ukraine war and climate) "
                "that the article serves, with the sentences that carry them.",
    renderer="propwatch.render.narratives:RENDERER")

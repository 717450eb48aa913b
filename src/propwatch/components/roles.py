"""The ``roles`` component: the actors an article names (people, organisations, countries,
groups), their mentions merged, and the role the article casts each in: protagonist,
antagonist or innocent, with fine roles (SemEval-2025 Task 10 entity framing)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..doc import Actor, Document, Layer
from ..errors import UsageError
from ..pipeline.component import ComponentSpec, Shared
from ..roles import RoleTagger, role_summary
from ..roles.entities import METHODS
from . import check_settings, encoded, shared_encoder

LAYER = "roles"
SETTINGS = ("model_dir", "aliases", "second_threshold", "ner")


class RolesComponent:
    """Finds the actors and classifies each mention's role from the techniques transformer's
    token states (the pipeline's shared pass: no forward of its own when techniques ran)."""

    name = "roles.v1"
    layer = LAYER
    reads: tuple[str, ...] = ()

    def __init__(self, *, model_dir: str | None = None, aliases: str | None = None,
                 second_threshold: float | None = None, ner: str = "states") -> None:
        from ..detect import get_detector

        if ner not in METHODS:
            raise UsageError.make("E402", value=ner, option="[component.roles] ner",
                                  reason=f"choose {' or '.join(METHODS)}")
        # an article's own cast, read with the priors learnt from English train (the
        # benchmark's antagonist-heavy priors are for 'propwatch roles', the task format)
        self.tagger = RoleTagger(model_dir, aliases, second_threshold, ner, task_priors=False)
        self.version = self.tagger.version
        self.encoder = (shared_encoder("roles", self.tagger.version, self.tagger.encoder)
                        if self.tagger.encoder else get_detector("transformer"))

    def __call__(self, doc: Document, shared: Shared) -> Layer:
        article = doc.article
        actors = tuple(self.tagger.actors(article, encoded(shared, self.encoder, article)))
        return Layer(LAYER, self.name, self.version, actors, kind=Actor.kind,
                     summary=role_summary(actors))


def _build(config: Mapping[str, Any]) -> RolesComponent:
    check_settings("roles", config, SETTINGS)
    threshold = config.get("second_threshold")
    return RolesComponent(model_dir=config.get("model_dir"), aliases=config.get("aliases"),
                          second_threshold=None if threshold is None else float(threshold),
                          ner=str(config.get("ner") or "states"))


SPEC = ComponentSpec(
    name="roles", version=1, layer=LAYER, factory=_build,
    defaults={"model_dir": None, "aliases": None, "second_threshold": None, "ner": "states"},
    description="Who the article casts as hero, villain or victim: named actors with their "
                "mentions merged, each with a main role (protagonist, antagonist, innocent) "
                "and fine roles (SemEval-2025 Task 10 entity framing).",
    renderer="propwatch.render.roles:RENDERER")

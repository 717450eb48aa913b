"""Entity framing (SemEval-2025 Task 10, subtask 1): the actors an article names and the role
it casts each in (protagonist, antagonist, innocent, and fine roles such as "Instigator").

``entities`` finds and merges the mentions, ``features`` describes a mention by the token
states of the techniques transformer, ``model`` classifies it; :class:`RoleTagger` ties them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..doc import MAIN_ROLES, Actor, Article, RoleMention
from .entities import ActorGroup, Aliases, EntityFinder, Mention, merge
from .features import TokenStates, mention_features
from .model import FINE_LABELS, FINE_ROLES, Prediction, RoleModel, Settings, decode

#: how many actors per main role the layer summary names
SUMMARY_TOP = 3


class RoleTagger:
    """Finds an article's actors and the roles it gives them, from the transformer's states
    (``detect.transformer.Encoded``) of that article."""

    def __init__(self, model_dir: str | Path | None = None, aliases: str | Path | None = None,
                 second_threshold: float | None = None, ner: str = "states",
                 task_priors: bool = True) -> None:
        self.model = RoleModel.load(model_dir)
        self.version = self.model.version
        self.encoder = str(self.model.meta.get("encoder", ""))
        self.second_threshold = (self.model.settings.second_threshold
                                 if second_threshold is None else float(second_threshold))
        # the task's priors (meta.json target_priors) suit its benchmark; articles in the
        # wild are better read with the priors the model learnt
        self.task_priors = task_priors
        self.aliases = Aliases(aliases)
        # a model folder without its own entity head uses the shipped one
        head = Path(model_dir) / "ner.npz" if model_dir else None
        head = head if head is not None and head.is_file() else None
        self.finder = EntityFinder(ner, head)

    def classify(self, article: Article, encoded: Any,
                 spans: Sequence[tuple[int, int]]) -> list[Prediction]:
        """The roles of the given mentions ``[start, end)`` of ``article``."""
        return self._classify(article, TokenStates.of(encoded), spans)

    def _classify(self, article: Article, tokens: TokenStates,
                  spans: Sequence[tuple[int, int]]) -> list[Prediction]:
        if not spans:
            return []
        rows = mention_features(article, tokens, spans)
        main, fine = self.model.probabilities(rows, shift=self.task_priors)
        return [decode(m, f, self.second_threshold) for m, f in zip(main, fine)]

    def actors(self, article: Article, encoded: Any) -> list[Actor]:
        """The article's actors, most salient first (most mentioned, then first named)."""
        tokens = TokenStates.of(encoded)
        groups = merge(article.text, self.finder.find(article, tokens), self.aliases)
        spans = [(m.start, m.end) for g in groups for m in g.mentions]
        predictions = iter(self._classify(article, tokens, spans))
        found = [_actor(g, [next(predictions) for _ in g.mentions], self.second_threshold)
                 for g in groups]
        return sorted(found, key=lambda a: (-len(a.mentions), a.mentions[0].start))


def _actor(group: ActorGroup, predictions: Sequence[Prediction], threshold: float) -> Actor:
    """One actor: its main role by a score-weighted vote of its mentions, its score the mean
    probability of that role, its fine roles from the mean fine-role probabilities."""
    votes: Counter[str] = Counter()
    for p in predictions:
        votes[p.main_role] += p.score
    role = max(MAIN_ROLES, key=lambda r: (votes[r], -MAIN_ROLES.index(r)))
    main = np.mean([p.main_probs for p in predictions], 0)
    fine = np.mean([p.fine_probs for p in predictions], 0)
    pinned = np.zeros(len(MAIN_ROLES))
    pinned[MAIN_ROLES.index(role)] = 1.0
    fine_roles = decode(pinned, fine, threshold).fine_roles
    # scores rounded as JSON stores them, so a layer read back equals the one made
    mentions = tuple(RoleMention(m.start, m.end, p.main_role, round(p.score, 4), p.fine_roles)
                     for m, p in zip(group.mentions, predictions))
    return Actor(name=group.name, entity_type=group.entity_type, main_role=role,
                 score=round(float(main[MAIN_ROLES.index(role)]), 4), mentions=mentions,
                 fine_roles=fine_roles)


def role_summary(actors: Sequence[Actor]) -> dict[str, Any]:
    """The article's cast: actors and mentions counted, actors per main role, and the most
    salient protagonists, antagonists and innocents (``actors`` in salience order)."""
    counts = Counter(a.main_role for a in actors)
    summary: dict[str, Any] = {"actors": len(actors),
                               "mentions": sum(len(a.mentions) for a in actors),
                               "counts": {r: counts.get(r, 0) for r in MAIN_ROLES}}
    for role in MAIN_ROLES:
        key = {"Protagonist": "protagonists", "Antagonist": "antagonists",
               "Innocent": "innocents"}[role]
        summary[key] = [a.name for a in actors if a.main_role == role][:SUMMARY_TOP]
    return summary


__all__ = [
    "FINE_LABELS",
    "FINE_ROLES",
    "Aliases",
    "EntityFinder",
    "Mention",
    "Prediction",
    "RoleModel",
    "RoleTagger",
    "Settings",
    "TokenStates",
    "mention_features",
    "merge",
    "role_summary",
]

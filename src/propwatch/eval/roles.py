"""Entity framing (SemEval-2025 Task 10, subtask 1) scored by article-disjoint cross-validation
on the English training articles: train on four folds, predict the fifth, every fold.

Official metrics: exact match ratio of the fine-role set per mention, main-role accuracy and
micro F1 over fine roles. Because the development set the task is judged on has a larger share
of antagonists (about 0.80) than English train (0.64), the figures are also given with the
held-out mentions weighted so that the main roles have the development set's shares (the
protagonist:innocent ratio kept as in train): what the same model would score there if only
the priors differed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..doc import MAIN_ROLES, Article
from ..roles.features import TokenStates, mention_features
from ..roles.model import Prediction, RoleModel, Settings, decode
from .semeval2025 import GoldMention, data_root, folds, read_documents, read_mentions

DEV_ANTAGONIST_SHARE = 0.80  # of the development set's mentions (always-Antagonist accuracy)
BASELINE = ("Antagonist", ("Instigator",))  # the most frequent main role and its fine role
SHIPPED_SETTINGS = Settings(parts=("mention", "context", "name", "scalars"), l2=2.0,
                            fine_l2=3.0, second_threshold=0.5)


@dataclass
class Examples:
    """The gold mentions of one language's training articles with their feature rows."""

    names: list[str]  # every article (folds are dealt over all of them)
    mentions: list[GoldMention]
    features: np.ndarray
    width: int
    encoder: str
    seconds: float  # time the encoder and features took


def load_examples(data: str | os.PathLike | None = None, language: str = "EN") -> Examples:
    """Read the articles and mentions and compute each mention's features (one encoder pass
    per article that has mentions)."""
    from ..detect import get_detector

    root = data_root(data)
    documents = read_documents(root, language)
    mentions = read_mentions(root / "train" / language / "subtask-1-annotations.txt", documents)
    detector = get_detector("transformer")
    started = time.perf_counter()
    by_article: dict[str, list[GoldMention]] = {}
    for m in mentions:
        by_article.setdefault(m.article, []).append(m)
    rows, ordered = [], []
    for name in sorted(by_article):
        article = Article(id=name, text=documents[name])
        tokens = TokenStates.of(detector.encode(article, tag=False))
        group = by_article[name]
        rows.append(mention_features(article, tokens, [(m.start, m.end) for m in group]))
        ordered += group
    features = np.concatenate(rows) if rows else np.zeros((0, 0), np.float32)
    width = int(tokens.width) if rows else 0
    return Examples(sorted(documents), ordered, features, width, detector.version,
                    time.perf_counter() - started)


def target_priors(mentions: Sequence[GoldMention], antagonist: float) -> dict[str, float]:
    """Main-role priors with ``antagonist`` for Antagonist, the rest shared as in ``mentions``."""
    counts = {r: sum(m.main_role == r for m in mentions) for r in MAIN_ROLES}
    others = max(1, counts["Protagonist"] + counts["Innocent"])
    return {"Antagonist": antagonist,
            "Protagonist": (1 - antagonist) * counts["Protagonist"] / others,
            "Innocent": (1 - antagonist) * counts["Innocent"] / others}


def score_roles(*, predicted: Sequence[tuple[str, Sequence[str]]],
                gold: Sequence[tuple[str, Sequence[str]]],
                weights: Sequence[float] | None = None) -> dict[str, float]:
    """Exact match ratio of fine-role sets, main-role accuracy and fine-role micro F1 of
    ``(main role, fine roles)`` pairs (optionally weighted per mention)."""
    w = np.ones(len(gold)) if weights is None else np.asarray(weights, float)
    exact = main = tp = fp = fn = 0.0
    for weight, (p_main, p_fine), (g_main, g_fine) in zip(w, predicted, gold):
        p, g = set(p_fine), set(g_fine)
        exact += weight * (p == g)
        main += weight * (p_main == g_main)
        tp += weight * len(p & g)
        fp += weight * len(p - g)
        fn += weight * len(g - p)
    total = max(float(w.sum()), 1e-12)
    return {"exact_match": exact / total, "main_accuracy": main / total,
            "fine_micro_f1": 2 * tp / max(2 * tp + fp + fn, 1e-12), "mentions": len(gold)}


def cross_validate(examples: Examples, settings: Settings, k: int = 5,
                   seed: int = 13) -> list[Prediction]:
    """Held-out predictions for every mention, by article-disjoint ``k``-fold CV."""
    fold_of = {n: i for i, fold in enumerate(folds(examples.names, k, seed)) for n in fold}
    which = np.array([fold_of[m.article] for m in examples.mentions])
    out: list[Prediction | None] = [None] * len(examples.mentions)
    for fold in range(k):
        train = np.flatnonzero(which != fold)
        test = np.flatnonzero(which == fold)
        if not len(test):
            continue
        model = RoleModel.fit(examples.features[train],
                              [examples.mentions[i].main_role for i in train],
                              [examples.mentions[i].fine_roles for i in train], settings,
                              examples.width)
        main, fine = model.probabilities(examples.features[test])
        for i, m, f in zip(test, main, fine):
            out[i] = decode(m, f, settings.second_threshold)
    return [p for p in out if p is not None]


def dev_weights(mentions: Sequence[GoldMention],
                antagonist: float = DEV_ANTAGONIST_SHARE) -> list[float]:
    """Per-mention weights that give the main roles the development set's shares."""
    target = target_priors(mentions, antagonist)
    share = {r: sum(m.main_role == r for m in mentions) / max(1, len(mentions))
             for r in MAIN_ROLES}
    return [target[m.main_role] / max(share[m.main_role], 1e-12) for m in mentions]


def evaluate_roles(data: str | os.PathLike | None = None, *, settings: Settings | None = None,
                   k: int = 5, seed: int = 13,
                   examples: Examples | None = None) -> dict[str, object]:
    """CV figures of the model as trained (training priors) and with its priors moved to the
    development set's antagonist share, and of the baseline, plain and dev-weighted."""
    settings = settings or SHIPPED_SETTINGS
    started = time.perf_counter()
    examples = examples or load_examples(data)
    gold = [(m.main_role, m.fine_roles) for m in examples.mentions]
    weights = dev_weights(examples.mentions)
    shifted = Settings(**{**settings.__dict__, "target_priors": target_priors(
        examples.mentions, DEV_ANTAGONIST_SHARE)})
    systems: dict[str, list[tuple[str, Sequence[str]]]] = {}
    for name, chosen in (("model", Settings(**{**settings.__dict__, "target_priors": None})),
                         ("model, dev priors", shifted)):
        systems[name] = [(p.main_role, p.fine_roles)
                         for p in cross_validate(examples, chosen, k, seed)]
    systems["baseline: Antagonist, Instigator"] = [BASELINE] * len(gold)
    figures: dict[str, Mapping[str, float]] = {}
    for name, predicted in systems.items():
        figures[name] = score_roles(predicted=predicted, gold=gold)
        figures[name + " (dev-weighted)"] = score_roles(predicted=predicted, gold=gold,
                                                        weights=weights)
    return {"data": "SemEval-2025 Task 10 subtask 1, EN train", "folds": k, "seed": seed,
            "articles": len(examples.names), "mentions": len(gold),
            "settings": settings.to_dict(), "figures": figures,
            "seconds": round(time.perf_counter() - started, 1)}

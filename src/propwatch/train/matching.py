"""Train the claim re-ranker (``propwatch train matching``): a logistic model over BM25 and
sentence-encoder features of each query's candidates, on CheckThat! 2020 train; the
regularisation chosen by 5-fold cross-validation over train queries, the abstain threshold
as the lowest probability at which the held-out top-ranked claims are right at least
``target_precision`` of the time (over the train queries, and the same queries against the
collection without their claims), and the least cosine of a match as the one 95 % of the true
train matches reach. Figures on 2020 dev (never used for a choice) are reported."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..eval.matching import RetrievalTask, load_task, retrieval_scores
from ..kb.claims import KnownClaim
from ..kb.encoder import SentenceEncoder
from ..kb.index import ClaimIndex
from ..kb.readers import read_kb
from ..kb.rerank import FEATURES, features

Log = Callable[[str], None]
VERSION = "ct2020-logistic-v1"


@dataclass(frozen=True)
class MatchingConfig:
    seed: int = 13
    depth: int = 30  # candidates per query from each of BM25 and cosine
    folds: int = 5
    grid: tuple[float, ...] = (0.01, 0.1, 1.0, 10.0)  # inverse regularisation strengths
    target_precision: float = 0.6  # of the top-ranked claim, at the abstain threshold


def candidate_rows(task: RetrievalTask, index: ClaimIndex, encoder: SentenceEncoder,
                   depth: int, without_gold: bool = False
                   ) -> list[tuple[str, list[int], np.ndarray, np.ndarray]]:
    """Per query: (query id, candidate claim positions, feature rows, 0/1 targets). With
    ``without_gold`` the query's gold claims are left out of the index: a query whose claim
    the knowledge base does not hold, which must score low (the model learns to abstain)."""
    texts = [c.text_for_matching() for c in index.claims]
    position = {c.id: i for i, c in enumerate(index.claims)}
    vectors = encoder.encode([q for _, q in task.queries])
    out = []
    for (qid, query), vector in zip(task.queries, vectors):
        gold = task.gold.get(qid, frozenset())
        exclude = frozenset(position[g] for g in gold if g in position) if without_gold \
            else frozenset()
        candidates = index.candidates(query, vector, depth, exclude)
        rows = features(query, candidates, [texts[c.index] for c in candidates])
        targets = np.array([index.claims[c.index].id in gold for c in candidates], np.float32)
        out.append((qid, [c.index for c in candidates], rows, targets))
    return out


def _fit(rows: Sequence[np.ndarray], targets: Sequence[np.ndarray], c: float, seed: int
         ) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=5000, fit_intercept=False, random_state=seed)
    model.fit(np.vstack(rows), np.concatenate(targets))
    return model.coef_[0].astype(np.float32)


def _ranked(weights: np.ndarray, query_rows, index: ClaimIndex) -> dict[str, list[tuple[str, float]]]:
    run = {}
    for qid, positions, rows, _ in query_rows:
        p = 1 / (1 + np.exp(-(rows @ weights)))
        order = sorted(range(len(positions)), key=lambda j: (-p[j], positions[j]))
        run[qid] = [(index.claims[positions[j]].id, float(p[j])) for j in order]
    return run


def train_matching(data: str | None, out: Path, config: MatchingConfig = MatchingConfig(),
                   log: Log = lambda _: None) -> dict:
    """Fit, write ``out``/reranker.json and return its meta (with the dev figures)."""
    began = time.perf_counter()
    train, dev = load_task("2020-train", data), load_task("2020-dev", data)
    claims: list[KnownClaim] = list(read_kb("checkthat", train.collection))
    encoder = SentenceEncoder()
    log(f"encoding {len(claims)} claims")
    index = ClaimIndex(claims, encoder.encode([c.text_for_matching() for c in claims]))
    train_rows = candidate_rows(train, index, encoder, config.depth)
    # the same queries against a knowledge base without their claim: nothing should match
    absent_rows = candidate_rows(train, index, encoder, config.depth, without_gold=True)
    dev_rows = candidate_rows(dev, index, encoder, config.depth)
    rng = np.random.default_rng(config.seed)
    fold_of = rng.integers(0, config.folds, len(train_rows))
    cv, tops = {}, {}
    for c in config.grid:
        run, absent_run = {}, {}
        for fold in range(config.folds):
            fit_on = [r for rows in (train_rows, absent_rows)
                      for r, f in zip(rows, fold_of) if f != fold]
            weights = _fit([r[2] for r in fit_on], [r[3] for r in fit_on], c, config.seed)
            run.update(_ranked(weights, [r for r, f in zip(train_rows, fold_of) if f == fold],
                               index))
            absent_run.update(_ranked(weights, [r for r, f in zip(absent_rows, fold_of)
                                                if f == fold], index))
        cv[c] = retrieval_scores({q: [d for d, _ in r] for q, r in run.items()}, train.gold,
                                 [q for q, _ in train.queries])
        tops[c] = ([(r[0][1], r[0][0] in train.gold.get(q, ())) for q, r in run.items() if r]
                   + [(r[0][1], False) for r in absent_run.values() if r])
        log(f"C={c}: cross-validated MAP@5 {cv[c]['map@5']}")
    best = max(config.grid, key=lambda k: (cv[k]["map@5"], -k))
    weights = _fit([r[2] for r in (*train_rows, *absent_rows)],
                   [r[3] for r in (*train_rows, *absent_rows)], best, config.seed)
    threshold = abstain_threshold(tops[best], config.target_precision)
    log(f"abstain threshold {threshold:.4f} (held-out top-1 precision "
        f"{config.target_precision} over queries with and without their claim)")
    # the cosine that 95 % of true matches reach: a match must reach it too
    gold_cosines = [float(rows[k, FEATURES.index("cosine")]) for _, _, rows, targets in train_rows
                    for k in np.flatnonzero(targets)]
    min_cosine = float(np.percentile(gold_cosines, 5)) if gold_cosines else 0.0
    dev_run = _ranked(weights, dev_rows, index)
    dev_scores = retrieval_scores({q: [d for d, _ in r] for q, r in dev_run.items()}, dev.gold,
                                  [q for q, _ in dev.queries])
    log(f"dev: {dev_scores}")
    meta = {"version": VERSION, "features": list(FEATURES),
            "weights": [round(float(w), 6) for w in weights], "threshold": round(threshold, 4),
            "min_cosine": round(min_cosine, 4),
            "encoder": encoder.version, "config": {**asdict(config), "grid": list(config.grid)},
            "chosen": {"C": best, "cross_validated": {str(k): v for k, v in cv.items()}},
            "threshold_at_precision": {str(p): round(abstain_threshold(tops[best], p), 4)
                                       for p in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)},
            "dev": dev_scores, "train_seconds": round(time.perf_counter() - began, 1),
            "trained_on": "CheckThat! 2020 Task 2 train (800 tweets, each also against the "
                          "collection without its claims); dev only reported"}
    out.mkdir(parents=True, exist_ok=True)
    (out / "reranker.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def abstain_threshold(top: Sequence[tuple[float, bool]], target: float) -> float:
    """The lowest probability p such that top-ranked claims scored at or above p are right at
    least ``target`` of the time (held-out); 0.5 when no p reaches it."""
    ordered = sorted(top, key=lambda t: -t[0])
    best, right = 0.5, 0
    for n, (p, ok) in enumerate(ordered, 1):
        right += ok
        if right / n >= target:
            best = p
    return float(best)

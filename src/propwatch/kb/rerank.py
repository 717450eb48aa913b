"""The re-ranker: a logistic model over what BM25 and the sentence encoder say about one
(query, claim) pair, trained on CheckThat! (``propwatch train matching``). Its output is a
probability that the claim is the one the query repeats; the abstain threshold applies to it.

Features (one row per candidate, relative to the query's other candidates where marked):
BM25 over the query's best BM25 (relative), BM25, cosine, cosine minus the query's best
cosine (relative), cosine and BM25 minus the best of the other candidates (relative: how far
the claim stands out, which tells a claim the knowledge base holds from a near miss), cosine
squared, log rank by BM25, log rank by cosine, the share of the claim's words in the query,
the share of the query's words in the claim, the share of the claim's names and numbers in
the query, and a bias."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import ModelError
from .index import Candidate, names, words

FEATURES = ("bm25_relative", "bm25", "cosine", "cosine_gap", "cosine_margin", "bm25_margin",
            "cosine_squared", "log_bm25_rank", "log_cosine_rank", "claim_words_in_query",
            "query_words_in_claim", "claim_names_in_query", "bias")
MODEL_FILE = Path(str(resources.files("propwatch").joinpath("models", "matching",
                                                             "reranker.json")))
def features(query: str, candidates: Sequence[Candidate], claim_texts: Sequence[str],
             claim_words: Sequence[set[str]] | None = None,
             claim_names: Sequence[set[str]] | None = None) -> np.ndarray:
    """One row of ``FEATURES`` per candidate; ``claim_texts[i]`` is candidate i's text
    (``claim_words[i]`` and ``claim_names[i]`` its ``words`` and ``names``, when the caller
    has them already)."""
    if not candidates:
        return np.zeros((0, len(FEATURES)), dtype=np.float32)
    query_words, query_names = set(words(query)), names(query)
    bm25 = np.array([c.bm25 for c in candidates], dtype=np.float64)
    cosine = np.array([c.cosine for c in candidates], dtype=np.float64)
    best_bm25 = float(bm25.max()) or 1.0
    cosines = np.sort(cosine)[::-1]
    lexical = np.sort(bm25)[::-1]
    # how far each stands out from the best of the others (positive only for the best; a
    # lone candidate is its own other)
    runner_up = 1 if len(candidates) > 1 else 0
    other_cosine = np.where(cosine == cosines[0], cosines[runner_up], cosines[0])
    other_bm25 = np.where(bm25 == lexical[0], lexical[runner_up], lexical[0])
    overlap = np.zeros((len(candidates), 3), dtype=np.float64)
    for k, text in enumerate(claim_texts):
        known = claim_words[k] if claim_words is not None else set(words(text))
        named = claim_names[k] if claim_names is not None else names(text)
        shared = len(query_words & known)
        overlap[k] = (shared / max(len(known), 1), shared / max(len(query_words), 1),
                      len(query_names & named) / max(len(named), 1))
    columns = [bm25 / best_bm25, bm25, cosine, cosine - cosines[0], cosine - other_cosine,
               (bm25 - other_bm25) / best_bm25, cosine ** 2,
               np.log([c.bm25_rank for c in candidates]),
               np.log([c.cosine_rank for c in candidates]),
               overlap[:, 0], overlap[:, 1], overlap[:, 2], np.ones(len(candidates))]
    return np.column_stack(columns).astype(np.float32)


class Reranker:
    """Probabilities from the trained weights (``reranker.json``: version, features, weights,
    threshold and how they were chosen)."""

    def __init__(self, path: str | Path | None = None) -> None:
        where = Path(path) if path else MODEL_FILE
        try:
            self.meta = json.loads(where.read_text("utf-8"))
            if tuple(self.meta["features"]) != FEATURES:
                raise ValueError("features differ")
            self.weights = np.asarray(self.meta["weights"], dtype=np.float32)
        except (OSError, ValueError, KeyError):
            raise ModelError.make("E202", path=where) from None
        self.version: str = self.meta["version"]
        self.threshold: float = float(self.meta["threshold"])
        self.min_cosine: float = float(self.meta.get("min_cosine", 0.0))

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(rows @ self.weights)))

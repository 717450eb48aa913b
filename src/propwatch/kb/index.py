"""Finding the known claims a text repeats: candidates by BM25 over the claims' words and by
cosine similarity of sentence embeddings, fused and re-ranked by a small learnt model
(``propwatch.kb.rerank``) whose score is a calibrated probability of a match.

The index lives in memory: 10,000 claims take a few MB (a sparse term index and a float32
matrix). It is built from the claims and their vectors as the store keeps them."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from typing import NamedTuple, Sequence

import numpy as np

from .claims import KnownClaim

_WORD = re.compile(r"\w+")
# Words too common in claims and queries to tell one claim from another
STOPWORDS = frozenset("""a an and are as at be been but by for from has have he her his i in
is it its of on or our she that the their they this to was we were what when which who will
with you your not no do does did so if than then there these those them us""".split())


def words(text: str) -> list[str]:
    """Lower-cased word tokens without stopwords; a trailing plural 's' is dropped."""
    out = []
    for token in _WORD.findall(text.lower()):
        if token in STOPWORDS:
            continue
        if len(token) > 4 and token.endswith("s") and not token.endswith("ss"):
            token = token[:-1]
        out.append(token)
    return out


_NAME = re.compile(r"\b[A-Z][a-z]+|\d+")


def names(text: str) -> set[str]:
    """Capitalised words and numbers: what must agree for two claims to be the same claim."""
    return set(_NAME.findall(text))


class BM25:
    """Okapi BM25 over a fixed collection (k1 1.2, b 0.75): scores of every document for a
    query, as one numpy array."""

    def __init__(self, documents: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75):
        self.n = len(documents)
        lengths = np.array([len(d) for d in documents], dtype=np.float32)
        average = float(lengths.mean()) if self.n else 1.0
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i, document in enumerate(documents):
            for term, count in Counter(document).items():
                postings[term].append((i, count))
        self.postings: dict[str, tuple[np.ndarray, np.ndarray, float]] = {}
        norm = k1 * (1 - b + b * lengths / max(average, 1e-9))
        for term, items in postings.items():
            ids = np.fromiter((i for i, _ in items), dtype=np.int64, count=len(items))
            tf = np.fromiter((c for _, c in items), dtype=np.float32, count=len(items))
            idf = math.log(1 + (self.n - len(items) + 0.5) / (len(items) + 0.5))
            self.postings[term] = (ids, (tf * (k1 + 1) / (tf + norm[ids])).astype(np.float32),
                                   idf)

    def scores(self, query: Sequence[str]) -> np.ndarray:
        out = np.zeros(self.n, dtype=np.float32)
        for term in set(query):
            found = self.postings.get(term)
            if found is not None:
                ids, weights, idf = found
                out[ids] += idf * weights
        return out


class Candidate(NamedTuple):
    """One claim proposed for one query, with what the re-ranker reads."""

    index: int  # the claim's position in the index
    bm25: float
    cosine: float
    bm25_rank: int
    cosine_rank: int


class ClaimIndex:
    """The claims of one or more knowledge bases, searchable by words and by meaning."""

    def __init__(self, claims: Sequence[KnownClaim], vectors: np.ndarray | None = None,
                 kb_names: Sequence[str] | None = None) -> None:
        self.claims = list(claims)
        self.kb_names = list(kb_names) if kb_names is not None else [""] * len(self.claims)
        self.words = [words(c.text_for_matching()) for c in self.claims]
        self.names = [names(c.text_for_matching()) for c in self.claims]
        self.bm25 = BM25(self.words)
        self.vectors = vectors
        if vectors is not None and len(vectors) != len(self.claims):
            raise ValueError("one vector per claim")

    def __len__(self) -> int:
        return len(self.claims)

    def cosines(self, query_vectors: np.ndarray) -> np.ndarray:
        """Cosine of every claim with each query (queries x claims), in one product."""
        if self.vectors is None:
            return np.zeros((len(query_vectors), len(self.claims)), np.float32)
        return query_vectors @ self.vectors.T

    def candidates(self, query: str, query_vector: np.ndarray | None, depth: int = 30,
                   exclude: frozenset[int] = frozenset(),
                   cosines: np.ndarray | None = None) -> list[Candidate]:
        """The union of the top ``depth`` claims by BM25 and by cosine, best BM25 first;
        ``exclude`` (claim positions) are left out, as if the index did not hold them.
        ``cosines`` (this query's row of ``cosines``) saves the product when given."""
        if not self.claims:
            return []
        lexical = self.bm25.scores(words(query))
        if cosines is not None:
            dense = cosines.copy() if exclude else cosines
        elif self.vectors is not None and query_vector is not None:
            dense = self.vectors @ query_vector
        else:
            dense = np.zeros(len(self.claims), np.float32)
        if exclude:
            gone = np.fromiter(exclude, dtype=np.int64)
            lexical[gone], dense[gone] = -1.0, -2.0
        depth = min(depth, len(self.claims))
        by_lexical = _top(lexical, depth)
        by_dense = _top(dense, depth) if self.vectors is not None else np.zeros(0, np.int64)
        pool = np.array(list(dict.fromkeys([*by_lexical.tolist(), *by_dense.tolist()])),
                        dtype=np.int64)
        lexical_rank, dense_rank = _ranks(lexical, pool), _ranks(dense, pool)
        return [Candidate(int(i), float(lexical[i]), float(dense[i]), int(a), int(b))
                for i, a, b in zip(pool, lexical_rank, dense_rank)]


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` best scores, best first; ties go to the lower index."""
    if k >= len(scores):
        return np.lexsort((np.arange(len(scores)), -scores))
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.lexsort((part, -scores[part]))]


def _ranks(scores: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """1-based rank of each of ``ids`` among all scores (rank = 1 + number strictly better)."""
    ordered = np.sort(scores)
    return len(scores) - np.searchsorted(ordered, scores[ids], side="right") + 1

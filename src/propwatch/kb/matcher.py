"""Known claims in texts: every claim-bearing unit of an article (a sentence, or an
attributed content) is a query; candidates come from the index, the re-ranker scores them, and
a claim is reported when its best unit reaches the threshold (and the cosine that nearly every
true match reaches), with its best units as evidence.
The same ranking answers plain queries (``propwatch match``, the CheckThat! evaluation)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence


from ..doc import ClaimMatch, Span
from .encoder import SentenceEncoder
from .index import Candidate, ClaimIndex
from .rerank import Reranker, features

MIN_UNIT_WORDS = 5  # shorter units ("He said so.") carry no checkable claim
MAX_EVIDENCE = 3


@dataclass(frozen=True)
class Unit:
    """A stretch of the article that may carry a claim."""

    start: int
    end: int
    text: str


class ClaimMatcher:
    """Ranks an index's claims for queries and finds the claims an article carries."""

    def __init__(self, index: ClaimIndex, encoder: SentenceEncoder, reranker: Reranker,
                 threshold: float | None = None, depth: int = 30) -> None:
        self.index, self.encoder, self.reranker = index, encoder, reranker
        self.threshold = reranker.threshold if threshold is None else threshold
        self.depth = depth
        self.min_cosine = reranker.min_cosine
        self._texts = [c.text_for_matching() for c in index.claims]
        self._words = [set(w) for w in index.words]

    def rank(self, queries: Sequence[str], top: int = 5) -> list[list[tuple[int, float]]]:
        """For each query, up to ``top`` (claim position, probability), best first; ties go to
        the claim listed first."""
        return [[(c.index, p) for c, p in row] for row in self._ranked(queries, top)]

    def scored(self, queries: Sequence[str]) -> list[list[tuple[Candidate, float]]]:
        """For each query, every candidate with its probability, in the index's candidate
        order (one encoder pass and one candidate search per query)."""
        vectors = self.encoder.encode(list(queries))
        similarities = self.index.cosines(vectors)
        out = []
        for query, vector, row in zip(queries, vectors, similarities):
            candidates = self.index.candidates(query, vector, self.depth, cosines=row)
            probabilities = self.reranker(features(
                query, candidates, [self._texts[c.index] for c in candidates],
                [self._words[c.index] for c in candidates],
                [self.index.names[c.index] for c in candidates]))
            out.append([(c, float(p)) for c, p in zip(candidates, probabilities)])
        return out

    def _ranked(self, queries: Sequence[str], top: int) -> list[list[tuple[Candidate, float]]]:
        return [sorted(row, key=lambda cp: (-cp[1], cp[0].index))[:top]
                for row in self.scored(queries)]

    def match(self, units: Sequence[Unit], top: int = 10) -> list[ClaimMatch]:
        """The claims ``units`` carry at or above the threshold, best first, at most ``top``."""
        units = [u for u in units if len(u.text.split()) >= MIN_UNIT_WORDS]
        if not units or not len(self.index):
            return []
        found: dict[int, list[tuple[float, Unit]]] = {}
        for unit, ranked in zip(units, self._ranked([u.text for u in units], top=3)):
            for candidate, probability in ranked:
                # as close in meaning as nearly every true match is (the re-ranker's margins
                # flatter a stray word match against a knowledge base with nothing near)
                if probability >= self.threshold and candidate.cosine >= self.min_cosine:
                    found.setdefault(candidate.index, []).append((probability, unit))
        matches = []
        for position, hits in found.items():
            hits.sort(key=lambda h: (-h[0], h[1].start))
            claim = self.index.claims[position]
            score = hits[0][0]
            evidence = tuple(Span(u.start, u.end, "evidence", round(p, 4))
                             for p, u in hits[:MAX_EVIDENCE])
            matches.append(ClaimMatch(
                kb=self.index.kb_names[position], claim_id=claim.id, claim=claim.claim,
                score=round(score, 4), evidence=evidence, verdict=claim.verdict, url=claim.url,
                tags=claim.tags))
        matches.sort(key=lambda m: (-m.score, m.kb, m.claim_id))
        return matches[:top]



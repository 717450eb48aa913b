"""Finding known claims: BM25, candidates, the re-ranker's probabilities, and the matcher on
sentences (evidence offsets exact, an unrelated text matches nothing)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from propwatch.doc import ClaimMatch
from propwatch.kb.claims import KnownClaim
from propwatch.kb.encoder import SentenceEncoder
from propwatch.kb.index import BM25, ClaimIndex, words
from propwatch.kb.loading import ensure_vectors, load_index
from propwatch.kb.matcher import ClaimMatcher, Unit
from propwatch.kb.readers import read_kb
from propwatch.kb.rerank import FEATURES, Reranker, features
from propwatch.store import Store

from ..conftest import FIXTURES

CLAIMS = list(read_kb("jsonl", FIXTURES / "kb" / "known-claims.jsonl"))


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder()


@pytest.fixture(scope="module")
def matcher(encoder) -> ClaimMatcher:
    index = ClaimIndex(CLAIMS, encoder.encode([c.text_for_matching() for c in CLAIMS]),
                       ["checks"] * len(CLAIMS))
    return ClaimMatcher(index, encoder, Reranker())


def test_words_drop_stopwords_and_plural_s():
    assert words("The attacks were staged by the White Helmets") == [
        "attack", "staged", "white", "helmet"]


def test_bm25_prefers_the_document_with_the_rare_query_words():
    bm25 = BM25([words("chemical attack in Idlib"), words("bridge built of plastic"),
                 words("chemical plant opens")])
    scores = bm25.scores(words("staged chemical attack Idlib"))
    assert scores.argmax() == 0 and scores[1] == 0.0 and scores[2] > 0


def test_candidates_leave_out_excluded_claims_and_rank_by_both(encoder):
    index = ClaimIndex(CLAIMS, encoder.encode([c.text_for_matching() for c in CLAIMS]))
    query = "Terrorists stage chemical attacks in Syria as false-flag provocations."
    vector = encoder.encode([query])[0]
    found = index.candidates(query, vector, depth=3)
    assert CLAIMS[found[0].index].id == "kc-02" and found[0].bm25_rank == 1
    without = index.candidates(query, vector, depth=3, exclude=frozenset({1}))
    assert all(c.index != 1 for c in without)


def test_the_encoder_gives_unit_vectors_that_put_paraphrases_close(encoder):
    vectors = encoder.encode(["The White Helmets stage chemical attacks.",
                              "Chemical attacks are staged by the White Helmets.",
                              "Light rain is expected on Sunday afternoon."])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > 0.8 > 0.2 > vectors[0] @ vectors[2]


def test_reranker_reads_its_features_and_gives_probabilities(matcher):
    assert len(Reranker().weights) == len(FEATURES)
    (ranked,) = matcher.rank(["The Syrian army never used chemical weapons, Damascus says."])
    assert CLAIMS[ranked[0][0]].id == "kc-03"
    probabilities = [p for _, p in ranked]
    assert probabilities == sorted(probabilities, reverse=True)
    assert all(0.0 < p < 1.0 for p in probabilities)
    assert features("q", [], []).shape == (0, len(FEATURES))


def test_an_article_matches_its_known_claims_with_exact_evidence(matcher):
    text = ("Syria says militants plan a provocation.\n\nThe White Helmets are preparing to "
            "stage a chemical attack in Idlib so that the Syrian government can be blamed, "
            "the ministry said. The weather in Idlib was mild on Monday afternoon.")
    start = text.index("The White Helmets")
    end = text.index("said.") + len("said.")
    units = [Unit(0, 40, text[0:40]), Unit(start, end, text[start:end]),
             Unit(end + 1, len(text), text[end + 1:])]
    found = matcher.match(units)
    assert found and isinstance(found[0], ClaimMatch)
    assert found[0].claim_id == "kc-01" and found[0].kb == "checks"
    assert found[0].score >= matcher.threshold
    assert [(s.start, s.end) for s in found[0].evidence][0] == (start, end)
    assert found[0].url == "https://checks.example/white-helmets-staged"
    assert "White Helmets" in found[0].tags


def test_an_unrelated_text_matches_nothing(matcher):
    text = ("Forecasters expect a wet Saturday with gusts of up to 70 km/h along the coast. "
            "Next week looks calmer, with frost possible in sheltered valleys.")
    units = [Unit(0, 78, text[:78]), Unit(79, len(text), text[79:])]
    assert matcher.match(units) == []


def test_vectors_are_stored_once_and_the_index_loads_them(tmp_path: Path, encoder):
    with Store(tmp_path / "kb.db") as store:
        store.import_claims("checks", CLAIMS)
        assert ensure_vectors(store, "checks", encoder) == len(CLAIMS)
        assert ensure_vectors(store, "checks", encoder) == 0
        index = load_index(store, ["checks"], encoder)
    assert [c.id for c in index.claims] == [c.id for c in CLAIMS]
    assert index.vectors.shape == (len(CLAIMS), encoder.dim)
    assert set(index.kb_names) == {"checks"}


def test_known_claim_json_round_trip():
    claim = KnownClaim(id="x", claim="A claim.", tags=("a", "b"), verdict="False")
    assert KnownClaim.from_json(claim.to_json()) == claim
    match = ClaimMatch(kb="k", claim_id="x", claim="A claim.", score=0.5,
                       evidence=(), tags=("a",))
    assert ClaimMatch.from_dict(match.to_dict()).to_dict() == match.to_dict()

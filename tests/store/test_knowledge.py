"""Knowledge bases in the corpus store: import (idempotent, versioned), reading, FTS search,
claim vectors, statistics, deletion, and the migration that adds them to older stores."""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from propwatch.errors import StoreError
from propwatch.kb.claims import KnownClaim
from propwatch.kb.readers import read_kb
from propwatch.store import MIGRATIONS, SCHEMA_VERSION, ImportResult, Store

from ..conftest import FIXTURES

OLD = FIXTURES / "store-v1.db"
KB = FIXTURES / "kb"

CLAIMS = [
    KnownClaim(id="c1", claim="Rescue volunteers stage fake gas attacks in the valley",
               verdict="No evidence", date="2019-11-02", language="en",
               tags=("false flag", "country:Sylvania"), outlets=("Valley Today",)),
    KnownClaim(id="c2", claim="The harbour canal was poisoned by foreign agents",
               summary="Posts blamed foreign agents for dead fish.", date="2016-03-14",
               language="en", tags=("Water", "country:Freedonia"), outlets=("Valley Today", "x")),
    KnownClaim(id="c3", claim="Le port sera fermé pendant dix ans", language="fr",
               title="Port de Lakeside", tags=("false flag",)),
]


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "kb.db") as s:
        yield s


def _fts_ok(store: Store) -> None:
    with store._write() as db:  # FTS5 checks the external-content index against the table
        db.execute("INSERT INTO kb_claims_fts(kb_claims_fts) VALUES ('integrity-check')")


def test_import_and_read_back_in_order(store):
    result = store.import_claims("demo", CLAIMS, source="demo.jsonl", format="jsonl")
    assert isinstance(result, ImportResult)
    assert (result.version, result.previous_version, result.added, result.claims) == (1, 0, 3, 3)
    assert result.new_version and result.to_dict()["duplicates"] == 0
    assert list(store.claims("demo")) == CLAIMS
    assert list(store.claims("demo", batch_size=1)) == CLAIMS  # keyset paging
    assert store.claim("demo", "c2") == CLAIMS[1] and store.claim("demo", "nope") is None
    (listed,) = store.knowledge_bases()
    assert listed["name"] == "demo" and listed["version"] == 1 and listed["claims"] == 3
    assert listed["format"] == "jsonl" and listed["sources"] == ["demo.jsonl"]
    _fts_ok(store)


def test_reimporting_the_same_claims_changes_nothing(store):
    store.import_claims("demo", CLAIMS, source="a.jsonl")
    again = store.import_claims("demo", list(CLAIMS) + [CLAIMS[0]], source="a.jsonl")  # repeated id
    assert (again.version, again.previous_version, again.new_version) == (1, 1, False)
    assert (again.added, again.changed, again.unchanged, again.removed) == (0, 0, 3, 0)
    assert again.duplicates == []  # the same content twice is no conflict
    info = store.knowledge_base("demo")
    assert [v["version"] for v in info["versions"]] == [1]
    assert list(store.claims("demo")) == CLAIMS


def test_an_import_that_changes_content_bumps_the_version(store):
    store.import_claims("demo", CLAIMS, source="v1.jsonl")
    changed = replace(CLAIMS[1], verdict="False")
    new = KnownClaim(id="c4", claim="Ships vanish in the bay")
    result = store.import_claims("demo", [CLAIMS[0], changed, new], source="v2.jsonl")
    assert (result.version, result.added, result.changed, result.unchanged, result.removed) == \
        (2, 1, 1, 1, 1)
    assert [c.id for c in store.claims("demo")] == ["c1", "c2", "c4"]
    assert store.claim("demo", "c2").verdict == "False" and store.claim("demo", "c3") is None
    versions = store.knowledge_base("demo")["versions"]
    assert [(v["version"], v["sources"], v["claims"], v["added"], v["changed"], v["removed"])
            for v in versions] == [(1, ["v1.jsonl"], 3, 3, 0, 0), (2, ["v2.jsonl"], 3, 1, 1, 1)]
    assert versions[0]["content_hash"] != versions[1]["content_hash"]
    # back to the first content: a new version whose content hash equals the first one's
    store.import_claims("demo", CLAIMS, source="v1.jsonl")
    versions = store.knowledge_base("demo")["versions"]
    assert versions[-1]["version"] == 3 and versions[-1]["content_hash"] == versions[0]["content_hash"]
    _fts_ok(store)


def test_append_keeps_claims_not_given(store):
    store.import_claims("demo", CLAIMS[:2])
    result = store.import_claims("demo", CLAIMS[2:], replace=False)
    assert (result.version, result.added, result.removed, result.claims) == (2, 1, 0, 3)
    assert list(store.claims("demo")) == CLAIMS
    assert store.import_claims("demo", CLAIMS[:1], replace=False).new_version is False


def test_an_id_given_twice_with_different_content_keeps_the_first(store):
    result = store.import_claims("demo", [CLAIMS[0], replace(CLAIMS[0], claim="Other")])
    assert result.duplicates == ["c1"] and result.claims == 1
    assert store.claim("demo", "c1") == CLAIMS[0]


def test_knowledge_bases_are_separate(store):
    store.import_claims("one", CLAIMS)
    store.import_claims("two", [replace(CLAIMS[0], verdict="Other verdict")])
    assert [kb["name"] for kb in store.knowledge_bases()] == ["one", "two"]
    assert store.claim("one", "c1").verdict == "No evidence"
    assert store.claim("two", "c1").verdict == "Other verdict"
    assert [c.id for c, _ in store.search_claims("two", "valley")] == ["c1"]
    assert store.delete_kb("two") == 1
    assert list(store.claims("one")) == CLAIMS


def test_bad_names_empty_imports_and_unknown_bases(store):
    for name in ("", "has space", "-dash-first", "x" * 65, "semi;colon"):
        with pytest.raises(StoreError, match="E622"):
            store.import_claims(name, CLAIMS)
    with pytest.raises(StoreError, match="E623"):
        store.import_claims("empty", [])
    assert store.knowledge_bases() == []  # the failed import left nothing behind
    with pytest.raises(TypeError):
        store.import_claims("demo", [{"id": "x", "claim": "y"}])
    for call in (lambda: store.claims("nope"), lambda: store.kb_stats("nope"),
                 lambda: store.search_claims("nope", "x"), lambda: store.delete_kb("nope"),
                 lambda: store.claim_vectors("nope", "enc")):
        with pytest.raises(StoreError, match="E620: no knowledge base 'nope'"):
            call()
    assert store.knowledge_base("nope") is None


def test_an_import_that_fails_midway_changes_nothing(store):
    store.import_claims("demo", CLAIMS)

    def broken():
        yield KnownClaim(id="new", claim="Added before the failure")
        raise StoreError("E999", "the reader failed")

    with pytest.raises(StoreError, match="E999"):
        store.import_claims("demo", broken())
    assert list(store.claims("demo")) == CLAIMS and store.knowledge_base("demo")["version"] == 1


def test_full_text_search_ranks_claims_with_bm25(store):
    store.import_claims("demo", CLAIMS)
    found = store.search_claims("demo", "valley")
    assert [c.id for c, _ in found] == ["c1"] and found[0][1] > 0
    assert [c.id for c, _ in store.search_claims("demo", "foreign dead fish")] == ["c2"]  # summary
    assert [c.id for c, _ in store.search_claims("demo", "poison*")] == ["c2"]  # prefix
    assert [c.id for c, _ in store.search_claims("demo", "ferme")] == ["c3"]  # diacritics
    assert [c.id for c, _ in store.search_claims("demo", "Lakeside")] == ["c3"]  # title
    assert {c.id for c, _ in store.search_claims("demo", "false flag")} == {"c1", "c3"}  # tags
    # the claim text weighs more than a tag
    store.import_claims("demo", [*CLAIMS, KnownClaim(id="c5", claim="A false flag in the north")])
    assert store.search_claims("demo", "false flag")[0][0].id == "c5"
    assert store.search_claims("demo", "valley canal") == []  # every word must occur
    assert store.search_claims("demo", "  ") == [] and store.search_claims("demo", '" OR (') == []
    assert len(store.search_claims("demo", "false flag", limit=1)) == 1
    # the index follows changes and removals
    store.import_claims("demo", [replace(CLAIMS[0], claim="Volunteers stage attacks on the hill")])
    assert store.search_claims("demo", "valley") == []
    assert [c.id for c, _ in store.search_claims("demo", "hill")] == ["c1"]
    _fts_ok(store)


def test_claim_vectors_round_trip_exactly_in_claim_order(store):
    store.import_claims("demo", CLAIMS)
    matrix = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float64)
    assert store.put_claim_vectors("demo", "enc-v1", ["c3", "c1", "c2"], matrix) == 3
    ids, got = store.claim_vectors("demo", "enc-v1")
    assert ids == ["c1", "c2", "c3"] and got.dtype == np.float32 and got.shape == (3, 5)
    np.testing.assert_array_equal(got, matrix[[1, 2, 0]].astype(np.float32))
    got[0, 0] = 99  # the caller's copy is writable and its own
    assert store.claim_vectors("demo", "enc-v1")[1][0, 0] != 99
    assert store.claim_vectors("demo", "other")[0] == []
    assert store.claim_vectors("demo", "other")[1].shape == (0, 0)
    # replacing one vector, and one encoder's vectors beside another's
    store.put_claim_vectors("demo", "enc-v1", ["c1"], np.ones((1, 5)))
    assert store.claim_vectors("demo", "enc-v1")[1][0].tolist() == [1.0] * 5
    store.put_claim_vectors("demo", "enc-v2", ["c1"], np.zeros((1, 3)))
    assert store.knowledge_base("demo")["vectors"] == {"enc-v1": {"dim": 5, "claims": 3},
                                                       "enc-v2": {"dim": 3, "claims": 1}}
    assert [c.id for c in store.claims_without_vectors("demo", "enc-v2")] == ["c2", "c3"]
    assert store.delete_claim_vectors("demo", "enc-v2") == 1
    assert store.delete_claim_vectors("demo") == 3


def test_claim_vectors_are_checked(store):
    store.import_claims("demo", CLAIMS)
    store.put_claim_vectors("demo", "enc", ["c1"], np.ones((1, 4)))
    bad = [(["c2"], np.ones((1, 3)), "3 dimensions, the stored ones 4"),
           (["c2", "c3"], np.ones((1, 4)), "2 ids but a matrix of shape (1, 4)"),
           (["c2"], np.ones(4), "1 ids but a matrix of shape (4,)"),
           (["zz"], np.ones((1, 4)), "claim 'zz' is not in the knowledge base"),
           (["c2", "c2"], np.ones((2, 4)), "an id is given twice"),
           (["c2"], np.array([[1, np.nan, 0, 0]]), "NaN")]
    for ids, matrix, reason in bad:
        with pytest.raises(StoreError) as info:
            store.put_claim_vectors("demo", "enc", ids, matrix)
        assert info.value.code == "E621" and reason in str(info.value), reason
    assert store.claim_vectors("demo", "enc")[0] == ["c1"]  # nothing of the failures stored


def test_vectors_go_when_their_text_changes_and_stay_otherwise(store):
    store.import_claims("demo", CLAIMS)
    store.put_claim_vectors("demo", "enc", ["c1", "c2", "c3"], np.ones((3, 2)))
    store.import_claims("demo", [replace(CLAIMS[0], tags=("new tag",)),  # text the same
                                 replace(CLAIMS[1], claim="A new text"),  # text changed
                                 CLAIMS[2]])
    assert store.claim_vectors("demo", "enc")[0] == ["c1", "c3"]
    assert [c.id for c in store.claims_without_vectors("demo", "enc")] == ["c2"]
    store.import_claims("demo", CLAIMS[:1])  # c3 removed: its vector goes with it
    assert store.claim_vectors("demo", "enc")[0] == ["c1"]
    store.delete_kb("demo")
    with sqlite3.connect(store.path) as db:
        assert db.execute("SELECT count(*) FROM kb_claim_vectors").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM kb_claims").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM kb_versions").fetchone()[0] == 0


def test_kb_stats(store):
    store.import_claims("demo", CLAIMS, format="jsonl")
    stats = store.kb_stats("demo", top=1)
    assert stats["claims"] == 3 and stats["version"] == 1 and stats["format"] == "jsonl"
    assert stats["languages"] == {"en": 2, "fr": 1}
    assert stats["dates"] == {"first": "2016-03-14", "last": "2019-11-02", "undated": 1}
    assert stats["tags"] == {"false flag": 2} and stats["distinct_tags"] == 4
    assert stats["tag_groups"] == {"country": {"Freedonia": 1}}  # top 1, ties by name
    assert stats["outlets"] == {"Valley Today": 2}
    assert (stats["with_verdict"], stats["with_url"], stats["with_summary"]) == (1, 0, 1)
    assert stats["tagged_claims"] == 3 and stats["vectors"] == {}


def test_a_schema_1_corpus_gets_knowledge_bases_and_keeps_its_articles(tmp_path):
    path = tmp_path / "old.db"
    shutil.copy(OLD, path)
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION == len(MIGRATIONS) >= 5
        assert store.count() == 5 and store.knowledge_bases() == []
        store.import_claims("demo", CLAIMS)
        assert list(store.claims("demo")) == CLAIMS
        assert store.list_articles(q="the")  # the articles' own index still answers
    with Store(path) as store:  # opening again migrates nothing
        assert store.knowledge_base("demo")["claims"] == 3


def test_a_schema_4_store_migrates_to_5(tmp_path):
    from propwatch.store import APPLICATION_ID

    path = tmp_path / "v4.db"
    with sqlite3.connect(path) as db:
        for migration in MIGRATIONS[:4]:
            for statement in migration:
                db.execute(statement)
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute("PRAGMA user_version = 4")
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        store.import_claims("demo", CLAIMS)
        assert [c.id for c, _ in store.search_claims("demo", "canal")] == ["c2"]


def test_euvsdisinfo_fixture_into_the_store_and_out_again(store):
    claims = list(read_kb("euvsdisinfo", KB / "euvsdisinfo-cases.jsonl"))
    store.import_claims("euvsdisinfo", claims, source=str(KB / "euvsdisinfo-cases.jsonl"))
    assert list(store.claims("euvsdisinfo")) == claims
    assert [c.id for c, _ in store.search_claims("euvsdisinfo", "gas attack")] == [
        "rescue-volunteers-stage-a-fake-gas-attack"]

"""A corpus written by propwatch 0.1 (schema 1, technique spans in their own table) opens in this
release: the spans move into the generic layer tables, and everything else stays."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from propwatch.doc import Span, technique_layer
from propwatch.store import SCHEMA_VERSION, Store

# Written by `propwatch corpus add examples/ tests/fixtures/records.jsonl`, `corpus analyze` and
# `reuse --min-chars 100` at commit 7eabbcb (schema 1).
OLD = Path(__file__).resolve().parents[1] / "fixtures" / "store-v1.db"


def _old_rows(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1
        return db.execute('SELECT article_id, start, "end", technique, score, reason, detector'
                          ' FROM spans ORDER BY article_id, start, "end", technique').fetchall()


def test_a_schema_1_corpus_migrates_its_spans_into_layers(tmp_path):
    path = tmp_path / "old.db"
    shutil.copy(OLD, path)
    old = _old_rows(path)
    assert len(old) == 8 and len({r[0] for r in old}) == 3
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION >= 4
        assert store.count() == 5
        for article_id in {r[0] for r in old}:
            mine = [r for r in old if r[0] == article_id]
            assert store.spans(article_id) == [Span(s, e, t, sc, why) for _, s, e, t, sc, why, _ in mine]
            doc = store.document(article_id)
            assert doc.detector == mine[0][6] == "minilm-l6-ptc-v3"
            assert doc.layer("techniques").component == "techniques.v1"
            # the summary the old release computed is recomputed from the spans
            assert doc.summary == technique_layer(doc.article, doc.spans, doc.detector).summary
        stats = store.stats()
        assert stats["spans"]["total"] == 8 and stats["spans"]["articles_with_spans"] == 3
        assert stats["layers"]["techniques"]["records"] == 8
        assert sum(stats["spans"]["by_technique"].values()) == 8
        loaded = {r[0] for r in old if r[3] == "Loaded_Language"}
        assert {a["id"] for a in store.list_articles(technique="Loaded_Language")} == loaded
        assert len(store.reuse_links()) == 1 and len(store.clusters()) == 1
        # the old run's abstention (an undated member) is kept as found, its basis not known
        (cluster,) = store.clusters()
        assert cluster.origin is None and "have no date" in cluster.origin_note
        assert (cluster.origin_basis, cluster.origin_confidence) == ("", None)
        assert [r["kind"] for r in store.runs()] == ["add", "analyze", "reuse"]
        assert {r["status"] for r in store.runs()} == {"finished"}
        # and it keeps working: a new analysis replaces the migrated layer
        article = store.get_article(old[0][0])
        store.replace_layers(article.id, [technique_layer(article, [Span(0, 4, "Doubt")], "new")])
        assert store.spans(article.id) == [Span(0, 4, "Doubt")]
    with sqlite3.connect(path) as db:
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    assert "spans" not in names and {"layers", "layer_records"} <= names
    with Store(path) as store:  # opening again migrates nothing
        assert store.schema_version == SCHEMA_VERSION and len(store.spans(old[1][0])) >= 1


def test_an_unfinished_run_of_an_old_store_is_marked_interrupted_by_the_next_run(tmp_path):
    path = tmp_path / "old.db"
    shutil.copy(OLD, path)
    with sqlite3.connect(path) as db:  # an analyze that propwatch 0.1 left unfinished (killed)
        db.execute("INSERT INTO runs (kind, params, started_at) VALUES ('analyze', '{}', 'x')")
    with Store(path) as store:
        assert store.runs()[-1]["status"] == "running"
        store.start_run("add", {})
        assert [r["status"] for r in store.runs()][-2:] == ["interrupted", "running"]
        assert store.latest_run("analyze")["id"] == 2  # the finished one


def test_a_schema_3_corpus_gets_origin_bases_and_keeps_its_clusters(tmp_path):
    """Version 4 adds a cluster's origin basis and confidence; stored runs keep what they
    found, with the basis their rule implied."""
    from propwatch.store import APPLICATION_ID, MIGRATIONS

    path = tmp_path / "v3.db"
    with sqlite3.connect(path) as db:
        for migration in MIGRATIONS[:3]:
            for statement in migration:
                db.execute(statement)
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute("PRAGMA user_version = 3")
        for aid, published in (("a", "2021-03-01"), ("b", "2021-03-01"), ("c", None)):
            db.execute("INSERT INTO articles (id, content_hash, text, published, added_at)"
                       " VALUES (?, 'h', 'text', ?, 'now')", (aid, published))
        db.execute("INSERT INTO runs (id, kind, started_at, finished_at, status)"
                   " VALUES (1, 'reuse', 'x', 'y', 'finished')")
        for cid, origin, note in (("c1", "a", "published first, on 2021-03-01"),
                                  ("c2", None, ("2 members were published first, on "
                                                "2021-03-01: a tie")),
                                  ("c3", None, "no member has a publication date"),
                                  ("c4", None, ("1 member(s) have no date; the earliest "
                                                "dated is a (2021-03-01)"))):
            db.execute("INSERT INTO clusters (run_id, cluster_id, position, origin, origin_note)"
                       " VALUES (1, ?, 0, ?, ?)", (cid, origin, note))
            db.execute("INSERT INTO cluster_members VALUES (1, ?, 0, 'a', 0, 4)", (cid,))
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION >= 4
        found = {c.id: (c.origin, c.origin_basis, c.origin_confidence) for c in store.clusters()}
    assert found == {"c1": ("a", "earliest", None), "c2": (None, "tie", None),
                     "c3": (None, "undated", None), "c4": (None, "", None)}

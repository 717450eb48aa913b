"""The corpus store: idempotent adds, conflicts, schema versions, search, stats, reuse, export."""

from __future__ import annotations

import io
import re
import json
import sqlite3
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from propwatch.doc import Analysis, Article, Cluster, Passage, ReuseLink, Span, technique_layer
from propwatch.errors import InputError, StoreError
from propwatch.store import MIGRATIONS, SCHEMA_VERSION, Store, content_hash, fts_query

LOADED = "Loaded_Language"
NAME = "Name_Calling,Labeling"


def art(id: str, text: str | None = None, **meta) -> Article:
    return Article(id=id, text=text if text is not None else f"Text of article {id}.", **meta)


CORPUS = [
    art("a1", "Traitors plot a grain blockade, officials warn.\n\nThe blockade starts now.",
        title="Grain blockade", outlet="Harbor Daily", published="2023-05-04", source="a1.txt",
        url="https://example.org/a1?utm_source=feed", boilerplate=((0, 8),),
        canonical_url="https://example.org/a1"),
    art("a2", "Residents protest the pier closure. \"Foo\" was heard, AND OR NOT.",
        title="Pier closure", outlet="Lakeside Ledger", published="2022-09-14"),
    art("a3", "A café reopens downtown after the flood.", title="Café", outlet="Harbor Daily",
        published="2021-01-02"),
    art("a4", "An undated note with no outlet about the grain harvest."),
]


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "corpus.db") as s:
        s.add_articles(CORPUS)
        yield s


def rows(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT * FROM articles ORDER BY id").fetchall()


# ------------------------------------------------------------------ adding


def test_add_then_read_back_exactly(store: Store):
    assert store.count() == 4
    for article in CORPUS:
        assert store.get_article(article.id) == article
    assert store.get_article("nope") is None
    assert [a.id for a in store.iter_articles(batch_size=1)] == ["a1", "a2", "a3", "a4"]
    assert [a.id for a in store.iter_articles(ids=["a3", "zz", "a1"])] == ["a1", "a3"]


def test_second_add_is_idempotent_and_changes_no_row(tmp_path: Path):
    path = tmp_path / "c.db"
    with Store(path) as s:
        first = s.add_articles(CORPUS)
    before = rows(path)
    with Store(path) as s:
        # Same texts with other metadata: still unchanged, and the stored row stays as it was.
        again = s.add_articles([replace(CORPUS[0], title="Other", boilerplate=()), *CORPUS[1:]])
    assert (first.added, first.unchanged, first.conflicts) == (4, 0, [])
    assert (again.added, again.unchanged, again.conflicts) == (0, 4, [])
    assert rows(path) == before
    assert before[0][2] == content_hash(CORPUS[0].text)  # seq, id, content_hash, ...


def test_same_id_different_text_is_a_conflict_and_keeps_the_stored_one(store: Store):
    changed = art("a1", "A different text under the same id.", source="feed.jsonl")
    result = store.add_articles([changed, art("a5")])
    assert (result.added, result.unchanged) == (1, 0)
    assert len(result.conflicts) == 1
    article_id, message = result.conflicts[0]
    assert article_id == "a1"
    assert message.startswith("E605") and "'feed.jsonl'" in message and "'a1'" in message
    assert "kept the stored one" in message and "own id" in message
    assert store.get_article("a1") == CORPUS[0]


def test_duplicate_ids_within_one_batch(tmp_path: Path):
    with Store(tmp_path / "c.db") as s:
        seen = []
        result = s.add_articles([art("x", "one"), art("x", "one"), art("x", "two")],
                                on_article=lambda a, status: seen.append(status))
        assert (result.added, result.unchanged, len(result.conflicts)) == (1, 1, 1)
        assert seen == ["added", "unchanged", "conflict"]
        assert s.get_article("x").text == "one"


def test_batches_are_committed_as_they_go(tmp_path: Path):
    path = tmp_path / "c.db"
    committed = []

    def articles():
        for i in range(7):
            yield art(f"n{i}")
        raise RuntimeError("the input broke")

    with Store(path) as s:
        with pytest.raises(RuntimeError):
            s.add_articles(articles(), batch_size=3,
                           on_article=lambda a, status: committed.append(a.id))
    assert committed == ["n0", "n1", "n2", "n3", "n4", "n5"]
    with Store(path) as s:  # what was committed is there, nothing else
        assert [a.id for a in s.iter_articles()] == committed


def test_bad_date_is_refused_before_writing(tmp_path: Path):
    with Store(tmp_path / "c.db") as s:
        with pytest.raises(InputError) as info:
            s.add_articles([art("d", published="someday", source="x.jsonl")])
        assert info.value.code == "E109" and "x.jsonl" in str(info.value)
        assert s.count() == 0


# ------------------------------------------------------------------ opening and schema


def test_new_database_has_the_current_schema(tmp_path: Path):
    path = tmp_path / "c.db"
    Store(path).close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == len(MIGRATIONS)
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    assert {"articles", "layers", "layer_records", "runs", "reuse_links", "clusters",
            "cluster_members", "articles_fts", "layer_records_article", "layer_records_label",
            "reuse_links_a", "reuse_links_b"} <= names
    assert "spans" not in names
    with Store(path) as s:  # opening again migrates nothing and keeps working
        assert s.schema_version == SCHEMA_VERSION


def test_newer_schema_is_refused_with_upgrade_hint(tmp_path: Path):
    path = tmp_path / "c.db"
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    with pytest.raises(StoreError) as info:
        Store(path)
    assert info.value.code == "E602"
    message = str(info.value)
    assert str(path) in message and f"schema {SCHEMA_VERSION + 5}" in message
    assert "upgrade propwatch" in message


def test_a_file_that_is_not_sqlite_is_named(tmp_path: Path):
    path = tmp_path / "notes.txt"
    path.write_text("just some notes, not a database\n" * 10)
    with pytest.raises(StoreError) as info:
        Store(path)
    assert info.value.code == "E601" and "notes.txt" in str(info.value)
    assert path.read_text().startswith("just some notes")  # untouched


def test_another_programs_sqlite_file_is_refused(tmp_path: Path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE articles (x)")
    with pytest.raises(StoreError) as info:
        Store(path)
    assert info.value.code == "E601" and "other.db" in str(info.value)


def test_missing_file_without_create_is_not_made(tmp_path: Path):
    path = tmp_path / "missing.db"
    with pytest.raises(StoreError) as info:
        Store(path, create=False)
    assert info.value.code == "E603" and "propwatch corpus add" in str(info.value)
    assert not path.exists()
    with pytest.raises(StoreError) as info:
        Store(tmp_path / "no-such-folder" / "c.db")
    assert info.value.code == "E604"
    with pytest.raises(StoreError) as info:
        Store(tmp_path)
    assert info.value.code == "E601"


def test_memory_store():
    with Store(":memory:") as s:
        assert s.add_articles(CORPUS).added == 4
        assert s.list_articles(q="café")[0]["id"] == "a3"


# ------------------------------------------------------------------ search and listing


def test_full_text_search_over_title_and_text(store: Store):
    assert {r["id"] for r in store.list_articles(q="grain")} == {"a1", "a4"}
    assert [r["id"] for r in store.list_articles(q="grain blockade")] == ["a1"]
    assert [r["id"] for r in store.list_articles(q="Pier")] == ["a2"]
    assert [r["id"] for r in store.list_articles(q="cafe")] == ["a3"]  # diacritics folded
    assert [r["id"] for r in store.list_articles(q="block*")] == ["a1"]
    assert store.list_articles(q="nothing-like-this") == []


@pytest.mark.parametrize("query", ['"foo', 'AND OR (', 'foo"', '"', '(', ')', 'NEAR(a b)',
                                   'title:grain', '-grain', '^grain', '*', 'a AND', "'",
                                   'foo OR', '"foo" AND "bar', '\\', 'NOT', '{a b}: c'])
def test_hostile_queries_never_break_the_search(store: Store, query: str):
    # operators and quotes are searched as plain words: exactly the articles holding every word
    words = [w.lower() for w in re.findall(r"\w+", query)]
    expected = [a.id for a in CORPUS
                if words and all(re.search(rf"\b{w}\b", f"{a.title or ''} {a.text}".lower())
                                 for w in words)]
    found = store.list_articles(q=query)
    assert sorted(row["id"] for row in found) == expected


def test_hostile_queries_search_their_words(store: Store):
    assert [r["id"] for r in store.list_articles(q='"foo')] == ["a2"]
    assert [r["id"] for r in store.list_articles(q="AND OR (")] == ["a2"]
    assert [r["id"] for r in store.list_articles(q="grain:blockade")] == ["a1"]  # a phrase
    assert store.list_articles(q="( ) *") == []
    assert fts_query('say "hi" NEAR(x)') == '"say" """hi""" "NEAR(x)"'
    assert fts_query("  ") is None and fts_query("(*") is None


def test_search_index_stays_in_sync(store: Store, tmp_path: Path):
    store.add_articles([art("a9", "Seaweed harvest record")])
    with sqlite3.connect(tmp_path / "corpus.db") as db:
        db.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")
    assert [r["id"] for r in store.list_articles(q="seaweed")] == ["a9"]


def test_list_filters_and_pages(store: Store):
    store.replace_spans("a1", [Span(9, 14, LOADED), Span(20, 25, NAME)], "test-v1")
    listed = store.list_articles()
    assert [r["id"] for r in listed] == ["a1", "a2", "a3", "a4"]
    assert listed[0] == {"id": "a1", "title": "Grain blockade", "outlet": "Harbor Daily",
                         "published": "2023-05-04", "n_spans": 2}
    assert [r["id"] for r in store.list_articles(outlet="harbor daily")] == ["a1", "a3"]
    assert [r["id"] for r in store.list_articles(technique=LOADED)] == ["a1"]
    assert store.list_articles(technique="Doubt") == []
    assert [r["id"] for r in store.list_articles(limit=2, offset=1)] == ["a2", "a3"]
    assert [r["id"] for r in store.list_articles(outlet="Harbor Daily", q="grain")] == ["a1"]


def test_stats_numbers(store: Store):
    store.replace_spans("a1", [Span(9, 14, LOADED), Span(20, 25, NAME)], "test-v1")
    store.replace_spans("a3", [Span(2, 6, LOADED)], "test-v1")
    store.replace_spans("a4", [Span(3, 10, LOADED)], "test-v1")
    run = store.start_run("reuse", {})
    store.finish_run(run, {})
    stats = store.stats()
    assert stats["articles"] == 4
    assert stats["outlets"] == {"Harbor Daily": 2, "Lakeside Ledger": 1}
    assert stats["no_outlet"] == 1
    assert stats["published"] == {"first": "2021-01-02", "last": "2023-05-04", "undated": 1}
    assert stats["spans"]["total"] == 4
    assert stats["spans"]["articles_with_spans"] == 3
    assert stats["spans"]["by_technique"] == {LOADED: 3, NAME: 1}
    assert stats["spans"]["by_outlet"] == {"Harbor Daily": {LOADED: 2, NAME: 1}}
    assert stats["spans"]["no_outlet"] == {LOADED: 1}
    assert stats["runs"] == {"reuse": 1}
    assert stats["reuse"] == {"run": run, "links": 0, "clusters": 0}
    json.dumps(stats)  # JSON-ready


def test_empty_store_stats(tmp_path: Path):
    with Store(tmp_path / "c.db") as s:
        assert s.stats()["articles"] == 0
        assert s.stats()["published"] == {"first": None, "last": None, "undated": 0}
        assert s.list_articles() == []


# ------------------------------------------------------------------ spans and runs


def test_replace_spans_replaces(store: Store):
    store.replace_spans("a1", [Span(9, 14, LOADED, 0.5, "cue 'traitors'")], "d1")
    store.replace_spans("a1", [Span(20, 25, NAME, 0.25), Span(0, 8, LOADED)], "d2")
    assert store.spans("a1") == [Span(0, 8, LOADED), Span(20, 25, NAME, 0.25)]
    assert store.describe("a1")["detector"] == "d2"
    assert store.spans("a2") == [] and store.spans("nope") == []
    with pytest.raises(StoreError) as info:
        store.replace_spans("nope", [], "d")
    assert info.value.code == "E606"
    with pytest.raises(ValueError):
        store.replace_spans("a3", [Span(0, 10_000, LOADED)], "d")
    assert store.spans("a1") == [Span(0, 8, LOADED), Span(20, 25, NAME, 0.25)]



def test_save_layers_stores_many_articles_at_once_or_none(store: Store):
    def layer(article_id: str, label: str):
        return [technique_layer(store.get_article(article_id), [Span(0, 4, label)], "d3")]

    store.save_layers([("a1", layer("a1", LOADED)), ("a2", layer("a2", NAME))])
    assert store.spans("a1") == [Span(0, 4, LOADED)] and store.spans("a2") == [Span(0, 4, NAME)]
    with pytest.raises(StoreError) as info:
        store.save_layers([("a3", layer("a3", LOADED)), ("nope", layer("a1", NAME))])
    assert info.value.code == "E606"
    assert store.spans("a3") == []  # the whole batch was rolled back
    assert store.layer_makers() == {"techniques": {("techniques.v1", "d3"): 2}}
    assert store.ids_with_layers({"techniques": ("techniques.v1", "d3")}) == {"a1", "a2"}
    assert store.ids_with_layers({"techniques": ("techniques.v1", "d2")}) == set()

def test_runs(store: Store):
    assert store.latest_run("reuse") is None
    first = store.start_run("reuse", {"k": 5})
    store.finish_run(first, {"links": 3})
    second = store.start_run("reuse", {"k": 7})  # not finished yet
    latest = store.latest_run("reuse")
    assert latest["id"] == first and latest["params"] == {"k": 5}
    assert latest["summary"] == {"links": 3} and latest["finished_at"]
    assert store.latest_run("reuse", finished=False)["id"] == second
    assert [r["id"] for r in store.runs("reuse")] == [first, second]
    with pytest.raises(StoreError) as info:
        store.finish_run(999, {})
    assert info.value.code == "E608"


def test_a_killed_run_is_marked_interrupted_when_the_next_run_starts(store: Store,
                                                                      tmp_path: Path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process that has ended: as a run's after kill -9
    killed = store.start_run("analyze", {})
    with sqlite3.connect(tmp_path / "corpus.db") as db:
        db.execute("UPDATE runs SET pid = ? WHERE id = ?", (gone.pid, killed))
    live = store.start_run("add", {})  # this process's: still going
    status = {r["id"]: r["status"] for r in store.runs()}
    assert status[killed] == "interrupted" and status[live] == "running"
    assert store.runs()[0]["finished_at"] is None  # when it died is not known
    store.finish_run(live, {"added": 1}, status="interrupted")  # stopped early, by itself
    run = store.runs("add")[0]
    assert run["status"] == "interrupted" and run["finished_at"] and run["summary"]
    assert store.latest_run("add") is None and store.latest_run("analyze") is None
    with pytest.raises(ValueError):
        store.finish_run(live, {}, status="done")


# ------------------------------------------------------------------ reuse


def test_reuse_round_trip(store: Store):
    links = [ReuseLink("a1", 0, 20, "a2", 5, 25, 1.0), ReuseLink("a1", 30, 40, "a3", 0, 10, 0.8),
             ReuseLink("a2", 0, 10, "a3", 10, 20, 0.9)]
    clusters = [Cluster("c2", (Passage("a2", 5, 25), Passage("a1", 0, 20)), "a1", "earliest date"),
                Cluster("c1", (Passage("a3", 0, 10), Passage("a1", 30, 40)), None, "dates tied")]
    run = store.start_run("reuse", {"threshold": 0.8})
    store.save_reuse(run, iter(links), iter(clusters))
    store.finish_run(run, {"links": 3})
    assert store.reuse_links() == sorted(links)
    assert store.reuse_links(run_id=run, article_id="a3") == [links[1], links[2]]
    assert store.clusters() == clusters  # saved order, member order and notes kept
    assert store.clusters(article_id="a2") == [clusters[0]]
    # Saving again replaces; a newer finished run becomes the default.
    store.save_reuse(run, links[:1], [])
    assert store.reuse_links(run_id=run) == links[:1]
    newer = store.start_run("reuse", {})
    store.save_reuse(newer, links[2:], [])
    assert store.reuse_links() == links[:1]  # the newer one is not finished yet
    store.finish_run(newer, {})
    assert store.reuse_links() == links[2:]
    assert store.reuse_links(article_id="a1") == []


def test_published_times_and_origin_bases_round_trip(tmp_path: Path):
    timed = [art("t1", published="2023-05-04T10:15:00+02:00"), art("t2", published="2023-05-04T09:15Z"),
             art("t3", published="2023-05-04"), art("t4", published="2023-05-04T10:15")]
    clusters = [Cluster("c1", (Passage("t1", 0, 5), Passage("t2", 0, 5)), "t1",
                        "published first, at 2023-05-04T10:15:00+02:00", "earliest", 0.5),
                Cluster("c2", (Passage("t3", 0, 5), Passage("t4", 0, 5), Passage("t1", 0, 5)),
                        "t3", "published first of the 2 dated members",
                        "earliest dated; 1 undated", 0.123456),
                Cluster("c3", (Passage("t2", 0, 5), Passage("t3", 0, 5)), None, "a tie", "tie",
                        0.0)]
    with Store(tmp_path / "c.db") as s:
        s.add_articles(timed)
        assert [s.get_article(a.id).published for a in timed] == [a.published for a in timed]
        run = s.start_run("reuse", {})
        s.save_reuse(run, [], clusters)
        s.finish_run(run, {})
        assert s.clusters() == clusters
        assert s.stats()["published"]["undated"] == 0
        with pytest.raises(InputError) as info:  # a time that is no time is refused
            s.add_articles([art("t5", published="2023-05-04T25:00", source="x.jsonl")])
        assert info.value.code == "E109"


def test_reuse_naming_unknown_articles_saves_nothing(store: Store):
    run = store.start_run("reuse", {})
    with pytest.raises(StoreError) as info:
        store.save_reuse(run, [ReuseLink("a1", 0, 5, "a2", 0, 5, 1.0),
                               ReuseLink("a1", 0, 5, "ghost", 0, 5, 1.0)], [])
    assert info.value.code == "E607" and "'ghost'" in str(info.value)
    with pytest.raises(StoreError) as info:
        store.save_reuse(run, [], [Cluster("c", (Passage("a1", 0, 5),), origin="ghost")])
    assert info.value.code == "E607"
    assert store.reuse_links(run_id=run) == [] and store.clusters(run_id=run) == []
    with pytest.raises(StoreError) as info:
        store.save_reuse(12345, [], [])
    assert info.value.code == "E608"


# ------------------------------------------------------------------ export


def test_export_round_trip(store: Store):
    spans = [Span(9, 14, LOADED, 0.5, "cue"), Span(20, 25, NAME, 0.75)]
    store.replace_spans("a1", spans, "test-v1")
    out = io.StringIO()
    assert store.export("jsonl", out) == 4
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["id"] for r in records] == ["a1", "a2", "a3", "a4"]
    for record, article in zip(records, CORPUS):
        assert Article.from_dict(record) == article
        assert {"id", "source", "title", "outlet", "published", "url", "detector", "summary",
                "spans", "text", "boilerplate"} <= set(record)
    first = records[0]
    assert first["detector"] == "test-v1" and first["summary"]["spans"] == 2
    assert first["spans"][0]["text"] == CORPUS[0].text[9:14]
    assert list(Analysis.from_dict(first).spans) == spans
    plain = io.StringIO()
    store.export("jsonl", plain, with_spans=False)
    assert [Article.from_dict(json.loads(l)) for l in plain.getvalue().splitlines()] == CORPUS
    with pytest.raises(ValueError):
        store.export("xml", io.StringIO())


# ------------------------------------------------------------------ concurrency


def test_threads_share_one_store(store: Store):
    errors = []

    def writer():
        try:
            store.add_articles((art(f"t{i:03d}") for i in range(200)), batch_size=10)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def reader():
        try:
            for _ in range(30):
                assert {"a1", "a2"} <= {a.id for a in store.iter_articles(batch_size=7)}
                store.stats()
        except Exception as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader)
                                                   for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.count() == 204


def test_a_second_connection_reads_while_one_writes(tmp_path: Path):
    path = tmp_path / "c.db"
    with Store(path) as writer, Store(path) as reader:
        writer.add_articles(CORPUS[:2])
        seen = []
        writer.add_articles((art(f"w{i}") for i in range(6)), batch_size=2,
                            on_article=lambda a, s: seen.append(reader.count()))
        # Each batch is visible to the other connection as soon as it is committed.
        assert seen == [4, 4, 6, 6, 8, 8]


def test_a_busy_database_says_so(tmp_path: Path):
    path = tmp_path / "c.db"
    Store(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writing
    try:
        with Store(path, timeout=0.05) as s:
            assert s.count() == 0  # readers are not held up
            with pytest.raises(StoreError) as info:
                s.add_articles([art("x")])
            assert info.value.code == "E609" and "c.db" in str(info.value)
    finally:
        other.execute("ROLLBACK")
        other.close()
    with Store(path) as s:
        assert s.add_articles([art("x")]).added == 1


def test_analysis_and_technique_timeline(tmp_path: Path):
    with Store(tmp_path / "c.db") as s:
        s.add_articles([Article(id="a", text="They are traitors. Wake up!", published="2021-03-02"),
                        Article(id="b", text="Lies and more lies today.", published="2021-03-30"),
                        Article(id="c", text="Undated traitors everywhere."),
                        Article(id="d", text="April fools and traitors.", published="2021-04-01")])
        s.replace_spans("a", [Span(9, 17, "Name_Calling,Labeling"), Span(19, 27, "Slogans")], "t1")
        s.replace_spans("b", [Span(0, 4, "Loaded_Language"), Span(9, 19, "Repetition"),
                              Span(14, 19, "Loaded_Language")], "t1")
        s.replace_spans("c", [Span(8, 16, "Name_Calling,Labeling")], "t1")
        s.replace_spans("d", [Span(17, 25, "Name_Calling,Labeling")], "t2")
        assert s.technique_timeline() == [
            {"month": "2021-03", "technique": "Loaded_Language", "count": 2},
            {"month": "2021-03", "technique": "Name_Calling,Labeling", "count": 1},
            {"month": "2021-03", "technique": "Repetition", "count": 1},
            {"month": "2021-03", "technique": "Slogans", "count": 1},
            {"month": "2021-04", "technique": "Name_Calling,Labeling", "count": 1},
        ]
        found = s.document("a")
        article = s.get_article("a")
        assert found == Analysis(article, (technique_layer(article, s.spans("a"), "t1"),))
        assert s.document("d").detector == "t2"
        assert s.document("nope") is None
        s.add_articles([Article(id="e", text="No spans here.")])
        assert s.document("e").spans == () and s.document("e").detector == ""
        assert s.document("e").layers == ()
    with Store(":memory:") as empty:
        assert empty.technique_timeline() == []

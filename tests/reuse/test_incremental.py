"""Incremental reuse over a store gives exactly what a full run gives.

Identical means: the same links (pairs with the same passages, offsets and scores), the same
clusters (same ids, same member passages, so the same partition) and the same origin, basis,
note and confidence per cluster."""

import json

import numpy as np
import pytest

from propwatch.bench.generate import generate_corpus
from propwatch.corpus import reuse_corpus
from propwatch.doc import Article
from propwatch.reuse import ReuseOptions
from propwatch.reuse.incremental import update_reuse, why_full
from propwatch.store import SCHEMA_VERSION, Store


def _same(a, b) -> None:
    assert a.links == b.links
    assert a.clusters == b.clusters  # ids, members, origin, note, basis, confidence


@pytest.fixture(scope="module")
def corpus():
    return generate_corpus(600, seed=3).articles


def _full_copy(tmp_path, articles, name, options=ReuseOptions()):
    with Store(tmp_path / name) as store:
        store.add_articles(articles)
        return update_reuse(store, options, full=True).result


@pytest.mark.parametrize("steps", [(500, 600), (300, 450, 600), (590, 599, 600)])
def test_incremental_equals_full(tmp_path, corpus, steps):
    with Store(tmp_path / "inc.db") as store:
        done = 0
        for n, stop in enumerate(steps):
            store.add_articles(corpus[done:stop])
            done = stop
            run = update_reuse(store, ReuseOptions())
            assert run.mode == ("full" if n == 0 else "incremental")
            _same(run.result, _full_copy(tmp_path, corpus[:stop], f"full{n}.db"))
            # what was saved is what was returned
            assert store.reuse_links(run_id=run.run_id) == run.result.links
            assert store.clusters(run_id=run.run_id) == run.result.clusters
        assert run.result.links and run.result.clusters


def _outlet_article(i, outlet, shared, own):
    return Article(id=f"x{i:03d}", outlet=outlet, published=f"2024-01-{i % 28 + 1:02d}",
                   text=f"{own}\n\n{shared}\n\nFiled by the desk of {outlet}.")


def test_new_boilerplate_touches_old_articles(tmp_path):
    """A third article of one outlet turns a shared passage into outlet boilerplate: old
    links that used it must go, exactly as a full run drops them."""
    rng_words = ("grain barge minister ferry tariff strike winter bridge railway district "
                 "mayor inspector ledger auction quarry orchard canal beacon pension timber "
                 "salt copper lantern vineyard miller courier garrison chapel archive market").split()

    def text(seed, n=80):
        return " ".join(rng_words[(seed * 7 + k * k * 3 + k) % len(rng_words)] + str(k % 9)
                        for k in range(n)) + "."

    shared = text(1, 120)
    first = [_outlet_article(1, "Daily", shared, text(2)), _outlet_article(2, "Daily", shared, text(3)),
             _outlet_article(3, "Other", shared, text(4))]
    later = [_outlet_article(4, "Daily", shared, text(5))]
    options = ReuseOptions(min_chars=100)
    with Store(tmp_path / "inc.db") as store:
        store.add_articles(first)
        before = update_reuse(store, options).result
        assert before.links  # the shared passage links the three
        store.add_articles(later)
        run = update_reuse(store, options)
        assert run.mode == "incremental" and run.result.stats["touched_articles"] >= 2
        assert run.result.stats["pairs_realigned"] + run.result.stats["pairs_dropped"] >= 1
        _same(run.result, _full_copy(tmp_path, first + later, "full.db", options))


def test_unchanged_settings_and_full(tmp_path, corpus):
    with Store(tmp_path / "s.db") as store:
        store.add_articles(corpus[:200])
        assert why_full(store, ReuseOptions()).startswith("no fingerprint index")
        first = update_reuse(store, ReuseOptions())
        assert why_full(store, ReuseOptions()) is None
        again = update_reuse(store, ReuseOptions())
        assert again.mode == "unchanged" and again.run_id == first.run_id
        _same(again.result, first.result)
        other = ReuseOptions(max_df=50)
        assert "max_df 100 -> 50" in why_full(store, other)
        rebuilt = update_reuse(store, other)
        assert rebuilt.mode == "full" and "other settings" in rebuilt.notes[0]
        assert update_reuse(store, other, full=True).mode == "full"


def test_reuse_corpus_with_db_is_incremental(tmp_path, corpus):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for path, part in ((first, corpus[:150]), (second, corpus[150:200])):
        path.write_text("".join(json.dumps({"id": a.id, "text": a.text, "outlet": a.outlet,
                                            "published": a.published}) + "\n" for a in part),
                        encoding="utf-8")
    db = str(tmp_path / "c.db")
    assert reuse_corpus([str(first)], db=db).mode == "full"
    run = reuse_corpus([str(second)], db=db)
    assert run.mode == "incremental"
    assert len(run.articles) == 200
    full = reuse_corpus([], db=db, full=True)
    assert full.mode == "full"
    _same(run.result, full.result)


def test_old_store_migrates_and_builds_index(tmp_path, corpus):
    import sqlite3
    path = tmp_path / "old.db"
    with Store(path) as store:
        store.add_articles(corpus[:50])
    with sqlite3.connect(path) as db:  # as a schema-5 store left it
        for table in ("reuse_index", "reuse_fingerprints", "reuse_prints", "reuse_pairs",
                      "reuse_outlet_boilerplate"):
            db.execute(f"DROP TABLE {table}")
        db.execute("ALTER TABLE articles DROP COLUMN canonical_url")
        db.execute("PRAGMA user_version = 5")
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION and store.count() == 50
        assert update_reuse(store, ReuseOptions()).mode == "full"


def test_incremental_equals_full_when_much_becomes_boilerplate(tmp_path):
    """A low document-frequency limit makes many fingerprints cross it at each step: pairs of
    older articles are rechecked, some kept as they were, some aligned again or dropped."""
    corpus = generate_corpus(400, seed=11, edit_level="heavy").articles
    options = ReuseOptions(min_chars=100, max_df=8)
    with Store(tmp_path / "inc.db") as store:
        store.add_articles(corpus[:250])
        update_reuse(store, options)
        seen = {"kept": 0, "realigned": 0}
        for n, stop in enumerate((330, 400)):
            store.add_articles(corpus[stop - (80 if n == 0 else 70):stop])
            run = update_reuse(store, options)
            stats = run.result.stats
            seen["realigned"] += stats["pairs_realigned"]
            seen["kept"] += stats["pairs_rechecked"] - stats["pairs_realigned"] \
                - stats["pairs_dropped"]
            _same(run.result, _full_copy(tmp_path, corpus[:stop], f"full{n}.db", options))
        assert seen["kept"] and seen["realigned"]


@pytest.mark.parametrize("options", [ReuseOptions(min_chars=100, outlet_repeats=2),
                                     ReuseOptions(min_chars=100, outlet_repeats=2, max_df=6)])
def test_incremental_equals_full_as_outlets_make_boilerplate(tmp_path, options):
    """With a low outlet rule, each step makes fingerprints boilerplate for some outlets (and,
    with a low max_df, some of those everywhere): masked in those outlets' articles only, as a
    full run masks them; the stored boilerplate is the full run's."""
    corpus = generate_corpus(400, seed=5, edit_level="heavy").articles
    with Store(tmp_path / "inc.db") as store:
        store.add_articles(corpus[:200])
        update_reuse(store, options)
        realigned, done = 0, 200
        for n, stop in enumerate((260, 330, 400)):
            store.add_articles(corpus[done:stop])
            done = stop
            run = update_reuse(store, options)
            assert run.mode == "incremental"
            realigned += run.result.stats["pairs_realigned"]
            path = tmp_path / f"full{n}.db"
            _same(run.result, _full_copy(tmp_path, corpus[:stop], path.name, options))
            with Store(path) as full:
                want, got = full.reuse_index(), store.reuse_index()
            assert np.array_equal(got["boilerplate"], want["boilerplate"])
            assert got["outlet_boilerplate"].keys() == want["outlet_boilerplate"].keys()
            assert all(np.array_equal(got["outlet_boilerplate"][o], v)
                       for o, v in want["outlet_boilerplate"].items())
        assert want["outlet_boilerplate"] and realigned

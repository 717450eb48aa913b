"""One Store shared by threads: each thread reads through its own connection, so a slow query
holds up no other thread; ``time_limit`` stops a read that runs too long (E610)."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from propwatch.doc import Article
from propwatch.errors import StoreError
from propwatch.store import Store

# Counts to a billion: minutes of work unless something stops it.
SLOW = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000)"
        " SELECT count(*) FROM c")


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "c.db") as s:
        s.add_articles([Article(id=f"a{i}", text=f"The government said {i}.") for i in range(20)])
        yield s


def test_a_slow_query_holds_up_no_other_thread(store: Store):
    started, outcome = threading.Event(), []

    def slow_route():
        with store.time_limit(2):
            started.set()
            try:
                store._query(SLOW)
            except StoreError as exc:
                outcome.append(exc.code)

    thread = threading.Thread(target=slow_route)
    thread.start()
    started.wait()
    time.sleep(0.2)  # the slow query is running now
    began = time.monotonic()
    assert store.count() == 20
    assert len(store.list_articles(q="government")) == 20
    store.add_articles([Article(id="late", text="Added while the query runs.")])
    assert store.get_article("late") is not None
    assert time.monotonic() - began < 1.0  # not 2 s behind the slow query
    thread.join()
    assert outcome == ["E610"]


@pytest.mark.parametrize("path", ["file", ":memory:"])
def test_a_read_past_its_time_limit_stops_with_E610(tmp_path: Path, path: str):
    with Store(tmp_path / "c.db" if path == "file" else ":memory:") as store:
        store.add_articles([Article(id="a", text="text")])
        began = time.monotonic()
        with store.time_limit(0.2):
            with pytest.raises(StoreError) as info:
                store._query(SLOW)
            assert time.monotonic() - began < 2
            assert info.value.code == "E610"
            assert "longer than 0.2 s" in str(info.value) and "Narrow the filters" in str(info.value)
            with pytest.raises(StoreError), store._read() as db:  # a snapshot: the same limit
                db.execute(SLOW).fetchall()
            assert store.count() == 1  # fast reads go on under the limit
            store.add_articles([Article(id="b", text="writes are never stopped")])
        assert store.count() == 2
        with store.time_limit(None):
            assert store._query("SELECT 1") == [(1,)]
        with pytest.raises(ValueError), store.time_limit(0):
            pass


def test_the_limit_belongs_to_the_thread_that_set_it(store: Store):
    outcome = []

    def other():
        outcome.append(store._query("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1"
                                    " FROM c WHERE x < 300000) SELECT count(*) FROM c"))

    with store.time_limit(0.001):
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
    assert outcome == [[(300000,)]]


def test_close_closes_every_threads_connection(tmp_path: Path):
    store = Store(tmp_path / "c.db")
    store.add_articles([Article(id="a", text="text")])
    opened: list[sqlite3.Connection] = []

    def reader():
        assert store.count() == 1
        opened.append(store._local.db)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(c) for c in opened}) == 3  # one connection per thread
    assert store.count() == 1  # this thread's own, which closes those of the ended threads
    for connection in opened:
        with pytest.raises(sqlite3.ProgrammingError):
            connection.execute("SELECT 1")
    mine = store._local.db
    store.close()
    store.close()  # idempotent
    with pytest.raises(sqlite3.ProgrammingError):
        mine.execute("SELECT 1")
    failed = []

    def late_reader():
        try:
            store.count()
        except sqlite3.ProgrammingError as exc:
            failed.append(exc)

    thread = threading.Thread(target=late_reader)  # a new thread gets no new connection
    thread.start()
    thread.join()
    assert len(failed) == 1

"""``propwatch watch``: following feeds from a local server on 127.0.0.1 (no internet)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from propwatch.cli import app
from propwatch.cli import watch as watch_module
from propwatch.cli.watch import parse_interval, read_feeds_file
from propwatch.errors import InputError, UsageError
from propwatch.ingest.web import url_article_id
from propwatch.store import Store

from ..ingest.hostile_server import serve


@pytest.fixture(scope="module")
def server() -> Iterator[SimpleNamespace]:
    with serve() as running:
        yield running


@pytest.fixture
def feeds(server, tmp_path: Path) -> Path:
    path = tmp_path / "feeds.txt"
    path.write_text(f"# outlets we follow\n{server.base}/rss.xml\n\n"
                    f"{server.base}/atom.xml   # grain\n"
                    f"{server.base}/not-a-feed\n"
                    "http://127.0.0.1:9/feed.xml\n", encoding="utf-8")
    return path


def watch(*args: str):
    return CliRunner().invoke(app, ["watch", *args], env={"PROPWATCH_ALLOW_PRIVATE": ""})


@pytest.mark.parametrize(("text", "seconds"), [("15m", 900), ("30s", 30), ("2h", 7200),
                                               ("1d", 86400), ("90", 90), ("1.5m", 90)])
def test_intervals(text, seconds):
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["0", "-5m", "soon", "15 minutes"])
def test_bad_intervals_are_e402(text):
    with pytest.raises(UsageError) as caught:
        parse_interval(text)
    assert caught.value.code == "E402"


def test_feeds_file_skips_comments_blanks_and_repeats(tmp_path):
    path = tmp_path / "feeds.txt"
    path.write_text("# a comment\nhttps://a.test/feed  # inline\n\nhttps://b.test/rss#top\n"
                    "https://a.test/feed\n", encoding="utf-8")
    assert read_feeds_file(path) == ["https://a.test/feed", "https://b.test/rss#top"]


def test_feeds_file_errors(tmp_path):
    with pytest.raises(InputError) as missing:
        read_feeds_file(tmp_path / "nope.txt")
    assert missing.value.code == "E101"
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(UsageError) as nothing:
        read_feeds_file(empty)
    assert nothing.value.code == "E402"


def test_one_round_adds_new_entries_and_reports_each_feed(server, feeds, tmp_path):
    db = str(tmp_path / "news.db")
    result = watch(str(feeds), "--db", db, "--once", "--no-analyze", "--allow-private",
                   "--timeout", "5")
    assert result.exit_code == 1, result.output  # one entry 404s, two feeds fail
    lines = result.output.splitlines()
    assert f"{server.base}/rss.xml: 2 entries, 1 new, 0 already stored, 1 failed" in lines
    assert f"{server.base}/atom.xml: 1 entries, 1 new, 0 already stored, 0 failed" in lines
    assert f"{server.base}/not-a-feed: failed (E119)" in lines
    assert "http://127.0.0.1:9/feed.xml: failed (E115)" in lines
    assert sum(line.startswith("error:") for line in lines) == 3  # one line per failure
    with Store(db) as store:
        assert store.count() == 2
        (run,) = store.runs("watch")
        assert run["status"] == "finished" and run["summary"]["added"] == 2

    again = watch(str(feeds), "--db", db, "--once", "--no-analyze", "--allow-private")
    assert f"{server.base}/rss.xml: 2 entries, 0 new, 1 already stored, 1 failed" in again.output
    assert f"{server.base}/atom.xml: 1 entries, 0 new, 1 already stored, 0 failed" in again.output


def test_a_round_analyses_the_new_articles(server, tmp_path):
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(f"{server.base}/atom.xml\n", encoding="utf-8")
    db = str(tmp_path / "news.db")
    result = watch(str(feeds), "--db", db, "--once", "--allow-private", "-d", "baseline")
    assert result.exit_code == 0, result.output
    assert "analysed 1 new articles" in result.output
    with Store(db) as store:
        article_id = url_article_id(f"{server.base}/second.html")
        assert [layer.name for layer in store.layers(article_id)] == ["techniques"]
        assert store.runs("analyze")[0]["status"] == "finished"


def test_the_first_round_analyses_what_an_earlier_run_left(server, tmp_path):
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(f"{server.base}/atom.xml\n", encoding="utf-8")
    db = str(tmp_path / "news.db")
    assert watch(str(feeds), "--db", db, "--once", "--no-analyze",
                 "--allow-private").exit_code == 0
    result = watch(str(feeds), "--db", db, "--once", "--allow-private", "-d", "baseline")
    assert result.exit_code == 0, result.output
    assert "0 new, 1 already stored" in result.output
    assert "analysed 1 new articles" in result.output


def test_loopback_feeds_are_refused_without_the_option(server, tmp_path):
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(f"{server.base}/rss.xml\n", encoding="utf-8")
    result = watch(str(feeds), "--db", str(tmp_path / "news.db"), "--once", "--no-analyze")
    assert result.exit_code == 1 and "E117" in result.output


def test_the_loop_goes_on_after_failures_and_ctrl_c_stops_it(server, feeds, tmp_path,
                                                             monkeypatch):
    naps: list[float] = []

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(watch_module, "pause", sleep)
    db = str(tmp_path / "news.db")
    result = watch(str(feeds), "--db", db, "--every", "2m", "--no-analyze", "--allow-private")
    assert result.exit_code == 130
    assert naps == [120, 120]
    assert "stopped after 2 rounds" in result.output
    with Store(db) as store:
        assert [run["status"] for run in store.runs("watch")] == ["finished", "finished"]
        assert store.count() == 2


def test_ctrl_c_in_a_round_marks_it_interrupted_and_keeps_what_was_stored(server, feeds,
                                                                          tmp_path,
                                                                          monkeypatch):
    real = watch_module.follow_feed
    calls = []

    def follow(url, **kwargs):
        calls.append(url)
        if len(calls) == 2:
            raise KeyboardInterrupt
        yield from real(url, **kwargs)

    monkeypatch.setattr(watch_module, "follow_feed", follow)
    db = str(tmp_path / "news.db")
    result = watch(str(feeds), "--db", db, "--no-analyze", "--allow-private")
    assert result.exit_code == 130
    with Store(db) as store:
        (run,) = store.runs("watch")
        assert run["status"] == "interrupted"
        assert store.count() == 1  # the first feed's article, committed before the stop


def test_bad_options_exit_2(feeds, tmp_path):
    result = watch(str(feeds), "--db", str(tmp_path / "n.db"), "--every", "soon")
    assert result.exit_code == 2 and "E402" in result.output


def test_round_updates_stored_reuse_incrementally(server, feeds, tmp_path):
    """A store that keeps reuse gets its reuse brought up to date by a round that added
    articles, comparing only those (the fingerprint index of 'propwatch reuse --db')."""
    from propwatch.bench.generate import generate_corpus
    from propwatch.reuse import ReuseOptions
    from propwatch.reuse.incremental import update_reuse

    db = str(tmp_path / "news.db")
    with Store(db) as store:
        store.add_articles(generate_corpus(40, seed=1).articles)
        first = update_reuse(store, ReuseOptions(min_chars=150))
    result = watch(str(feeds), "--db", db, "--once", "--no-analyze", "--allow-private",
                   "--timeout", "5")
    assert "reuse (incremental): 2 articles compared" in result.output, result.output
    with Store(db) as store:
        latest = store.latest_run("reuse")
        assert latest["id"] != first.run_id and latest["params"]["min_chars"] == 150
        assert latest["params"]["mode"] == "incremental"

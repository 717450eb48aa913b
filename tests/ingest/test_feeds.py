"""RSS and Atom feeds (propwatch.ingest.feeds) and ``corpus add --feed``, served by a local
server on 127.0.0.1; no test reaches the internet."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from propwatch.cli import app
from propwatch.config import Settings
from propwatch.errors import InputError
from propwatch.ingest.feeds import FeedReport, follow_feed, parse_feed, read_feed
from propwatch.ingest.web import FetchOptions, url_article_id
from propwatch.store import Store

from .hostile_server import FEEDS, NOT_A_FEED, serve

LOCAL = FetchOptions(allow_private=True, deadline=10.0)
SETTINGS = Settings()


@pytest.fixture(scope="module")
def server() -> Iterator[SimpleNamespace]:
    with serve() as running:
        yield running


def test_rss_entries_become_urls_titles_and_times():
    feed = parse_feed((FEEDS / "rss.xml").read_bytes(), url="https://news.test/rss.xml")
    assert feed.title == "Riverside Courier"
    assert [(e.url, e.title, e.published) for e in feed.entries] == [
        ("https://news.test/article.html", "Harbour talks collapse", "2024-03-05T10:15:00+02:00"),
        ("https://news.test/gone.html", "A story that is gone", "2024-03-05T12:00:00+02:00"),
    ]


def test_atom_entries_become_urls_titles_and_times():
    feed = parse_feed((FEEDS / "atom.xml").read_bytes(), url="https://grain.test/atom.xml")
    assert feed.title == "Grain Watch"
    (entry,) = feed.entries
    assert entry.url == "https://grain.test/second.html"
    assert entry.published == "2024-03-04T09:30:00Z"


def test_an_entry_without_a_link_is_named_and_skipped():
    data = (b'<rss version="2.0"><channel><title>T</title><item><title>No link</title></item>'
            b'<item><title>Linked</title><link>https://a.test/x</link></item></channel></rss>')
    feed = parse_feed(data, url="https://a.test/feed")
    assert [e.url for e in feed.entries] == ["https://a.test/x"]
    assert len(feed.warnings) == 1 and "No link" in feed.warnings[0]


@pytest.mark.parametrize("data", [NOT_A_FEED, b"plain words, no markup", b"<rss><channel"])
def test_what_is_no_feed_is_e119(data):
    with pytest.raises(InputError) as caught:
        parse_feed(data, url="https://a.test/feed")
    assert caught.value.code == "E119" and "https://a.test/feed" in str(caught.value)


def test_read_feed_fetches_and_parses(server):
    feed = read_feed(f"{server.base}/rss.xml", LOCAL)
    assert [e.url for e in feed.entries] == [f"{server.base}/article.html",
                                            f"{server.base}/gone.html"]


@pytest.mark.parametrize(("path", "code"), [("/not-a-feed", "E119"), ("/image.png", "E119"),
                                             ("/missing.xml", "E116"), ("/loop-a", "E115")])
def test_a_bad_feed_is_one_error(server, path, code):
    with pytest.raises(InputError) as caught:
        read_feed(f"{server.base}{path}", LOCAL)
    assert caught.value.code == code


def test_a_feed_refuses_loopback_without_the_option(server):
    with pytest.raises(InputError) as caught:
        read_feed(f"{server.base}/rss.xml", FetchOptions())
    assert caught.value.code == "E117"


def test_follow_feed_reads_new_entries_and_reports_the_failing_one(server):
    report = FeedReport(f"{server.base}/rss.xml")
    articles = list(follow_feed(report.url, settings=SETTINGS, known=lambda _id: False,
                                fetch_options=LOCAL, report=report))
    (article,) = articles
    assert article.id == url_article_id(f"{server.base}/article.html")
    assert article.title == "Harbour talks collapse"
    assert report.entries == 2 and report.new == [article.id] and report.known == 0
    assert len(report.failed) == 1 and report.failed[0].startswith("E116")
    assert "gone.html" in report.failed[0]
    assert not report.ok
    assert report.summary() == (f"{server.base}/rss.xml: 2 entries, 1 new, 0 already stored, "
                                "1 failed")


def test_follow_feed_skips_known_entries_without_fetching_them(server):
    known = {url_article_id(f"{server.base}/article.html"), url_article_id(f"{server.base}/gone.html")}
    before = server.hits.get("/article.html", 0)
    report = FeedReport(f"{server.base}/rss.xml")
    assert list(follow_feed(report.url, settings=SETTINGS, known=known.__contains__,
                            fetch_options=LOCAL, report=report)) == []
    assert report.known == 2 and report.ok
    assert server.hits.get("/article.html", 0) == before


def test_a_page_without_a_date_takes_the_feeds(server):
    report = FeedReport(f"{server.base}/atom.xml")
    (article,) = follow_feed(report.url, settings=SETTINGS, known=lambda _id: False,
                             fetch_options=LOCAL, report=report)
    assert article.published == "2024-03-04T09:30:00Z"
    assert article.title == "Grain prices rise again"


def test_a_failing_feed_is_reported_not_raised(server):
    report = FeedReport(f"{server.base}/not-a-feed")
    assert list(follow_feed(report.url, settings=SETTINGS, known=lambda _id: False,
                            fetch_options=LOCAL, report=report)) == []
    assert report.error.startswith("E119")
    assert report.summary().endswith("failed (E119)")


# --- corpus add --feed -------------------------------------------------------------------

def invoke(*args: str):
    return CliRunner().invoke(app, ["corpus", "add", *args], env={"PROPWATCH_ALLOW_PRIVATE": ""})


def test_corpus_add_feed_stores_new_entries_and_records_the_run(server, tmp_path):
    db = str(tmp_path / "news.db")
    feed = f"{server.base}/rss.xml"
    result = invoke("--feed", feed, "--feed", f"{server.base}/atom.xml", "--db", db,
                    "--allow-private")
    assert result.exit_code == 1, result.output  # the entry that 404s
    assert f"{feed}: 2 entries, 1 new, 0 already stored, 1 failed" in result.output
    assert "E116" in result.output and "gone.html" in result.output
    assert "added 2," in result.output
    with Store(db) as store:
        assert store.count() == 2
        stored = store.get_article(url_article_id(f"{server.base}/article.html"))
        assert stored.url == f"{server.base}/article.html"
        assert stored.published == "2024-03-05T10:15:00+02:00"
        (run,) = store.runs("add")
    feeds = run["summary"]["feeds"]
    assert [f["url"] for f in feeds] == [feed, f"{server.base}/atom.xml"]
    assert feeds[0]["new"] == [stored.id] and len(feeds[0]["failed"]) == 1

    fetched = server.hits.get("/article.html", 0)
    again = invoke("--feed", feed, "--db", db, "--allow-private")
    assert f"{feed}: 2 entries, 0 new, 1 already stored, 1 failed" in again.output
    assert server.hits.get("/article.html", 0) == fetched  # a stored entry is not fetched


def test_corpus_add_feed_refuses_loopback_without_the_option(server, tmp_path):
    result = invoke("--feed", f"{server.base}/rss.xml", "--db", str(tmp_path / "news.db"))
    assert result.exit_code == 1
    assert "E117" in result.output and "failed (E117)" in result.output


def test_corpus_add_needs_something_to_add(tmp_path):
    result = invoke("--db", str(tmp_path / "news.db"))
    assert result.exit_code == 2 and "--feed URL" in result.output

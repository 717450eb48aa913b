"""Fetching articles from URLs (propwatch.ingest.web, read_url) against a hostile local server
on 127.0.0.1; no test reaches the internet."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from propwatch.cli import app
from propwatch.config import Settings
from propwatch.errors import InputError
from propwatch.ingest import iter_articles, read_url, web
from propwatch.ingest.web import FetchOptions, fetch, is_url, url_article_id
from propwatch.store import Store

from .hostile_server import CAFE, serve

LOCAL = FetchOptions(allow_private=True, deadline=10.0)
SETTINGS = Settings()


@pytest.fixture(scope="module")
def server() -> Iterator[SimpleNamespace]:
    with serve() as running:
        yield running


def refused(url: str, options: FetchOptions = LOCAL, settings: Settings = SETTINGS) -> InputError:
    with pytest.raises(InputError) as caught:
        read_url(url, settings=settings, fetch_options=options)
    return caught.value


# --- a good page -------------------------------------------------------------------------

def test_an_article_page_becomes_an_article_with_its_metadata(server):
    url = f"{server.base}/article.html"
    articles, warnings = read_url(url, settings=SETTINGS, fetch_options=LOCAL)
    article = articles[0]
    assert warnings == []
    assert article.id == url_article_id(url)
    assert article.url == url and article.source == url
    assert article.title == "Harbour talks collapse"
    assert article.outlet == "Riverside Courier"
    assert article.published == "2024-03-05T10:15:00+02:00"  # article:published_time, as given
    assert "the port authority walked out" in article.text
    for start, end in article.boilerplate:  # marked, never removed: offsets stay valid
        assert article.text[start:end].strip()
    assert server.agents[-1].startswith("propwatch/")


def test_the_final_url_after_redirects_is_kept(server):
    url = f"{server.base}/chain/3"
    article = read_url(url, settings=SETTINGS, fetch_options=LOCAL)[0][0]
    assert article.url == f"{server.base}/article.html"
    assert article.id == url_article_id(url)  # the id follows the URL asked for
    # the page's own canonical link is kept beside it, and travels to the store and the JSON
    assert article.canonical_url == "https://courier.example/2024/03/harbour-talks-collapse"


def test_the_canonical_url_reaches_the_store(server, tmp_path):
    url = f"{server.base}/chain/2"
    db = tmp_path / "news.db"
    result = CliRunner().invoke(app, ["corpus", "add", url, "--db", str(db), "--allow-private"])
    assert result.exit_code == 0, result.output
    with Store(db) as store:
        stored = store.get_article(url_article_id(url))
        info = store.describe(url_article_id(url))
    assert stored.url == f"{server.base}/article.html"
    assert stored.canonical_url == info["canonical_url"] == \
        "https://courier.example/2024/03/harbour-talks-collapse"


def test_a_text_page_is_read_as_text(server):
    article = read_url(f"{server.base}/plain.txt", settings=SETTINGS, fetch_options=LOCAL)[0][0]
    assert article.text == CAFE


def test_read_path_and_iter_articles_take_urls_among_files(server, tmp_path):
    note = tmp_path / "note.txt"
    note.write_text("A plain note about the harbour.\n", encoding="utf-8")
    results = list(iter_articles([f"{server.base}/article.html", str(note),
                                  f"{server.base}/missing.html"],
                                 settings=SETTINGS, fetch_options=LOCAL))
    assert [type(r).__name__ for _, r, _ in results] == ["list", "list", "InputError"]
    assert results[2][1].code == "E116"


# --- hostile answers ---------------------------------------------------------------------

def test_a_redirect_loop_is_one_error(server):
    error = refused(f"{server.base}/loop-a")
    assert error.code == "E115" and "redirect loop" in str(error)
    assert f"{server.base}/loop-a" in str(error)


def test_too_many_redirects_is_one_error(server):
    error = refused(f"{server.base}/chain/9", FetchOptions(allow_private=True, max_redirects=5))
    assert error.code == "E115" and "more than 5 redirects" in str(error)


def test_a_redirect_to_another_scheme_is_refused(server):
    error = refused(f"{server.base}/to-ftp")
    assert error.code == "E117" and "'ftp:' URLs are not fetched" in str(error)


def test_a_huge_body_is_cut_at_the_byte_limit(server):
    started = time.monotonic()
    error = refused(f"{server.base}/huge", FetchOptions(allow_private=True, max_bytes=200_000))
    assert error.code == "E104" and "more than 200,000 bytes" in str(error)
    assert time.monotonic() - started < 5  # stopped reading: not 50 MB


def test_the_byte_limit_comes_from_the_settings(server):
    options = FetchOptions.from_settings(Settings(max_bytes=100_000), allow_private=True)
    assert options.max_bytes == 100_000
    assert refused(f"{server.base}/huge", options).code == "E104"


def test_a_huge_declared_length_is_refused_before_reading(server):
    error = refused(f"{server.base}/huge-declared",
                    FetchOptions(allow_private=True, max_bytes=1_000_000))
    assert error.code == "E104" and "50,000,000" in str(error)


def test_a_slow_body_stops_at_the_deadline(server):
    started = time.monotonic()
    error = refused(f"{server.base}/slow", FetchOptions(allow_private=True).with_timeout(1.0))
    assert error.code == "E115" and "within 1 s" in str(error)
    assert time.monotonic() - started < 5


def test_a_server_that_never_answers_times_out(server):
    started = time.monotonic()
    error = refused(f"{server.base}/never", FetchOptions(allow_private=True).with_timeout(1.0))
    assert error.code == "E115" and "no answer" in str(error)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("path", ["/image.png", "/png-as-html"])
def test_a_binary_body_is_not_an_article(server, path):
    error = refused(f"{server.base}{path}")
    assert error.code == "E118"
    assert "image" in str(error)


def test_a_feed_given_as_a_page_says_to_use_feed(server):
    error = refused(f"{server.base}/rss.xml")
    assert error.code == "E118" and "--feed" in str(error)


@pytest.mark.parametrize(("path", "status"), [("/missing.html", "404"), ("/error", "500")])
def test_an_error_status_is_one_error_naming_it(server, path, status):
    error = refused(f"{server.base}{path}")
    assert error.code == "E116" and f"answered {status}" in str(error)
    assert "\n" not in str(error)


def test_a_refused_connection_is_one_error():
    error = refused("http://127.0.0.1:9/article.html")  # the discard port: nothing listens
    assert error.code == "E115" and "no connection" in str(error)


# --- charsets ----------------------------------------------------------------------------

def test_a_wrong_charset_header_falls_back_with_a_warning(server):
    articles, warnings = read_url(f"{server.base}/cp1252-says-utf8", settings=SETTINGS,
                                  fetch_options=LOCAL)
    assert articles[0].text == CAFE
    assert len(warnings) == 1 and warnings[0].startswith("W110")


def test_utf8_wins_over_a_latin1_label(server):
    articles, warnings = read_url(f"{server.base}/utf8-says-latin1", settings=SETTINGS,
                                  fetch_options=LOCAL)
    assert articles[0].text == CAFE and warnings == []


def test_a_declared_charset_is_used(server):
    article = read_url(f"{server.base}/koi8", settings=SETTINGS, fetch_options=LOCAL)[0][0]
    assert article.text.startswith("Министр назвал сделку")


def test_a_meta_charset_is_used(server):
    article = read_url(f"{server.base}/meta-charset", settings=SETTINGS,
                       fetch_options=LOCAL)[0][0]
    assert "Министр назвал сделку" in article.text


# --- private addresses -------------------------------------------------------------------

def test_loopback_urls_are_refused_without_the_option_and_never_contacted(server):
    before = dict(server.hits)
    strict = FetchOptions()
    for url in (f"{server.base}/article.html",
                f"http://localhost:{server.base.rsplit(':', 1)[1]}/article.html"):
        error = refused(url, strict)
        assert error.code == "E117" and "loopback" in str(error)
        assert "--allow-private" in str(error)
    assert server.hits == before


def test_the_environment_allows_private_addresses(server):
    options = FetchOptions.from_settings(SETTINGS, environ={"PROPWATCH_ALLOW_PRIVATE": "1"})
    assert options.allow_private
    assert not FetchOptions.from_settings(SETTINGS, environ={}).allow_private
    assert read_url(f"{server.base}/article.html", settings=SETTINGS, fetch_options=options)


def test_every_redirect_hop_is_checked(server, monkeypatch):
    # The first hop passes as public (resolution faked); its redirect to 127.0.0.1 is refused.
    port = server.base.rsplit(":", 1)[1]
    monkeypatch.setattr(web, "_addresses", lambda host, port, url: ["93.184.216.34"])
    monkeypatch.setattr(web, "_check_peer", lambda response, url, options: None)
    error = refused(f"http://localhost:{port}/to-loopback", FetchOptions())
    assert error.code == "E117" and "'127.0.0.1' is a loopback address" in str(error)


def test_the_address_connected_to_is_checked_too(server, monkeypatch):
    # A name that resolved to a public address on the check but connects to loopback.
    port = server.base.rsplit(":", 1)[1]
    monkeypatch.setattr(web, "_addresses", lambda host, port, url: ["93.184.216.34"])
    error = refused(f"http://localhost:{port}/article.html", FetchOptions())
    assert error.code == "E117" and "the server is at a loopback address" in str(error)


@pytest.mark.parametrize(("address", "refused_as"), [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"),
    ("10.1.2.3", "private"), ("192.168.0.1", "private"), ("172.16.5.4", "private"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"), ("0.0.0.0", "unspecified"),
    ("100.64.0.1", "not a public"), ("224.0.0.1", "multicast"),
    ("93.184.216.34", None), ("2606:4700::1111", None),
])
def test_which_addresses_are_refused(address, refused_as):
    why = web._refusal(address)
    assert (why is None) if refused_as is None else (refused_as in why)


def test_only_http_and_https_are_fetched():
    for url in ("file:///etc/passwd", "ftp://example.com/a", "gopher://x/"):
        with pytest.raises(InputError) as caught:
            fetch(url, FetchOptions())
        assert caught.value.code == "E117"


# --- ids and the command line ------------------------------------------------------------

def test_url_ids_are_stable_and_ignore_fragments():
    assert url_article_id("https://www.Example.com/a?b=1#top") == url_article_id(
        "https://www.example.com/a?b=1")
    assert url_article_id("https://example.com/a").startswith("example.com-")
    assert url_article_id("https://example.com/a") != url_article_id("https://example.com/b")
    assert is_url("https://x.org/") and is_url("ftp://x") and not is_url("articles/a.html")


def test_corpus_add_urls_keeps_the_good_ones_and_names_each_failure(server, tmp_path):
    db = tmp_path / "news.db"
    note = tmp_path / "note.txt"
    note.write_text("A plain note about the harbour.\n", encoding="utf-8")
    good = f"{server.base}/article.html"
    result = CliRunner().invoke(app, [
        "corpus", "add", good, f"{server.base}/loop-a", f"{server.base}/missing.html",
        f"{server.base}/image.png", str(note), "--db", str(db), "--allow-private"])
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert [line.split()[1] for line in errors] == ["E115:", "E116:", "E118:"]
    assert "added 2" in result.output
    with Store(db) as store:
        assert store.get_article(url_article_id(good)).url == good
        assert store.count() == 2
    again = CliRunner().invoke(app, ["corpus", "add", good, "--db", str(db), "--allow-private"])
    assert again.exit_code == 0 and "1 URLs already stored" in again.output


def test_corpus_add_refuses_loopback_without_the_option(server, tmp_path):
    result = CliRunner().invoke(app, ["corpus", "add", f"{server.base}/article.html",
                                      "--db", str(tmp_path / "news.db")],
                                env={"PROPWATCH_ALLOW_PRIVATE": ""})
    assert result.exit_code == 1
    assert "E117" in result.output and "--allow-private" in result.output


def test_analyze_reads_a_url(server):
    result = CliRunner().invoke(app, ["analyze", f"{server.base}/article.html", "--format",
                                      "json"], env={"PROPWATCH_ALLOW_PRIVATE": "1"})
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["url"] == f"{server.base}/article.html"
    assert data["canonical_url"] == "https://courier.example/2024/03/harbour-talks-collapse"
    assert data["published"] == "2024-03-05T10:15:00+02:00"

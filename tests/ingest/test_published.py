"""Publication times at ingest (issue 14): read from HTML metadata, datelines and record
fields, with the time and zone kept as given; a value that is no date is named, not guessed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from propwatch.config import Settings
from propwatch.ingest import SkippedRecord, html_published, read_path

SETTINGS = Settings()
BODY = ("<body><article><h1>Harbour Council Votes</h1>"
        + "".join(f"<p>The council met on the harbour question for the {n}th time, and the "
                  f"vote went the way the ferry workers had feared for many months.</p>"
                  for n in range(4, 10))
        + "</article></body>")


def page(head: str = "", body: str = BODY) -> str:
    return f"<!DOCTYPE html><html><head><title>Harbour</title>{head}</head>{body}</html>"


@pytest.mark.parametrize("head, expected", [
    ('<meta property="article:published_time" content="2023-05-04T10:15:00+02:00">',
     "2023-05-04T10:15:00+02:00"),
    ('<meta property="og:published_time" content="2023-05-04T08:15:00.000Z">',
     "2023-05-04T08:15:00.000Z"),
    ('<meta itemprop="datePublished" content="2023-05-04T10:15">', "2023-05-04T10:15"),
    ('<meta name="pubdate" content="2023-05-04">', "2023-05-04"),
    (('<script type="application/ld+json">{"@context": "https://schema.org", "@graph": ['
      '{"@type": "WebPage"}, {"@type": "NewsArticle", "datePublished": '
      '"2023-05-04T10:15:00-04:00", "dateModified": "2023-05-05T00:00:00Z"}]}</script>'),
     "2023-05-04T10:15:00-04:00"),
    # the most trusted source wins: article:published_time over JSON-LD and <time>
    (('<script type="application/ld+json">{"datePublished": "2023-05-01"}</script>'
      '<meta property="article:published_time" content="2023-05-04T10:15:00+02:00">'),
     "2023-05-04T10:15:00+02:00"),
    # one that does not read gives way to the next
    (('<meta property="article:published_time" content="soon">'
      '<meta name="date" content="Thu, 04 May 2023 10:15:00 +0200">'),
     "2023-05-04T10:15:00+02:00"),
])
def test_html_metadata_keeps_the_time_and_zone(head, expected, tmp_path: Path):
    assert html_published(page(head)) == expected
    path = tmp_path / "page.html"
    path.write_text(page(head), encoding="utf-8")
    (article,), _ = read_path(str(path), settings=SETTINGS)
    assert article.published == expected


def test_time_elements_count_when_marked_or_alone():
    stamped = BODY.replace("<h1>", '<time itemprop="datePublished" datetime="2023-05-04T10:15Z">'
                                   "4 May</time><h1>")
    assert html_published(page(body=stamped)) == "2023-05-04T10:15Z"
    alone = BODY.replace("<h1>", '<time datetime="2023-05-04T10:15:00+01:00">4 May</time><h1>')
    assert html_published(page(body=alone)) == "2023-05-04T10:15:00+01:00"
    pubdate = alone.replace("<time ", '<time datetime="2023-04-01">1 April</time><time pubdate ')
    assert html_published(page(body=pubdate)) == "2023-05-04T10:15:00+01:00"
    two = alone.replace("<h1>", '<time datetime="2023-04-01">1 April</time><h1>')
    assert html_published(page(body=two)) is None  # which one is the publication time?


def test_records_keep_times_and_name_what_is_no_date(tmp_path: Path):
    path = tmp_path / "feed.jsonl"
    lines = [{"id": "a", "published": "2023-05-04T10:15:00+02:00", "text": "One."},
             {"id": "b", "published": "Thu, 04 May 2023 08:15:00 GMT", "text": "Two."},
             {"id": "c", "published": "4 May 2023", "text": "Three."},
             {"id": "d", "published": "2023-05-04T25:00", "text": "Four."}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    articles, notes = read_path(str(path), settings=SETTINGS)
    assert [a.published for a in articles] == [
        "2023-05-04T10:15:00+02:00", "2023-05-04T08:15:00+00:00", "2023-05-04", None]
    (note,) = notes
    assert note.startswith("E109: ") and not isinstance(note, SkippedRecord)
    assert "2023-05-04T25:00" in note and f"{path}:4" in note


def test_csv_published_keeps_the_time(tmp_path: Path):
    path = tmp_path / "rows.csv"
    path.write_text('id,published,text\na,2023-05-04 10:15:00+02:00,One.\nb,"May 4, 2023 '
                    '9:15 AM EDT",Two.\n', encoding="utf-8")
    articles, notes = read_path(str(path), settings=SETTINGS)
    assert notes == []
    assert [a.published for a in articles] == ["2023-05-04T10:15:00+02:00",
                                               "2023-05-04T09:15-04:00"]

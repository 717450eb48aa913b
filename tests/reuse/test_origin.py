"""The likely origin of a reprint cluster (issue 14): times compared at the finest precision
both sides have, undated members passed over, null only for a true tie, a basis and a
confidence carried to JSON."""

from __future__ import annotations

import io
import json
import random

import pytest

from propwatch.doc import Article, Cluster
from propwatch.reuse import find_reuse, likely_origin, outlet_graph
from propwatch.reuse.export import write_clusters_jsonl

from .test_engine import body


def origin(published: dict[str, str | None]):
    return likely_origin(list(published), published)


def test_same_day_different_times_name_the_earlier():
    found = origin({"copy": "2021-03-01T18:05:00+00:00", "orig": "2021-03-01T09:00:00+00:00"})
    assert (found.article, found.basis) == ("orig", "earliest")
    assert "9.1 h later" in found.note or "9 h later" in found.note


def test_times_with_zones_compare_as_instants():
    # 10:00 at +02:00 is 08:00 UTC: earlier than 09:00 UTC though its clock reads later
    found = origin({"east": "2021-03-01T10:00+02:00", "west": "2021-03-01T09:00Z"})
    assert found.article == "east"
    # and across midnight: 01:00 on the 2nd at +03:00 is 22:00 UTC on the 1st
    found = origin({"a": "2021-03-02T01:00+03:00", "b": "2021-03-01T23:00:00Z"})
    assert found.article == "a"


@pytest.mark.parametrize("published", [
    {"a": "2021-03-01", "b": "2021-03-01"},  # the same day
    {"a": "2021-03-01T10:00Z", "b": "2021-03-01T12:00+02:00"},  # the same instant
    {"a": "2021-03-01T10:00Z", "b": "2021-03-01T10:00:40Z"},  # the same minute (a has no seconds)
    {"a": "2021-03-01", "b": "2021-03-01T10:00Z"},  # a date against a time of that day
    {"a": "2021-03-01T09:00", "b": "2021-03-01T12:00Z"},  # no zone against a zone: days only
])
def test_a_true_tie_gives_no_origin(published):
    found = origin(published)
    assert found.article is None and found.basis == "tie" and found.confidence == 0.0
    assert "a tie" in found.note and "a, b" in found.note


def test_a_date_against_a_time_compares_days_in_the_times_own_zone():
    # the copy's time is on 1 March where it was written, though 28 Feb in UTC
    assert origin({"orig": "2021-02-28", "copy": "2021-03-01T01:00+02:00"}).article == "orig"
    assert origin({"orig": "2021-02-28T23:00Z", "copy": "2021-03-01"}).article == "orig"


def test_naive_times_compare_by_the_clock():
    found = origin({"a": "2021-03-01T09:00", "b": "2021-03-01T11:30"})
    assert found.article == "a" and found.basis == "earliest"


def test_undated_members_do_not_stop_the_origin():
    found = origin({"orig": "2021-03-01T09:00Z", "copy": "2021-03-02T09:00Z", "lost": None,
                    "junk": "someday"})
    assert found.article == "orig"
    assert found.basis == "earliest dated; 2 undated"
    assert "2 undated" in found.note and "of the 2 dated members" in found.note
    all_dated = origin({"orig": "2021-03-01T09:00Z", "copy": "2021-03-02T09:00Z"})
    assert 0 < found.confidence < all_dated.confidence <= 1


def test_one_dated_member_is_the_origin_of_undated_ones():
    found = origin({"a": None, "b": "2021-03-01", "c": None})
    assert (found.article, found.basis) == ("b", "earliest dated; 2 undated")
    assert found.confidence == pytest.approx(0.5)  # timing 1, dating 1 / (1 + 0.5 x 2)


def test_no_date_at_all_gives_no_origin():
    found = origin({"a": None, "b": ""})
    assert (found.article, found.basis, found.confidence) == (None, "undated", 0.0)


def test_confidence_grows_with_the_gap_and_stays_in_bounds():
    gaps = []
    for hours in (0.5, 2, 24, 240):
        later = f"2021-03-{1 + int(hours // 24):02d}T{int(hours % 24):02d}:{int(hours * 60 % 60):02d}Z"
        found = origin({"a": "2021-03-01T00:00Z", "b": later})
        assert found.article == "a"
        gaps.append(found.confidence)
    assert gaps == sorted(gaps) and all(0 < c <= 1 for c in gaps)
    assert gaps[1] == pytest.approx(2 / 3, abs=1e-3)  # 2 h: g / (g + 1 h)


def test_the_issue_cases_are_named():
    """Same-day copies with times (once ties when the time was dropped) and clusters with one
    undated member (once abstentions) are named, and rightly."""
    rng = random.Random(14)
    for n in range(40):
        start = rng.randrange(0, 20 * 60)  # minutes into the day
        hours = rng.uniform(2, 240)
        orig = f"2021-05-04T{start // 60:02d}:{start % 60:02d}:00+02:00"
        copy_minutes = start + round(hours * 60)
        day, minute = 4 + copy_minutes // 1440, copy_minutes % 1440
        copy = f"2021-05-{day:02d}T{minute // 60:02d}:{minute % 60:02d}:00+02:00"
        published = {"orig": orig, "copy": copy}
        if n % 2:
            published["undated"] = None
        assert origin(published).article == "orig", published


def _story(published_orig: str, published_copy: str | None, published_third: str | None):
    story = body(40, 4)
    return [Article(id="orig", text="\n\n".join(story) + "\n", outlet="Courier",
                    published=published_orig),
            Article(id="copy", text="\n\n".join(body(41, 1) + story[:3]) + "\n", outlet="Ledger",
                    published=published_copy),
            Article(id="third", text="\n\n".join(story[1:] + body(42, 1)) + "\n",
                    outlet="Beacon", published=published_third)]


def test_clusters_carry_basis_and_confidence_to_json():
    articles = _story("2021-03-01T08:00:00+01:00", "2021-03-01T15:30:00+01:00", None)
    result = find_reuse(articles)
    (cluster,) = result.clusters
    assert cluster.origin == "orig" and cluster.origin_basis == "earliest dated; 1 undated"
    assert 0 < cluster.origin_confidence < 1
    out = io.StringIO()
    write_clusters_jsonl(result.clusters, out)
    record = json.loads(out.getvalue())
    assert record["origin"] == "orig"
    assert record["origin_basis"] == "earliest dated; 1 undated"
    assert record["origin_confidence"] == round(cluster.origin_confidence, 4)
    assert Cluster.from_dict(record) == cluster
    # the outlet graph orders same-day articles by their times
    edges = outlet_graph(result.links, {a.id: a.outlet for a in articles},
                         {a.id: a.published for a in articles})
    assert ("Courier", "Ledger") in {(e.source, e.target) for e in edges}


def test_a_tied_cluster_says_so_in_json():
    articles = _story("2021-03-01T08:00Z", "2021-03-01T10:00+02:00", "2021-03-02")
    (cluster,) = find_reuse(articles).clusters
    record = cluster.to_dict()
    assert record["origin"] is None and record["origin_basis"] == "tie"
    assert record["origin_confidence"] == 0.0


def test_clusters_of_older_json_read_without_basis():
    old = {"cluster": "c1", "origin": None, "members": [{"id": "a", "start": 0, "end": 5}],
           "origin_note": "1 member(s) have no date"}
    cluster = Cluster.from_dict(old)
    assert (cluster.origin_basis, cluster.origin_confidence) == ("", None)
    assert cluster.to_dict() == old

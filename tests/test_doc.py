import json

import pytest

from propwatch import doc
from propwatch.doc import (SCHEMA_VERSION, Analysis, Article, Attribution, Document, Layer, RawRecord,
                           Span, merge_ranges, technique_layer)

TEXT = "Title line\n\nThey are “traitors”, and ça ne change rien 🚩.\r\nQR code\n"


def test_span_validation():
    with pytest.raises(ValueError):
        Span(5, 5, "Doubt")
    with pytest.raises(ValueError):
        Span(-1, 3, "Doubt")
    with pytest.raises(ValueError):
        Span(0, 3, "Doubt", score=1.5)


def test_analysis_rejects_span_outside_text():
    article = Article(id="x", text="short")
    with pytest.raises(ValueError, match="outside article 'x'"):
        Document(article, (technique_layer(article, (Span(0, 6, "Doubt"),), "t"),))


def test_article_rejects_boilerplate_outside_text():
    with pytest.raises(ValueError):
        Article(id="x", text="abc", boilerplate=((1, 9),))


def test_json_round_trip_keeps_text_and_offsets_exact():
    start = TEXT.index("traitors")
    article = Article(id="a1", text=TEXT, title="Title line", outlet="Example", published="2020-01-28",
                      source="a.txt", boilerplate=((TEXT.index("QR"), TEXT.index("QR") + 7),))
    spans = (Span(start, start + 8, "Name_Calling,Labeling", 0.8, "why"),)
    analysis = Document(article, (technique_layer(article, spans, "test-v1"),))
    data = json.loads(analysis.to_json())
    assert data["schema_version"] == SCHEMA_VERSION == 2
    layer = data["layers"]["techniques"]
    assert layer["items"][0]["text"] == "traitors"
    assert (layer["component"], layer["version"], layer["kind"]) == ("techniques.v1", "test-v1", "span")
    assert layer["summary"]["techniques"] == {"Name_Calling,Labeling": 1}
    again = Analysis.from_json(analysis.to_json())
    assert again == analysis
    assert again.article.text[again.spans[0].start:again.spans[0].end] == "traitors"
    assert "\r\n" in again.article.text


def test_unknown_schema_version_is_refused():
    with pytest.raises(ValueError, match="schema_version"):
        Analysis.from_dict({"schema_version": 99, "id": "x", "text": ""})


def test_summary_counts_and_coverage_ignore_boilerplate():
    text = "0123456789" + "BOILER"
    article = Article(id="x", text=text, boilerplate=((10, 16),))
    analysis = Document(article, (technique_layer(
        article, (Span(0, 4, "Doubt"), Span(2, 6, "Slogans"), Span(8, 10, "Doubt")), "t"),))
    summary = analysis.summary
    assert summary["techniques"] == {"Doubt": 2, "Slogans": 1}
    assert summary["covered_characters"] == 8
    assert summary["coverage"] == pytest.approx(0.8)


def test_content_ranges_are_the_complement_of_boilerplate():
    article = Article(id="x", text="a" * 20, boilerplate=((0, 3), (2, 5), (10, 12)))
    assert article.content_ranges() == [(5, 10), (12, 20)]


def test_merge_ranges_joins_touching_and_overlapping():
    assert merge_ranges([(5, 8), (0, 2), (2, 4), (7, 9)]) == [(0, 4), (5, 9)]


def test_version_1_files_still_read():
    v1 = {"schema_version": 1, "detector": "old-v1", "id": "a", "source": None, "title": "T",
          "outlet": None, "url": None, "published": None, "summary": {}, "boilerplate": [],
          "text": "They are traitors.", "spans": [{"start": 9, "end": 17,
                                                   "technique": "Name_Calling,Labeling",
                                                   "score": 0.7, "text": "traitors"}]}
    doc = Document.from_dict(v1)
    assert doc.detector == "old-v1" and doc.article.title == "T"
    assert doc.spans == (Span(9, 17, "Name_Calling,Labeling", 0.7),)
    assert doc.spans[0].technique == "Name_Calling,Labeling"
    assert doc.summary["covered_characters"] == 8
    assert Document.from_dict(doc.to_dict()) == doc  # and it writes as version 2
    assert Analysis is Document


def test_layers_are_named_once_and_replaced_by_name():
    article = Article(id="x", text="one two three")
    first = Layer("words", "words.v1", "1", (Span(4, 7, "w"),))
    doc = Document(article).with_layer(first)
    assert doc.layer("words") is first and "words" in doc and "techniques" not in doc
    assert doc.spans == () and doc.detector == ""
    second = Layer("words", "words.v1", "2", (Span(0, 3, "w"),))
    assert doc.with_layer(second).layers == (second,)
    with pytest.raises(ValueError, match="layer twice"):
        Document(article, (first, second))
    with pytest.raises(ValueError, match="layer 'words'"):
        Document(article, (Layer("words", "words.v1", "1", (Span(4, 99, "w"),)),))


def test_records_made_of_spans_round_trip_and_are_checked_against_the_text():
    text = 'The ministry said "they plan an attack", he added.'
    article = Article(id="r", text=text)
    quote = text.index("they")
    record = Attribution(cue=(Span(13, 17, "cue"),), content=(Span(quote, quote + 20, "content"),),
                         source=(Span(0, 12, "source"),), speaker="the ministry",
                         source_type="government", score=0.9)
    layer = Layer("attributions", "attributions.v1", "test", (record,), kind="attribution")
    doc = Document(article, (layer,))
    data = doc.to_dict()
    item = data["layers"]["attributions"]["items"][0]
    assert item["source"] == [{"start": 0, "end": 12, "text": "The ministry"}]
    assert item["cue"] == [{"start": 13, "end": 17, "text": "said"}]
    assert item["content"][0]["text"] == "they plan an attack\""
    assert Document.from_dict(data) == doc
    assert [s.label for s in layer.spans()] == ["source", "cue", "content"]
    with pytest.raises(ValueError, match="outside"):
        Document(Article(id="r", text="short"), (layer,))


def test_a_record_of_an_unknown_kind_survives_a_round_trip():
    data = {"schema_version": 2, "id": "u", "text": "abc", "boilerplate": [],
            "layers": {"frames": {"component": "frames.v3", "version": "x", "kind": "frame",
                                  "summary": {"n": 1}, "items": [{"frame": "victim", "who": 2}]}}}
    doc = Document.from_dict(data)
    assert doc.layer("frames").items == (RawRecord("frame", {"frame": "victim", "who": 2}),)
    assert doc.to_dict()["layers"] == data["layers"]


# ------------------------------------------------------------------ publication times


@pytest.mark.parametrize("given, canonical, precision", [
    ("2021-03-04", "2021-03-04", doc.DAY),
    ("2021-03-04T14:22+02:00", "2021-03-04T14:22+02:00", doc.MINUTE),
    ("2021-03-04 14:22:05+0200", "2021-03-04T14:22:05+02:00", doc.SECOND),
    ("2021-03-04T14:22:05.123Z", "2021-03-04T14:22:05.123Z", doc.FRACTION),
    ("2021-03-04t12:22:05z", "2021-03-04T12:22:05Z", doc.SECOND),
    ("2021-03-04T14:22:05 -05", "2021-03-04T14:22:05-05:00", doc.SECOND),
    ("2021-03-04T14:22", "2021-03-04T14:22", doc.MINUTE),  # no zone given: none added
    ("  2021-03-04T14:22:05,5+05:30 ", "2021-03-04T14:22:05.5+05:30", doc.FRACTION),
])
def test_published_keeps_time_zone_and_precision_as_given(given, canonical, precision):
    parsed = doc.parse_published(given)
    assert parsed is not None and parsed.text == canonical and parsed.precision == precision
    assert doc.normalise_published(given) == canonical
    assert doc.parse_published(canonical) == parsed  # canonical forms read back the same


@pytest.mark.parametrize("bad", [
    "2021-02-30", "2021-03-04T24:00", "2021-03-04T12:60", "2021-03-04T12:00+25:00",
    "04/03/2021", "2021-3-4", "March 4, 2021", "2021", "", "2021-03-04T12", None, 20210304,
])
def test_invalid_published_values_are_refused(bad):
    assert doc.parse_published(bad) is None and doc.normalise_published(bad) is None


def test_instants_only_where_a_zone_is_given():
    assert doc.parse_published("2021-03-04T14:22+02:00").instant.isoformat() == (
        "2021-03-04T12:22:00+00:00")
    assert doc.parse_published("2021-03-04T14:22").instant is None
    assert doc.parse_published("2021-03-04").instant is None


@pytest.mark.parametrize("a, b, order", [
    ("2021-03-04", "2021-03-05", -1),
    ("2021-03-04", "2021-03-04", 0),
    ("2021-03-04T09:00Z", "2021-03-04T17:00Z", -1),  # same day, the time tells
    ("2021-03-04T10:00+02:00", "2021-03-04T09:00Z", -1),  # instants: 08:00Z before 09:00Z
    ("2021-03-04T12:00+02:00", "2021-03-04T10:00Z", 0),  # the same instant
    ("2021-03-04T10:00Z", "2021-03-04T10:00:59Z", 0),  # minutes against seconds: minutes
    ("2021-03-04T10:00:01Z", "2021-03-04T10:00:02.5Z", -1),
    ("2021-03-04", "2021-03-04T23:59+05:00", 0),  # a date against a time: days
    ("2021-03-04", "2021-03-05T00:30+05:00", -1),  # its day where it was written...
    ("2021-03-05", "2021-03-05T00:30+05:00", 0),  # ...though 4 March in UTC
    ("2021-03-04T09:00", "2021-03-04T10:00", -1),  # two naive times: by the clock
    ("2021-03-04T09:00", "2021-03-04T10:00Z", 0),  # naive against zoned: days only
    ("2021-03-04T23:00", "2021-03-05T01:00Z", -1),
])
def test_compare_published_at_the_finest_common_precision(a, b, order):
    assert doc.compare_published(a, b) == order
    assert doc.compare_published(b, a) == -order


def test_compare_published_refuses_what_is_not_iso():
    with pytest.raises(ValueError, match="ISO 8601"):
        doc.compare_published("someday", "2021-03-04")


def test_gap_hours_and_sort_key():
    assert doc.published_gap_hours("2021-03-04T09:00Z", "2021-03-04T11:30+01:00") == 1.5
    assert doc.published_gap_hours("2021-03-04", "2021-03-05T08:00Z") == 12.0  # a day apart
    assert doc.published_gap_hours("2021-03-04", "2021-03-06") == 36.0
    assert doc.published_gap_hours("2021-03-05", "2021-03-04") == 0.0
    values = ["2021-03-04T10:00Z", None, "2021-03-04T11:00+02:00", "2021-03-03", "junk"]
    ordered = sorted(values, key=doc.published_sort_key)
    assert ordered[:3] == ["2021-03-03", "2021-03-04T11:00+02:00", "2021-03-04T10:00Z"]
    assert set(ordered[3:]) == {"junk", None}  # what is no time goes last


def test_articles_keep_published_times_through_json():
    article = Article(id="t", text="x", published="2021-03-04T14:22:05+02:00")
    assert Article.from_dict(article.to_dict()).published == "2021-03-04T14:22:05+02:00"

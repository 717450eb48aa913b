import json

import pytest

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

import json

import pytest

from propwatch.doc import SCHEMA_VERSION, Analysis, Article, Span, merge_ranges

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
        Analysis(article, (Span(0, 6, "Doubt"),))


def test_article_rejects_boilerplate_outside_text():
    with pytest.raises(ValueError):
        Article(id="x", text="abc", boilerplate=((1, 9),))


def test_json_round_trip_keeps_text_and_offsets_exact():
    start = TEXT.index("traitors")
    article = Article(id="a1", text=TEXT, title="Title line", outlet="Example", published="2020-01-28",
                      source="a.txt", boilerplate=((TEXT.index("QR"), TEXT.index("QR") + 7),))
    analysis = Analysis(article, (Span(start, start + 8, "Name_Calling,Labeling", 0.8, "why"),),
                        detector="test-v1")
    data = json.loads(analysis.to_json())
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["spans"][0]["text"] == "traitors"
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
    analysis = Analysis(article, (Span(0, 4, "Doubt"), Span(2, 6, "Slogans"), Span(8, 10, "Doubt")))
    summary = analysis.summary
    assert summary["techniques"] == {"Doubt": 2, "Slogans": 1}
    assert summary["covered_characters"] == 8
    assert summary["coverage"] == pytest.approx(0.8)


def test_content_ranges_are_the_complement_of_boilerplate():
    article = Article(id="x", text="a" * 20, boilerplate=((0, 3), (2, 5), (10, 12)))
    assert article.content_ranges() == [(5, 10), (12, 20)]


def test_merge_ranges_joins_touching_and_overlapping():
    assert merge_ranges([(5, 8), (0, 2), (2, 4), (7, 9)]) == [(0, 4), (5, 9)]

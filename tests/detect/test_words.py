"""Words stay whole: the snapping every detector applies to its spans, and the shipped
detectors on real articles (the repository's examples and the shared ones)."""

import os
from pathlib import Path

import pytest

from propwatch.detect.words import (
    count_cut,
    cuts_word,
    inside_word,
    merge_overlaps,
    whole_word_spans,
    whole_words,
)
from propwatch.doc import Article, Span

from ..conftest import EXAMPLES


def widened(text: str, piece: str, occurrence: int = 0) -> str:
    """The text ``whole_words`` makes of the ``occurrence``-th ``piece`` in ``text``."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(piece, start + 1)
    return text[slice(*whole_words(text, start, start + len(piece)))]


@pytest.mark.parametrize("text, piece, whole", [
    ("the Turkish-backed” terror groups", "-backed” terror", "Turkish-backed” terror"),
    ("they stage a false-flag attack", "flag", "false-flag"),
    ("they stage a false‑flag attack", "flag attack", "false‑flag attack"),  # U+2011
    ("a false‐flag attack", "fal", "false‐flag"),  # U+2010
    ("a soft\u00adhyphen", "hyph", "soft\u00adhyphen"),
    ("Russia’s army", "Russia", "Russia’s"),
    ("Russia's army", "s army", "Russia's army"),
    ("I don't know", "don", "don't"),
    ("we won’t go", "t go", "won’t go"),
    ("up 3.5 per cent", "3", "3.5"),
    ("up 3.5 per cent", "5 per", "3.5 per"),
    ("10,000 troops", "000 troops", "10,000 troops"),
    ("sanctions,000", "sanctions", "sanctions"),  # a comma after a word joins nothing
    ("the end.5 more", "end", "end"),
    ("cut mid-word", "d-wo", "mid-word"),
    ("word", "or", "word"),  # the whole text is one word
    ("stays", "stays", "stays"),
])
def test_whole_words_widens_a_span_that_cuts_a_word(text, piece, whole):
    assert widened(text, piece) == whole


@pytest.mark.parametrize("text, piece", [
    ("1990–2000 was a decade", "2000 was"),  # an en dash separates
    ("Moscow—Kyiv talks", "Kyiv talks"),  # so does an em dash
    ("the so-called “experts”", "“experts”"),
    ("the ‘elite’ say", "elite"),  # single quotes around a word are not apostrophes
    ("soldiers' lives", "soldiers"),  # nor is a plural possessive's trailing mark
    ("a - b", "b"),
    ("end-", "end"),
    ("'quoted'", "quoted"),
    ("x 3. 5 y", "5 y"),
])
def test_whole_words_leaves_spans_on_word_edges_alone(text, piece):
    start = text.index(piece)
    assert not cuts_word(text, start, start + len(piece))
    assert whole_words(text, start, start + len(piece)) == (start, start + len(piece))


def test_edges_of_the_text_and_empty_input():
    assert whole_words("", 0, 0) == (0, 0)
    assert not inside_word("", 0) and count_cut("", []) == 0
    text = "false-flag"
    assert not inside_word(text, 0) and not inside_word(text, len(text))
    assert whole_words(text, 0, 3) == (0, len(text))
    assert whole_words(text, 7, len(text)) == (0, len(text))
    assert whole_words(text, 4, 4) == (4, 4), "an empty span stays empty"
    assert count_cut("Turkish-backed groups", [(0, 7), (8, 14), (15, 21), (0, 21)]) == 2


def test_labelled_spans_widen_and_join_only_within_a_label():
    text = "the Turkish-backed terror groups"
    spans = [Span(4, 11, "Loaded_Language", 0.4, "a"), Span(12, 25, "Loaded_Language", 0.7, "b"),
             Span(12, 18, "Doubt", 0.5, "c")]
    assert whole_word_spans(text, spans) == [
        Span(4, 18, "Doubt", 0.5, "c"), Span(4, 25, "Loaded_Language", 0.7, "b")]
    assert whole_word_spans(text, []) == []


def test_merge_overlaps_joins_what_widening_made_overlap():
    assert merge_overlaps([(20, 30), (0, 10), (5, 12), (12, 15)]) == [
        (0, 12, [1, 2]), (12, 15, [3]), (20, 30, [0])]
    assert merge_overlaps([]) == []


def test_the_baseline_decoder_keeps_words_whole_and_joins_overlaps():
    from propwatch.detect.baseline import spans_from_probabilities

    text = "up 3.5 percent, 10,000 troops"
    # tokens the way the tokenizer cuts numbers: 3 . 5 percent , 10 , 000 troops
    offsets = [(0, 2), (3, 4), (4, 5), (5, 6), (7, 14), (14, 15), (16, 18), (18, 19),
               (19, 22), (23, 29)]
    found = spans_from_probabilities(text, offsets, [0, 0.9, 0, 0.8, 0.7, 0, 0, 0, 0.6, 0.6],
                                     0.5)
    assert [text[s:e] for s, e, _ in found] == ["3.5 percent", "10,000 troops"]
    assert found[0][2] == pytest.approx((0.9 + 0.8 + 0.7) / 3)


def shared_examples() -> Path:
    """The shared example articles beside the data folder (CI sets PROPWATCH_DATA)."""
    data = os.environ.get("PROPWATCH_DATA")
    folder = Path(data).parent / "examples" if data else None
    if folder is None or not folder.is_dir():
        pytest.skip("the shared example articles (../shared/examples) are not there: "
                    "PROPWATCH_DATA is unset or has no examples/ beside it")
    return folder


def example_articles(folder: Path) -> list[Article]:
    paths = sorted(folder.glob("*.txt"))
    if not paths:
        pytest.skip(f"no example articles in {folder}")
    return [Article(id=p.name, text=p.read_text(encoding="utf-8")) for p in paths]


def cut_spans(detector, articles: list[Article]) -> list[str]:
    """The spans the detector gives that begin or end inside a word, shown in context."""
    found = []
    for article in articles:
        text = article.text
        for span in detector.detect(article):
            if cuts_word(text, span.start, span.end):
                found.append(f"{article.id} {span.technique}: "
                             f"…{text[max(0, span.start - 15):span.start]}[{text[span.start:span.end]}]"
                             f"{text[span.end:span.end + 15]}…")
    return found


@pytest.fixture(scope="module", params=["transformer", "baseline"])
def shipped(request):
    from propwatch.detect import get_detector
    from propwatch.detect.transformer import default_model_dir

    if request.param == "transformer" and not (default_model_dir() / "encoder.onnx").exists():
        pytest.skip("no transformer artifact: run 'propwatch train transformer'")
    return get_detector(request.param)


def test_no_span_cuts_a_word_in_the_repository_examples(shipped):
    assert cut_spans(shipped, example_articles(EXAMPLES)) == []


def test_no_span_cuts_a_word_in_the_shared_examples(shipped):
    articles = example_articles(shared_examples())
    assert cut_spans(shipped, articles) == []
    if shipped.name == "transformer":  # the spans issue 15 was filed over
        text = {a.id: a.text for a in articles}
        spans = {a.id: shipped.detect(a) for a in articles}
        assert not any(text[a][s.start:s.end] in ("flag", "backed") or
                       text[a][s.start] == "-" for a in spans for s in spans[a])

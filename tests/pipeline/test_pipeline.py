"""End to end through the library: ingest -> detect -> Analysis, on our own example articles."""

from pathlib import Path

import propwatch
from propwatch.config import Settings
from propwatch.doc import Analysis, Article
from propwatch.errors import PropwatchError
from propwatch.techniques import LABELS

from ..conftest import EXAMPLES


def example_paths() -> list[str]:
    return sorted(str(p) for p in EXAMPLES.glob("*.txt"))


def test_analyze_text_finds_spans_with_exact_offsets():
    text = ("The corrupt, treacherous elites want to destroy our great nation. "
            "These traitors will stop at nothing! Make our country strong again!")
    analysis = propwatch.analyze(text)
    assert isinstance(analysis, Analysis)
    assert analysis.spans, "obvious loaded language should be found"
    for span in analysis.spans:
        assert span.technique in LABELS
        assert 0 < span.score <= 1
        assert span.reason
        piece = text[span.start:span.end]
        assert piece == piece.strip() and piece[-1] not in ".,:;"


def test_analyze_an_empty_or_plain_text_gives_no_spans_and_no_error():
    empty = propwatch.analyze("")
    assert empty.spans == () and empty.layer("techniques").items == ()
    plain = propwatch.analyze("The meeting starts at 10 a.m. on Tuesday.")
    assert plain.article.id == "text" and plain.spans == ()
    assert plain.summary["spans"] == 0 and plain.detector


def test_spans_never_touch_boilerplate():
    body = "They are evil traitors and liars who hate our glorious country."
    text = f"QR codeQR code\n\n{body}\n\nStory Code: 1234\n\nNo comments:\nPost a Comment\n"
    analysis = propwatch.analyze(text)
    assert analysis.article.boilerplate
    for span in analysis.spans:
        assert not analysis.article.is_boilerplate(span.start, span.end)


def test_analyze_files_reads_examples_and_keeps_going_after_failures(tmp_path: Path):
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    paths = example_paths() + [str(tmp_path / "missing.txt"), str(binary)]
    batch = propwatch.analyze_files(paths, settings=Settings())
    assert len(batch.analyses) == 2
    assert sorted(exc.code for _, exc in batch.failures) == ["E101", "E103"]
    harbor = next(a for a in batch.analyses if "harbor" in (a.article.source or ""))
    assert harbor.article.published == "2023-05-04T09:15"  # the dateline's time is kept
    assert harbor.spans
    for span in harbor.spans:
        assert harbor.article.text[span.start:span.end].strip()


def test_analysis_json_round_trip_from_pipeline():
    analysis = propwatch.analyze(Path(example_paths()[0]).read_text(encoding="utf-8"))
    again = Analysis.from_json(analysis.to_json())
    assert again == analysis


def test_article_objects_are_accepted_as_given():
    article = Article(id="mine", text="Shameful lies from the radical mob!", title="T")
    analysis = propwatch.analyze(article)
    assert analysis.article is article


def test_unknown_detector_is_a_clear_error():
    try:
        propwatch.analyze("text", settings=Settings(detector="nope"))
    except PropwatchError as exc:
        assert exc.code == "E201" and "baseline" in exc.message
    else:
        raise AssertionError("expected E201")


def test_lone_surrogates_do_not_crash_detection():
    text = "These corrupt traitors \ud800 lie to our great nation every single day!"
    analysis = propwatch.analyze(text)
    assert analysis.article.text == text
    for span in analysis.spans:
        assert 0 <= span.start < span.end <= len(text)


def test_one_default_detector_everywhere():
    from propwatch.config import Settings
    from propwatch.detect import DEFAULT, REGISTRY
    from propwatch.pipeline import Pipeline
    from propwatch.server.settings import ServerSettings

    assert DEFAULT == "transformer" and DEFAULT in REGISTRY
    # settings leave the detector to the techniques component, which defines the default once
    assert Settings().detector is None and ServerSettings().pipeline == Settings()
    assert Pipeline.from_settings(Settings()).component("techniques").detector.name == DEFAULT

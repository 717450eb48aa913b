"""The transformer detector as shipped: windows, offsets, spans, TC, and no torch at run time."""

import subprocess
import sys
from pathlib import Path

import pytest

from propwatch.detect.transformer import MAX_TOKENS, default_model_dir, encode_article
from propwatch.doc import Article
from propwatch.techniques import LABELS

ARTIFACT = default_model_dir() / "encoder.onnx"
pytestmark = pytest.mark.skipif(not ARTIFACT.exists(),
                                reason="no transformer artifact: run 'propwatch train transformer'")

TEXT = ("Title 🚩 of the day\n\nThe corrupt elites and their treacherous puppets want to destroy "
        "our great nation! 🇺🇸 These traitors lie, and lie, and lie again.\n"
        "Make our country strong again! Make our country strong again!\n")


@pytest.fixture(scope="module")
def detector():
    from propwatch.detect import get_detector
    return get_detector("transformer")


def test_windows_keep_exact_offsets_and_size(detector):
    long_text = "\n".join([TEXT] * 40)
    windows = encode_article(Article(id="x", text=long_text), detector.tokenizer)
    assert len(windows) > 1
    for window in windows:
        assert 0 < len(window.ids) <= MAX_TOKENS
        for start, end in window.offsets:
            assert 0 <= start <= end <= len(long_text)
    words = [o for w in windows for o in w.offsets]
    assert words == sorted(words), "windows follow the text in order"


def test_detect_gives_trimmed_spans_on_word_edges(detector):
    analysis_spans = detector.detect(Article(id="x", text=TEXT))
    assert analysis_spans, "obvious loaded language should be found"
    for span in analysis_spans:
        piece = TEXT[span.start:span.end]
        assert piece == piece.strip() and piece[-1] not in ".,:;"
        assert span.technique in LABELS and 0 < span.score <= 1
        before = TEXT[span.start - 1] if span.start else " "
        assert not (before.isalnum() and piece[0].isalnum()), "starts on a word edge"


def test_classify_ranks_a_repeated_span(detector):
    start = TEXT.index("Make our country")
    span = (start, start + len("Make our country strong again!"))
    labels = detector.classify(Article(id="x", text=TEXT), [span, span])
    assert all(label in LABELS for label in labels) and labels[0] != labels[1]


def test_cli_analyze_with_the_transformer(tmp_path):
    from typer.testing import CliRunner

    from propwatch.cli import app

    path = tmp_path / "a.txt"
    path.write_text(TEXT, encoding="utf-8")
    result = CliRunner().invoke(app, ["analyze", str(path), "--detector", "transformer",
                                      "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    assert '"detector": "minilm-l6-ptc-v1"' in result.stdout


def test_inference_needs_no_torch():
    code = ("import sys; from propwatch.detect import get_detector; from propwatch.doc import Article;"
            f" get_detector('transformer').detect(Article(id='x', text={TEXT!r}));"
            " assert 'torch' not in sys.modules and 'transformers' not in sys.modules, 'torch loaded'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-500:]

"""The detector benchmark's floor: the bare encoder forward over the detector's own windows."""

from __future__ import annotations

from pathlib import Path

from propwatch.bench.detect import bare_forward
from propwatch.detect.baseline import BaselineDetector
from propwatch.detect.transformer import TransformerDetector, encode_article
from propwatch.doc import Article

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


class CountingSession:
    def __init__(self, session) -> None:
        self.session, self.feeds = session, []

    def run(self, names, feed):
        self.feeds.append(feed)
        return self.session.run(names, feed)


def test_bare_forward_runs_every_window_once_unpadded() -> None:
    detector = TransformerDetector()
    path = sorted(EXAMPLES.glob("*.txt"))[0]
    articles = [Article(id=path.stem, text=path.read_text(encoding="utf-8"))]
    windows = [w for a in articles for w in encode_article(a, detector.tokenizer)]
    detector.session = CountingSession(detector.session)
    run = bare_forward(detector, articles)
    assert run is not None
    run()
    assert len(detector.session.feeds) == len(windows)
    assert [f["ids"].shape[1] for f in detector.session.feeds] == [len(w) + 2 for w in windows]
    assert all(f["mask"].all() for f in detector.session.feeds)  # nothing padded


def test_a_detector_without_an_encoder_has_no_floor() -> None:
    assert bare_forward(BaselineDetector(), []) is None

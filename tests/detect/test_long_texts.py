"""Long texts: hidden states spilled to disk give the same findings, and the work per article
grows linearly with its length (counted, not timed)."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import numpy as np
import pytest

from propwatch.detect import features, tokens
from propwatch.detect.features import SiblingIndex
from propwatch.detect.tokens import first_tokens, last_tokens, tokenize
from propwatch.detect.transformer import (
    HiddenStates,
    QuoteMarks,
    WindowIndex,
    _take_in_quotes,
    default_model_dir,
    encode_article,
)
from propwatch.doc import Article
from propwatch.ingest import article_from_text

ROOT = Path(__file__).resolve().parents[2]
ARTIFACT = default_model_dir() / "encoder.onnx"


@pytest.fixture(scope="module")
def detector():
    if not ARTIFACT.exists():
        pytest.skip("no transformer artifact: run 'propwatch train transformer'")
    from propwatch.detect import get_detector
    return get_detector("transformer")


def _articles() -> list[Article]:
    found = [article_from_text(p.read_text(encoding="utf-8"), id=p.stem)
             for p in sorted((ROOT / "examples").glob("*.txt"))]
    data = os.environ.get("PROPWATCH_DATA")
    if data and (Path(data) / "ptc" / "dev-articles").is_dir():
        for path in sorted((Path(data) / "ptc" / "dev-articles").glob("*.txt"))[:4]:
            found.append(article_from_text(path.read_text(encoding="utf-8"), id=path.stem))
    return found


def test_spilled_states_give_the_same_spans_and_labels(detector):
    for article in _articles():
        kept = detector.encode(article, spill_after=None)
        spilled = detector.encode(article, spill_after=0)
        assert not kept.hidden.spilled and spilled.hidden.spilled
        assert len(kept.hidden) == len(spilled.hidden) == len(kept.windows)
        for a, b in zip(kept.hidden, spilled.hidden):
            np.testing.assert_array_equal(a, b)
        found = detector.find_spans(article, encoded=kept)
        assert found == detector.find_spans(article, encoded=spilled), article.id
        spans = [(s, e) for s, e, _, _ in found]
        np.testing.assert_array_equal(detector.technique_probs(article, kept, spans),
                                      detector.technique_probs(article, spilled, spans))


def test_hidden_states_read_back_from_disk():
    states = HiddenStates(spill_after=5)
    arrays = [np.arange(12, dtype=np.float32).reshape(3, 4) + k for k in range(4)]
    for a in arrays:
        states.append(a)
    assert states.spilled and len(states) == 4 and states.rows == 12
    for k, a in enumerate(arrays):
        np.testing.assert_array_equal(states[k], a)
    np.testing.assert_array_equal(states[-1], arrays[-1])
    assert [s.shape for s in states[1:3]] == [(3, 4), (3, 4)]
    never = HiddenStates(spill_after=None)
    never.append(arrays[0])
    assert not never.spilled and never[0] is arrays[0]


def test_quote_marks_answer_as_the_text_scans_do():
    rng = np.random.default_rng(0)
    pieces = ['"', "\u201c", "\u201d", "\n", "a", "b ", " ", "word", "."]
    for _ in range(30):
        text = "".join(rng.choice(pieces, size=120))
        marks = QuoteMarks(text)
        for start in range(len(text)):
            for end in (start, start + 1, start + 5, start + 17):
                if end <= len(text):
                    assert (_take_in_quotes(text, start, end, marks)
                            == _take_in_quotes(text, start, end)), (text, start, end)


def test_bounded_token_reads_match_whole_line_tokenizing():
    text = ("Some words, don't-stop it's 3.5 here! \u201cQuoted\u201d and\tmore   spaces; "
            "a-very-long-hyphenated-word ") * 40
    for start in range(0, len(text), 37):
        for end in (start, min(len(text), start + 50), len(text)):
            assert last_tokens(text, 0, end, 6) == tokenize(text, 0, end)[-6:]
            assert first_tokens(text, start, len(text), 6) == tokenize(text, start)[:6]
            assert first_tokens(text, start, end, 6) == tokenize(text, start, end)[:6]


def test_sibling_index_counts_as_a_scan_does():
    rng = np.random.default_rng(1)
    spans = [(int(s), int(s + rng.integers(0, 30))) for s in rng.integers(0, 200, 60)]
    spans += spans[:5]
    index = SiblingIndex(spans)
    for start, end in spans + [(0, 0), (50, 51), (199, 260)]:
        assert index.same(start, end) == sum(1 for s, e in spans if s == start and e == end)
        assert index.overlapping(start, end) == sum(1 for s, e in spans
                                                    if s < end and start < e)


def test_window_index_finds_every_overlapping_window(detector):
    text = " ".join(["The traitors lie, and lie again."] * 200)
    windows = encode_article(Article(id="x", text=text), detector.tokenizer)
    lookup = WindowIndex(windows)
    assert lookup.sorted
    for start in range(0, len(text), 97):
        end = start + 40
        expected = [w for w, window in enumerate(windows)
                    if any(e > s and s < end and start < e for s, e in window.offsets)]
        candidates = list(lookup.overlapping(start, end))
        assert set(expected) <= set(candidates) and len(candidates) <= len(expected) + 2


# ---------------------------------------------------------------- long texts, a fake encoder


class FakeSession:
    """Stands in for the ONNX encoder: BIO probabilities that mark every subword whose id is a
    multiple of 5 as inside a span, and small hidden states; counts the subwords it saw."""

    def __init__(self) -> None:
        self.subwords = 0

    def run(self, _names, inputs):
        ids, mask = inputs["ids"], inputs["mask"]
        self.subwords += int(mask.sum())
        inside = (ids % 5 == 0).astype(np.float32)
        bio = np.stack([1.0 - inside, inside * 0.3, inside * 0.7], axis=-1)
        hidden = np.repeat(((ids % 97) / 97.0).astype(np.float32)[..., None], 384, axis=-1)
        return [bio, hidden]


def _long_text(size: int, newlines: bool) -> str:
    paragraph = ("The corrupt elites and their treacherous puppets want to destroy our great "
                 "nation! \"They lie,\" he said, \u201cand lie again.\u201d Make our country "
                 "strong again! Officials said the shipment arrived on Tuesday.")
    joiner = "\n" if newlines else " "
    text = joiner.join([paragraph] * (size // (len(paragraph) + 1) + 1))
    return text[:size]


def _work(detector, size: int, newlines: bool, monkeypatch) -> dict:
    """Counts of what analysing a text of ``size`` characters did."""
    fake = copy.copy(detector)
    fake.session = FakeSession()
    tokenized = {"chars": 0}
    real = tokens.tokenize

    def counting(text, start=0, end=None):
        tokenized["chars"] += (len(text) if end is None else end) - start
        return real(text, start, end)

    monkeypatch.setattr(tokens, "tokenize", counting)
    monkeypatch.setattr(features, "tokenize", counting)
    candidates = {"windows": 0}
    overlapping = WindowIndex.overlapping

    def counted(self, start, end):
        found = overlapping(self, start, end)
        candidates["windows"] += len(found)
        return found

    monkeypatch.setattr(WindowIndex, "overlapping", counted)
    article = Article(id="long", text=_long_text(size, newlines))
    spans = fake.detect(article)
    monkeypatch.undo()
    assert spans and all(0 <= s.start < s.end <= size for s in spans)
    return {"subwords": fake.session.subwords, "tokenized": tokenized["chars"],
            "windows": candidates["windows"], "spans": len(spans)}


@pytest.mark.parametrize("newlines", [True, False], ids=["paragraphs", "one-line"])
def test_a_long_text_completes_and_its_work_grows_linearly(detector, monkeypatch, newlines):
    small = _work(detector, 150_000, newlines, monkeypatch)
    large = _work(detector, 300_000, newlines, monkeypatch)
    for key in ("subwords", "tokenized", "windows", "spans"):
        assert 1.8 <= large[key] / max(1, small[key]) <= 2.2, (key, small, large)

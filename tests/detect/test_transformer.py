"""The transformer detector as shipped: windows, offsets, spans, TC, and no torch at run time."""

import subprocess
import sys

import pytest

import numpy as np

from propwatch.detect.transformer import (MAX_TOKENS, VERSION, Decoding, Window, blend_techniques,
                                          decode_runs, default_model_dir, encode_article,
                                          word_probabilities)
from propwatch.doc import Article
from propwatch.techniques import LABELS

ARTIFACT = default_model_dir() / "encoder.onnx"
needs_artifact = pytest.mark.skipif(not ARTIFACT.exists(),
                                    reason="no transformer artifact: run 'propwatch train transformer'")

TEXT = ("Title 🚩 of the day\n\nThe corrupt elites and their treacherous puppets want to destroy "
        "our great nation! 🇺🇸 These traitors lie, and lie, and lie again.\n"
        "Make our country strong again! Make our country strong again!\n")


@pytest.fixture(scope="module")
def detector():
    if not ARTIFACT.exists():
        pytest.skip("no transformer artifact: run 'propwatch train transformer'")
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


@needs_artifact
def test_cli_analyze_with_the_transformer(tmp_path):
    from typer.testing import CliRunner

    from propwatch.cli import app

    path = tmp_path / "a.txt"
    path.write_text(TEXT, encoding="utf-8")
    result = CliRunner().invoke(app, ["analyze", str(path), "--detector", "transformer",
                                      "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    assert f'"detector": "{VERSION}"' in result.stdout


@needs_artifact
def test_inference_needs_no_torch():
    code = ("import sys; from propwatch.detect import get_detector; from propwatch.doc import Article;"
            f" get_detector('transformer').detect(Article(id='x', text={TEXT!r}));"
            " assert 'torch' not in sys.modules and 'transformers' not in sys.modules, 'torch loaded'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-500:]


# ---------------------------------------------------------------- decoding, without the model

def test_decode_runs_joins_small_gaps_and_drops_weak_runs():
    inside = np.array([0.9, 0.1, 0.5, 0.0, 0.0, 0.0, 0.3, 0.35])
    assert decode_runs(inside, 0.3, 0.3, merge_gap=1) == [[0, 1, 2], [6, 7]]
    assert decode_runs(inside, 0.3, 0.3, merge_gap=0) == [[0], [2], [6, 7]]
    # a run is kept only when its peak reaches the keep level
    assert decode_runs(inside, 0.3, 0.4, merge_gap=1) == [[0, 1, 2]]
    assert decode_runs(inside, 0.3, 0.3, merge_gap=3) == [[0, 1, 2, 3, 4, 5, 6, 7]]
    assert decode_runs(np.zeros(4), 0.3, 0.3, merge_gap=8) == []


def test_decode_runs_bridges_warm_gaps_but_keeps_spans_readable():
    #                  0    1    2    3    4    5    6    7    8    9
    inside = np.array([0.8, 0.2, 0.1, 0.2, 0.6, 0.0, 0.0, 0.1, 0.0, 0.5])
    # gap 1..3 has mean 0.167: bridged at floor 0.15, not at 0.2; gap 5..8 (mean 0.025) never
    assert decode_runs(inside, 0.3, 0.3, 0, bridge_floor=0.15) == [[0, 1, 2, 3, 4], [9]]
    assert decode_runs(inside, 0.3, 0.3, 0, bridge_floor=0.2) == [[0], [4], [9]]
    # no join may make a span longer than max_span subwords; contiguous runs are never cut
    assert decode_runs(inside, 0.3, 0.3, 0, bridge_floor=0.15, max_span=4) == [[0], [4], [9]]
    assert decode_runs(inside, 0.3, 0.3, 8, max_span=5) == [[0, 1, 2, 3, 4], [9]]
    assert decode_runs(np.full(6, 0.9), 0.3, 0.3, 0, max_span=2) == [[0, 1, 2, 3, 4, 5]]


def test_a_joined_span_drops_a_word_cut_from_a_neighbouring_sentence():
    from propwatch.detect.transformer import _drop_cut_words

    text = 'The deal was hard to swallow. "They want us hungry," he said. Nothing! Then more came.'
    start = text.index("swallow")
    end = text.index("hungry,") + len('hungry,"')
    assert text[slice(*_drop_cut_words(text, start, end))] == '"They want us hungry,"'
    # a one-word sentence held whole stays; the first word of one that goes on is cut
    start, end = text.index("Nothing"), text.index("Then") + 4
    assert text[slice(*_drop_cut_words(text, start, end))] == "Nothing!"
    # a span inside one sentence is left alone
    start, end = text.index("hard"), text.index("swallow") + 7
    assert _drop_cut_words(text, start, end) == (start, end)


def test_spans_take_in_the_quotation_marks_around_and_across_them():
    from propwatch.detect.transformer import _take_in_quotes

    def taken(text: str, words: str, last: str | None = None) -> str:
        start = text.index(words)
        end = text.index(last) + len(last) if last else start + len(words)
        return text[slice(*_take_in_quotes(text, start, end))]

    assert taken('He called it "a war on bread" today.', "a war on bread") == '"a war on bread"'
    assert taken("\u201cStop them\u201d, he said.", "Stop them") == "\u201cStop them\u201d"
    text = 'It was "pure terror in a suit" and he warned that "hunger is a weapon" now.'
    assert taken(text, "pure", "weapon") == '"pure terror in a suit" and he warned that "hunger is a weapon"'
    # apostrophes, single quotes and text between two quotations are left alone
    assert taken("the nation\u2019s enemies", "nation") == "nation"
    assert taken('"x"and"y"', "and") == "and"
    assert taken("She said \u2018no\u2019 twice.", "no") == "no"


def test_blend_techniques_weights_the_two_opinions():
    own = np.array([[0.7, 0.2, 0.1]])
    other = np.array([[0.1, 0.3, 0.6]])
    np.testing.assert_allclose(blend_techniques(own, other, 1.0), own, atol=1e-6)
    np.testing.assert_allclose(blend_techniques(own, other, 0.0), other, atol=1e-6)
    middle = blend_techniques(own, other, 0.5)
    assert abs(middle.sum() - 1.0) < 1e-9
    # geometric mean: 0.7*0.1 vs 0.2*0.3 vs 0.1*0.6 -> the first stays ahead, barely
    assert int(np.argmax(middle)) == 0 and middle[0, 0] < 0.5


def test_word_probabilities_follow_the_word_a_subword_lies_in():
    from propwatch.detect.baseline import TaggedSentence

    # "unbelievable lies": words [0, 12) and [13, 17); subwords un|believ|able|lies and a gap
    window = Window([1, 2, 3, 4], [(0, 2), (2, 8), (8, 12), (13, 17)], 101, 102)
    tagged = [TaggedSentence(0, 17, [(0, 12), (13, 17)], np.array([0.25, 0.75]))]
    (inside,) = word_probabilities([window], tagged)
    np.testing.assert_allclose(inside, [0.25, 0.25, 0.25, 0.75])
    # a subword no baseline word covers gets 0
    (inside,) = word_probabilities([Window([5], [(20, 22)], 101, 102)], tagged)
    assert inside.tolist() == [0.0]


def test_decoding_reads_old_and_new_meta_and_takes_a_threshold():
    old = Decoding.from_meta({"threshold": 0.3, "merge_gap": 8})
    assert (old.threshold, old.merge_gap, old.tagger_weight, old.technique_weight) == (0.3, 8, 1.0, 1.0)
    new = Decoding.from_meta({"threshold": 0.9, "decoding": {
        "tagger_weight": 0.8, "threshold": 0.25, "keep_margin": 0.1, "merge_gap": 12,
        "bridge_floor": 0.12, "max_span": 128, "technique_weight": 0.4}}, threshold=0.5)
    assert (new.threshold, new.keep_margin, new.merge_gap) == (0.5, 0.1, 12)
    assert (new.bridge_floor, new.max_span) == (0.12, 128)
    assert (old.bridge_floor, old.max_span) == (None, None)  # older artifacts: no bridging


@needs_artifact
def test_a_higher_threshold_never_finds_more_text(detector):
    article = Article(id="x", text="\n".join([TEXT] * 3))
    by_threshold = detector.spans_at_thresholds(article, [0.1, 0.3, 0.6, 0.95])
    covered = [sum(e - s for s, e in by_threshold[t]) for t in (0.1, 0.3, 0.6, 0.95)]
    assert covered == sorted(covered, reverse=True) and covered[0] > 0


@pytest.mark.slow
def test_tune_reports_what_evaluate_then_measures(ptc_data, detector, monkeypatch):
    from dataclasses import replace

    import propwatch.eval.detectors as evaluation
    import propwatch.eval.tuning as tuning

    monkeypatch.setattr(tuning, "TUNING_GRID", {"tagger_weight": (0.7, 1.0), "threshold": (0.3,),
                                                  "keep_margin": (0.1,), "merge_gap": (8,)})
    monkeypatch.setattr(tuning, "TECHNIQUE_WEIGHTS", (0.0, 0.5, 1.0))
    monkeypatch.setattr(tuning, "REPETITION_BOOSTS", (1.0, 10.0))
    figures = tuning.tune_decoding(split="dev", data=ptc_data, detector=detector)
    chosen = figures["decoding"]
    assert figures["settings_tried"] == 2
    assert chosen["tagger_weight"] in (0.7, 1.0) and chosen["technique_weight"] in (0.0, 0.5, 1.0)
    assert chosen["repetition_boost"] in (1.0, 10.0)
    monkeypatch.setattr(detector, "decoding", replace(detector.decoding, **chosen))
    result = evaluation.evaluate_detector(split="dev", data=ptc_data, detector=detector)
    assert figures["si"]["f1"] == round(result.si.f1, 4)
    assert figures["tc_micro_f1"] == round(result.tc.micro.f1, 4)
    assert 0 < figures["crossfit"]["si_f1"] <= 1 and 0 < figures["crossfit"]["tc_micro_f1"] <= 1


def test_tune_refuses_the_baseline():
    from propwatch.detect import get_detector
    from propwatch.errors import UsageError
    from propwatch.eval.tuning import tune_decoding

    with pytest.raises(UsageError) as info:
        tune_decoding(detector=get_detector("baseline"))
    assert info.value.code == "E402" and "--tune" in info.value.message


def test_repetition_boost_applies_to_later_occurrences_only():
    from propwatch.detect.transformer import boost_repetition, occurs_earlier

    text = "Stop the steal, they said. Then again: STOP THE STEAL! And once more stop."
    first = (0, len("Stop the steal"))
    later = (text.index("STOP THE STEAL"), text.index("STOP THE STEAL") + len("STOP THE STEAL"))
    lone = (text.index("once"), text.index("once") + 4)
    lower = text.lower()
    assert [occurs_earlier(lower, *s) for s in (first, later, lone)] == [False, True, False]
    uniform = np.full((3, len(LABELS)), 1.0 / len(LABELS))
    earlier = [occurs_earlier(lower, *s) for s in (first, later, lone)]
    boosted = boost_repetition(uniform, earlier, 10.0)
    rep = LABELS.index("Repetition")
    np.testing.assert_allclose(boosted.sum(axis=1), 1.0)
    np.testing.assert_allclose(boosted[[0, 2]], uniform[[0, 2]])
    assert int(np.argmax(boosted[1])) == rep and boosted[1, rep] == pytest.approx(10 / (10 + 13))
    assert boost_repetition(uniform, earlier, 1.0) is uniform


@pytest.mark.slow
def test_ablation_rows_and_the_shipped_decoding_wins_on_dev(ptc_data, detector):
    """The shipped decoding was chosen on dev by --tune over a superset of every ablation
    setting, so no SI or TC variant without a piece may beat it there."""
    from propwatch.eval.tuning import transformer_ablation

    rows = transformer_ablation(split="dev", data=ptc_data, detector=detector)
    shipped = {r["task"]: r["f1"] for r in rows if "(shipped)" in r["variant"]}
    assert set(shipped) == {"SI", "TC"}
    for row in rows:
        assert 0.0 <= row["f1"] <= 1.0
        if row["variant"].startswith(("MiniLM tagger", "+ runs", "+ weak", "shipped without b",
                                      "MiniLM span head", "baseline classifier", "blend of")):
            assert row["f1"] <= shipped[row["task"]] + 1e-9, row
    assert any("no context" in r["variant"] for r in rows)


def test_classification_skips_the_crf_but_span_finding_refuses_to(detector):
    article = Article(id="x", text=TEXT)
    light = detector.encode(article, tag=False)
    assert light.crf == [] and light.windows
    full = detector.encode(article)
    spans = [(s, e) for s, e, _, _ in detector.find_spans(article, encoded=full)]
    np.testing.assert_allclose(detector.technique_probs(article, light, spans),
                               detector.technique_probs(article, full, spans))
    with pytest.raises(ValueError, match="CRF"):
        detector.find_spans(article, encoded=light)

"""Reading the PTC layout and scoring the shipped baseline on it (skipped without the corpus)."""

import hashlib
import json
from pathlib import Path

import pytest

from propwatch.errors import DataError
from propwatch.eval.detectors import classify_template, evaluate_detector
from propwatch.eval.ptc import find_ptc, load_split, read_labels
from propwatch.techniques import LABELS

GATE = Path(__file__).resolve().parents[1] / "quality_gate.json"


def test_find_ptc_names_the_fix_when_absent(tmp_path, monkeypatch):
    monkeypatch.delenv("PROPWATCH_DATA", raising=False)
    with pytest.raises(DataError) as info:
        find_ptc(tmp_path)
    assert info.value.code == "E301" and "PROPWATCH_DATA" in info.value.message


def test_label_reader_names_the_bad_line(tmp_path):
    path = tmp_path / "labels.tsv"
    path.write_text("1\tDoubt\t0\t4\n1\tNot_A_Technique\t5\t9\n")
    with pytest.raises(DataError) as info:
        read_labels(path)
    assert "line 2" in info.value.message and "Not_A_Technique" in info.value.message


def test_splits_load_with_offsets_inside_their_articles(ptc_data):
    for name, articles, rows in (("train", 371, 6128), ("dev", 75, 1063)):
        split = load_split(name, ptc_data)
        assert (len(split.articles), len(split.labels)) == (articles, rows)
        texts = {a.id: a.text for a in split.articles}
        for row in split.labels:
            assert row.technique in LABELS
            piece = texts[row.article_id][row.start:row.end]
            assert piece and piece[0] not in " \n" and piece[-1] not in " \n.,:;"


def test_find_ptc_accepts_the_data_folder_or_ptc_itself(ptc_data):
    assert find_ptc(ptc_data) == find_ptc(Path(ptc_data) / "ptc")


def test_classify_template_keeps_rows_in_order(ptc_data, detector):
    root = find_ptc(ptc_data)
    template = read_labels(root / "dev-TC-template.tsv")
    filled = classify_template(root / "dev-articles", root / "dev-TC-template.tsv",
                               detector=detector)
    assert [(r.article_id, r.start, r.end) for r in filled] == \
           [(r.article_id, r.start, r.end) for r in template]
    assert all(r.technique in LABELS for r in filled)


def dev_data_hash(ptc_data: str) -> str:
    root = find_ptc(ptc_data)
    digest = hashlib.sha256()
    for path in [root / "dev-labels-TC.tsv", *sorted((root / "dev-articles").iterdir())]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(json.loads(GATE.read_text())["detectors"]))
def test_quality_gate_on_dev(ptc_data, name):
    """Fails when a shipped detector's dev figures drop below its pinned floors."""
    from propwatch.detect import get_detector

    gate = json.loads(GATE.read_text())
    assert dev_data_hash(ptc_data) == gate["dev_sha256"], (
        "the PTC dev data changed: re-measure with 'propwatch evaluate' and update "
        "tests/quality_gate.json")
    pinned = gate["detectors"][name]
    result = evaluate_detector(split="dev", data=ptc_data, detector=get_detector(name))
    assert result.si.f1 >= pinned["floors"]["si_f1"], f"{name}: SI F1 {result.si.f1:.4f} fell below the gate"
    assert result.tc.micro.f1 >= pinned["floors"]["tc_micro_f1"], (
        f"{name}: TC micro-F1 {result.tc.micro.f1:.4f} fell below the gate")
    assert result.cut_spans == 0, f"{name}: {result.cut_spans} spans cut a word"
    # the bars are the floor of the floors
    for metric, bar in pinned["bars"].items():
        assert pinned["floors"][metric] >= bar


@pytest.mark.slow
@pytest.mark.parametrize("name", ["transformer", "baseline"])
def test_no_span_found_on_dev_cuts_a_word(ptc_data, name):
    """Every dev article (75; about 20 s for the transformer on 2 cores): no span begins or
    ends inside a word, hyphenated compounds, apostrophes and numbers included."""
    from propwatch.detect import get_detector
    from propwatch.detect.words import cuts_word

    detector = get_detector(name)
    cut, total = [], 0
    for article in load_split("dev", ptc_data).articles:
        for span in detector.detect(article):
            total += 1
            if cuts_word(article.text, span.start, span.end):
                cut.append(f"{article.id} [{span.start}, {span.end}) "
                           f"{article.text[span.start:span.end][:60]!r}")
    assert total > 400, "the detector should find spans on dev"
    assert cut == [], f"{len(cut)} of {total} spans cut a word: {cut[:5]}"

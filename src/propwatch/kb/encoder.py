"""Sentence embeddings for claim matching: all-MiniLM-L6-v2 exported to ONNX (int8) by
``propwatch train sentence-encoder``; mean pooling over the tokens and L2 normalisation, as
sentence-transformers does, so cosine similarity is a dot product."""

from __future__ import annotations

import json
import threading
from importlib import resources
from pathlib import Path
from typing import Sequence

import numpy as np

from ..detect.onnx import open_session
from ..errors import ModelError

MODEL_DIR = Path(str(resources.files("propwatch").joinpath("models", "sentence")))


class SentenceEncoder:
    """Texts to unit vectors (float32, ``dim`` wide). Thread-safe; batches by length."""

    def __init__(self, model_dir: str | Path | None = None) -> None:
        folder = Path(model_dir) if model_dir else MODEL_DIR
        try:
            from tokenizers import Tokenizer

            self.meta = json.loads((folder / "meta.json").read_text("utf-8"))
            self.session = open_session(folder / "encoder.onnx", int(self.meta.get("threads", 2)))
            self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        except (OSError, ValueError, KeyError, RuntimeError, ImportError) as exc:
            raise ModelError.make("E202", path=folder) from exc
        self.version: str = self.meta["version"]
        self.dim: int = int(self.meta["dim"])
        self.max_tokens: int = int(self.meta.get("max_tokens", 256))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.max_tokens)
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], batch: int = 32) -> np.ndarray:
        """One row per text, in order."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for b in range(0, len(order), batch):
            rows = order[b:b + batch]
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for r, i in enumerate(rows):
                n = len(encodings[i].ids)
                ids[r, :n] = encodings[i].ids
                mask[r, :n] = 1
            with self._lock:
                (hidden,) = self.session.run(None, {"ids": ids, "mask": mask})
            pooled = (hidden * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[rows] = pooled / np.maximum(norms, 1e-12)
        return out

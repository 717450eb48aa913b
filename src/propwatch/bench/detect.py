"""Speed and memory of technique detection on a PTC split (``propwatch benchmark detect``)."""

from __future__ import annotations

import resource
import sys
import time

from ..eval.ptc import load_split
from ..pipeline import Pipeline, get_component


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def benchmark(*, split: str = "dev", data: str | None = None, detector_name: str | None = None,
              repeat: int = 3) -> dict:
    """Articles per second through the techniques pipeline (SI + TC, best of ``repeat`` runs;
    model load timed apart) and the process's peak memory, on a PTC split."""
    began = time.perf_counter()
    component = get_component("techniques", {"detector": detector_name})
    pipeline = Pipeline([component])
    load_seconds = time.perf_counter() - began
    articles = load_split(split, data).articles
    characters = sum(len(a.text) for a in articles)
    timings = []
    for _ in range(repeat):
        began = time.perf_counter()
        for _doc in pipeline.pipe(articles):
            pass
        timings.append(time.perf_counter() - began)
    best = min(timings)
    detector = component.detector  # type: ignore[attr-defined]
    tokenizer = getattr(detector, "tokenizer", None)  # subword detectors: report tokens/s too
    tokens = {}
    if tokenizer is not None:
        count = sum(len(tokenizer.encode(a.text, add_special_tokens=False).ids) for a in articles)
        tokens = {"subword_tokens": count, "tokens_per_s": round(count / best)}
    return {"detector": detector.version, "split": split, "articles": len(articles), **tokens,
            "characters": characters, "model_load_s": round(load_seconds, 3),
            "seconds_best_of": round(best, 3), "repeat": repeat,
            "articles_per_s": round(len(articles) / best, 1),
            "characters_per_s": round(characters / best),
            "peak_rss_mb": round(peak_rss_mb(), 1)}

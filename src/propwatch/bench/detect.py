"""Speed and memory of technique detection on a PTC split (``propwatch benchmark detect``)."""

from __future__ import annotations

import resource
from dataclasses import replace
import sys
import time
from typing import Any, Mapping

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


def pipeline_cost(components: tuple[str, ...], *, split: str = "dev", data: str | None = None,
                  detector_name: str | None = None, repeat: int = 2,
                  component_config: Mapping[str, Mapping[str, Any]] | None = None) -> dict:
    """What ``components`` add to the techniques-only pipeline, measured side by side in one
    run (the two pipelines alternate; medians): seconds of each and their ratio.
    ``component_config`` holds the components' settings ([component.NAME])."""
    import statistics

    from ..config import Settings

    base = Settings(detector=detector_name, component=dict(component_config or {}))
    only = Pipeline.from_settings(base)
    components = tuple(c for c in components if c != "techniques")
    more = Pipeline.from_settings(replace(base, components=("techniques", *components)))
    articles = load_split(split, data).articles
    only(articles[0])  # warm both
    more(articles[0])
    timings: dict[str, list[float]] = {"techniques": [], "with": []}
    for _ in range(repeat):
        for key, pipeline in (("techniques", only), ("with", more)):
            began = time.perf_counter()
            for _doc in pipeline.pipe(articles):
                pass
            timings[key].append(time.perf_counter() - began)
    only_s, more_s = (statistics.median(timings[k]) for k in ("techniques", "with"))
    return {"split": split, "articles": len(articles), "components": list(components),
            "versions": more.versions, "repeat": repeat,
            "techniques_s": round(only_s, 2), "with_s": round(more_s, 2),
            "ratio": round(more_s / only_s, 3),
            "articles_per_s": {"techniques": round(len(articles) / only_s, 2),
                               "with": round(len(articles) / more_s, 2)}}

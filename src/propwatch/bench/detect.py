"""Speed and memory of technique detection on a PTC split (``propwatch benchmark detect``)."""

from __future__ import annotations

import resource
from dataclasses import replace
import sys
import time
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ..doc import Article
from ..eval.ptc import load_split
from ..pipeline import Pipeline, get_component


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB. On Linux from VmHWM: getrusage's
    ru_maxrss carries the peak of the process it was forked from across exec, so a spawned
    benchmark child would report at least its parent's peak."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def benchmark(*, split: str = "dev", data: str | None = None, detector_name: str | None = None,
              repeat: int = 3) -> dict:
    """Articles per second through the techniques pipeline (SI + TC, best of ``repeat`` runs;
    model load timed apart) and the process's peak memory, on a PTC split. For a subword
    detector, also the bare onnxruntime forward over the same windows, timed in turns with the
    pipeline, and the ratio of the two: a figure that holds across CPUs."""
    began = time.perf_counter()
    component = get_component("techniques", {"detector": detector_name})
    pipeline = Pipeline([component])
    load_seconds = time.perf_counter() - began
    articles = load_split(split, data).articles
    characters = sum(len(a.text) for a in articles)
    detector = component.detector  # type: ignore[attr-defined]
    forward = bare_forward(detector, articles)
    timings, bare = [], []
    for _ in range(repeat):
        began = time.perf_counter()
        for _doc in pipeline.pipe(articles):
            pass
        timings.append(time.perf_counter() - began)
        if forward is not None:
            began = time.perf_counter()
            forward()
            bare.append(time.perf_counter() - began)
    best = min(timings)
    tokenizer = getattr(detector, "tokenizer", None)  # subword detectors: report tokens/s too
    tokens: dict = {}
    if tokenizer is not None:
        count = sum(len(tokenizer.encode(a.text, add_special_tokens=False).ids) for a in articles)
        tokens = {"subword_tokens": count, "tokens_per_s": round(count / best)}
    if bare:
        tokens |= {"bare_forward_s": round(min(bare), 3),
                   "bare_forward_articles_per_s": round(len(articles) / min(bare), 1),
                   "ratio_to_bare_forward": round(min(bare) / best, 3)}
    return {"detector": detector.version, "split": split, "articles": len(articles), **tokens,
            "characters": characters, "model_load_s": round(load_seconds, 3),
            "seconds_best_of": round(best, 3), "repeat": repeat,
            "articles_per_s": round(len(articles) / best, 1),
            "characters_per_s": round(characters / best),
            "peak_rss_mb": round(peak_rss_mb(), 1)}


def bare_forward(detector: object, articles: Sequence[Article]) -> Callable[[], None] | None:
    """The encoder alone over the windows ``detector`` makes of ``articles`` (one onnxruntime
    run per window, unpadded, outputs dropped): the floor under the detector's time. None for a
    detector without a subword encoder."""
    from ..detect.transformer import encode_article

    session, tokenizer = getattr(detector, "session", None), getattr(detector, "tokenizer", None)
    if session is None or tokenizer is None:
        return None
    feeds = []
    for article in articles:
        for window in encode_article(article, tokenizer):
            ids = np.array([[window.cls, *window.ids, window.sep]], dtype=np.int64)
            feeds.append({"ids": ids, "mask": np.ones_like(ids)})

    def run() -> None:
        for feed in feeds:
            session.run(None, feed)
    return run


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

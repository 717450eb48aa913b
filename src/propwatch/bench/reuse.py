"""Benchmarks of text reuse at scale: generate a reprint corpus with gold, run
``corpus.reuse_corpus`` (what ``propwatch reuse`` runs) on it in a fresh child process, so its
peak memory is the job's alone, and score what it found."""

from __future__ import annotations

import math
import multiprocessing
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Callable, Sequence

from ..corpus import reuse_corpus
from ..eval.scores import score_reuse_clusters, score_reuse_passages
from ..reuse import ReuseResult
from .detect import peak_rss_mb
from .generate import read_gold, write_corpus

Log = Callable[[str], None]


def reuse_benchmark(articles: int, *, seed: int = 0, edit_level: str = "light",
                    engine: str = "local", work_dir: Path | None = None,
                    log: Log = lambda _: None) -> dict:
    """Time, peak memory and quality of ``propwatch reuse`` on a generated corpus."""
    work = Path(work_dir or tempfile.mkdtemp(prefix="propwatch-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    corpus_path, gold_path = write_corpus(articles, work, seed=seed, edit_level=edit_level)
    generate_s = time.perf_counter() - began
    log(f"generated {articles} articles in {generate_s:.1f} s under {work}")
    began = time.perf_counter()
    child = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    with child:
        result, failures, run_peak_mb = child.submit(_reuse_in_child, str(corpus_path),
                                                      engine).result()
    reuse_s = time.perf_counter() - began
    if failures:
        raise RuntimeError(f"reuse could not read the generated corpus: {failures[0]}")
    log(f"reuse took {reuse_s:.1f} s (child process, {run_peak_mb:.0f} MB peak)")
    links, found, run_stats = result.links, result.clusters, result.stats
    gold = read_gold(gold_path)
    passages = score_reuse_passages(predicted=links, gold=gold, min_chars=200)
    cluster_scores = score_reuse_clusters(predicted=found, gold=gold)
    return {
        "articles": articles, "seed": seed, "edit_level": edit_level, "engine": engine,
        "generate_s": round(generate_s, 1), "reuse_s": round(reuse_s, 1),
        "peak_rss_mb": round(run_peak_mb, 1),
        "stages": {k: v for k, v in run_stats.items() if k.endswith("_s")},
        "candidate_pairs": run_stats.get("candidate_pairs"), "links": len(links),
        "clusters": len(found),
        "passage_precision": round(passages.precision, 4),
        "passage_recall": round(passages.recall, 4),
        "passage_f1": round(passages.f1, 4),
        "cluster_ari": round(cluster_scores["ari"], 4),
        "origin_accuracy": round(cluster_scores["origin_accuracy"], 4),
        "origin_abstain_ok": round(cluster_scores["origin_abstain_ok"], 4),
        "origin_named_correctly": round(cluster_scores["origin_named_correctly"], 4),
        "origin_named": round(cluster_scores["origin_named"], 4),
        "gold_clusters": cluster_scores["clusters"],
        "work_dir": str(work),
    }


def _reuse_in_child(corpus_path: str, engine: str) -> tuple[ReuseResult, list[str], float]:
    """Runs in the child: the reuse job, what it could not read, and the child's peak memory."""
    run = reuse_corpus([corpus_path], engine=engine)
    return run.result, [f"{path}: {error}" for path, error in run.failures], peak_rss_mb()


def scaling_benchmark(sizes: Sequence[int], *, seed: int = 0, log: Log = lambda _: None
                      ) -> list[dict]:
    """``reuse_benchmark`` at each size, with the growth exponent from the previous size
    (log time ratio over log size ratio: 1 is linear, 2 quadratic)."""
    rows: list[dict] = []
    for size in sorted(sizes):
        with tempfile.TemporaryDirectory(prefix="propwatch-scaling-") as work:
            figures = reuse_benchmark(size, seed=seed, work_dir=Path(work), log=log)
        row = {"articles": size, "candidate_pairs": figures["candidate_pairs"],
               "candidates_s": figures["stages"].get("candidates_s"),
               "reuse_s": figures["reuse_s"], "peak_rss_mb": figures["peak_rss_mb"],
               "passage_f1": figures["passage_f1"], "candidates_exponent": "",
               "total_exponent": ""}
        if rows:
            prev = rows[-1]
            ratio = math.log(size / prev["articles"])
            row["candidates_exponent"] = _exponent(prev["candidates_s"], row["candidates_s"], ratio)
            row["total_exponent"] = _exponent(prev["reuse_s"], row["reuse_s"], ratio)
        rows.append(row)
        log(f"{size} articles: {row}")
    return rows


def _exponent(before: float | None, after: float | None, log_size_ratio: float) -> str:
    if not before or not after or before <= 0:
        return ""
    return f"{math.log(after / before) / log_size_ratio:.2f}"

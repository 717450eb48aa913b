"""Whole-corpus jobs on Spark (extra ``[spark]``): technique detection over a stored corpus,
and, re-exported from ``propwatch.reuse.spark``, the reuse engine and a quiet session.

This module sits beside ``pipeline``: it composes the stages (store -> detect -> store), so the
stages themselves stay free of each other and of Spark. pyspark is imported lazily; without
it these functions raise an ImportError that names the extra to install.
"""

from __future__ import annotations

import time
from functools import partial
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from .detect import DEFAULT
from .doc import Article, Span
from .reuse.spark import find_reuse_spark, require_pyspark, spark_session

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import SparkSession

__all__ = ["analyze_corpus_spark", "find_reuse_spark", "require_pyspark", "spark_session"]


def _detect_partition(articles: Iterable[Article], detector_name: str,
                      threshold: float | None) -> Iterator[tuple[str, list[Span], str]]:
    """One Spark partition: load the detector once, then (id, spans, detector version) for
    each article, with the same boilerplate rule as ``propwatch.analyze``."""
    from .detect import get_detector
    from .pipeline import analyze_article

    detector = get_detector(detector_name, threshold=threshold)
    for article in articles:
        analysis = analyze_article(article, detector=detector)
        yield article.id, list(analysis.spans), analysis.detector


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def analyze_corpus_spark(db_path: str, *, detector_name: str = DEFAULT,
                         spark: "SparkSession | None" = None, partitions: int | None = None,
                         threshold: float | None = None, batch_size: int = 10_000) -> dict:
    """Detect techniques in every article of the corpus at ``db_path`` on Spark and store the
    spans (replacing each article's old ones); returns counts and timings.

    The driver reads articles ``batch_size`` at a time, Spark partitions each batch (one
    detector load per partition), and the driver writes the spans with the store, so memory
    stays bounded however large the corpus. The run is recorded in the store (kind
    ``analyze``). ``partitions`` defaults to the context's default parallelism.
    """
    from .detect import get_detector
    from .reuse.spark import _session
    from .store import Store

    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    get_detector(detector_name, threshold=threshold)  # a wrong name fails here (E201), not in a task
    require_pyspark()
    store = Store(db_path, create=False)  # a missing corpus is an error (E603), not a new file
    began = time.perf_counter()
    session, ours = None, False
    try:
        session, ours = _session(spark)
        sc = session.sparkContext
        parts = max(1, partitions or sc.defaultParallelism)
        params = {"engine": "spark", "detector": detector_name, "threshold": threshold,
                  "partitions": parts}
        run_id = store.start_run("analyze", params)
        articles = spans = batches = 0
        detect_s = write_s = 0.0
        version = ""
        task = partial(_detect_partition, detector_name=detector_name, threshold=threshold)
        for batch in _batches(store.iter_articles(), batch_size):
            step = time.perf_counter()
            found = sc.parallelize(batch, min(parts, len(batch))).mapPartitions(task).collect()
            detect_s += time.perf_counter() - step
            step = time.perf_counter()
            for article_id, article_spans, version in found:
                store.replace_spans(article_id, article_spans, version)
                spans += len(article_spans)
            write_s += time.perf_counter() - step
            articles += len(found)
            batches += 1
        seconds = time.perf_counter() - began
        summary = {"db": str(db_path), "detector": version or detector_name,
                   "articles": articles, "spans": spans, "batches": batches,
                   "partitions": parts, "detect_s": round(detect_s, 3),
                   "write_s": round(write_s, 3), "seconds": round(seconds, 3),
                   "articles_per_s": round(articles / seconds, 1) if seconds else 0.0}
        store.finish_run(run_id, summary)
        return {**summary, "run_id": run_id}
    finally:
        store.close()
        if ours and session is not None:
            session.stop()

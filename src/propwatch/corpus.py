"""Corpus jobs: run the pipeline over a stored corpus, and find reuse across articles. They
compose the stages (ingest -> store -> engine -> store); the engine decides where the work runs."""

from __future__ import annotations

import time
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence

from .config import Settings, load_settings
from .doc import TECHNIQUES, Article
from .engines import get_engine
from .errors import PropwatchError, StoreError
from .ingest import iter_articles
from .pipeline import Pipeline
from .reuse import ReuseOptions, ReuseResult
from .store import Store

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import SparkSession


@dataclass
class ReuseRun:
    """What ``reuse_corpus`` did: the result, the articles it looked at, and what went wrong."""

    result: ReuseResult
    articles: dict[str, Article]
    failures: list[tuple[str, PropwatchError]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    run_id: int | None = None


def reuse_corpus(inputs: Sequence[str], *, db: str | None = None, settings: Settings | None = None,
                 options: ReuseOptions | None = None, engine: str = "local",
                 master: str = "local[2]",
                 on_path: Callable[[str], None] | None = None) -> ReuseRun:
    """Find reuse among the articles of ``inputs`` and/or the corpus stored in ``db``.

    With ``db``, inputs are first added to the store (idempotently) and the run covers the
    whole stored corpus; its links and clusters are saved as a new run. ``engine="spark"``
    runs the same algorithm in Spark at ``master`` (``local[N]`` or a cluster URL)."""
    settings = settings or load_settings()
    options = options or ReuseOptions()
    failures: list[tuple[str, PropwatchError]] = []
    warnings: list[str] = []
    articles: dict[str, Article] = {}
    for path, result, path_warnings in iter_articles(inputs, settings=settings):
        warnings += path_warnings
        if isinstance(result, PropwatchError):
            failures.append((path, result))
        else:
            for article in result:
                if article.id in articles and articles[article.id].text != article.text:
                    warnings.append(f"W111: '{path}': id '{article.id}' is already used by another "
                                    "article with different text; kept the first. Give each "
                                    "record its own id.")
                    continue
                articles.setdefault(article.id, article)
        if on_path:
            on_path(path)
    store = None
    if db is not None:
        store = Store(db)
        added = store.add_articles(articles.values())
        warnings += [f"conflict: {message}" for _, message in added.conflicts]
        articles = {a.id: a for a in store.iter_articles()}
    ordered = [articles[k] for k in sorted(articles)]
    runner = get_engine(engine, master=master)
    try:
        result = runner.find_reuse(ordered, options)
    finally:
        runner.close()
    run_id = None
    if store is not None:
        run_id = store.start_run("reuse", {"engine": engine, **asdict(options)})
        store.save_reuse(run_id, result.links, result.clusters)
        store.finish_run(run_id, result.stats)
        store.close()
    return ReuseRun(result, articles, failures, warnings, run_id)


def _batches(items: Iterable[Article], size: int) -> Iterator[list[Article]]:
    batch: list[Article] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def analyze_corpus(db: str, *, settings: Settings | None = None, engine: str = "local",
                   master: str = "local[2]", spark: "SparkSession | None" = None,
                   batch_size: int = 1000, rerun: bool = False,
                   progress: Callable[[int, int], None] | None = None) -> dict:
    """Run the pipeline over the stored articles and store each document's layers.

    The driver reads ``batch_size`` articles at a time, the engine runs the pipeline over the
    batch (Spark: one partition per task, components loaded once per worker), and the driver
    writes the batch's layers in one transaction, so memory stays bounded however large the
    corpus. The run is recorded in the store (kind ``analyze``) with its components and
    versions; a missing corpus is E603, never a new file.

    It resumes: articles whose layers these components (same versions) already made are
    skipped. Layers made by other components or versions are E611, unless ``rerun``, which
    analyses every article anew. A run stopped early (Ctrl-C, an error) is marked interrupted.
    """
    settings = settings or load_settings()
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    pipeline = Pipeline.from_settings(settings)  # a bad component fails here, once
    versions = pipeline.versions
    makers = {c.layer: (c.name, c.version) for c in pipeline.components}
    began = time.perf_counter()
    with Store(db, create=False) as store:
        done_ids = set() if rerun else _analysed_already(store, db, makers)
        runner = get_engine(engine, master=master, spark=spark)
        try:
            run_id = store.start_run("analyze", {
                "engine": engine, "components": versions, "rerun": rerun,
                "makers": {layer: list(maker) for layer, maker in makers.items()}})
            total = store.count() - len(done_ids)
            done = spans = batches = 0
            records: dict[str, int] = {name: 0 for name in versions}
            pipeline_s = write_s = 0.0

            def summary() -> dict:
                seconds = time.perf_counter() - began
                return {"articles": done, "skipped": len(done_ids), "spans": spans,
                        "records": records, "detector": versions.get(TECHNIQUES, ""),
                        "components": versions, "engine": engine, "batches": batches,
                        "pipeline_s": round(pipeline_s, 3), "write_s": round(write_s, 3),
                        "seconds": round(seconds, 2),
                        "articles_per_s": round(done / seconds, 1) if seconds else 0.0}

            try:
                todo = (a for a in store.iter_articles() if a.id not in done_ids)
                for batch in _batches(todo, batch_size):
                    step = time.perf_counter()
                    documents = list(runner.run_pipeline(batch, settings))
                    pipeline_s += time.perf_counter() - step
                    step = time.perf_counter()
                    store.save_layers((doc.article.id, doc.layers) for doc in documents)
                    write_s += time.perf_counter() - step
                    for doc in documents:
                        for layer in doc.layers:
                            records[layer.name] = records.get(layer.name, 0) + len(layer.items)
                        spans += len(doc.spans)
                    done += len(documents)
                    batches += 1
                    if progress:
                        progress(done, total)
            except BaseException:
                # If even this fails, the run stays 'running' and the next run marks it.
                with suppress(StoreError):
                    store.finish_run(run_id, summary(), status="interrupted")
                raise
            store.finish_run(run_id, summary())
        finally:
            runner.close()
    return {**summary(), "run_id": run_id}


def _analysed_already(store: Store, db: str, makers: dict[str, tuple[str, str]]) -> set[str]:
    """Ids of the articles these components already analysed; E611 when some stored layer
    of theirs was made by another component or version."""
    stored = store.layer_makers()
    others = [f"'{layer}' by {component} {version or '(no version)'} ({n} articles)"
              for layer in makers for (component, version), n in stored.get(layer, {}).items()
              if (component, version) != makers[layer]]
    if others:
        wanted = ", ".join(f"'{layer}' by {component} {version or '(no version)'}"
                           for layer, (component, version) in makers.items())
        raise StoreError.make("E611", path=db, found="; ".join(others), wanted=wanted)
    return store.ids_with_layers(makers)

"""Corpus jobs: run the pipeline over a stored corpus, and find reuse across articles. They
compose the stages (ingest -> store -> engine -> store); the engine decides where the work runs."""

from __future__ import annotations

import time
import zlib
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Mapping, Sequence

from .config import Settings, load_settings
from .doc import TECHNIQUES, Article
from .engines import get_engine
from .errors import PropwatchError, StoreError
from .ingest import iter_articles
from .pipeline import Pipeline
from .reuse import ReuseOptions, ReuseResult
from .reuse.incremental import StoredReuse, update_reuse
from .store import Store

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import SparkSession


@dataclass
class ReuseRun:
    """What ``reuse_corpus`` did: the result, the articles it looked at, and what went wrong.
    With a store, ``mode`` says how the run went (``full``, ``incremental``, ``unchanged``)
    and ``notes`` why a full run was needed."""

    result: ReuseResult
    articles: Mapping[str, Article]
    failures: list[tuple[str, PropwatchError]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    run_id: int | None = None
    mode: str = "full"
    notes: list[str] = field(default_factory=list)


class StoredArticles(Mapping[str, Article]):
    """The articles of a store, read on first use (an incremental run reads only new ones)."""

    def __init__(self, db: str) -> None:
        self._db = db
        self._loaded: dict[str, Article] | None = None

    def _all(self) -> dict[str, Article]:
        if self._loaded is None:
            with Store(self._db, create=False) as store:
                self._loaded = {a.id: a for a in store.iter_articles()}
        return self._loaded

    def __getitem__(self, key: str) -> Article:
        return self._all()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


class CompactArticles(Mapping[str, Article]):
    """Articles held with their texts as compressed UTF-8 (a fifth of a ``str`` that holds
    curly quotes), made into ``Article`` objects when read: a mapping by id, and with
    ``as_sequence()`` a sequence in insertion order. Reuse without a store reads each one once to fingerprint, then those of
    candidate pairs again, so only the compact copies stay in memory."""

    def __init__(self) -> None:
        self._rows: list[tuple] = []
        self._index: dict[str, int] = {}

    def add(self, article: Article) -> None:
        self._index[article.id] = len(self._rows)
        self._rows.append((article.id, zlib.compress(article.text.encode("utf-8",
                                                                         "surrogatepass"), 1),
                           article.title, article.outlet, article.url, article.published,
                           article.source, article.boilerplate, article.canonical_url))

    def text_hash(self, article_id: str) -> int:
        return hash(self._rows[self._index[article_id]][1])

    def sorted(self) -> "CompactArticles":
        """A copy ordered by id."""
        ordered = CompactArticles()
        ordered._rows = sorted(self._rows, key=lambda row: row[0])
        ordered._index = {row[0]: i for i, row in enumerate(ordered._rows)}
        return ordered

    def _article(self, row: tuple) -> Article:
        aid, text, title, outlet, url, published, source, boilerplate, canonical_url = row
        return Article(id=aid, text=zlib.decompress(text).decode("utf-8", "surrogatepass"),
                       title=title,
                       outlet=outlet, url=url, published=published, source=source,
                       boilerplate=boilerplate, canonical_url=canonical_url)

    def __getitem__(self, key: str) -> Article:
        return self._article(self._rows[self._index[key]])

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._rows)

    def as_sequence(self) -> Sequence[Article]:
        """The articles in insertion order, each made when read."""
        return _ArticleSequence(self)


class _ArticleSequence(Sequence[Article]):
    def __init__(self, articles: CompactArticles) -> None:
        self._articles = articles

    def __getitem__(self, index):  # type: ignore[override]
        rows = self._articles._rows
        if isinstance(index, slice):
            return [self._articles._article(row) for row in rows[index]]
        return self._articles._article(rows[index])

    def __len__(self) -> int:
        return len(self._articles._rows)


def reuse_corpus(inputs: Sequence[str], *, db: str | None = None, settings: Settings | None = None,
                 options: ReuseOptions | None = None, engine: str = "local",
                 master: str = "local[2]", full: bool = False,
                 on_path: Callable[[str], None] | None = None) -> ReuseRun:
    """Find reuse among the articles of ``inputs`` and/or the corpus stored in ``db``.

    With ``db``, inputs are first added to the store (idempotently) and the run covers the
    whole stored corpus; its links and clusters are saved as a new run. The store keeps a
    fingerprint index, so a later run compares only the articles added since (the result is
    the one a full run gives); ``full`` compares everything and rebuilds the index, as does
    a change of options or engine version (said in ``notes``). ``engine="spark"`` runs the
    same algorithm in Spark at ``master`` (``local[N]`` or a cluster URL), always in full."""
    settings = settings or load_settings()
    options = options or ReuseOptions()
    failures: list[tuple[str, PropwatchError]] = []
    warnings: list[str] = []
    articles = CompactArticles()  # without a store: every article, texts as UTF-8 bytes
    seen: dict[str, int] = {}  # with a store: id -> hash of the text, to name clashing ids
    store = Store(db) if db is not None else None
    pending: list[Article] = []

    def flush() -> None:
        if store is not None and pending:
            added = store.add_articles(pending)
            warnings.extend(f"conflict: {message}" for _, message in added.conflicts)
            pending.clear()

    last = None
    for path, result, path_warnings in iter_articles(
            inputs, settings=settings, batch_size=1000):
        warnings += path_warnings
        if isinstance(result, PropwatchError):
            failures.append((path, result))
        else:
            for article in result:
                known = seen.get(article.id) if store is not None else (
                    articles.text_hash(article.id) if article.id in articles else None)
                text_hash = hash(article.text.encode("utf-8", "surrogatepass"))
                if known is not None and known != text_hash:
                    warnings.append(f"W111: '{path}': id '{article.id}' is already used by another "
                                    "article with different text; kept the first. Give each "
                                    "record its own id.")
                    continue
                if store is None:
                    if article.id not in articles:
                        articles.add(article)
                elif article.id not in seen:  # stored as read, in batches: bounded memory
                    seen[article.id] = text_hash
                    pending.append(article)
                    if len(pending) >= 1000:
                        flush()
        flush()
        if on_path and path != last:
            on_path(path)
        last = path
    if store is not None:
        try:
            if engine == "local":
                stored = update_reuse(store, options, full=full)
            else:  # another engine compares everything; the index, not rebuilt, is then stale
                stored = _reuse_on_engine(store, options, engine, master)
        finally:
            store.close()
        return ReuseRun(stored.result, StoredArticles(str(db)), failures, warnings,
                        stored.run_id, stored.mode, stored.notes)
    ordered = articles.sorted()
    del articles
    runner = get_engine(engine, master=master)
    try:
        result = runner.find_reuse(ordered.as_sequence(), options)
    finally:
        runner.close()
    return ReuseRun(result, ordered, failures, warnings, None)


def _reuse_on_engine(store: Store, options: ReuseOptions, engine: str,
                     master: str) -> StoredReuse:
    """A full reuse run of the stored corpus on ``engine`` (Spark), saved as a run."""
    began = time.perf_counter()
    runner = get_engine(engine, master=master)
    try:
        result = runner.find_reuse(list(store.iter_articles()), options)
    finally:
        runner.close()
    run_id = store.start_run("reuse", {"engine": engine, "mode": "full", **asdict(options)})
    store.save_reuse(run_id, result.links, result.clusters)
    result.stats.update({"mode": "full", "engine": engine,
                         "seconds": round(time.perf_counter() - began, 3)})
    store.finish_run(run_id, result.stats)
    return StoredReuse(result, run_id, "full")


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

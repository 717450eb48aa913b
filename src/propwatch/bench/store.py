"""Benchmark of the corpus store's searches: build a store of generated articles with
synthetic technique spans, then time ``Store.list_articles`` for every filter combination
(what ``GET /api/articles`` and ``propwatch corpus list`` run)."""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..doc import Article, Span, technique_layer
from ..store import Store
from ..techniques import LABELS
from .generate import GeneratedArticle, iter_generate

Log = Callable[[str], None]

#: Loaded_Language and Name_Calling dominate, as in PTC; one label is made rare (in ~2 % of
#: articles), so that a search for it has almost nothing to find; the rest share what is left.
COMMON, RARE = "Loaded_Language", "Whataboutism,Straw_Men,Red_Herring"
_WEIGHTS = {COMMON: 0.35, "Name_Calling,Labeling": 0.18, RARE: 0.002}
#: Words for ``q``: in ~3 % of generated articles, in ~40 %, and in all of them.
QUERIES = ("government", "minister", "said")


def synthetic_spans(article: Article, rng: random.Random, mean: float) -> list[Span]:
    """About ``mean`` spans at random places of the text, labels weighted as in PTC."""
    rest = (1 - sum(_WEIGHTS.values())) / (len(LABELS) - len(_WEIGHTS))
    weights = [_WEIGHTS.get(label, rest) for label in LABELS]
    spans = []
    for _ in range(rng.randint(0, int(2 * mean))):
        start = rng.randrange(max(1, len(article.text) - 60))
        end = min(len(article.text), start + rng.randint(5, 60))
        spans.append(Span(start, end, rng.choices(LABELS, weights)[0], round(rng.random(), 3)))
    return spans


def build_store(path: Path | str, n_articles: int, *, seed: int = 0, spans: float = 10.0,
                batch_size: int = 2000, log: Log = lambda _: None) -> dict[str, Any]:
    """Add ``n_articles`` generated articles to a new store at ``path``, each with about
    ``spans`` synthetic technique spans; returns the time it took and the counts."""
    rng = random.Random(seed)
    began = time.perf_counter()
    with Store(path) as store:
        articles = (item.article for item in iter_generate(n_articles, seed=seed)
                    if isinstance(item, GeneratedArticle))
        for batch in _batches(articles, batch_size):
            store.add_articles(batch, batch_size=batch_size)
            store.save_layers((a.id, [technique_layer(a, synthetic_spans(a, rng, spans),
                                                      "synthetic")]) for a in batch)
            log(f"stored {store.count()} articles")
        figures = store.stats()
    return {"articles": figures["articles"], "spans": figures["spans"]["total"],
            "build_s": round(time.perf_counter() - began, 1)}


def _batches(items: Iterator[Article], size: int) -> Iterator[list[Article]]:
    while batch := list(itertools.islice(items, size)):
        yield batch


def measure_store(path: Path | str, *, repeat: int = 3, limit: int = 51) -> list[dict[str, Any]]:
    """Best-of-``repeat`` time of ``list_articles`` for every combination of ``q`` (each of
    ``QUERIES``), ``technique`` (common and rare) and ``outlet``, a first page of ``limit``
    rows and a deep page; plus ``count`` and ``stats``."""
    rows = []
    with Store(path, create=False) as store:
        outlet = next(iter(store.stats()["outlets"]), None)
        options = {"q": [None, *QUERIES], "technique": [None, COMMON, RARE],
                   "outlet": [None, outlet], "offset": [0, 5000]}
        for values in itertools.product(*options.values()):
            filters = {k: v for k, v in zip(options, values) if v is not None}
            seconds, found = _best(repeat, lambda f=filters: store.list_articles(limit=limit, **f))
            rows.append({**filters, "seconds": seconds, "rows": len(found)})
        for name in ("count", "stats"):
            seconds, _ = _best(repeat, getattr(store, name))
            rows.append({"call": name, "seconds": seconds})
    return rows


def _best(repeat: int, call: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - began)
    return round(min(times), 4), result


def store_benchmark(n_articles: int, *, work_dir: Path | str, seed: int = 0,
                    spans: float = 10.0, log: Log = lambda _: None) -> dict[str, Any]:
    """Build (or reuse, when the file is there) a store of ``n_articles`` under ``work_dir``
    and time its searches."""
    path = Path(work_dir) / f"store-{n_articles}-{seed}.db"
    built = None
    if not path.exists():  # built under another name first, so a killed build is not reused
        partial = path.with_name(path.name + ".partial")
        partial.unlink(missing_ok=True)
        built = build_store(partial, n_articles, seed=seed, spans=spans, log=log)
        partial.rename(path)
        log(f"built {path} in {built['build_s']} s")
    return {"db": str(path), "built": built, "queries": measure_store(path)}

"""Composes the stages: ingest -> detect -> (report). ``propwatch.analyze`` lives here."""

from __future__ import annotations

import resource
import sys
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Sequence

import numpy as np

from .config import Settings, load_settings
from .detect import DEFAULT, Detector, get_detector
from .doc import Analysis, Article, merge_ranges
from .errors import InputError, PropwatchError, UsageError
from .evaluate import PRF, TCScore, score_si, score_tc
from .ingest import article_from_text, iter_articles
from .ptc import LabelRow, load_split, read_article_file, read_labels

if TYPE_CHECKING:
    from .reuse import ReuseOptions, ReuseResult


def _detector(settings: Settings, detector: Detector | None) -> Detector:
    return detector or get_detector(settings.detector, threshold=settings.threshold)


def analyze_article(article: Article, *, detector: Detector) -> Analysis:
    """Run one detector on one article; spans never touch boilerplate."""
    spans = [s for s in detector.detect(article) if not article.is_boilerplate(s.start, s.end)]
    return Analysis(article=article, spans=tuple(spans), detector=detector.version)


def analyze(text_or_article: str | Article, *, settings: Settings | None = None,
            detector: Detector | None = None, id: str = "text") -> Analysis:
    """Analyse one article given as text or as an ``Article``."""
    settings = settings or load_settings()
    article = (text_or_article if isinstance(text_or_article, Article)
               else article_from_text(text_or_article, id=id))
    return analyze_article(article, detector=_detector(settings, detector))


@dataclass
class BatchResult:
    analyses: list[Analysis] = field(default_factory=list)
    failures: list[tuple[str, PropwatchError]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def iter_analyses(paths: Sequence[str], *, settings: Settings, detector: Detector | None = None,
                  stdin=None) -> Iterator[tuple[str, list[Analysis] | PropwatchError, list[str]]]:
    """For each input path: its analyses (or the error that stopped it) and warnings."""
    detector = _detector(settings, detector)
    for path, result, warnings in iter_articles(paths, settings=settings, stdin=stdin):
        if isinstance(result, PropwatchError):
            yield path, result, warnings
        else:
            yield path, [analyze_article(a, detector=detector) for a in result], warnings


def analyze_files(paths: Sequence[str], *, settings: Settings | None = None,
                  detector: Detector | None = None,
                  on_path: Callable[[str], None] | None = None) -> BatchResult:
    """Analyse files and folders; a bad file is recorded in ``failures`` and the rest go on."""
    settings = settings or load_settings()
    batch = BatchResult()
    for path, result, warnings in iter_analyses(paths, settings=settings, detector=detector):
        batch.warnings += warnings
        if isinstance(result, PropwatchError):
            batch.failures.append((path, result))
        else:
            batch.analyses += result
        if on_path:
            on_path(path)
    return batch


# ---------------------------------------------------------------- PTC tasks


@dataclass(frozen=True)
class Evaluation:
    detector: str
    split: str
    articles: int
    si: PRF
    tc: TCScore
    seconds: float


def evaluate_detector(*, split: str = "dev", data: str | None = None,
                      detector: Detector | None = None,
                      progress: Callable[[int, int], None] | None = None) -> Evaluation:
    """SI and TC scores of a detector on a PTC split."""
    detector = detector or get_detector()
    loaded = load_split(split, data)
    began = time.perf_counter()
    gold_si: dict[str, list] = defaultdict(list)
    gold_tc = [(row.article_id, row.start, row.end, row.technique) for row in loaded.labels]
    by_article: dict[str, list[LabelRow]] = defaultdict(list)
    for row in loaded.labels:
        gold_si[row.article_id].append((row.start, row.end))
        by_article[row.article_id].append(row)
    predicted_si, predicted_tc = {}, []
    for n, article in enumerate(loaded.articles, 1):
        predicted_si[article.id] = [(s.start, s.end) for s in detector.detect(article)]
        rows = by_article.get(article.id, [])
        offsets = [(r.start, r.end) for r in rows]
        for (start, end), label in zip(offsets, detector.classify(article, offsets)):
            predicted_tc.append((article.id, start, end, label))
        if progress:
            progress(n, len(loaded.articles))
    return Evaluation(detector.version, split, len(loaded.articles),
                      score_si(predicted=predicted_si, gold=gold_si),
                      score_tc(predicted=predicted_tc, gold=gold_tc),
                      round(time.perf_counter() - began, 2))


def threshold_table(*, split: str = "dev", data: str | None = None,
                    detector: Detector | None = None,
                    thresholds: Sequence[float] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
                    ) -> list[dict]:
    """SI precision, recall and F1 of a detector at each span threshold on a PTC split."""
    detector = detector or get_detector()
    loaded = load_split(split, data)
    gold: dict[str, list] = defaultdict(list)
    for row in loaded.labels:
        gold[row.article_id].append((row.start, row.end))
    predicted: dict[float, dict[str, list]] = {t: {} for t in thresholds}
    for article in loaded.articles:
        for t, spans in detector.spans_at_thresholds(article, thresholds).items():
            predicted[t][article.id] = spans
    rows = []
    for t in thresholds:
        prf = score_si(predicted=predicted[t], gold=gold)
        rows.append({"threshold": t, "precision": round(prf.precision, 4),
                     "recall": round(prf.recall, 4), "f1": round(prf.f1, 4),
                     "spans": sum(len(v) for v in predicted[t].values())})
    return rows


def span_calibration(*, split: str = "dev", data: str | None = None,
                     detector: Detector | None = None, seed: int = 0) -> dict:
    """How well raw span scores predict the share of a span's characters in gold spans: ECE
    of the raw scores, ECE after an isotonic map cross-fitted over two halves of the split,
    and the map fitted on the whole split (to store with the artifact)."""
    import random

    from .evaluate import expected_calibration_error, isotonic_fit

    detector = detector or get_detector()
    loaded = load_split(split, data)
    gold: dict[str, list] = defaultdict(list)
    for row in loaded.labels:
        gold[row.article_id].append((row.start, row.end))
    per_article = []
    for article in loaded.articles:
        ranges = merge_ranges(gold.get(article.id, []))
        found = []
        for start, end, score, *_ in detector.find_spans(article):
            covered = sum(max(0, min(end, e) - max(start, s)) for s, e in ranges)
            found.append((score, covered / (end - start)))
        per_article.append(found)
    order = list(range(len(per_article)))
    random.Random(seed).shuffle(order)
    halves = [set(order[0::2]), set(order[1::2])]
    crossed_scores, crossed_outcomes = [], []
    for fit_half, apply_half in ((0, 1), (1, 0)):
        fit = [p for i in halves[fit_half] for p in per_article[i]]
        xs, ys = isotonic_fit([s for s, _ in fit], [o for _, o in fit])
        for i in halves[apply_half]:
            for score, outcome in per_article[i]:
                crossed_scores.append(float(np.interp(score, xs, ys)))
                crossed_outcomes.append(outcome)
    everything = [p for found in per_article for p in found]
    raw_scores = [s for s, _ in everything]
    outcomes = [o for _, o in everything]
    xs, ys = isotonic_fit(raw_scores, outcomes)
    return {"detector": detector.version, "split": split, "spans": len(everything),
            "ece_raw": round(expected_calibration_error(raw_scores, outcomes), 4),
            "ece_calibrated_crossfit": round(expected_calibration_error(crossed_scores,
                                                                       crossed_outcomes), 4),
            "mean_outcome": round(float(np.mean(outcomes)) if outcomes else 0.0, 4),
            "calibration": {"x": [round(x, 5) for x in xs], "y": [round(y, 5) for y in ys]}}


def classify_template(articles_dir: Path, template: Path, *,
                      detector: Detector | None = None) -> list[LabelRow]:
    """The TC task: fill in the technique of every row of a template (``id ? start end``)."""
    detector = detector or get_detector()
    rows = read_labels(template)
    by_article: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        by_article[row.article_id].append(index)
    filled = list(rows)
    for article_id, indices in by_article.items():
        path = articles_dir / f"article{article_id}.txt"
        if not path.is_file():
            path = articles_dir / f"{article_id}.txt"
        if not path.is_file():
            raise InputError.make("E101", path=articles_dir / f"article{article_id}.txt")
        article = read_article_file(path)
        offsets = [(rows[i].start, rows[i].end) for i in indices]
        for i, label in zip(indices, detector.classify(article, offsets)):
            filled[i] = LabelRow(rows[i].article_id, label, rows[i].start, rows[i].end)
    return filled


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def benchmark(*, split: str = "dev", data: str | None = None, detector_name: str = DEFAULT,
              repeat: int = 3) -> dict:
    """Articles per second (SI + TC, best of ``repeat`` runs; model load timed apart) and the
    process's peak memory for analysing a PTC split."""
    began = time.perf_counter()
    detector = get_detector(detector_name)
    load_seconds = time.perf_counter() - began
    articles = load_split(split, data).articles
    characters = sum(len(a.text) for a in articles)
    timings = []
    for _ in range(repeat):
        began = time.perf_counter()
        for article in articles:
            analyze_article(article, detector=detector)
        timings.append(time.perf_counter() - began)
    best = min(timings)
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


# ---------------------------------------------------------------- corpus and reuse


@dataclass
class ReuseRun:
    """What ``reuse_corpus`` did: the result, the articles it looked at, and what went wrong."""

    result: "ReuseResult"
    articles: dict[str, Article]
    failures: list[tuple[str, PropwatchError]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    run_id: int | None = None


def reuse_corpus(inputs: Sequence[str], *, db: str | None = None, settings: Settings | None = None,
                 options: "ReuseOptions | None" = None, engine: str = "local",
                 master: str = "local[2]",
                 on_path: Callable[[str], None] | None = None) -> ReuseRun:
    """Find reuse among the articles of ``inputs`` and/or the corpus stored in ``db``.

    With ``db``, inputs are first added to the store (idempotently) and the run covers the
    whole stored corpus; its links and clusters are saved as a new run. ``engine="spark"``
    runs the same algorithm in Spark at ``master`` (``local[N]`` or a cluster URL)."""
    from .reuse import ReuseOptions, find_reuse

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
        from .store import Store
        store = Store(db)
        added = store.add_articles(articles.values())
        warnings += [f"conflict: {message}" for _, message in added.conflicts]
        articles = {a.id: a for a in store.iter_articles()}
    ordered = [articles[k] for k in sorted(articles)]
    if engine == "spark":
        from .spark import find_reuse_spark, spark_session
        session = spark_session(master)
        try:
            result = find_reuse_spark(ordered, options, spark=session)
        finally:
            session.stop()
    elif engine == "local":
        result = find_reuse(ordered, options)
    else:
        raise UsageError.make("E402", value=engine, option="--engine", reason="use local or spark")
    run_id = None
    if store is not None:
        run_id = store.start_run("reuse", {"engine": engine, **asdict(options)})
        store.save_reuse(run_id, result.links, result.clusters)
        store.finish_run(run_id, result.stats)
        store.close()
    return ReuseRun(result, articles, failures, warnings, run_id)


def analyze_corpus(db: str, *, settings: Settings | None = None, engine: str = "local",
                   master: str = "local[2]",
                   progress: Callable[[int, int], None] | None = None) -> dict:
    """Technique detection over every stored article; spans are saved in the store."""
    from .store import Store

    settings = settings or load_settings()
    if engine == "spark":
        from .spark import analyze_corpus_spark, spark_session
        session = spark_session(master)
        try:
            return analyze_corpus_spark(db, detector_name=settings.detector, spark=session,
                                        threshold=settings.threshold)
        finally:
            session.stop()
    if engine != "local":
        raise UsageError.make("E402", value=engine, option="--engine", reason="use local or spark")
    detector = _detector(settings, None)
    began = time.perf_counter()
    spans = 0
    with Store(db, create=False) as store:
        run_id = store.start_run("analyze", {"engine": engine, "detector": detector.version})
        total = store.count()
        for n, article in enumerate(store.iter_articles(), 1):
            analysis = analyze_article(article, detector=detector)
            store.replace_spans(article.id, analysis.spans, detector.version)
            spans += len(analysis.spans)
            if progress:
                progress(n, total)
        summary = {"articles": total, "spans": spans, "detector": detector.version,
                   "seconds": round(time.perf_counter() - began, 2)}
        store.finish_run(run_id, summary)
    return summary

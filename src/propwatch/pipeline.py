"""Composes the stages: ingest -> detect -> (report). ``propwatch.analyze`` lives here."""

from __future__ import annotations

import resource
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence

from .config import Settings, load_settings
from .detect import Detector, get_detector
from .doc import Analysis, Article
from .errors import InputError, PropwatchError
from .evaluate import PRF, TCScore, score_si, score_tc
from .ingest import article_from_text, iter_articles
from .ptc import LabelRow, load_split, read_article_file, read_labels


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
    gold_tc = []
    for row in loaded.labels:
        gold_si[row.article_id].append((row.start, row.end))
        gold_tc.append((row.article_id, row.start, row.end, row.technique))
    by_article: dict[str, list[LabelRow]] = defaultdict(list)
    for row in loaded.labels:
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


def benchmark(*, split: str = "dev", data: str | None = None, detector_name: str = "baseline",
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
    return {"detector": detector.version, "split": split, "articles": len(articles),
            "characters": characters, "model_load_s": round(load_seconds, 3),
            "seconds_best_of": round(best, 3), "repeat": repeat,
            "articles_per_s": round(len(articles) / best, 1),
            "characters_per_s": round(characters / best),
            "peak_rss_mb": round(peak_rss_mb(), 1)}

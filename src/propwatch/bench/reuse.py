"""Benchmarks of text reuse at scale: generate a reprint corpus with gold, run
``corpus.reuse_corpus`` (what ``propwatch reuse`` runs) on it in a fresh child process, so its
peak memory is the job's alone, and score what it found."""

from __future__ import annotations

import json
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
from .generate import GOLD_VERSION, read_gold, write_corpus

Log = Callable[[str], None]


def reuse_benchmark(articles: int, *, seed: int = 0, edit_level: str = "light",
                    engine: str = "local", work_dir: Path | None = None,
                    log: Log = lambda _: None) -> dict:
    """Time, peak memory and quality of ``propwatch reuse`` on a generated corpus."""
    work = Path(work_dir or tempfile.mkdtemp(prefix="propwatch-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    corpus_path, gold_path = _corpus(articles, work, seed=seed, edit_level=edit_level)
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


def _corpus(articles: int, work: Path, *, seed: int, edit_level: str) -> tuple[Path, Path]:
    """The generated corpus in ``work``: the one already there when its gold says it was
    generated with these settings (``--work-dir`` kept from an earlier run), else a new one."""
    corpus_path, gold_path = work / "corpus.jsonl", work / "gold.jsonl"
    if corpus_path.exists() and gold_path.exists():
        with open(gold_path, encoding="utf-8") as handle:
            meta = json.loads(handle.readline() or "{}")
        if (meta.get("n_articles"), meta.get("seed"), meta.get("edit_level"),
                meta.get("version")) == (articles, seed, edit_level, GOLD_VERSION):
            return corpus_path, gold_path
    return write_corpus(articles, work, seed=seed, edit_level=edit_level)


def _reuse_in_child(corpus_path: str, engine: str) -> tuple[ReuseResult, list[str], float]:
    """Runs in the child: the reuse job, what it could not read, and the child's peak memory."""
    run = reuse_corpus([corpus_path], engine=engine)
    return run.result, [f"{path}: {error}" for path, error in run.failures], peak_rss_mb()


def incremental_benchmark(articles: int, *, share: float = 0.01, seed: int = 0,
                          edit_level: str = "light", work_dir: Path | None = None,
                          log: Log = lambda _: None) -> dict:
    """Full against incremental reuse on a store: the last ``share`` of a generated corpus
    is added to a store holding the rest (already compared, index built); the incremental
    run and a full run over the same store (``--full``) each run in a fresh child process, so
    each peak memory is its own; their links and clusters must be identical."""
    work = Path(work_dir or tempfile.mkdtemp(prefix="propwatch-bench-inc-"))
    work.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    corpus_path, _gold = _corpus(articles, work, seed=seed, edit_level=edit_level)
    cut = articles - max(1, round(articles * share))  # one line an article
    base, new = work / "base.jsonl", work / "new.jsonl"
    with open(corpus_path, encoding="utf-8", newline="") as source, \
            open(base, "w", encoding="utf-8", newline="") as to_base, \
            open(new, "w", encoding="utf-8", newline="") as to_new:
        for number, line in enumerate(source):  # streamed: the parent stays small
            (to_base if number < cut else to_new).write(line)
    log(f"generated {articles} articles in {time.perf_counter() - began:.1f} s: "
        f"{cut} in the store, {articles - cut} added")
    base_db, inc_db, full_db = work / "base.db", work / "incremental.db", work / "full.db"
    first = _child(_base_store, str(base), str(base_db), cut)
    if first["built"]:
        log(f"first full run over {cut} articles (index built): {first['seconds']:.1f} s, "
            f"{first['peak_rss_mb']:.0f} MB peak")
    else:
        log(f"kept the store of {cut} articles built before: {base_db}")
    import shutil
    for db in (inc_db, full_db):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
            if Path(f"{base_db}{suffix}").exists():
                shutil.copyfile(f"{base_db}{suffix}", f"{db}{suffix}")
    inc = _child(_store_and_reuse, str(new), str(inc_db), False)
    log(f"incremental: {inc['reuse_s']} s reuse ({inc['seconds']:.2f} s with adding), "
        f"{inc['peak_rss_mb']:.0f} MB peak ({inc['mode']})")
    full = _child(_store_and_reuse, str(new), str(full_db), True)
    log(f"full: {full['reuse_s']} s reuse ({full['seconds']:.1f} s with adding), "
        f"{full['peak_rss_mb']:.0f} MB peak")
    identical = _child(_compare_runs, str(inc_db), inc["run_id"], str(full_db), full["run_id"])
    return {"articles": articles, "added": articles - cut, "share": share, "seed": seed,
            "first_full_s": first["seconds"], "first_full_peak_rss_mb": first["peak_rss_mb"],
            "incremental_s": inc["seconds"], "incremental_reuse_s": inc["reuse_s"],
            "incremental_peak_rss_mb": inc["peak_rss_mb"], "incremental_mode": inc["mode"],
            "full_s": full["seconds"], "full_reuse_s": full["reuse_s"],
            "full_peak_rss_mb": full["peak_rss_mb"],
            "speedup": round(full["reuse_s"] / inc["reuse_s"], 1) if inc["reuse_s"] else None,
            "speedup_with_adding": round(full["seconds"] / inc["seconds"], 1)
            if inc["seconds"] else None,
            "identical": identical, "links": full["links"], "clusters": full["clusters"],
            "incremental_stats": inc["stats"], "full_stats": full["stats"],
            "work_dir": str(work)}


def _child(function, *args):
    child = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    with child:
        return child.submit(function, *args).result()


def _base_store(corpus_path: str, db: str, count: int) -> dict:
    """Runs in a child: the store of the corpus before the increment, with its reuse and
    index; one kept from an earlier run with the same articles and settings is used as is."""
    from ..reuse import ReuseOptions
    from ..reuse.incremental import why_full
    from ..store import Store

    if Path(db).exists():
        try:
            with Store(db, create=False) as store:
                if store.count() == count and why_full(store, ReuseOptions()) is None:
                    return {"built": False, "seconds": 0.0, "peak_rss_mb": peak_rss_mb()}
        except Exception:  # noqa: BLE001 - any doubt: build it again
            pass
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    began = time.perf_counter()
    reuse_corpus([corpus_path], db=db)  # the store is checkpointed when its last connection closes
    return {"built": True, "seconds": round(time.perf_counter() - began, 2),
            "peak_rss_mb": round(peak_rss_mb(), 1)}


def _store_and_reuse(corpus_path: str, db: str, full: bool) -> dict:
    """Runs in a child: ``propwatch reuse FILE --db DB [--full]`` (the file's articles are
    added, then reuse is brought up to date); ``reuse_s`` is the reuse part alone."""
    began = time.perf_counter()
    run = reuse_corpus([corpus_path], db=db, full=full)
    ended = time.perf_counter()
    stats = run.result.stats
    return {"seconds": round(ended - began, 2), "reuse_s": stats.get("seconds"),
            "peak_rss_mb": round(peak_rss_mb(), 1), "mode": run.mode, "run_id": run.run_id,
            "links": len(run.result.links), "clusters": len(run.result.clusters),
            "stats": stats}


def _compare_runs(db_a: str, run_a: int, db_b: str, run_b: int) -> dict:
    """Whether two stored runs have the same links and clusters (ids, members, origins)."""
    from ..store import Store

    with Store(db_a, create=False) as a, Store(db_b, create=False) as b:
        links = a.reuse_links(run_id=run_a) == b.reuse_links(run_id=run_b)
        clusters = a.clusters(run_id=run_a) == b.clusters(run_id=run_b)
    return {"links": links, "clusters": clusters}


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

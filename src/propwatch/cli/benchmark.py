"""``propwatch benchmark``: speed, memory and quality figures for the README."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from ..errors import PropwatchError, UsageError
from .common import with_knowledge_bases, Engine, err, fail, progress_bar
from .common import settings_or_exit as _settings

bench_app = typer.Typer(help="Measure speed, memory and quality (figures for the README).",
                        no_args_is_help=True)


@bench_app.command("detect")
def benchmark_detect(
    data: Optional[str] = typer.Option(None, "--data", help="Folder holding ptc/ (default: PROPWATCH_DATA)."),
    split: str = typer.Option("dev", "--split"),
    detector: Optional[str] = typer.Option(None, "--detector", "-d"),
    repeat: int = typer.Option(3, "--repeat", min=1, help="Runs over the split; the best is reported."),
) -> None:
    """Technique detection: articles/s, characters/s and peak memory on a PTC split."""
    from ..bench.detect import benchmark as run_benchmark

    settings = _settings(detector=detector, data=data)
    try:
        figures = run_benchmark(split=split, data=settings.data,
                                detector_name=settings.detector, repeat=repeat)
    except PropwatchError as exc:
        fail(exc, 2)
    typer.echo(json.dumps(figures, indent=2))


@bench_app.command("pipeline")
def benchmark_pipeline(
    with_: Optional[List[str]] = typer.Option(None, "--with", help="Components to add to techniques; repeat for several (default: attributions, or none with --kb)."),
    data: Optional[str] = typer.Option(None, "--data", help="Folder holding ptc/ (default: PROPWATCH_DATA)."),
    split: str = typer.Option("dev", "--split"),
    detector: Optional[str] = typer.Option(None, "--detector", "-d"),
    repeat: int = typer.Option(2, "--repeat", min=1, help="Alternating runs of each pipeline; medians are reported."),
    kb: Optional[List[str]] = typer.Option(None, "--kb", help="With --with matches: the knowledge bases to match against."),
    db: Optional[str] = typer.Option(None, "--db", help="With --kb: their store."),
) -> None:
    """What components cost on top of techniques: both pipelines over a PTC split, side by
    side in one run, and the ratio of their times."""
    from ..bench.detect import pipeline_cost

    settings = with_knowledge_bases(_settings(detector=detector, data=data), kb, db)
    try:
        added = with_ if with_ is not None else ([] if kb else ["attributions"])
        figures = pipeline_cost(tuple(dict.fromkeys([*added, *(["matches"] if kb else [])])),
                                split=split, data=settings.data,
                                detector_name=settings.detector, repeat=repeat,
                                component_config=settings.component)
    except PropwatchError as exc:
        fail(exc, 2)
    typer.echo(json.dumps(figures, indent=2))


@bench_app.command("ablation")
def benchmark_ablation(
    data: Optional[str] = typer.Option(None, "--data", help="Folder holding ptc/ (default: PROPWATCH_DATA)."),
    split: str = typer.Option("dev", "--split"),
    as_json: bool = typer.Option(False, "--json", help="Print the rows as JSON."),
) -> None:
    """What each piece of the transformer detector adds to SI and TC on a PTC split."""
    from ..detect import get_detector
    from ..eval.tuning import transformer_ablation

    settings = _settings(data=data)
    try:
        with progress_bar(2) as progress:
            task = progress.add_task(f"running the models over {split}", total=None)
            rows = transformer_ablation(
                split=split, data=settings.data, detector=get_detector("transformer"),
                progress=lambda n, total: progress.update(task, completed=n, total=total))
    except PropwatchError as exc:
        fail(exc, 2)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("task", "variant", "P", "R", "F1", "setting", title=f"transformer ablation, PTC {split}")
    for row in rows:
        table.add_row(row["task"], row["variant"], str(row.get("precision", "")),
                      str(row.get("recall", "")), str(row["f1"]), row["setting"])
    Console(highlight=False).print(table)


@bench_app.command("reuse")
def benchmark_reuse(
    articles: int = typer.Option(10_000, "--articles", "-n", min=10),
    seed: int = typer.Option(0, "--seed"),
    edit_level: str = typer.Option("light", "--edit-level", help="none, light or heavy."),
    engine: Engine = typer.Option(Engine.local, "--engine"),
    work_dir: Optional[Path] = typer.Option(None, "--work-dir", help="Keep the generated corpus and outputs here (default: a temporary folder)."),
) -> None:
    """Generate a reprint corpus with gold passages, run 'propwatch reuse' on it in a separate
    process, and report time, peak memory, passage P/R, cluster ARI, origin accuracy and the
    share of clusters whose origin is named correctly."""
    from ..bench.reuse import reuse_benchmark

    try:
        figures = reuse_benchmark(articles, seed=seed, edit_level=edit_level, engine=engine.value,
                                  work_dir=work_dir, log=lambda m: err.print(m, markup=False))
    except RuntimeError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(1)
    typer.echo(json.dumps(figures, indent=2))


@bench_app.command("scaling")
def benchmark_scaling(
    sizes: str = typer.Option("1000,3000,10000,30000,100000", "--sizes", help="Comma-separated corpus sizes."),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """How reuse time grows with corpus size: candidate-stage and total time per size, and the
    growth exponent between sizes (1 = linear, 2 = quadratic)."""
    from ..bench.reuse import scaling_benchmark

    try:
        numbers = [int(x) for x in sizes.split(",") if x.strip()]
    except ValueError:
        fail(UsageError.make("E402", value=sizes, option="--sizes", reason="use numbers such as 1000,10000"))
    try:
        rows = scaling_benchmark(numbers, seed=seed, log=lambda m: err.print(m, markup=False))
    except RuntimeError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(1)
    table = Table("articles", "candidate pairs", "candidates s", "total s", "peak MB",
                  "candidates growth", "total growth")
    for row in rows:
        table.add_row(*(str(row[k]) for k in ("articles", "candidate_pairs", "candidates_s", "reuse_s",
                                              "peak_rss_mb", "candidates_exponent", "total_exponent")))
    Console(highlight=False).print(table)
    typer.echo(json.dumps(rows, indent=2))


@bench_app.command("store")
def benchmark_store(
    articles: int = typer.Option(100_000, "--articles", "-n", min=10),
    seed: int = typer.Option(0, "--seed"),
    spans: float = typer.Option(10.0, "--spans", min=0, help="Synthetic technique spans per article, on average."),
    work_dir: str = typer.Option("bench-store", "--work-dir", help="Where the generated store is kept and, on later runs, reused."),
) -> None:
    """Build a store of generated articles with synthetic spans (or reuse the one built
    before), then time the article search for every combination of filters."""
    from ..bench.store import store_benchmark

    Path(work_dir).mkdir(parents=True, exist_ok=True)
    figures = store_benchmark(articles, work_dir=work_dir, seed=seed, spans=spans,
                              log=lambda m: err.print(m, markup=False))
    table = Table("q", "technique", "outlet", "offset", "rows", "seconds")
    for row in figures["queries"]:
        table.add_row(*(str(row.get(k, "")) for k in ("q", "technique", "outlet", "offset")),
                      str(row.get("rows", row.get("call", ""))), f"{row['seconds']:.4f}")
    Console(highlight=False, stderr=True).print(table)
    typer.echo(json.dumps(figures, indent=2))


@bench_app.command("server")
def benchmark_server(
    requests: int = typer.Option(2000, "--requests", "-n", min=1, help="Requests to send."),
    concurrency: int = typer.Option(32, "--concurrency", "-c", min=1, help="Requests in flight at once."),
    text: Optional[Path] = typer.Option(None, "--text", help="Article file to send (default: examples/harbor-daily-2023-05-04-grain-blockade.txt)."),
) -> None:
    """Loopback load test of 'propwatch serve': POST /api/analyze throughput, latency
    percentiles and the server's memory (RSS), with the server in a subprocess on 127.0.0.1."""
    try:
        from ..bench.loadtest import run_load_test
        figures = run_load_test(requests=requests, concurrency=concurrency,
                                text=text.read_text(encoding="utf-8") if text else None)
    except ImportError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2)
    except (RuntimeError, OSError) as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(1)
    typer.echo(json.dumps(figures, indent=2))

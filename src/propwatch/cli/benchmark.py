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
    incremental: Optional[float] = typer.Option(None, "--incremental", min=0.0001, max=0.5, help="Instead: store all but this share of the corpus, then time adding the rest with an incremental run against a full run (--full) and check both give identical links and clusters."),
) -> None:
    """Generate a reprint corpus with gold passages, run 'propwatch reuse' on it in a separate
    process, and report time, peak memory, passage P/R, cluster ARI, origin accuracy and the
    share of clusters whose origin is named correctly. With --incremental SHARE: incremental
    against full reuse over a store."""
    from ..bench.reuse import incremental_benchmark, reuse_benchmark

    try:
        if incremental is not None:
            figures = incremental_benchmark(articles, share=incremental, seed=seed,
                                            edit_level=edit_level, work_dir=work_dir,
                                            log=lambda m: err.print(m, markup=False))
        else:
            figures = reuse_benchmark(articles, seed=seed, edit_level=edit_level,
                                      engine=engine.value, work_dir=work_dir,
                                      log=lambda m: err.print(m, markup=False))
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
    requests: int = typer.Option(100, "--requests", "-n", min=1, help="Requests to send at each concurrency, for each number of workers (and round)."),
    concurrency: str = typer.Option("1,2,8,32", "--concurrency", "-c", help="Requests in flight at once: comma-separated, one load each."),
    workers: str = typer.Option("1,2", "--workers", "-w", help="Analysis worker processes: comma-separated, one server each, side by side; ratios are to the first."),
    repeat: int = typer.Option(1, "--repeat", "-r", min=1, help="Rounds at each concurrency, the servers taking turns; the fastest is reported."),
    text: Optional[Path] = typer.Option(None, "--text", help="Article file to send (default: examples/harbor-daily-2023-05-04-grain-blockade.txt)."),
) -> None:
    """Loopback load test of 'propwatch serve': one server per number of workers, started
    together and driven in turn at every concurrency; POST /api/analyze throughput, p50/p99
    latency, errors, the RSS of each worker before and after, and the throughput ratio
    between the servers (a table on stderr, JSON on stdout; exit 1 on any error)."""
    levels = _numbers(concurrency, "--concurrency")
    counts = _numbers(workers, "--workers")
    try:
        from ..bench.loadtest import compare_workers
        figures = compare_workers(workers=counts, concurrency=levels, requests=requests,
                                  repeat=repeat, text=text.read_text(encoding="utf-8") if text else None,
                                  log=lambda m: err.print(m, markup=False))
    except ImportError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2)
    except (RuntimeError, OSError) as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(1)
    _server_table(figures)
    typer.echo(json.dumps(figures, indent=2))
    if figures["errors"]:
        raise typer.Exit(1)


def _numbers(value: str, option: str) -> list[int]:
    try:
        numbers = [int(x) for x in value.split(",") if x.strip()]
    except ValueError:
        numbers = []
    if not numbers or min(numbers) < 1:
        fail(UsageError.make("E402", value=value, option=option,
                             reason="use whole numbers of at least 1, such as 1,2,8,32"), 2)
    return numbers


def _server_table(figures: dict) -> None:
    runs = figures["runs"]
    first = runs[0]["workers"]
    columns = ["in flight"]
    for run in runs:
        n = run["workers"]
        columns += [f"{n}w req/s", f"{n}w p50 ms", f"{n}w p99 ms", f"{n}w errors"]
    columns += [f"ratio {run['workers']}/{first}" for run in runs[1:]]
    table = Table(*columns, title=f"POST /api/analyze, {figures['requests_per_level']} "
                  f"requests each (best of {figures['repeat']}), {figures['cores']} cores")
    for i, level in enumerate(runs[0]["levels"]):
        row = [str(level["concurrency"])]
        for run in runs:
            cell = run["levels"][i]
            row += [str(cell["throughput_rps"]), str(cell["p50_ms"]), str(cell["p99_ms"]),
                    str(cell["errors"])]
        row += [str(figures["throughput_ratio"][f"{run['workers']}/{first}"]
                    [str(level["concurrency"])]) for run in runs[1:]]
        table.add_row(*row)
    console = Console(highlight=False, stderr=True)
    console.print(table)
    for run in runs:
        before, after = run["worker_rss_before_mb"], run["worker_rss_after_mb"]
        console.print(f"{run['workers']} worker(s): RSS per worker before "
                      f"{', '.join(str(v) for v in before.values())} MB, after "
                      f"{', '.join(str(v) for v in after.values())} MB; workers "
                      f"{run['workers_rss_before_mb']} -> {run['workers_rss_after_mb']} MB, "
                      f"server with workers {run['total_rss_before_mb']} -> "
                      f"{run['total_rss_after_mb']} MB (max {run['total_rss_max_mb']}); "
                      f"replaced {len(run['workers_replaced'])}, left running after the "
                      f"server stopped {len(run['orphans'])}", markup=False)


@bench_app.command("long-text")
def benchmark_long_text(
    sizes: str = typer.Option("100k,1m,8m", "--sizes", help="Comma-separated article sizes in characters (k, m suffixes)."),
    data: Optional[str] = typer.Option(None, "--data", help="Folder holding ptc/ (default: PROPWATCH_DATA; else the bundled examples)."),
    with_: Optional[List[str]] = typer.Option(None, "--with", help="Components to run (default: the configured pipeline); repeat for several."),
    normal: int = typer.Option(75, "--normal", min=1, help="Normal-size articles whose rate is the reference."),
    work_dir: Optional[Path] = typer.Option(None, "--work-dir", help="Keep the built long articles here."),
) -> None:
    """Long articles built from PTC articles, each analysed in a fresh process: characters/s,
    slowdown against normal-size articles in the same run (1 = linear) and peak memory."""
    from ..bench.longtext import long_text_benchmark, parse_sizes

    try:
        numbers = parse_sizes(sizes)
    except ValueError as exc:
        fail(UsageError.make("E402", value=sizes, option="--sizes", reason=str(exc)))
    settings = _settings(data=data)
    components = None
    if with_:
        components = ["techniques", *[c for c in with_ if c != "techniques"]]
    try:
        figures = long_text_benchmark(numbers, data=settings.data, components=components,
                                      normal=normal, work_dir=work_dir,
                                      log=lambda m: err.print(m, markup=False))
    except RuntimeError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(1)
    table = Table("characters", "seconds", "chars/s", "slowdown", "peak MB", "spans")
    for row in figures["sizes"]:
        table.add_row(f"{row['characters']:,}", str(row["seconds"]), f"{row['chars_per_s']:,}",
                      str(row["slowdown"]), str(row["peak_rss_mb"]), str(row["spans"]))
    Console(highlight=False, stderr=True).print(table)
    typer.echo(json.dumps(figures, indent=2))

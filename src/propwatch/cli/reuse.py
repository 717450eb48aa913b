"""``propwatch reuse``: passages reused across articles, reprint clusters, likely origin."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from ..errors import PropwatchError, UsageError
from .common import Engine, err, fail, print_input_notes, replaced_at_end
from .common import settings_or_exit as _settings


class ReuseFormat(str, Enum):
    jsonl = "jsonl"
    html = "html"


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
    max_article_chars: int | None = typer.Option(None, "--max-article-chars", help="Refuse article texts longer than this (JSONL/CSV records: skipped)."),
    full: bool = typer.Option(False, "--full", help="With --db: compare every stored article and rebuild the fingerprint index (by default only articles added since the last run are compared; the result is the same)."),
) -> None:
    """Find passages reused across articles: aligned pairs, reprint clusters, likely origin."""
    from ..corpus import reuse_corpus
    from ..reuse import ReuseOptions, outlet_graph
    from ..reuse.export import (write_clusters_jsonl, write_graph_csv, write_graphml,
                                write_pairs_jsonl)

    if not inputs and db is None:
        err.print("error: give INPUT files or folders, or --db FILE for a stored corpus")
        raise typer.Exit(2)
    if graph is not None and graph.suffix.lower() not in (".csv", ".graphml"):
        fail(UsageError.make("E402", value=str(graph), option="--graph",
                              reason="the file name must end in .csv or .graphml"))
    if format is ReuseFormat.html and out is None:
        out = Path("propwatch-reuse")
    settings = _settings(max_bytes=max_bytes, max_article_chars=max_article_chars)
    try:
        run = reuse_corpus(inputs or [], db=db, settings=settings,
                           options=ReuseOptions(min_chars=min_chars, max_df=max_df),
                           engine=engine.value, master=master, full=full)
    except ImportError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(2)
    except PropwatchError as exc:
        fail(exc)
    skipped = print_input_notes(run.warnings)  # bad records: named, skipped, exit 1 below
    for note in run.notes:
        err.print(f"note: {note}", markup=False)
    outlets = {a.id: a.outlet for a in run.articles.values()}
    dates = {a.id: a.published for a in run.articles.values()}
    edges = outlet_graph(run.result.links, outlets, dates)
    try:
        if format is ReuseFormat.html:
            from ..render.reuse import write_reuse_html
            written = write_reuse_html(run.result, run.articles, edges, out)
            err.print(f"wrote {written[0] if len(written) == 1 else out / 'index.html'}")
        elif out is None:
            write_pairs_jsonl(run.result.links, sys.stdout)
        else:
            with replaced_at_end(out) as temp, open(temp, "w", encoding="utf-8",
                                                    newline="") as handle:
                write_pairs_jsonl(run.result.links, handle)
        if clusters is not None:
            with replaced_at_end(clusters) as temp, open(temp, "w", encoding="utf-8",
                                                         newline="") as handle:
                write_clusters_jsonl(run.result.clusters, handle)
        if stats_out is not None:
            from ..bench.detect import peak_rss_mb
            figures = {**run.result.stats, "peak_rss_mb": round(peak_rss_mb(), 1)}
            with replaced_at_end(stats_out) as temp:
                temp.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        if graph is not None:
            write_graph = write_graphml if graph.suffix.lower() == ".graphml" else write_graph_csv
            with replaced_at_end(graph) as temp, open(temp, "w", encoding="utf-8",
                                                      newline="") as handle:
                write_graph(edges, handle)
    except OSError as exc:
        fail(UsageError.make("E403", path=exc.filename or out, reason=exc.strerror or str(exc)))
    stats = run.result.stats
    if run.mode == "incremental":
        err.print(f"compared the {stats['new_articles']} articles added since the last run "
                  f"({stats['touched_articles']} older ones rechecked) in {stats['seconds']} s")
    err.print(f"{stats['articles']} articles, {stats['candidate_pairs']} candidate pairs, "
              f"{stats['links']} reused passages, {stats['clusters']} reprint clusters"
              + (f" (run {run.run_id} saved in {db})" if run.run_id else "")
              + (f"; skipped {skipped} bad records" if skipped else ""))
    if run.failures:
        err.print(f"\n{len(run.failures)} inputs could not be read:")
        for path, exc in run.failures:
            err.print(f"  error: {exc}", markup=False)
    if run.failures or skipped:
        raise typer.Exit(1)

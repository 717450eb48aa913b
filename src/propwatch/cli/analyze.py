"""``propwatch analyze``: analyse articles and show or write every layer found, with offsets."""

from __future__ import annotations

import io
import json
import sys
from enum import Enum
from pathlib import Path
from typing import Iterator, List, Optional

import typer
from rich.console import Console

from ..errors import PropwatchError, UsageError
from .common import (err, fail, pipeline_settings, print_input_notes, progress_bar,
                     replaced_at_end, with_knowledge_bases, with_option, with_taxonomy,
                     without_option)
from .common import settings_or_exit as _settings


class Format(str, Enum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    html = "html"
    semeval = "semeval"
    semeval_narratives = "semeval-narratives"


def analyze(
    paths: List[str] = typer.Argument(..., help="Files or folders (.txt .html .jsonl .csv); '-' reads stdin."),
    format: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    out: Optional[Path] = typer.Option(None, "--out", "-o",
                                       help="Output file (or folder for several HTML pages). Default: stdout; for html: propwatch-report.html or propwatch-report/."),
    detector: Optional[str] = typer.Option(None, "--detector", "-d", help="Detector name (see 'propwatch detectors')."),
    threshold: Optional[float] = typer.Option(None, "--threshold", help="Span threshold in (0, 1): lower finds more, higher is more precise."),
    max_bytes: Optional[int] = typer.Option(None, "--max-bytes", help="Refuse input files larger than this."),
    max_article_chars: int | None = typer.Option(None, "--max-article-chars", help="Refuse article texts longer than this (a file's, or a JSONL/CSV record's: skipped)."),
    with_: Optional[List[str]] = with_option(),
    without: Optional[List[str]] = without_option(),
    kb: Optional[List[str]] = typer.Option(None, "--kb", help="Also find the known claims of this knowledge base (repeat for several): adds the matches layer."),
    db: Optional[str] = typer.Option(None, "--db", help="With --kb: the store that holds the knowledge bases (default: propwatch.db)."),
    taxonomy: Optional[Path] = typer.Option(None, "--taxonomy", help="Label narratives with this taxonomy file (TOML: see examples/taxonomies/syria.toml): adds the narratives layer. Default with --with narratives: the SemEval-2025 one."),
) -> None:
    """Analyse articles and show or write every layer found (technique spans by default), with
    offsets. A bad record (JSONL line, CSV row) is named and skipped, the others are written; the
    exit code is then 1. --out is replaced only once the whole output is written."""
    from ..ingest import expand_paths
    from ..pipeline import Pipeline, iter_analyses

    settings = with_knowledge_bases(pipeline_settings(
        _settings(detector=detector, threshold=threshold, max_bytes=max_bytes,
                  max_article_chars=max_article_chars), with_, without), kb, db)
    if taxonomy is not None or format is Format.semeval_narratives:
        settings = with_taxonomy(settings, taxonomy)
    expanded = expand_paths(paths)
    if format is Format.html and out is None:
        out = Path("propwatch-report.html" if len(expanded) == 1 else "propwatch-report")
    try:
        pipeline = Pipeline.from_settings(settings)
    except PropwatchError as exc:
        fail(exc, 2)
    analyses, failures, skipped = [], [], 0
    with progress_bar(len(expanded)) as progress:
        task = progress.add_task("analysing", total=len(expanded))
        for path, result, warnings in iter_analyses(expanded, settings=settings, pipeline=pipeline,
                                                    stdin=sys.stdin):
            skipped += print_input_notes(warnings)
            if isinstance(result, PropwatchError):
                failures.append((path, result))
            else:
                analyses.extend(result)
            progress.advance(task)
    if out is not None and not analyses and (failures or skipped):
        err.print(f"wrote nothing to {out}: no article could be analysed.", markup=False)
    else:
        try:
            _write(analyses, format, out)
        except OSError as exc:
            fail(UsageError.make("E403", path=out, reason=exc.strerror or str(exc)))
    if skipped:
        err.print(f"analysed {len(analyses)} articles, skipped {skipped} bad records.")
    if failures:
        err.print(f"\n{len(failures)} of {len(expanded)} inputs could not be analysed:")
        for path, exc in failures:
            err.print(f"  error: {exc}", markup=False)
    if failures or skipped:
        raise typer.Exit(1)


def _write(analyses: list, format: Format, out: Optional[Path]) -> None:
    from ..render import report

    if format is Format.html:
        with replaced_at_end(out) as temp:
            written = [out / p.relative_to(temp) if p != temp else out
                       for p in report.write_html(analyses, temp)]
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
    elif format is Format.semeval_narratives:
        lines = (report.semeval_narrative_line(a) for a in analyses)
    else:  # text into a file: plain text without colour codes
        console = Console(record=True, width=100, file=io.StringIO())
        for analysis in analyses:
            report.render_terminal(analysis, console)
        lines = iter([console.export_text()])
    if out is None:
        for line in lines:
            sys.stdout.write(line + "\n")
    else:
        with replaced_at_end(out) as temp, open(temp, "w", encoding="utf-8", newline="") as handle:
            for line in lines:
                handle.write(line + "\n")
        err.print(f"wrote {out}")

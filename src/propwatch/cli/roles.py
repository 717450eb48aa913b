"""``propwatch roles``: the entity-framing task format (SemEval-2025 Task 10 subtask 1)."""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import PropwatchError, UsageError
from .common import err, fail


def roles(
    articles_dir: Path = typer.Argument(..., help="Folder of the articles (<article_id> or <article_id>.txt)."),
    mentions: Path = typer.Option(..., "--mentions", help="TSV: article_id<TAB>mention<TAB>start<TAB>end (end inclusive; more columns are ignored)."),
    out: Path = typer.Option(..., "--out", "-o", help="Where to write the predictions: the four fields, main role, fine roles."),
    model_dir: Path | None = typer.Option(None, "--model-dir", help="A role model folder (default: the shipped one)."),
) -> None:
    """Entity framing: the main role and fine roles of each given mention, in the task's
    format (offsets written back exactly as given)."""
    from ..detect import get_detector
    from ..roles import RoleTagger
    from ..roles.task import format_rows, predict_task

    if not articles_dir.is_dir():
        fail(UsageError.make("E402", value=str(articles_dir), option="ARTICLES_DIR",
                             reason="not a folder"))
    if not mentions.is_file():
        fail(UsageError.make("E402", value=str(mentions), option="--mentions",
                             reason="no such file"))
    try:
        rows = predict_task(articles_dir, mentions, RoleTagger(model_dir),
                            get_detector("transformer"))
    except PropwatchError as exc:
        fail(exc)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(format_rows(rows), encoding="utf-8")
    err.print(f"wrote {len(rows)} rows to {out}")

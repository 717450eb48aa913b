"""What every command of the command line shares: the stderr console, failing, progress, and
the one way settings are loaded (a bad config or option is one line and exit 2)."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import Any, Iterator, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..config import Settings, load_settings
from ..errors import PropwatchError, UsageError


class Engine(str, Enum):
    """Where corpus work runs (``propwatch.engines``)."""

    local = "local"
    spark = "spark"


err = Console(stderr=True, highlight=False, soft_wrap=True)  # one error, one line


def fail(exc: PropwatchError, code: int = 1) -> NoReturn:
    """Print the error as one line and exit: 2 for usage errors, else ``code``."""
    err.print(f"error: {exc}", markup=False)
    raise typer.Exit(2 if isinstance(exc, UsageError) else code)


def progress_bar(total: int) -> Progress:
    """A progress bar on stderr, shown only when there is more than one item."""
    return Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(), console=err,
                    disable=total <= 1, transient=True)


def settings_or_exit(**overrides: Any) -> Settings:
    """Settings from every layer (defaults < file < environment < ``overrides``); a bad value
    anywhere is one error line and exit 2, for every command."""
    try:
        return load_settings(overrides)
    except UsageError as exc:
        fail(exc)


def with_option() -> Any:
    return typer.Option(None, "--with", help="Add a component (and its layer) to the pipeline; "
                        "repeat for several. 'propwatch components' lists them.")


def without_option() -> Any:
    return typer.Option(None, "--without", help="Leave a component out of the pipeline; repeat "
                        "for several.")


def pipeline_settings(settings: Settings, with_: list[str] | None,
                      without: list[str] | None) -> Settings:
    """``settings`` with ``--with``/``--without`` applied to its components (checked: an
    unknown name is E204, exit 2)."""
    from ..pipeline import pipeline_names

    try:
        names = pipeline_names(settings.components, with_=with_ or (), without=without or ())
    except PropwatchError as exc:
        fail(exc, 2)
    return replace(settings, components=names)


def with_knowledge_bases(settings: Settings, kb: list[str] | None, db: str | None) -> Settings:
    """``settings`` with the ``matches`` component added for ``--kb`` (its store: ``--db``, else
    the configured one, else propwatch.db)."""
    if not kb:
        return settings
    configured = dict(settings.component.get("matches", {}))
    configured.update(kb=list(kb), db=db or configured.get("db") or "propwatch.db")
    components = settings.components if "matches" in settings.components else (
        *settings.components, "matches")
    return replace(settings, components=tuple(components),
                   component={**settings.component, "matches": configured})


def with_taxonomy(settings: Settings, taxonomy: Path | str | None) -> Settings:
    """``settings`` with the ``narratives`` component added (after the techniques, whose
    encoder pass it reads), labelling with ``taxonomy`` when one is given."""
    configured = dict(settings.component.get("narratives", {}))
    if taxonomy is not None:
        configured["taxonomy"] = str(taxonomy)
    components = settings.components if "narratives" in settings.components else (
        *settings.components, "narratives")
    return replace(settings, components=tuple(components),
                   component={**settings.component, "narratives": configured})


def print_input_notes(notes: list[str]) -> int:
    """Print ingest's lines about an input, a skipped record as ``error:`` and the rest as
    ``warning:``; return how many records were skipped."""
    from ..ingest import SkippedRecord

    for note in notes:
        kind = "error" if isinstance(note, SkippedRecord) else "warning"
        err.print(f"{kind}: {note}", markup=False)
    return sum(isinstance(note, SkippedRecord) for note in notes)


@contextmanager
def replaced_at_end(out: Path) -> Iterator[Path]:
    """A temporary path beside ``out`` to write to (a file, or a folder of pages), moved into
    place only once the writing succeeded and removed when it failed: a failed run never
    leaves an empty or partial ``out``, nor clobbers one written before."""
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = out.with_name(f".{out.name}.{os.getpid()}.part{out.suffix}")
    try:
        yield temp
        if temp.is_dir():  # pages of an HTML report: each file replaced whole
            out.mkdir(exist_ok=True)
            for page in sorted(temp.iterdir()):
                os.replace(page, out / page.name)
        else:
            os.replace(temp, out)
    finally:
        if temp.is_dir():
            shutil.rmtree(temp, ignore_errors=True)
        elif temp.exists():
            temp.unlink()

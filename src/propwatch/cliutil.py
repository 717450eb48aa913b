"""What every command of the command line shares: the stderr console, failing, progress."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .errors import PropwatchError, UsageError

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

"""``propwatch techniques``, ``detectors`` and ``components``: what can be asked for."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from ..errors import PropwatchError
from ..techniques import TECHNIQUES
from .common import settings_or_exit as _settings


def techniques() -> None:
    """List the 14 techniques: exact label, readable name and a one-line definition."""
    table = Table("name", "definition")
    table.add_column("label (SemEval TSV)", no_wrap=True)
    for t in TECHNIQUES:
        table.add_row(t.name, t.definition, t.label)
    Console(highlight=False).print(table)


def detectors() -> None:
    """List the detectors that --detector accepts."""
    from ..detect import DEFAULT, REGISTRY

    for name in sorted(REGISTRY):
        typer.echo(f"{name}{'  (default)' if name == DEFAULT else ''}")


def components() -> None:
    """List the components a pipeline can run (built in and installed plugins): the layer each
    writes, and whether it runs by default."""
    from ..pipeline import component_names, get_spec

    defaults = set(_settings().components)
    table = Table("component", "layer", "description")
    for name in component_names():
        try:
            spec = get_spec(name)
        except PropwatchError as exc:
            table.add_row(name, "?", str(exc))
            continue
        shown = spec.versioned_name + ("  (default)" if name in defaults else "")
        table.add_row(shown, spec.layer, spec.description)
    Console(highlight=False).print(table)

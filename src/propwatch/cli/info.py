"""``propwatch techniques``, ``detectors`` and ``components``: what can be asked for."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from ..errors import PropwatchError
from ..techniques import TECHNIQUES
from .common import fail
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


def narratives(
    taxonomy: Path | None = typer.Option(None, "--taxonomy", help="A taxonomy file to check and list (default: the SemEval-2025 one)."),
) -> None:
    """List a narrative taxonomy: each narrative, its subnarratives and their descriptions.
    A taxonomy is a TOML file of [[label]] tables, each with label, parent ("" for a narrative),
    description and optional examples; examples/taxonomies/syria.toml is one."""
    from ..narratives.taxonomy import load_taxonomy

    try:
        found = load_taxonomy(taxonomy)
    except PropwatchError as exc:
        fail(exc, 2)
    table = Table("label", "description", title=f"{found.title} ({found.name})",
                  title_justify="left")
    for narrative in found.narratives:
        table.add_row(narrative.label, narrative.description)
        for child in found.children(narrative.label):
            table.add_row("  " + child.label.removeprefix(narrative.label + ": "),
                          child.description)
    Console(highlight=False).print(table)
    typer.echo(f"{len(found.narratives)} narratives, {len(found.subnarratives)} subnarratives "
               "(and 'Other' at each level)")

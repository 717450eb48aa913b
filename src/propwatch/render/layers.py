"""How a layer shows itself: the ``LayerRenderer`` protocol, the generic renderer (its spans
highlighted with their labels) and the lookup of a layer's own renderer.

A component names its renderer in its ``ComponentSpec`` (``"module:attribute"``); layers
without one, or whose component is not installed here, get ``GenericRenderer``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from importlib import import_module
from typing import TYPE_CHECKING, Any, Protocol

from ..doc import Document, Layer, Span
from ..errors import PropwatchError
from ..pipeline import spec_for_layer
from .htmlkit import esc

if TYPE_CHECKING:  # rich is imported lazily: only the terminal view needs it
    from rich.console import Console


class LayerRenderer(Protocol):
    def terminal(self, doc: Document, layer: Layer, console: "Console") -> None:
        """Print the layer's findings below the article."""
        ...

    def html_panel(self, doc: Document, layer: Layer) -> str:
        """An HTML ``<section>`` for the report's side panel (every value escaped)."""
        ...

    def json(self, doc: Document, layer: Layer) -> dict[str, Any]:
        """The layer in JSON (``layers.NAME`` of ``--format json`` and the API)."""
        ...


def pointed(doc: Document, layer: Layer) -> tuple[Span, ...]:
    """The ranges of the text that the layer's HTML panel points at (``data-hl`` on its
    buttons, which light them in the text), from its renderer's optional ``pointed(doc,
    layer)``; () for a renderer without one. The report cuts the text at each of them, so a
    click lights exactly ``[start, end)``."""
    ranges = getattr(renderer_for(layer), "pointed", None)
    return tuple(ranges(doc, layer)) if ranges is not None else ()


def pointer_attrs(roles: Mapping[str, Iterable[tuple[int, int]]]) -> str:
    """The attributes of a panel button that lights ranges of the text when pressed:
    ``data-hl`` maps each role (a CSS class ``hl-ROLE`` in the text: source, cue, content,
    claim) to its ``[start, end)`` ranges, every one of them among the layer's ``pointed``."""
    data = {role: [[int(a), int(b)] for a, b in ranges] for role, ranges in roles.items()}
    return (f'aria-pressed="false" data-hl="'
            f'{esc(json.dumps({r: v for r, v in data.items() if v}, separators=(",", ":")))}"')


def excerpt(text: str, limit: int = 60) -> str:
    """One line of at most ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


# Controls a terminal would act on (ESC sequences, bell...). Same length, so offsets hold.
_TERM_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def term_safe(text: str) -> str:
    """Text a terminal shows as it is: control characters become U+FFFD."""
    text = re.sub(r"\r(?!\n)", "\n", text)  # rich drops CR: keep old-Mac line breaks as breaks
    return _TERM_CONTROL.sub("\ufffd", text)


def layer_title(layer: Layer) -> str:
    return layer.name.replace("_", " ").capitalize()


def print_layer_head(console: "Console", title: str, layer: Layer) -> None:
    """A layer's heading in the terminal: its title, then the component and version, dim
    (the terminal twin of ``layer_section``)."""
    from rich.text import Text

    head = Text(title, style="bold")
    head.append(f"  {layer.component} {layer.version}".rstrip(), style="dim")
    console.print(head)


def layer_section(layer: Layer, title: str, body: str) -> str:
    """A layer's panel in the report: its title with the toggle that shows or hides its spans
    in the text, the component and version, then ``body`` (HTML, already escaped)."""
    return (f'<section class="layer" data-layer="{esc(layer.name)}"><h2>'
            f'<label><input type="checkbox" class="js-only" data-layer-toggle='
            f'"{esc(layer.name)}" checked aria-label="Show {esc(layer.name)} in the text"> '
            f'{esc(title)}</label></h2>'
            f'<p class="lab">{esc(layer.component)} {esc(layer.version)}</p>{body}</section>')


class GenericRenderer:
    """Any layer: each item's spans, with label, score and the text they cover."""

    def lines(self, doc: Document, layer: Layer) -> list[tuple[Span, str]]:
        """(span, one-line description) for every span of the layer, in text order."""
        text = doc.article.text
        found = []
        for span in sorted(layer.spans(), key=lambda s: (s.start, s.end, s.label)):
            found.append((span, f"{span.label} {float(span.score):.2f} "
                                f"[{span.start}, {span.end}) '{excerpt(text[span.start:span.end])}'"
                                + (f"  ({span.reason})" if span.reason else "")))
        return found

    def terminal(self, doc: Document, layer: Layer, console: "Console") -> None:
        from rich.text import Text

        print_layer_head(console, layer_title(layer), layer)
        lines = self.lines(doc, layer)
        if not lines:
            console.print(Text("  nothing found", style="dim"))
        for n, (_, line) in enumerate(lines, 1):
            console.print(Text(f"  {n}. {term_safe(line)}"))

    def html_panel(self, doc: Document, layer: Layer) -> str:
        text = doc.article.text
        items = "".join(
            f'<li data-ly="{esc(layer.name)}" data-start="{s.start}" data-end="{s.end}">'
            f'<b>{esc(s.label)}</b> <span class="score">{float(s.score) * 100:.0f}%</span>'
            f'<q>{esc(excerpt(text[s.start:s.end], 90))}</q>'
            + (f'<span class="why">{esc(s.reason)}</span>' if s.reason else "") + "</li>"
            for s, _ in self.lines(doc, layer))
        body = f"<ol>{items}</ol>" if items else '<p class="none">Nothing found.</p>'
        return layer_section(layer, layer_title(layer), body)

    def json(self, doc: Document, layer: Layer) -> dict[str, Any]:
        return layer.to_dict(doc.article.text)


GENERIC = GenericRenderer()


def renderer_for(layer: Layer) -> LayerRenderer:
    """The renderer the layer's component names, or the generic one."""
    try:
        spec = spec_for_layer(layer.name)
    except PropwatchError:
        spec = None
    if spec is None or not spec.renderer:
        return GENERIC
    module, _, attribute = spec.renderer.partition(":")
    try:
        return getattr(import_module(module), attribute)
    except (ImportError, AttributeError):
        return GENERIC

"""The techniques layer's renderer: coloured highlights are drawn by the report page itself;
this adds the legend and the span list to the terminal view and the HTML side panel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..doc import Document, Layer
from .report import technique_panel_html, technique_terminal

if TYPE_CHECKING:
    from rich.console import Console


class TechniquesRenderer:
    def terminal(self, doc: Document, layer: Layer, console: "Console") -> None:
        technique_terminal(doc, console)

    def html_panel(self, doc: Document, layer: Layer) -> str:
        return technique_panel_html(doc)

    def json(self, doc: Document, layer: Layer) -> dict[str, Any]:
        return layer.to_dict(doc.article.text)


RENDERER = TechniquesRenderer()

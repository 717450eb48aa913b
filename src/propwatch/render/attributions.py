"""How the attributions layer shows itself: "Who says what", speaker by speaker (type and
statements), then the sourcing profile and the unattributed claims."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..doc import Document, Layer
from .htmlkit import esc
from .layers import GENERIC, excerpt, layer_section, term_safe

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console

TYPE_NAMES = {"named_person": "person", "named_organisation": "organisation",
              "government": "government or military", "outlet": "news outlet",
              "anonymous": "anonymous", "none": "no source"}


def speakers(doc: Document, layer: Layer) -> list[tuple[str, str, list[Any]]]:
    """(speaker shown, source type, attributions) in order of first appearance; unnamed sources
    are shown by their own words ("a military source")."""
    text = doc.article.text
    groups: dict[tuple[str, str], list[Any]] = {}
    for item in layer.items:
        shown = item.speaker or " ".join(text[s.start:s.end] for s in item.source) or "(no source)"
        groups.setdefault((" ".join(shown.split()), item.source_type), []).append(item)
    return [(name, kind, items) for (name, kind), items in groups.items()]


def _statement(doc: Document, item: Any, limit: int) -> str:
    text = doc.article.text
    cue = " ".join(text[s.start:s.end] for s in item.cue)
    content = " … ".join(text[s.start:s.end] for s in item.content)
    return f"{excerpt(cue, 30)}: {excerpt(content, limit)}"


class AttributionsRenderer:
    def terminal(self, doc: Document, layer: Layer, console: "Console") -> None:
        from rich.text import Text

        head = Text("Who says what", style="bold")
        head.append(f"  {layer.component} {layer.version}", style="dim")
        console.print(head)
        if not layer.items:
            console.print(Text("  no attributions found", style="dim"))
        for name, kind, items in speakers(doc, layer):
            line = Text(f"  {term_safe(name)}", style="bold")
            line.append(f"  {TYPE_NAMES.get(kind, kind)}, {len(items)} statement"
                        + ("s" if len(items) > 1 else ""),
                        style="yellow" if kind in ("anonymous", "none") else "dim")
            console.print(line)
            for item in items:
                console.print(Text(f"    - {term_safe(_statement(doc, item, 90))}"))
        summary = layer.summary
        if summary:
            console.print(Text(
                f"  attributed content {summary.get('attributed_share', 0):.0%} of the text, "
                f"anonymous {summary.get('anonymous_share', 0):.0%}"
                + (f"; state-affiliated outlets: {', '.join(summary['state_affiliated_outlets'])}"
                   if summary.get("state_affiliated_outlets") else ""), style="dim"))
            claims = summary.get("unattributed_claims", [])
            if claims:
                console.print(Text(f"  {len(claims)} checkable claims with no attribution:",
                                   style="yellow"))
                for claim in claims[:10]:
                    console.print(Text("    - " + term_safe(excerpt(
                        doc.article.text[claim["start"]:claim["end"]], 100))))

    def html_panel(self, doc: Document, layer: Layer) -> str:
        text = doc.article.text
        people = []
        for name, kind, items in speakers(doc, layer):
            flag = ' class="anon"' if kind in ("anonymous", "none") else ""
            statements = "".join(
                f'<li data-ly="{esc(layer.name)}" data-start="{item.content[0].start}" '
                f'data-end="{item.content[-1].end}">{esc(_statement(doc, item, 120))}</li>'
                for item in items)
            people.append(f'<li{flag}><b>{esc(name)}</b> <span class="lab">'
                          f'{esc(TYPE_NAMES.get(kind, kind))}</span><ol>{statements}</ol></li>')
        summary = layer.summary or {}
        claims = "".join(
            f'<li data-ly="{esc(layer.name)}" data-start="{c["start"]}" data-end="{c["end"]}">'
            f'{esc(excerpt(text[c["start"]:c["end"]], 120))}</li>'
            for c in summary.get("unattributed_claims", []))
        profile = (f'<p class="lab">attributed content {summary.get("attributed_share", 0):.0%} '
                   f'of the text; anonymous {summary.get("anonymous_share", 0):.0%}'
                   + (f'; state-affiliated outlets: '
                      f'{esc(", ".join(summary["state_affiliated_outlets"]))}'
                      if summary.get("state_affiliated_outlets") else "") + "</p>")
        body = (f'<ul class="speakers">{"".join(people)}</ul>' if people
                else '<p class="none">No attributions found.</p>')
        if claims:
            body += f'<h3>Checkable claims with no attribution</h3><ol class="claims">{claims}</ol>'
        return layer_section(layer, "Who says what", profile + body)

    def json(self, doc: Document, layer: Layer) -> dict[str, Any]:
        return GENERIC.json(doc, layer)


RENDERER = AttributionsRenderer()

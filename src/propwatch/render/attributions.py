"""How the attributions layer shows itself: "Who says what", speaker by speaker (type and
statements), then the sourcing profile and the unattributed claims."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..doc import Document, Layer, Span
from .htmlkit import esc
from .layers import (GENERIC, excerpt, layer_section, pointer_attrs, print_layer_head,
                     term_safe)

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console

FLAGGED = ("anonymous", "none")  # shown with a warning mark: the reader cannot check the source
ROLES = ("source", "cue", "content")
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


def roles(item: Any) -> dict[str, list[tuple[int, int]]]:
    """An attribution's fragments by role, as ``[start, end)`` pairs."""
    return {role: [(s.start, s.end) for s in getattr(item, role)] for role in ROLES}


def claims(layer: Layer) -> list[tuple[int, int]]:
    """The unattributed claims of the layer's summary, as ``[start, end)`` pairs."""
    found = []
    for claim in (layer.summary or {}).get("unattributed_claims", ()):
        try:
            found.append((int(claim["start"]), int(claim["end"])))
        except (KeyError, TypeError, ValueError):
            continue
    return found


def _extent(layer: Layer, item: Any) -> str:
    """The attributes giving where a statement's content lies ([first start, last end))."""
    if not item.content:
        return ""
    return (f' data-ly="{esc(layer.name)}" data-start="{item.content[0].start}" '
            f'data-end="{item.content[-1].end}"')


def _statement(doc: Document, item: Any, limit: int) -> str:
    text = doc.article.text
    cue = " ".join(text[s.start:s.end] for s in item.cue)
    content = " … ".join(text[s.start:s.end] for s in item.content)
    return f"{excerpt(cue, 30)}: {excerpt(content, limit)}"


class AttributionsRenderer:
    def terminal(self, doc: Document, layer: Layer, console: "Console") -> None:
        from rich.text import Text

        print_layer_head(console, "Who says what", layer)
        if not layer.items:
            console.print(Text("  no attributions found", style="dim"))
        for name, kind, items in speakers(doc, layer):
            line = Text(f"  {term_safe(name)}", style="bold")
            line.append(f"  {TYPE_NAMES.get(kind, kind)}, {len(items)} statement"
                        + ("s" if len(items) > 1 else ""),
                        style="yellow" if kind in FLAGGED else "dim")
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
            found = claims(layer)
            if found:
                console.print(Text(f"  {len(found)} checkable claims with no attribution:",
                                   style="yellow"))
                for a, b in found[:10]:
                    console.print(Text("    - " + term_safe(excerpt(doc.article.text[a:b], 100))))

    def pointed(self, doc: Document, layer: Layer) -> list[Span]:
        """Every source, cue and content fragment, and every unattributed claim: the ranges the
        panel's buttons light in the report's text."""
        size = len(doc.article.text)
        return [*layer.spans(), *(Span(a, b, "unattributed claim")
                                  for a, b in claims(layer) if 0 <= a < b <= size)]

    def html_panel(self, doc: Document, layer: Layer) -> str:
        text = doc.article.text
        people = []
        for name, kind, items in speakers(doc, layer):
            flagged = kind in FLAGGED
            statements = "".join(
                f"<li{_extent(layer, item)}><button type=\"button\" class=\"pointer\" "
                f"{pointer_attrs(roles(item))}>{esc(_statement(doc, item, 120))}</button></li>"
                for item in items)
            joined = {role: [r for item in items for r in roles(item)[role]] for role in ROLES}
            count = f'{len(items)} statement{"s" if len(items) > 1 else ""}'
            people.append(
                f'<li class="speaker{" anon" if flagged else ""}" data-type="{esc(kind)}">'
                f'<button type="button" class="pointer who" {pointer_attrs(joined)}>'
                f'<b>{esc(name)}</b> <span class="stype{" flag" if flagged else ""}">'
                f'{"⚠ " if flagged else ""}{esc(TYPE_NAMES.get(kind, kind))}</span> '
                f'<span class="scount">{count}</span></button><ol>{statements}</ol></li>')
        summary = layer.summary or {}
        found = "".join(
            f'<li data-ly="{esc(layer.name)}" data-start="{a}" data-end="{b}"><button '
            f'type="button" class="pointer claim" {pointer_attrs({"claim": [(a, b)]})}>'
            f'{esc(excerpt(text[a:b], 120))}</button></li>'
            for a, b in claims(layer) if 0 <= a < b <= len(text))
        profile = (f'<p class="lab">attributed content {summary.get("attributed_share", 0):.0%} '
                   f'of the text; anonymous {summary.get("anonymous_share", 0):.0%}'
                   + (f'; state-affiliated outlets: '
                      f'{esc(", ".join(summary["state_affiliated_outlets"]))}'
                      if summary.get("state_affiliated_outlets") else "") + "</p>")
        body = profile
        if people or found:
            legend = [f'<span class="hl-{role}">{role}</span>' for role in ROLES if people]
            if found:
                legend.append('<span class="hl-claim">unattributed claim</span>')
            body += ('<p class="hl-legend js-only">Press a speaker, a statement or a claim to mark '
                     f'it in the text: {" ".join(legend)}</p>'
                     '<p class="hl-status sr-only" role="status"></p>')
        body += (f'<ul class="speakers">{"".join(people)}</ul>' if people
                 else '<p class="none">No attributions found.</p>')
        if found:
            body += (f'<h3>Checkable claims with no attribution</h3>'
                     f'<ol class="claims">{found}</ol>')
        return layer_section(layer, "Who says what", body)

    def json(self, doc: Document, layer: Layer) -> dict[str, Any]:
        return GENERIC.json(doc, layer)


RENDERER = AttributionsRenderer()

"""How the matches layer shows itself: "Known claims", best first: the claim, its knowledge
base and score, the checkers' verdict and link, and the sentences that carry it (pressing a
claim marks them in the text), grouped by narrative in the summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..doc import Document, Layer, Span
from .htmlkit import esc
from .layers import (GENERIC, excerpt, layer_section, pointer_attrs, print_layer_head,
                     term_safe)

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console


def _safe_url(url: str | None) -> str | None:
    return url if url and url.lower().startswith(("http://", "https://")) else None


class MatchesRenderer:
    def terminal(self, doc: Document, layer: Layer, console: "Console") -> None:
        from rich.text import Text

        print_layer_head(console, "Known claims", layer)
        if not layer.items:
            threshold = (layer.summary or {}).get("threshold")
            console.print(Text("  no known claim found" + (
                f" (none scored {threshold:.2f} or more)" if threshold is not None else ""),
                style="dim"))
        text = doc.article.text
        for n, match in enumerate(layer.items, 1):
            line = Text(f"  {n}. {term_safe(excerpt(match.claim, 100))}", style="bold")
            line.append(f"  {match.kb}:{match.claim_id} {match.score:.2f}", style="dim")
            console.print(line)
            if match.verdict:
                console.print(Text(f"     verdict: {term_safe(excerpt(match.verdict, 100))}",
                                   style="yellow"))
            if match.url:
                console.print(Text(f"     {term_safe(match.url)}", style="dim"))
            for span in match.evidence:
                console.print(Text(f"     [{span.start}, {span.end}) "
                                   f"'{term_safe(excerpt(text[span.start:span.end], 90))}'"))
        narratives = (layer.summary or {}).get("narratives") or []
        if narratives:
            console.print(Text("  narratives: " + ", ".join(
                f"{n['tag']} ({n['matches']})" for n in narratives), style="dim"))

    def pointed(self, doc: Document, layer: Layer) -> list[Span]:
        """Every evidence sentence: what a claim's button marks in the report's text."""
        return list(layer.spans())

    def html_panel(self, doc: Document, layer: Layer) -> str:
        text = doc.article.text
        rows = []
        for match in layer.items:
            url = _safe_url(match.url)
            evidence = [(s.start, s.end) for s in match.evidence]
            quotes = "".join(f"<li><q>{esc(excerpt(text[a:b], 140))}</q></li>"
                             for a, b in evidence)
            # separated in the text itself: the report's stylesheet gives .tag no margin
            tags = ", ".join(f'<span class="tag">{esc(t)}</span>' for t in match.tags
                             if ":" not in t)
            rows.append(
                f'<li class="known-claim" data-ly="{esc(layer.name)}" '
                f'data-start="{evidence[0][0] if evidence else 0}" '
                f'data-end="{evidence[0][1] if evidence else 0}">'
                f'<button type="button" class="pointer claim" '
                f'{pointer_attrs({"claim": evidence})}><b>{esc(match.claim)}</b></button> '
                f'<span class="score">{match.score * 100:.0f}%</span> '
                f'<span class="lab">{esc(match.kb)}:{esc(match.claim_id)}</span>'
                + (f'<p class="verdict">{esc(excerpt(match.verdict, 300))}</p>'
                   if match.verdict else "")
                + (f'<p><a href="{esc(url)}" rel="noopener noreferrer">{esc(url)}</a></p>'
                   if url else "")
                + (f"<p>{tags}</p>" if tags else "") + f'<ol class="evidence">{quotes}</ol></li>')
        summary = layer.summary or {}
        body = (f'<p class="lab">knowledge bases: {esc(", ".join(summary.get("kbs", [])))}; '
                f'threshold {float(summary.get("threshold", 0)):.2f}</p>')
        if rows:
            body += ('<p class="hl-legend js-only">Press a claim to mark the sentences that '
                     'carry it: <span class="hl-claim">evidence</span></p>'
                     '<p class="hl-status sr-only" role="status"></p>'
                     f'<ol class="known-claims">{"".join(rows)}</ol>')
        else:
            body += '<p class="none">No known claim found.</p>'
        return layer_section(layer, "Known claims", body)

    def json(self, doc: Document, layer: Layer) -> dict[str, Any]:
        return GENERIC.json(doc, layer)


RENDERER = MatchesRenderer()

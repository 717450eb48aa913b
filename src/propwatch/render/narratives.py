"""How the narratives layer shows itself: "Narratives", best first, each narrative of the
taxonomy the article serves with its score and its subnarratives nested under it; pressing a
label marks the sentences that carry it in the text. "Other" when it serves none."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..doc import SUBNARRATIVE, Document, Layer, NarrativeLabel, Span
from .htmlkit import esc
from .layers import (
    GENERIC,
    excerpt,
    layer_section,
    pointer_attrs,
    print_layer_head,
    term_safe,
)

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console

TITLE = "Narratives"
OTHER = "Other"  # the taxonomy's label for an article that serves none of its narratives
QUOTES = 3  # evidence sentences quoted under a label in the HTML panel


@dataclass
class Branch:
    """A narrative with the subnarratives found under it. ``narrative`` is None when only
    subnarratives of it were found (its label is then ``name``)."""

    name: str
    narrative: NarrativeLabel | None = None
    subnarratives: list[NarrativeLabel] = field(default_factory=list)

    @property
    def score(self) -> float:
        """The narrative's score, or its best subnarrative's when it was not found itself."""
        if self.narrative is not None:
            return float(self.narrative.score)
        return max((float(s.score) for s in self.subnarratives), default=0.0)


def labels(layer: Layer) -> list[NarrativeLabel]:
    """The layer's narrative labels (records of another kind are skipped)."""
    return [item for item in layer.items if isinstance(item, NarrativeLabel)]


def is_other(label: str) -> bool:
    return label.strip().casefold() == OTHER.casefold()


def tree(layer: Layer) -> list[Branch]:
    """Narratives best first, each with its subnarratives best first; "Other" is left out
    (``serves_none`` says it)."""
    branches: dict[str, Branch] = {}
    loose: list[NarrativeLabel] = []
    for item in labels(layer):
        if is_other(item.label):
            continue
        if item.level == SUBNARRATIVE:
            loose.append(item)
        else:
            branches.setdefault(item.label, Branch(item.label)).narrative = item
    for item in loose:
        parent = item.parent or _parent_of(item.label) or OTHER
        if is_other(parent):
            parent = OTHER
        branches.setdefault(parent, Branch(parent)).subnarratives.append(item)
    for branch in branches.values():
        branch.subnarratives.sort(key=lambda s: -float(s.score))
    return sorted(branches.values(), key=lambda b: (-b.score, b.name))


def _parent_of(label: str) -> str | None:
    """The narrative of a SemEval subnarrative label ("URW: Blaming the war on others:
    The West are the aggressors" -> "URW: Blaming the war on others")."""
    head, sep, _ = label.rpartition(": ")
    return head if sep and ": " in head else None


def short(sub: NarrativeLabel, parent: str) -> str:
    """A subnarrative's label without its narrative's prefix, as shown under it."""
    prefix = parent + ": "
    return sub.label[len(prefix):] if sub.label.startswith(prefix) and \
        len(sub.label) > len(prefix) else sub.label


def serves_none(layer: Layer) -> bool:
    """True when the article serves none of the taxonomy's narratives ("Other"): no
    narrative or subnarrative but "Other" among its labels."""
    return not tree(layer)


def _ranges(item: NarrativeLabel | None) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in item.evidence] if item is not None else []


class NarrativesRenderer:
    def terminal(self, doc: Document, layer: Layer, console: Console) -> None:
        from rich.text import Text

        print_layer_head(console, TITLE, layer)
        taxonomy = (layer.summary or {}).get("taxonomy")
        if taxonomy:
            console.print(Text(f"  taxonomy: {term_safe(str(taxonomy))}", style="dim"))
        text = doc.article.text
        branches = tree(layer)
        for n, branch in enumerate(branches, 1):
            head = branch.narrative
            line = Text(f"  {n}. {term_safe(branch.name)}", style="bold")
            line.append(f"  {head.score:.2f}" if head is not None else "  (via subnarratives)",
                        style="dim")
            console.print(line)
            if head is not None and head.evidence:
                best = head.evidence[0]
                console.print(Text(f"     [{best.start}, {best.end}) "
                                   f"'{term_safe(excerpt(text[best.start:best.end], 90))}'"
                                   + (f" +{len(head.evidence) - 1} more"
                                      if len(head.evidence) > 1 else ""), style="dim"))
            for sub in branch.subnarratives:
                console.print(Text(f"     - {term_safe(short(sub, branch.name))}  "
                                   f"{sub.score:.2f}"))
        if not branches:
            console.print(Text(f"  {OTHER}: the article serves none of the taxonomy's "
                               "narratives", style="dim"))

    def pointed(self, doc: Document, layer: Layer) -> list[Span]:
        """Every evidence sentence: what a label's button marks in the report's text."""
        return list(layer.spans())

    def html_panel(self, doc: Document, layer: Layer) -> str:
        text = doc.article.text
        taxonomy = (layer.summary or {}).get("taxonomy")
        body = f'<p class="lab">taxonomy: {esc(taxonomy)}</p>' if taxonomy else ""

        def button(item: NarrativeLabel | None, shown: str, cls: str,
                   joined: list[tuple[int, int]] | None = None) -> str:
            """The label's button: it marks its evidence (``joined`` for a narrative found
            only through its subnarratives: theirs)."""
            ranges = joined if joined is not None else _ranges(item)
            score = (f'<span class="score">{float(item.score) * 100:.0f}%</span>'
                     if item is not None else '<span class="lab">(via subnarratives)</span>')
            return (f'<button type="button" class="pointer {cls}" '
                    f'{pointer_attrs({"narrative": ranges})}><b>{esc(shown)}</b> {score}'
                    "</button>")

        def quotes(item: NarrativeLabel | None) -> str:
            if item is None or not item.evidence:
                return ""
            shown = "".join(
                f'<li><q>{esc(excerpt(text[s.start:s.end], 140))}</q> '
                f'<span class="lab">{float(s.score) * 100:.0f}%</span></li>'
                for s in item.evidence[:QUOTES])
            more = len(item.evidence) - QUOTES
            return (f'<ol class="evidence">{shown}</ol>'
                    + (f'<p class="lab">and {more} more</p>' if more > 0 else ""))

        def extent(item: NarrativeLabel | None) -> str:
            first = item.evidence[0] if item is not None and item.evidence else None
            return (f' data-ly="{esc(layer.name)}" data-start="{first.start}" '
                    f'data-end="{first.end}"' if first is not None else "")

        rows = []
        for branch in tree(layer):
            head = branch.narrative
            subs = "".join(
                f'<li class="subnarrative" data-label="{esc(sub.label)}"{extent(sub)}>'
                f'{button(sub, short(sub, branch.name), "sub")}'
                + (f'<p class="desc">{esc(sub.description)}</p>' if sub.description else "")
                + f"{quotes(sub)}</li>"
                for sub in branch.subnarratives)
            # a narrative found only through its subnarratives marks their evidence
            joined = None if head is not None else [r for s in branch.subnarratives
                                                    for r in _ranges(s)]
            rows.append(
                f'<li class="narrative" data-label="{esc(branch.name)}"{extent(head)}>'
                f'{button(head, branch.name, "narr", joined)}'
                + (f'<p class="desc">{esc(head.description)}</p>'
                   if head is not None and head.description else "")
                + quotes(head)
                + (f'<ol class="subnarratives">{subs}</ol>' if subs else "") + "</li>")
        if rows:
            body += ('<p class="hl-legend js-only">Press a narrative to mark the sentences that '
                     'carry it: <span class="hl-narrative">evidence</span></p>'
                     '<p class="hl-status sr-only" role="status"></p>'
                     f'<ol class="narratives">{"".join(rows)}</ol>')
        else:
            body += (f'<p class="other"><b>{OTHER}</b>: the article serves none of the '
                     "taxonomy's narratives.</p>")
        return layer_section(layer, TITLE, body)

    def json(self, doc: Document, layer: Layer) -> dict[str, Any]:
        return GENERIC.json(doc, layer)


RENDERER = NarrativesRenderer()

__all__ = ["RENDERER", "Branch", "NarrativesRenderer", "labels", "serves_none",
           "short", "tree"]

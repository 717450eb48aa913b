"""How the roles layer shows itself: "Actors", each with the main role the article casts it
in (protagonist: hero, antagonist: villain, innocent: victim), its fine roles and how often
it is mentioned; pressing an actor marks all its mentions in the text, coloured by the role
each mention gives it."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from ..doc import MAIN_ROLES, Actor, Document, Layer, RoleMention, Span
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

TITLE = "Actors"
#: main role -> what a reader calls it
ROLE_NAMES = {"Protagonist": "hero", "Antagonist": "villain", "Innocent": "victim"}
ROLE_HINTS = {"Protagonist": "cast as the hero: a guardian, martyr or peacemaker",
              "Antagonist": "cast as the villain: an instigator, conspirator or aggressor",
              "Innocent": "cast as the victim: exploited, scapegoated or forgotten"}
#: terminal styles, one hue per role (blue, orange-red, purple: told apart with colour
#: blindness, and the role is always written out too)
TERM_STYLES = {"Protagonist": "bold dodger_blue2", "Antagonist": "bold dark_orange3",
               "Innocent": "bold medium_orchid"}
MENTION = "mention"  # the highlight of a mention whose role is none of MAIN_ROLES


def actors(layer: Layer) -> list[Actor]:
    """The layer's actors, most mentioned first (then best scored, then by name)."""
    found = [item for item in layer.items if isinstance(item, Actor)]
    return sorted(found, key=lambda a: (-len(a.mentions), -float(a.score), a.name))


def role_class(role: str) -> str:
    """The CSS role of a main role (``protagonist``...), ``mention`` for any other."""
    return role.lower() if role in MAIN_ROLES else MENTION


def role_name(role: str) -> str:
    """A main role as shown: "villain (antagonist)"; an unknown role as it is."""
    return f"{ROLE_NAMES[role]} ({role.lower()})" if role in ROLE_NAMES else role


def mention_role(actor: Actor, mention: RoleMention) -> str:
    """The role a mention is marked with: its own main role, else the actor's."""
    return mention.main_role if mention.main_role in MAIN_ROLES else actor.main_role


def mentions_by_role(actor: Actor) -> dict[str, list[tuple[int, int]]]:
    """The actor's mentions as ``[start, end)`` pairs, by CSS role (what its button lights)."""
    found: dict[str, list[tuple[int, int]]] = {}
    for m in sorted(actor.mentions, key=lambda m: (m.start, m.end)):
        if m.end > m.start:
            found.setdefault(role_class(mention_role(actor, m)), []).append((m.start, m.end))
    return found


def role_counts(layer: Layer) -> dict[str, int]:
    """Actors per main role, in the order of MAIN_ROLES (then any other role)."""
    counts = Counter(a.main_role for a in actors(layer))
    return {**{r: counts[r] for r in MAIN_ROLES if counts[r]},
            **{r: n for r, n in sorted(counts.items()) if r not in MAIN_ROLES}}


def _plural(n: int, word: str) -> str:
    return f"{n} {word if n == 1 else 'heroes' if word == 'hero' else word + 's'}"


def _counts_line(layer: Layer) -> str:
    """"2 heroes, 1 villain": actors per main role."""
    return ", ".join(_plural(n, ROLE_NAMES.get(r, r.lower()))
                     for r, n in role_counts(layer).items())


class RolesRenderer:
    def terminal(self, doc: Document, layer: Layer, console: Console) -> None:
        from rich.text import Text

        print_layer_head(console, TITLE, layer)
        found = actors(layer)
        if not found:
            console.print(Text("  no actors found", style="dim"))
            return
        console.print(Text(f"  {_counts_line(layer)}", style="dim"))
        text = doc.article.text
        for n, actor in enumerate(found, 1):
            line = Text(f"  {n}. {term_safe(actor.name)}", style="bold")
            line.append(f"  {role_name(actor.main_role)}",
                        style=TERM_STYLES.get(actor.main_role, "bold"))
            line.append(f" {actor.score:.2f}", style="dim")
            if actor.fine_roles:
                line.append(f"  {term_safe(', '.join(actor.fine_roles))}")
            line.append(f"  {_plural(len(actor.mentions), 'mention')}", style="dim")
            console.print(line)
            shown = sorted({" ".join(text[m.start:m.end].split()) for m in actor.mentions}
                           - {" ".join(actor.name.split())})
            if shown:
                console.print(Text(f"     also: {term_safe(excerpt(', '.join(shown), 90))}",
                                   style="dim"))

    def pointed(self, doc: Document, layer: Layer) -> list[Span]:
        """Every mention of every actor: what an actor's button marks in the report's text."""
        return [s for s in layer.spans() if s.end > s.start]

    def html_panel(self, doc: Document, layer: Layer) -> str:
        text = doc.article.text
        rows = []
        for actor in actors(layer):
            role = role_class(actor.main_role)
            marks = mentions_by_role(actor)
            first = min((r for ranges in marks.values() for r in ranges), default=None)
            where = (f' data-ly="{esc(layer.name)}" data-start="{first[0]}" '
                     f'data-end="{first[1]}"' if first else "")
            words = sorted({" ".join(text[m.start:m.end].split()) for m in actor.mentions}
                           - {" ".join(actor.name.split())})
            rows.append(
                f'<li class="actor" data-role="{esc(role)}"{where}>'
                f'<button type="button" class="pointer who" {pointer_attrs(marks)}>'
                f'<b>{esc(actor.name)}</b> '
                f'<span class="role role-{esc(role)}" '
                f'title="{esc(ROLE_HINTS.get(actor.main_role, actor.main_role))}">'
                f'{esc(role_name(actor.main_role))}</span> '
                f'<span class="scount">{_plural(len(actor.mentions), "mention")}</span>'
                f'</button><p class="fine">'
                + (f'{esc(", ".join(actor.fine_roles))} · ' if actor.fine_roles else "")
                + f'{esc(actor.entity_type)} · <span class="score">'
                  f'{float(actor.score) * 100:.0f}%</span>'
                + (f' · also “{esc(excerpt(", ".join(words), 80))}”' if words else "")
                + "</p></li>")
        if rows:
            legend = " ".join(f'<span class="hl-{r.lower()}">{ROLE_NAMES[r]}</span>'
                              for r in MAIN_ROLES)
            body = (f'<p class="lab">{esc(_counts_line(layer))}</p>'
                    '<p class="hl-legend js-only">Press an actor to mark its mentions in the '
                    f'text, by the role each gives it: {legend}</p>'
                    '<p class="hl-status sr-only" role="status"></p>'
                    f'<ul class="actors">{"".join(rows)}</ul>')
        else:
            body = '<p class="none">No actors found.</p>'
        return layer_section(layer, TITLE, body)

    def json(self, doc: Document, layer: Layer) -> dict[str, Any]:
        return GENERIC.json(doc, layer)


RENDERER = RolesRenderer()

"""The "Actors" view of the roles layer: terminal, HTML panel, JSON and the report."""

from __future__ import annotations

import io
import json
import re

from rich.console import Console

from propwatch.doc import Actor, Article, Document, Layer, RoleMention
from propwatch.render.report import render_html
from propwatch.render.roles import RENDERER, actors, mentions_by_role, role_counts

from .test_narratives import our_renderers, pieces, pointers  # noqa: F401  (our_renderers: a fixture)

TEXT = ("<script>Kyiv</script> shelled Donetsk again, Moscow said. Civilians in Donetsk hid "
        "in basements. Russia offered talks; the Kremlin wants peace. Kyiv's victims wait.")


def mention(text: str, piece: str, role: str, nth: int = 0, fine: tuple[str, ...] = ()) -> \
        RoleMention:
    start = -1
    for _ in range(nth + 1):
        start = text.index(piece, start + 1)
    return RoleMention(start, start + len(piece), role, 0.8, fine)


def document(text: str = TEXT) -> Document:
    items = (
        Actor("<script>Kyiv</script>", "country", "Antagonist", 0.82,
              (mention(text, "<script>Kyiv</script>", "Antagonist", fine=("Aggressor",)),
               mention(text, "Kyiv", "Innocent", nth=1)), ("Aggressor", "Instigator")),
        Actor("Civilians in Donetsk", "group", "Innocent", 0.9,
              (mention(text, "Civilians in Donetsk", "Innocent"),), ("Victim",)),
        Actor("Russia", "country", "Protagonist", 0.7,
              (mention(text, "Russia", "Protagonist"), mention(text, "the Kremlin", "Protagonist"),
               mention(text, "Moscow", "Protagonist")), ("Peacemaker",)))
    layer = Layer("roles", "roles.v1", "test", items, kind="actor",
                  summary={"actors": 3, "roles": {"Protagonist": 1, "Antagonist": 1,
                                                  "Innocent": 1}})
    return Document(Article(id="r", text=text), (layer,))


def test_actors_most_mentioned_first_and_counted_by_role():
    layer = document().layer("roles")
    assert [a.name for a in actors(layer)] == ["Russia", "<script>Kyiv</script>",
                                              "Civilians in Donetsk"]
    assert role_counts(layer) == {"Protagonist": 1, "Antagonist": 1, "Innocent": 1}
    kyiv = actors(layer)[1]
    assert {role: [TEXT[a:b] for a, b in ranges]
            for role, ranges in mentions_by_role(kyiv).items()} == {
        "antagonist": ["<script>Kyiv</script>"], "innocent": ["Kyiv"]}


def test_terminal_lists_actors_with_role_fine_roles_and_mentions():
    doc = document()
    out = io.StringIO()
    RENDERER.terminal(doc, doc.layer("roles"), Console(file=out, width=200))
    shown = out.getvalue()
    assert shown.startswith("Actors  roles.v1 test")
    assert "1 hero, 1 villain, 1 victim" in shown
    assert "1. Russia  hero (protagonist) 0.70  Peacemaker  3 mentions" in shown
    assert "also: Moscow, the Kremlin" in shown
    assert ("2. <script>Kyiv</script>  villain (antagonist) 0.82  Aggressor, Instigator  "
            "2 mentions") in shown


def test_terminal_without_actors():
    doc = Document(Article(id="e", text="Nothing."),
                   (Layer("roles", "roles.v1", "test", (), kind="actor"),))
    out = io.StringIO()
    RENDERER.terminal(doc, doc.layer("roles"), Console(file=out, width=200))
    assert "no actors found" in out.getvalue()
    assert "No actors found." in RENDERER.html_panel(doc, doc.layer("roles"))


def test_html_panel_escapes_colours_roles_and_points_at_every_mention():
    doc = document()
    html = RENDERER.html_panel(doc, doc.layer("roles"))
    assert "<script>" not in html and "&lt;script&gt;Kyiv&lt;/script&gt;" in html
    for role, name in (("protagonist", "hero"), ("antagonist", "villain"),
                       ("innocent", "victim")):
        assert f'<span class="hl-{role}">{name}</span>' in html  # the legend
        assert f'class="role role-{role}"' in html
    assert '<li class="actor" data-role="antagonist"' in html
    assert "Aggressor, Instigator · country" in html and "3 mentions" in html
    found = {name.strip(): {role: [TEXT[a:b] for a, b in ranges] for role, ranges in hl.items()}
             for name, hl in pointers(html)}
    assert found["Russia"] == {"protagonist": ["Moscow", "Russia", "the Kremlin"]}
    # each mention in the role it is given there
    assert found["<script>Kyiv</script>"] == {"antagonist": ["<script>Kyiv</script>"],
                                              "innocent": ["Kyiv"]}
    assert found["Civilians in Donetsk"] == {"innocent": ["Civilians in Donetsk"]}


def test_json_is_the_records_with_their_text_and_the_summary():
    doc = document()
    data = RENDERER.json(doc, doc.layer("roles"))
    assert data["kind"] == "actor" and data["summary"]["actors"] == 3
    russia = data["items"][2]
    assert russia["name"] == "Russia" and russia["main_role"] == "Protagonist"
    assert [m["text"] for m in russia["mentions"]] == ["Russia", "the Kremlin", "Moscow"]
    assert Layer.from_dict("roles", data).items == doc.layer("roles").items


def test_report_cuts_the_text_at_every_mention(our_renderers):  # noqa: F811
    text = "🌾 " + TEXT
    page = render_html(document(text))
    assert '<section class="layer" data-layer="roles">' in page and "Actors" in page
    data = json.loads(re.search(r'<script type="application/json" id="pw-data">(.*?)</script>',
                                page).group(1))
    under = pieces(page)
    assert len(data["points"]) == 6
    for k, (name, start, end) in enumerate(data["points"]):
        assert name == "roles" and under[k] == text[start:end]
    wanted = {tuple(r) for _, hl in pointers(page) for ranges in hl.values() for r in ranges}
    assert wanted == {(start, end) for _, start, end in data["points"]}

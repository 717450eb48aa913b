"""The "Narratives" and "Actors" panels in a real browser, in the web UI and in the HTML report:
pressing a narrative marks exactly its evidence sentences, pressing an actor marks exactly its
mentions, each in the style of the role the mention gives it. Layers are made by hand (as the
components will make them) and served through a routed /api/analyze.

Shares the browser, the page and the server helper of ``test_browser`` (same skips)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from propwatch.doc import (
    Actor,
    Article,
    Document,
    Layer,
    NarrativeLabel,
    RoleMention,
    Span,
)

# its skips (no browser, no server extra) hold here too
from . import test_browser as shared

# test_browser's fixtures, helpers and Playwright names, shared
Page, expect = shared.Page, shared.expect
browser, page, _shot_dirs = shared.browser, shared.page, shared._shot_dirs
SHOTS, _Server, analyze, assert_clean = (shared.SHOTS, shared._Server, shared.analyze,
                                         shared.assert_clean)

pytestmark = pytest.mark.slow

TEXT = ("🌾 Kyiv's <b>puppet</b> regime shelled Donetsk again, Moscow said. Western sponsors "
        "keep sending arms. Civilians in Donetsk hid in basements. Russia offered talks. "
        "Kyiv's victims wait.")
SHELLED = "Kyiv's <b>puppet</b> regime shelled Donetsk again, Moscow said."
SPONSORS = "Western sponsors keep sending arms."
TALKS = "Russia offered talks."
DISCREDIT = "URW: Discrediting Ukraine"
PUPPET = "URW: Discrediting Ukraine: Ukraine is a puppet of the West"
PRAISE = "URW: Praise of Russia"
ROLES = ("protagonist", "antagonist", "innocent")


def at(piece: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(piece, start + 1)
    return start, start + len(piece)


def ev(piece: str, score: float = 0.8) -> Span:
    return Span(*at(piece), "evidence", score)


def men(piece: str, role: str, nth: int = 0) -> RoleMention:
    return RoleMention(*at(piece, nth), role, 0.8)


def document(*, other: bool = False) -> Document:
    labels = () if other else (
        NarrativeLabel(DISCREDIT, "narrative", 0.87, (ev(SHELLED, 0.9),)),
        NarrativeLabel(PUPPET, "subnarrative", 0.71, (ev(SHELLED), ev(SPONSORS, 0.5)),
                       parent=DISCREDIT),
        NarrativeLabel(PRAISE, "narrative", 0.4, (ev(TALKS),)))
    narratives = Layer("narratives", "narratives.v1", "test", labels, kind="narrative",
                       summary={"taxonomy": "semeval2025-urw", "other": other})
    actors = (
        Actor("Kyiv's regime", "organisation", "Antagonist", 0.82,
              (men("Kyiv's <b>puppet</b> regime", "Antagonist"), men("Kyiv", "Innocent", 1)),
              ("Aggressor",)),
        Actor("Civilians in Donetsk", "group", "Innocent", 0.9,
              (men("Civilians in Donetsk", "Innocent"),), ("Victim",)),
        Actor("Russia", "country", "Protagonist", 0.7,
              (men("Moscow", "Protagonist"), men("Russia", "Protagonist")), ("Peacemaker",)))
    roles = Layer("roles", "roles.v1", "test", actors, kind="actor")
    return Document(Article(id="f", text=TEXT, title="Framing"), (narratives, roles))


def lit(page: Page) -> dict[str, str]:
    """Role -> the text of the pieces of the article lit with its class, in text order."""
    return page.evaluate("""() => { const o = {};
        for (const r of ['narrative', 'protagonist', 'antagonist', 'innocent']) {
            o[r] = [...document.querySelectorAll('#pw-text .hl-' + r)].map(e => e.textContent).join(''); }
        return o; }""")


NONE = {"narrative": "", "protagonist": "", "antagonist": "", "innocent": ""}


def check_panels(page: Page) -> None:
    """Both panels on the page (web UI or report) light exactly their ranges."""
    narr = page.locator('section.layer[data-layer="narratives"]')
    expect(narr.locator("h2")).to_contain_text("Narratives")
    expect(narr.locator("li.narrative")).to_have_count(2)
    first = narr.locator("li.narrative").first
    expect(first.locator("li.subnarrative")).to_have_count(1)  # nested under its narrative
    head = first.locator("button.pointer").first
    expect(head).to_have_text(f"{DISCREDIT} 87%")
    head.click()
    expect(head).to_have_attribute("aria-pressed", "true")
    assert lit(page) == {**NONE, "narrative": SHELLED}
    sub = first.locator("li.subnarrative button.pointer")
    expect(sub).to_have_text("Ukraine is a puppet of the West 71%")
    sub.click()  # another replaces it
    expect(head).to_have_attribute("aria-pressed", "false")
    assert lit(page) == {**NONE, "narrative": SHELLED + SPONSORS}
    sub.click()  # again: cleared
    assert lit(page) == NONE

    cast = page.locator('section.layer[data-layer="roles"]')
    expect(cast.locator("h2")).to_contain_text("Actors")
    expect(cast.locator("li.actor")).to_have_count(3)
    for role in ROLES:  # the legend shows each style
        expect(cast.locator(f".hl-legend .hl-{role}")).to_be_visible()
    kyiv = cast.locator("li.actor", has_text="Kyiv's regime")
    expect(kyiv.locator(".role")).to_have_text("villain (antagonist)")
    expect(kyiv).to_contain_text("2 mentions")
    kyiv.locator("button.pointer").click()
    assert lit(page) == {**NONE, "antagonist": "Kyiv's <b>puppet</b> regime", "innocent": "Kyiv"}
    russia = cast.locator("li.actor", has_text="Russia").locator("button.pointer")
    russia.focus()
    page.keyboard.press("Enter")
    expect(russia).to_have_attribute("aria-pressed", "true")
    assert lit(page) == {**NONE, "protagonist": "MoscowRussia"}
    cast.locator("li.actor", has_text="Civilians").locator("button.pointer").click()
    assert lit(page) == {**NONE, "innocent": "Civilians in Donetsk"}
    styles = page.evaluate("""(roles) => Object.fromEntries(roles.map(r => {
        const s = getComputedStyle(document.querySelector('.hl-legend .hl-' + r));
        return [r, [s.outlineStyle, s.textDecorationLine + ' ' + s.textDecorationStyle,
                    s.boxShadow, s.backgroundColor]]; }))""", list(ROLES))
    assert len({tuple(v) for v in styles.values()}) == 3, styles  # three distinct styles
    page.screenshot(path=str(SHOTS / f"actors-{page.url.split(':')[0]}.png"))
    assert page.locator("#pw-text").text_content() == TEXT  # offsets untouched


@pytest.fixture(scope="module")  # torn down with the module: playwright leaves an event loop running
def server() -> str:
    from propwatch.server.app import ServerSettings, create_app

    with _Server(create_app(ServerSettings(db=None, token=None))) as srv:
        yield srv.url


def serve(page: Page, doc: Document) -> None:
    page.route("**/api/analyze", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(doc.to_dict())))


def test_narratives_and_actors_in_the_web_ui(page, server):
    serve(page, document())
    analyze(page, server, TEXT)
    check_panels(page)
    assert_clean(page)


def test_other_in_the_web_ui(page, server):
    serve(page, document(other=True))
    analyze(page, server, TEXT)
    narr = page.locator('section.layer[data-layer="narratives"]')
    expect(narr.locator("p.other")).to_have_text(
        "Other: the article serves none of the taxonomy's narratives.")
    expect(narr.locator("button.pointer")).to_have_count(0)
    assert_clean(page)


def test_narratives_and_actors_in_the_html_report(page, tmp_path, monkeypatch):
    from propwatch.render import layers as layers_module
    from propwatch.render.report import render_html

    original = layers_module.spec_for_layer
    renderers = {"narratives": "propwatch.render.narratives:RENDERER",
                 "roles": "propwatch.render.roles:RENDERER"}
    monkeypatch.setattr(layers_module, "spec_for_layer", lambda name: SimpleNamespace(
        renderer=renderers[name]) if name in renderers else original(name))
    path = tmp_path / "framing.html"
    path.write_text(render_html(document()), encoding="utf-8")
    page.goto(path.as_uri())
    check_panels(page)
    assert_clean(page)

"""The "Narratives" view of the narratives layer: terminal, HTML panel, JSON and the report."""

from __future__ import annotations

import html as htmllib
import io
import json
import re
from types import SimpleNamespace

import pytest
from rich.console import Console

from propwatch.doc import Article, Document, Layer, NarrativeLabel, Span
from propwatch.render import layers as layers_module
from propwatch.render.narratives import RENDERER, serves_none, short, tree
from propwatch.render.report import jsonl_record, render_html

TEXT = ("Kyiv's <b>puppet</b> regime shelled Donetsk again. Western sponsors keep sending "
        "arms. Civilians hid in basements. Russia offered talks, the Kremlin said.")
DISCREDIT = "URW: Discrediting Ukraine"
PUPPET = "URW: Discrediting Ukraine: Ukraine is a puppet of the West"
PRAISE = "URW: Praise of Russia"
GUARANTOR = "URW: Praise of Russia: Russia is a guarantor of peace"


def ev(text: str, piece: str, score: float = 0.8) -> Span:
    start = text.index(piece)
    return Span(start, start + len(piece), "evidence", score)


def layer_of(text: str, *items: NarrativeLabel, other: bool = False) -> Layer:
    summary = {"taxonomy": "semeval2025-urw", "other": other,
               "narratives": [i.label for i in items if i.level == "narrative"],
               "subnarratives": [i.label for i in items if i.level == "subnarrative"]}
    return Layer("narratives", "narratives.v1", "test", items, kind="narrative",
                 summary=summary)


def labels(text: str = TEXT) -> tuple[NarrativeLabel, ...]:
    shelled = "Kyiv's <b>puppet</b> regime shelled Donetsk again."
    return (
        NarrativeLabel(PUPPET, "subnarrative", 0.71,
                       (ev(text, shelled, 0.9), ev(text, "Western sponsors keep sending arms.",
                                                   0.5)), parent=DISCREDIT),
        NarrativeLabel(DISCREDIT, "narrative", 0.87, (ev(text, shelled, 0.9),),
                       description="Ukraine <i>shown</i> as illegitimate"),
        # a subnarrative whose narrative was not found itself
        NarrativeLabel(GUARANTOR, "subnarrative", 0.55,
                       (ev(text, "Russia offered talks, the Kremlin said."),), parent=PRAISE))


def document(text: str = TEXT) -> Document:
    return Document(Article(id="n", text=text), (layer_of(text, *labels(text)),))


def pointers(html: str) -> list[tuple[str, dict]]:
    """(button's name, its data-hl ranges by role) for every pointing button, in page order
    (the name is the button's text before its score or role)."""
    found = re.findall(r'<button type="button" class="pointer[^"]*" aria-pressed="false" '
                       r'data-hl="([^"]*)"[^>]*>(.*?)</button>', html)
    return [(htmllib.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<span.*", "", body))),
             json.loads(htmllib.unescape(hl))) for hl, body in found]


def test_tree_nests_subnarratives_under_their_narrative_best_first():
    layer = document().layer("narratives")
    branches = tree(layer)
    assert [b.name for b in branches] == [DISCREDIT, PRAISE]
    assert branches[0].narrative.label == DISCREDIT
    assert [s.label for s in branches[0].subnarratives] == [PUPPET]
    assert branches[1].narrative is None and branches[1].score == 0.55
    assert short(branches[0].subnarratives[0], DISCREDIT) == "Ukraine is a puppet of the West"
    assert not serves_none(layer)


def test_terminal_lists_narratives_with_scores_and_subnarratives():
    doc = document()
    out = io.StringIO()
    RENDERER.terminal(doc, doc.layer("narratives"), Console(file=out, width=200))
    shown = out.getvalue()
    assert shown.startswith("Narratives  narratives.v1 test")
    assert "taxonomy: semeval2025-urw" in shown
    assert f"1. {DISCREDIT}  0.87" in shown and "- Ukraine is a puppet of the West  0.71" in shown
    assert f"2. {PRAISE}  (via subnarratives)" in shown
    assert "[0, 50) 'Kyiv's <b>puppet</b> regime shelled Donetsk again.'" in shown
    assert "Other" not in shown


def test_html_panel_escapes_nests_and_points_at_the_evidence():
    doc = document()
    html = RENDERER.html_panel(doc, doc.layer("narratives"))
    assert "<b>puppet" not in html and "&lt;b&gt;puppet&lt;/b&gt;" in html
    assert "<i>shown" not in html and "&lt;i&gt;shown" in html
    assert "taxonomy: semeval2025-urw" in html and 'class="hl-narrative"' in html
    # the subnarrative sits inside its narrative's item
    outer = html.index(f'data-label="{DISCREDIT}"')
    assert outer < html.index('<ol class="subnarratives">') < html.index(f'data-label="{PUPPET}"')
    found = {name.strip(): {role: [TEXT[a:b] for a, b in ranges] for role, ranges in hl.items()}
             for name, hl in pointers(html)}
    assert found[DISCREDIT] == {"narrative": ["Kyiv's <b>puppet</b> regime shelled Donetsk again."]}
    assert found["Ukraine is a puppet of the West"] == {"narrative": [
        "Kyiv's <b>puppet</b> regime shelled Donetsk again.", "Western sponsors keep sending arms."]}
    # a narrative found only through its subnarratives points at their evidence
    assert found[PRAISE] == found["Russia is a guarantor of peace"] == {
        "narrative": ["Russia offered talks, the Kremlin said."]}
    assert f"<b>{DISCREDIT}</b> <span class=\"score\">87%</span></button>" in html
    assert f"<b>{PRAISE}</b> <span class=\"lab\">(via subnarratives)</span></button>" in html
    assert "Other" not in html


@pytest.mark.parametrize("items", [(), (NarrativeLabel("Other", "narrative", 0.9),)])
def test_other_is_shown_plainly_when_the_article_serves_no_narrative(items):
    text = "The weather was mild on Monday."
    layer = layer_of(text, *items, other=True)
    doc = Document(Article(id="o", text=text), (layer,))
    assert serves_none(layer)
    html = RENDERER.html_panel(doc, layer)
    assert '<p class="other"><b>Other</b>: the article serves none' in html
    assert "data-hl" not in html and "hl-legend" not in html
    out = io.StringIO()
    RENDERER.terminal(doc, layer, Console(file=out, width=200))
    assert "Other: the article serves none of the taxonomy's narratives" in out.getvalue()


def test_json_is_the_records_with_their_text_and_the_summary():
    doc = document()
    data = RENDERER.json(doc, doc.layer("narratives"))
    assert data["kind"] == "narrative" and data["summary"]["taxonomy"] == "semeval2025-urw"
    first = data["items"][1]
    assert first["label"] == DISCREDIT and first["score"] == 0.87
    assert first["evidence"] == [{"start": 0, "end": 50, "score": 0.9,
                                  "text": "Kyiv's <b>puppet</b> regime shelled Donetsk again."}]
    assert Layer.from_dict("narratives", data).items == doc.layer("narratives").items


@pytest.fixture
def our_renderers(monkeypatch):
    """Layers named narratives and roles get their renderers, as their components will say."""
    original = layers_module.spec_for_layer
    renderers = {"narratives": "propwatch.render.narratives:RENDERER",
                 "roles": "propwatch.render.roles:RENDERER"}

    def spec_for_layer(name: str):
        if name in renderers:
            return SimpleNamespace(renderer=renderers[name])
        return original(name)

    monkeypatch.setattr(layers_module, "spec_for_layer", spec_for_layer)


def pieces(page: str) -> dict[int, str]:
    """data-m index -> the article text under it, from the report's text element."""
    body = page[page.index('<div id="pw-text"'):page.index("</main>")]
    out: dict[int, str] = {}
    for marks, chunk in re.findall(r'<span[^>]* data-m="([^"]*)">(.*?)</span>', body):
        for k in marks.split():
            out[int(k)] = out.get(int(k), "") + htmllib.unescape(chunk)
    return out


def test_report_cuts_the_text_at_every_evidence_sentence(our_renderers):
    """Offsets are code points; an emoji first shifts UTF-16 but not them."""
    text = "🌾 " + TEXT
    page = render_html(document(text))
    assert '<section class="layer" data-layer="narratives">' in page and "Narratives" in page
    data = json.loads(re.search(r'<script type="application/json" id="pw-data">(.*?)</script>',
                                page).group(1))
    under = pieces(page)
    assert len(data["points"]) == 3
    for k, (name, start, end) in enumerate(data["points"]):
        assert name == "narratives" and under[k] == text[start:end]
    wanted = {tuple(r) for _, hl in pointers(page) for ranges in hl.values() for r in ranges}
    assert wanted == {(start, end) for _, start, end in data["points"]}
    assert jsonl_record(document(text))["layers"]["narratives"]["items"][1]["label"] == DISCREDIT

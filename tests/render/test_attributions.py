"""The "Who says what" view of the attributions layer: terminal and HTML panel."""

import html as htmllib
import io
import json
import re

from rich.console import Console

from propwatch.doc import Article, Attribution, Document, Layer, Span
from propwatch.render.attributions import RENDERER, speakers
from propwatch.render.report import render_html

TEXT = ('SANA said <b>rebels</b> staged it. "Lies," a diplomat said. '
        'The town has 4,000 residents and lies 12 km from Idlib.')


def at(piece: str, role: str) -> Span:
    start = TEXT.index(piece)
    return Span(start, start + len(piece), role)


def document() -> Document:
    items = (
        Attribution(source=(at("SANA", "source"),), cue=(at("said", "cue"),),
                    content=(at("<b>rebels</b> staged it", "content"),), speaker="SANA",
                    source_type="outlet"),
        Attribution(source=(at("a diplomat", "source"),), cue=(at("diplomat said", "cue"),),
                    content=(at('"Lies,"', "content"),), source_type="anonymous"))
    claim = TEXT.index("The town")
    summary = {"attributed_share": 0.3, "anonymous_share": 0.05,
               "state_affiliated_outlets": ["SANA"],
               "unattributed_claims": [{"start": claim, "end": len(TEXT)}]}
    layer = Layer("attributions", "attributions.v1", "test", items, kind="attribution",
                  summary=summary)
    return Document(Article(id="w", text=TEXT), (layer,))


def test_speakers_are_grouped_with_their_type():
    doc = document()
    assert [(name, kind, len(items)) for name, kind, items in
            speakers(doc, doc.layer("attributions"))] == [("SANA", "outlet", 1),
                                                         ("a diplomat", "anonymous", 1)]


def test_terminal_shows_speakers_statements_profile_and_claims():
    doc = document()
    out = io.StringIO()
    RENDERER.terminal(doc, doc.layer("attributions"), Console(file=out, width=200))
    shown = out.getvalue()
    assert "Who says what" in shown and "news outlet, 1 statement" in shown
    assert "a diplomat  anonymous" in shown and "state-affiliated outlets: SANA" in shown
    assert "1 checkable claims with no attribution" in shown and "4,000 residents" in shown


def test_html_panel_escapes_and_points_at_the_text():
    doc = document()
    html = RENDERER.html_panel(doc, doc.layer("attributions"))
    assert "Who says what" in html and "<b>rebels" not in html and "&lt;b&gt;rebels" in html
    start = TEXT.index("<b>rebels")
    assert f'data-start="{start}"' in html and 'class="speaker anon"' in html
    assert "Checkable claims with no attribution" in html


def pointers(html: str) -> list[tuple[str, dict]]:
    """(button text, its data-hl ranges by role) for every pointing button, in page order."""
    found = re.findall(r'<button type="button" class="pointer[^"]*" aria-pressed="false" '
                       r'data-hl="([^"]*)">(.*?)</button>', html)
    return [(htmllib.unescape(re.sub(r"<[^>]+>", "", body)), json.loads(htmllib.unescape(hl)))
            for hl, body in found]


def test_html_panel_buttons_point_at_source_cue_content_and_claims():
    doc = document()
    html = RENDERER.html_panel(doc, doc.layer("attributions"))
    found = pointers(html)
    texts = {name: {role: [TEXT[a:b] for a, b in ranges] for role, ranges in hl.items()}
             for name, hl in found}
    # a speaker button and its statement's button light the same fragments
    sana = {"source": ["SANA"], "cue": ["said"], "content": ["<b>rebels</b> staged it"]}
    assert texts["SANA news outlet 1 statement"] == sana
    assert texts["said: <b>rebels</b> staged it"] == sana
    assert texts["a diplomat ⚠ anonymous 1 statement"] == {
        "source": ["a diplomat"], "cue": ["diplomat said"], "content": ['"Lies,"']}
    claim = TEXT[TEXT.index("The town"):]
    assert texts[claim] == {"claim": [claim]}
    assert len(found) == 5 and 'class="stype flag"' in html
    for role in ("source", "cue", "content", "claim"):  # the legend shows each style
        assert f'<span class="hl-{role}">' in html
    assert 'role="status"' in html


def test_no_source_attribution_is_flagged():
    text = "It is reported that the bridge fell."
    item = Attribution(cue=(Span(3, 14, "cue"),), content=(Span(20, 35, "content"),))
    layer = Layer("attributions", "attributions.v1", "test", (item,), kind="attribution")
    doc = Document(Article(id="n", text=text), (layer,))
    html = RENDERER.html_panel(doc, layer)
    assert '<li class="speaker anon" data-type="none">' in html
    assert "(no source)" in html and "⚠ no source" in html
    assert pointers(html)[0][1] == {"cue": [[3, 14]], "content": [[20, 35]]}


def pieces(page: str) -> dict[int, str]:
    """data-m index -> the article text under it, from the report's text element."""
    body = page[page.index('<div id="pw-text"'):page.index("</main>")]
    out: dict[int, str] = {}
    for marks, chunk in re.findall(r'<span[^>]* data-m="([^"]*)">(.*?)</span>', body):
        for k in marks.split():
            out[int(k)] = out.get(int(k), "") + htmllib.unescape(chunk)
    return out


def test_report_cuts_the_text_at_every_pointed_range():
    """Each range a button points at is in the page's data, and the pieces of text marked with
    its index hold exactly text[start:end] (offsets are code points; an emoji comes first)."""
    prefix = "🌾 "
    doc = document()
    layer = doc.layer("attributions")
    shifted = Layer(layer.name, layer.component, layer.version, tuple(
        Attribution(**{role: tuple(Span(s.start + len(prefix), s.end + len(prefix), s.label)
                                   for s in getattr(item, role)) for role in
                       ("source", "cue", "content")}, speaker=item.speaker,
                    source_type=item.source_type) for item in layer.items),
        kind=layer.kind, summary={**layer.summary, "unattributed_claims": [
            {"start": c["start"] + len(prefix), "end": c["end"] + len(prefix)}
            for c in layer.summary["unattributed_claims"]]})
    text = prefix + TEXT
    page = render_html(Document(Article(id="w", text=text), (shifted,)))
    data = json.loads(re.search(r'<script type="application/json" id="pw-data">(.*?)</script>',
                                page).group(1))
    points = data["points"]
    under = pieces(page)
    assert len(points) == 7 and set(under) == set(range(7))
    for k, (name, start, end) in enumerate(points):
        assert name == "attributions" and under[k] == text[start:end]
    wanted = {tuple(r) for _, hl in pointers(page) for ranges in hl.values() for r in ranges}
    assert wanted == {(start, end) for _, start, end in points}
    # the claim is a piece of its own but not underlined as an attribution
    claim = text.index("The town")
    assert f'<span data-m="6">{text[claim:]}</span>' in page


def test_layers_without_pointers_keep_their_plain_markup():
    layer = Layer("hedges", "hedges.v1", "w", (Span(0, 4, "hedge"),))
    page = render_html(Document(Article(id="h", text="SANA said so."), (layer,)))
    assert '<span class="ly" data-ly="hedges" title="hedges: hedge">SANA</span>' in page
    assert '"points":[]' in page and "data-m=" not in page

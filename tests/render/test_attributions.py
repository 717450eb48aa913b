"""The "Who says what" view of the attributions layer: terminal and HTML panel."""

import io

from rich.console import Console

from propwatch.doc import Article, Attribution, Document, Layer, Span
from propwatch.render.attributions import RENDERER, speakers

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
    assert f'data-start="{start}"' in html and 'class="anon"' in html
    assert "Checkable claims with no attribution" in html

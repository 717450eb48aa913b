"""The web UI in a real browser: Playwright drives Debian's Chromium against the real FastAPI
app, served by uvicorn on a free 127.0.0.1 port in a background thread, over a small corpus
built from ``examples/``.

Skips (with the reason) when playwright, fastapi/uvicorn or /usr/bin/chromium is missing. On a
failure a screenshot goes to ``tests/artifacts/``; every run leaves screenshots of the
analyze, corpus and article pages in ``/tmp/ui-shots/`` for a person to look at.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import socket
import threading
import time
from pathlib import Path
from urllib.parse import quote, unquote

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

_missing = [name for name in ("playwright", "fastapi", "uvicorn", "python_multipart")
            if importlib.util.find_spec(name) is None]
_why = None
if _missing:
    _why = (f"browser tests need {', '.join(_missing)}: pip install playwright "
            "'propwatch[server]' (browser: Debian's chromium, no download)")
elif not Path(CHROMIUM).exists():
    _why = f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
if _why:
    # CI sets PROPWATCH_REQUIRE_BROWSER=1: there a missing browser is a failure, not a skip
    if os.environ.get("PROPWATCH_REQUIRE_BROWSER"):
        raise RuntimeError(_why)
    pytest.skip(_why, allow_module_level=True)

import uvicorn  # noqa: E402
from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
HARBOR = EXAMPLES / "harbor-daily-2023-05-04-grain-blockade.txt"
ARTIFACTS = ROOT / "tests" / "artifacts"
SHOTS = Path("/tmp/ui-shots")
HOSTILE = '<img src=x onerror=alert(1)><script>alert(2)</script>'
TIMEOUT_MS = 20_000


# --------------------------------------------------------------------------- the server


class _Server:
    """uvicorn serving ``app`` on a socket bound here (no port race), in a daemon thread."""

    def __init__(self, app) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self.server.install_signal_handlers = lambda: None  # older uvicorn, not the main thread
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True, name="uvicorn-ui-tests")

    def __enter__(self) -> "_Server":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@pytest.fixture(scope="module")  # torn down with the module: playwright leaves an event loop running
def corpus_db(tmp_path_factory) -> str:
    """A corpus store holding the two example articles, their spans and their reuse run."""
    from propwatch.corpus import analyze_corpus, reuse_corpus

    db = tmp_path_factory.mktemp("ui-corpus") / "corpus.db"
    reuse_corpus([str(EXAMPLES)], db=str(db))
    analyze_corpus(str(db))
    return str(db)


@pytest.fixture(scope="module")  # torn down with the module: playwright leaves an event loop running
def server(corpus_db) -> str:
    from propwatch.server.app import ServerSettings, create_app

    with _Server(create_app(ServerSettings(db=corpus_db, token=None))) as srv:
        yield srv.url


@pytest.fixture(scope="module")  # torn down with the module: playwright leaves an event loop running
def locked_server() -> str:
    """No corpus store, and a token: the UI must ask for it and hide the corpus browser."""
    from propwatch.server.app import ServerSettings, create_app

    with _Server(create_app(ServerSettings(db=None, token="s3cret-token"))) as srv:
        yield srv.url


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="module")  # torn down with the module: playwright leaves an event loop running
def browser():
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module", autouse=True)
def _shot_dirs():
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield


@pytest.fixture
def page(browser, request):
    """A fresh page that records dialogs, script errors and console errors; a screenshot of
    it goes to tests/artifacts/ when the test fails."""
    context = browser.new_context(viewport={"width": 1366, "height": 900},
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.dialogs = []
    page.errors = []

    def on_dialog(dialog):
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda exc: page.errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: page.errors.append(f"console: {msg.text}")
            if msg.type == "error" else None)
    failed_before = request.session.testsfailed
    try:
        yield page
    finally:
        # the call phase's report is logged before teardown, so a failure is counted by now
        if request.session.testsfailed > failed_before:
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)[-120:]
            try:
                page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            except Exception:  # the page may be gone; the test failure says enough
                pass
        context.close()


def assert_clean(page: Page, *, allow: tuple[str, ...] = ()) -> None:
    """No dialog opened, no script error, no console error (a CSP violation is one)."""
    assert page.dialogs == [], f"dialogs opened: {page.dialogs}"
    errors = [e for e in page.errors if not any(a in e for a in allow)]
    assert errors == [], f"browser errors: {errors}"


def analyze(page: Page, base: str, text: str, *, title: str | None = None) -> None:
    page.goto(f"{base}/#/analyze")
    page.get_by_label("Article text").fill(text)
    if title is not None:
        page.get_by_label("Title (optional)").fill(title)
    page.get_by_role("button", name="Analyze", exact=True).click()
    expect(page.locator("#pw-result .layout")).to_be_visible()


def hex_to_rgb(color: str) -> str:
    c = color.lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    return "rgb({}, {}, {})".format(*(int(c[k:k + 2], 16) for k in (0, 2, 4)))


def span_texts_in_page(page: Page) -> dict[int, str]:
    """Span index -> the text of the highlight segments that lie under it, in order."""
    found = page.evaluate("""() => {
        const out = {};
        for (const m of document.querySelectorAll('#pw-text mark.seg')) {
            for (const i of m.dataset.s.split(' ')) { out[i] = (out[i] || '') + m.textContent; }
        }
        return out;
    }""")
    return {int(k): v for k, v in found.items()}


# --------------------------------------------------------------------------- flows


def test_analyze_shows_highlights_popup_and_downloads(page, server):
    text = HARBOR.read_text(encoding="utf-8")
    techniques = page.request.get(f"{server}/api/techniques").json()
    colour = {t["name"]: t["color"] for t in techniques}
    analyze(page, server, text)

    marks = page.locator("#pw-text mark.seg")
    assert marks.count() >= 1
    single = page.locator("#pw-text mark.seg:not(.multi)").first
    single.scroll_into_view_if_needed()
    single.hover()
    popup = page.locator("#pw-pop")
    expect(popup).to_be_visible()
    name = popup.locator(".pn").first.inner_text()
    assert name in colour, f"popup names no technique: {name!r}"
    assert "%" in popup.locator(".ps").first.inner_text()
    bg = single.evaluate("m => getComputedStyle(m).backgroundColor")
    assert bg == hex_to_rgb(colour[name]), (bg, name)

    # the summary panel and the legend agree with the API's answer
    api = page.request.post(f"{server}/api/analyze", data=json.dumps({"text": text}),
                            headers={"Content-Type": "application/json"}).json()
    techniques = api["layers"]["techniques"]
    expect(page.locator("#pw-n-spans b")).to_have_text(str(techniques["summary"]["spans"]))
    assert page.locator(".legend li.tech").count() == len(techniques["summary"]["techniques"])
    expect(page.locator(".panel")).to_contain_text(techniques["version"])

    # keyboard: Tab onto a highlight shows the popup too
    page.mouse.move(5, 5)
    expect(popup).to_be_hidden()
    marks.first.focus()
    expect(popup).to_be_visible()
    page.keyboard.press("Escape")
    expect(popup).to_be_hidden()

    page.screenshot(path=str(SHOTS / "analyze.png"), full_page=False)
    page.screenshot(path=str(SHOTS / "analyze-full.png"), full_page=True)

    with page.expect_download() as info:
        page.get_by_role("button", name="Download JSON").click()
    data = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert data == api and data["text"] == text  # the document exactly as the API sent it
    with page.expect_download() as info:
        page.get_by_role("button", name="Download HTML report").click()
    assert info.value.suggested_filename.endswith(".html")
    html = Path(info.value.path()).read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    assert_clean(page)


def test_toggle_technique_hides_and_restores_its_highlights(page, server):
    analyze(page, server, HARBOR.read_text(encoding="utf-8"))
    box = page.locator(".legend input[type=checkbox]").first
    t = box.get_attribute("data-t")
    lit = page.locator(f'#pw-text mark.seg[data-v~="{t}"]')
    before = lit.count()
    assert before > 0
    visible_before = page.locator("#pw-text mark.seg:not(.off)").count()

    box.focus()
    page.keyboard.press("Space")  # the toggle works from the keyboard
    expect(box).not_to_be_checked()
    expect(lit).to_have_count(0)
    assert page.locator("#pw-text mark.seg:not(.off)").count() < visible_before
    only_t = page.locator(f'#pw-text mark.seg[data-t="{t}"]')
    if only_t.count():
        assert only_t.first.evaluate("m => getComputedStyle(m).backgroundColor") in (
            "rgba(0, 0, 0, 0)", "transparent")
        assert only_t.first.get_attribute("tabindex") is None

    box.click()
    expect(box).to_be_checked()
    expect(lit).to_have_count(before)
    assert page.locator("#pw-text mark.seg:not(.off)").count() == visible_before
    assert_clean(page)


def test_corpus_search_opens_article_with_reuse_side_by_side(page, server):
    page.goto(f"{server}/#/corpus")
    expect(page.locator("#pw-outlet-chart .track i").first).to_be_visible()
    expect(page.locator("#pw-timeline")).to_be_visible()
    page.get_by_label("Search the articles").fill("grain")
    page.get_by_role("button", name="Search").click()
    rows = page.locator("#pw-results tbody tr")
    expect(rows).to_have_count(2)  # both example articles mention grain (waits for the render)
    assert "q=grain" in page.url
    page.screenshot(path=str(SHOTS / "corpus.png"), full_page=True)

    link = rows.locator("a", has_text="starve").first  # the Harbor Daily article
    link.click()
    expect(page).to_have_url(re.compile(r"#/article/"))
    article_id = unquote(page.url.split("#/article/", 1)[1])
    expect(page.locator("#pw-text mark.seg").first).to_be_visible()
    article = page.request.get(f"{server}/api/articles/{quote(article_id, safe='')}").json()
    assert page.locator("#pw-text").text_content() == article["text"]

    # its reuse link, compared side by side (the first link is opened by itself)
    pairs = page.request.get(f"{server}/api/reuse/pairs",
                             params={"article": article_id}).json()
    assert pairs, "the example articles share a paragraph"
    expect(page.locator("#pw-links button").first).to_have_attribute("aria-pressed", "true")
    texts = page.locator("#pw-compare .pair .ptext")
    expect(texts).to_have_count(2)
    shown = texts.evaluate_all("els => els.map(e => [e.dataset.article, +e.dataset.start, "
                               "+e.dataset.end, e.textContent])")
    assert shown[0][0] == article_id, "this article's passage is on the left"
    for other_id, start, end, passage in shown:
        other = page.request.get(f"{server}/api/articles/{quote(other_id, safe='')}").json()
        assert passage == other["text"][start:end]
    page.locator("#pw-reuse").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "article-reuse.png"), full_page=False)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / "article.png"), full_page=True)

    page.get_by_role("link", name="← Back to the corpus").click()
    expect(page.get_by_label("Search the articles")).to_have_value("grain")
    assert_clean(page)


def test_hostile_article_is_shown_literally_and_runs_nothing(page, server):
    body = HOSTILE + "\nThey are traitors and vile cowards who will destroy everything we love."
    analyze(page, server, body, title=HOSTILE)
    page.wait_for_timeout(300)  # time for an onerror to fire, if an <img> had been made
    assert page.locator("#pw-text").text_content() == body
    expect(page.locator(".atitle")).to_have_text(HOSTILE)
    assert page.locator("main img, main script").count() == 0
    page.locator("#pw-text mark.seg").first.hover()  # the popup quotes the text literally too
    expect(page.locator("#pw-pop")).to_be_visible()
    assert page.locator("#pw-pop img, #pw-pop script").count() == 0
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert_clean(page)


def test_emoji_before_a_span_keeps_offsets_exact(page, server):
    text = HARBOR.read_text(encoding="utf-8")
    cut = text.index("\n", 400) + 1  # a paragraph start before most spans
    text = "🚢🌾 " + text[:cut] + "😡🔥 " + text[cut:]
    api = page.request.post(f"{server}/api/analyze", data=json.dumps({"text": text}),
                            headers={"Content-Type": "application/json"}).json()
    spans = api["layers"]["techniques"]["items"]
    after = [s for s in spans if s["start"] > cut]
    assert after, "the test needs spans after the emoji"
    analyze(page, server, text)
    shown = span_texts_in_page(page)
    for i, span in enumerate(spans):
        if span["end"] > span["start"]:
            assert shown.get(i) == span["text"] == text[span["start"]:span["end"]], i
    assert page.locator("#pw-text").text_content() == text
    assert_clean(page)


def test_empty_input_gives_a_clear_message(page, server):
    page.goto(f"{server}/#/analyze")
    page.get_by_role("button", name="Analyze", exact=True).click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Nothing to analyse")
    assert_clean(page)


def test_file_upload_is_analysed(page, server, tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(HARBOR.read_text(encoding="utf-8"), encoding="utf-8")
    page.goto(f"{server}/#/analyze")
    page.locator("#pw-file").set_input_files(str(path))
    expect(page.locator("#pw-file-info")).to_contain_text("article.txt")
    expect(page.get_by_label("Article text")).to_be_disabled()
    page.get_by_role("button", name="Analyze", exact=True).click()
    expect(page.locator("#pw-text mark.seg").first).to_be_visible()
    assert_clean(page)


def test_token_prompt_and_no_store_note(page, locked_server):
    page.goto(f"{locked_server}/#/analyze")
    token = page.locator("#pw-token")
    expect(page.get_by_label("Article text")).to_be_visible()
    page.get_by_label("Article text").fill("They are traitors and vile cowards.")
    page.get_by_role("button", name="Analyze", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("token")
    expect(token).to_be_visible()
    page.locator("#pw-token-input").fill("s3cret-token")
    page.get_by_role("button", name="Use token").click()
    expect(token).to_be_hidden()
    page.get_by_role("button", name="Analyze", exact=True).click()
    expect(page.locator("#pw-result .layout")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('propwatch.token')") == "s3cret-token"

    page.goto(f"{locked_server}/#/corpus")
    expect(page.get_by_role("note")).to_contain_text("No corpus here")
    expect(page.locator("#pw-search")).to_be_hidden()
    # the browser logs the refused requests (401, 404) as console errors: expected here
    assert_clean(page, allow=("401", "404", "Failed to load resource"))


def test_reuse_page_compares_a_pair(page, server):
    page.goto(f"{server}/#/reuse")
    compare = page.get_by_role("button", name="Compare").first
    compare.click()
    texts = page.locator("#pw-compare .pair .ptext")
    expect(texts).to_have_count(2)
    expect(page.locator("#pw-compare .pair del, #pw-compare .pair ins").first).to_be_visible()
    page.screenshot(path=str(SHOTS / "reuse.png"), full_page=True)
    assert_clean(page)


def test_overlapping_spans_are_striped_and_both_in_the_popup(page, server):
    """The detector rarely overlaps spans, so the answer is made here (the shape of schema
    version 1, which the UI still reads)."""
    text = "🌾 Intro. They are evil traitors and 🐍 cowards, all of them. The end."

    def span(phrase, technique, score):
        start = text.index(phrase)  # a Python str counts code points, as the API does
        return {"start": start, "end": start + len(phrase), "technique": technique,
                "score": score, "reason": f"test <b>{technique}</b>", "text": phrase}

    spans = [span("evil traitors and 🐍 cowards", "Name_Calling,Labeling", 0.8),
             span("traitors and 🐍 cowards, all of them", "Loaded_Language", 0.55)]
    answer = {"schema_version": 1, "detector": "test", "id": "t", "source": None, "title": None,
              "outlet": None, "url": None, "published": None,
              "summary": {"spans": 2, "techniques": {"Name_Calling,Labeling": 1,
                                                     "Loaded_Language": 1},
                          "covered_characters": 40, "coverage": 0.6},
              "spans": spans, "boilerplate": [[len(text) - 8, len(text)]], "text": text}
    page.route("**/api/analyze", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(answer)))
    analyze(page, server, text)
    shown = span_texts_in_page(page)
    assert shown == {0: spans[0]["text"], 1: spans[1]["text"]}
    both = page.locator('#pw-text mark.seg[data-s="0 1"]')
    expect(both).to_have_count(1)
    expect(both).to_have_text("traitors and 🐍 cowards")
    expect(both).to_have_class(re.compile(r"\bmulti\b"))
    assert "repeating-linear-gradient" in both.evaluate("m => m.style.background")
    both.hover()
    pop = page.locator("#pw-pop")
    expect(pop).to_contain_text("2 overlapping techniques here")
    expect(pop.locator(".pe")).to_have_count(2)
    expect(pop).to_contain_text("Why: test <b>Loaded_Language</b>")  # literal, not markup
    expect(page.locator("#pw-text .bp").last).to_have_text("The end.")
    page.screenshot(path=str(SHOTS / "overlap.png"))
    # hiding one technique leaves the other's single colour, no stripes
    page.get_by_role("checkbox", name=re.compile("Loaded language")).uncheck()
    expect(both).not_to_have_class(re.compile(r"\bmulti\b"))
    assert both.evaluate("m => m.style.background") == ""
    assert_clean(page)


# ------------------------------------------------------------------ layers beyond techniques

LAYERS_TEXT = "🌾 Intro. \"They are evil traitors and 🐍 cowards,\" the minister said. Officials agreed. The end."


def _sp(phrase, label, score=0.7, **kw):
    """A span of LAYERS_TEXT in the API's JSON form."""
    start = LAYERS_TEXT.index(phrase)
    return {"start": start, "end": start + len(phrase), "label": label, "score": score, "text": phrase, **kw}


def _v2_answer(with_techniques=True):
    layers = {}
    if with_techniques:
        layers["techniques"] = {"component": "techniques.v1", "version": "test-det", "kind": "span",
                                "summary": {"spans": 1, "techniques": {"Loaded_Language": 1}, "covered_characters": 10, "coverage": 0.2},
                                "items": [_sp("evil traitors", "Loaded_Language", 0.8, reason="r")]}
    # a plugin's layer of records made of spans (the attributions layer has its own panel)
    layers["quotes"] = {"component": "quotes.v1", "version": "rules-1", "kind": "quote",
                        "summary": {"records": 1, "named": 0},
                        "items": [{"source": _sp("the minister", "source", 1.0), "cue": _sp("said", "cue", 1.0),
                                   "content": [_sp("They are evil traitors and 🐍 cowards,", "content", 0.9)],
                                   "speaker": None, "source_type": "government", "cites": None, "score": 0.9}]}
    layers["claims"] = {"component": "claims.v1", "version": "c-2", "kind": "span", "summary": {"spans": 1},
                        "items": [_sp("Officials agreed", "claim", 0.55)]}
    layers["empty_one"] = {"component": "e.v1", "version": "0", "kind": "span", "summary": {}, "items": []}
    return {"schema_version": 2, "id": "t", "source": None, "title": "T", "outlet": None, "url": None,
            "published": None, "layers": layers, "boilerplate": [[len(LAYERS_TEXT) - 8, len(LAYERS_TEXT)]], "text": LAYERS_TEXT}


def test_every_layer_gets_a_panel_underlines_and_a_toggle(page, server):
    answer = _v2_answer()
    page.route("**/api/analyze", lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(answer)))
    analyze(page, server, LAYERS_TEXT)
    assert page.locator("#pw-text").text_content() == LAYERS_TEXT
    assert span_texts_in_page(page) == {0: "evil traitors"}
    expect(page.locator("#pw-n-spans b")).to_have_text("1")
    expect(page.locator(".panel")).to_contain_text("test-det")
    secs = page.locator(".panel section.layer")
    expect(secs).to_have_count(3)
    att = page.locator('section.layer[data-layer="quotes"]')
    expect(att.locator("h2")).to_contain_text("quotes")
    expect(att).to_contain_text("quotes.v1")
    expect(att).to_contain_text("rules-1")
    expect(att.locator(".layerlist li")).to_have_count(3)
    expect(att.locator(".layerlist")).to_contain_text("cue")
    expect(att.locator(".layerlist")).to_contain_text("100%")
    expect(page.locator('section.layer[data-layer="empty_one"]')).to_contain_text("Nothing found")
    # underlined text per layer
    under = page.evaluate("""() => { const o = {}; for (const e of document.querySelectorAll('#pw-text .ly.on'))
        { for (const l of e.dataset.ly.split(' ')) { o[l] = (o[l] || '') + e.textContent; } } return o; }""")
    assert under["quotes"] == "They are evil traitors and 🐍 cowards," + "the minister" + "said", under
    assert under["claims"] == "Officials agreed"
    deco = page.locator("#pw-text .ly.on").first.evaluate("e => getComputedStyle(e).textDecorationStyle")
    assert deco == "dotted"
    # toggle off: no underline for quotes; claims stays
    box = att.locator("input[type=checkbox]")
    box.uncheck()
    expect(page.locator('#pw-text .ly.on[data-ly~="quotes"]')).to_have_count(0)
    expect(page.locator('#pw-text .ly.on[data-ly~="claims"]')).to_have_count(1)
    assert page.locator('#pw-text .ly[data-ly~="quotes"]').first.evaluate("e => getComputedStyle(e).textDecorationLine") == "none"
    box.check()
    expect(page.locator('#pw-text .ly.on[data-ly~="quotes"]')).to_have_count(5)
    # technique toggles still work; popup still works
    page.locator("#pw-text mark.seg").first.hover()
    expect(page.locator("#pw-pop")).to_be_visible()
    page.locator(".legend input[type=checkbox]").first.uncheck()
    expect(page.locator("#pw-text mark.seg:not(.off)")).to_have_count(0)
    # clicking a layer span selects it in the text
    att.locator(".layerlist button").nth(1).click()
    assert page.evaluate("String(window.getSelection())") == "the minister"
    assert_clean(page)


def test_a_document_without_techniques_shows_its_other_layers(page, server):
    answer = _v2_answer(with_techniques=False)
    page.route("**/api/analyze", lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(answer)))
    analyze(page, server, LAYERS_TEXT)
    assert page.locator("#pw-text").text_content() == LAYERS_TEXT
    expect(page.locator("#pw-text mark.seg")).to_have_count(0)
    expect(page.locator("#pw-n-spans b")).to_have_text("0")
    expect(page.locator(".panel")).to_contain_text("No techniques layer")
    expect(page.locator(".panel section.layer")).to_have_count(3)
    assert_clean(page)


@pytest.mark.parametrize("path, ready", [("/docs", ".opblock"), ("/redoc", ".api-content h2")])
def test_api_docs_render_under_their_csp(page, server, path, ready):
    response = page.goto(f"{server}{path}")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self' 'sha256-" in csp or path == "/redoc"
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    expect(page.locator(ready).first).to_be_visible()
    page.wait_for_timeout(300)  # a late violation would show as a console error
    # ReDoc's "powered by" logo comes from its CDN: blocked on purpose (nothing loads from
    # another origin); every other violation is a console error that fails the test
    assert_clean(page, allow=("https://cdn.redoc.ly/redoc/logo-mini.svg",))


# ------------------------------------------------------------------ who says what

FILLER = "".join(f"Paragraph {n} of background, with nothing quoted in it.\n" for n in range(60))
WHO_TEXT = (FILLER + "🌾 \"They are evil traitors,\" the minister said. A military source told "
            "reporters the 🐍 convoy left. It is reported that 300 trucks waited. The port "
            "shipped 2 million tonnes in April.")
ROLES = ("source", "cue", "content")


def _at(phrase: str) -> dict:
    """A fragment of WHO_TEXT in the API's JSON form (code-point offsets, as Python counts)."""
    start = WHO_TEXT.index(phrase)
    return {"start": start, "end": start + len(phrase), "text": phrase}


WHO = {  # speaker button -> the text each role must light
    "the minister": {"source": "the minister", "cue": "said", "content": "\"They are evil traitors,\""},
    "A military source": {"source": "A military source", "cue": "told", "content": "the 🐍 convoy left"},
    "(no source)": {"source": "", "cue": "It is reported", "content": "300 trucks waited"},
}
CLAIM = "The port shipped 2 million tonnes in April."


def _who_items() -> list[dict]:
    return [{"source": [_at(w["source"])] if w["source"] else [], "cue": [_at(w["cue"])],
             "content": [_at(w["content"])], "speaker": None, "source_type": kind, "cites": None,
             "score": 0.9}
            for w, kind in zip(WHO.values(), ("government", "anonymous", "none"))]


def _who_summary() -> dict:
    claim = _at(CLAIM)
    return {"attributions": 3, "by_type": {"government": 1, "anonymous": 1, "none": 1},
            "attributed_share": 0.2, "anonymous_share": 0.05, "state_affiliated_outlets": [],
            "unattributed_claims": [{"start": claim["start"], "end": claim["end"]}]}


def lit(page: Page) -> dict[str, str]:
    """Role -> the text of the pieces of the article lit with its class, in text order."""
    return page.evaluate("""() => { const o = {};
        for (const r of ['source', 'cue', 'content', 'claim']) {
            o[r] = [...document.querySelectorAll('#pw-text .hl-' + r)].map(e => e.textContent).join(''); }
        return o; }""")


def check_who_says_what(page: Page) -> None:
    """The "Who says what" panel on the page (web UI or report): each speaker lights its source,
    cue and content, in three distinct styles, and scrolls to them; pressing again clears,
    another replaces; claims light too; it all works from the keyboard."""
    panel = page.locator('section.layer[data-layer="attributions"]')
    expect(panel.locator("h2")).to_contain_text("Who says what")
    expect(panel.locator("li.speaker")).to_have_count(3)
    expect(panel.locator("li.speaker.anon")).to_have_count(2)  # anonymous and no source
    expect(panel.locator('li.speaker[data-type="anonymous"] .stype')).to_have_text("⚠ anonymous")
    expect(panel.locator('li.speaker[data-type="none"] .stype')).to_have_text("⚠ no source")
    for role in (*ROLES, "claim"):  # the legend shows each style
        expect(panel.locator(f".hl-legend .hl-{role}")).to_be_visible()
    none = {"source": "", "cue": "", "content": "", "claim": ""}

    soldier = panel.locator("button.who", has_text="A military source")
    expect(soldier).to_have_attribute("aria-pressed", "false")
    soldier.click()
    expect(soldier).to_have_attribute("aria-pressed", "true")
    assert lit(page) == {**none, **WHO["A military source"]}
    expect(page.locator("#pw-text .hl-source").first).to_be_in_viewport()  # scrolled to it
    styles = page.evaluate("""() => Object.fromEntries(['source', 'cue', 'content'].map(r => {
        const s = getComputedStyle(document.querySelector('#pw-text .hl-' + r));
        return [r, [s.outlineStyle, s.textDecorationLine + ' ' + s.textDecorationColor,
                    s.boxShadow, s.backgroundColor]]; }))""")
    assert styles["source"][0] == "solid"            # a box round the source
    assert "underline" in styles["cue"][1]           # the cue underlined
    assert styles["content"][2] != "none"            # a bar under the content
    assert len({tuple(v) for v in styles.values()}) == 3, styles
    page.screenshot(path=str(SHOTS / f"who-{page.url.split(':')[0]}.png"))

    soldier.click()  # again: cleared
    expect(soldier).to_have_attribute("aria-pressed", "false")
    assert lit(page) == none

    minister = panel.locator("li.speaker", has_text="the minister").locator("ol button")
    minister.click()  # one statement
    assert lit(page) == {**none, **WHO["the minister"]}
    soldier.click()  # another replaces it
    expect(minister).to_have_attribute("aria-pressed", "false")
    assert lit(page) == {**none, **WHO["A military source"]}

    claim = panel.locator("button.claim")
    expect(claim).to_have_text(CLAIM)
    claim.click()
    assert lit(page) == {**none, "claim": CLAIM}

    nobody = panel.locator("button.who", has_text="(no source)")
    nobody.focus()
    page.keyboard.press("Enter")
    expect(nobody).to_have_attribute("aria-pressed", "true")
    assert lit(page) == {**none, **WHO["(no source)"]}
    page.keyboard.press("Space")
    assert lit(page) == none
    assert page.locator("#pw-text").text_content() == WHO_TEXT  # offsets untouched


def test_who_says_what_in_the_web_ui(page, server):
    layers = {"techniques": {"component": "techniques.v1", "version": "test-det", "kind": "span",
                             "summary": {"spans": 1, "techniques": {"Name_Calling,Labeling": 1},
                                         "covered_characters": 13, "coverage": 0.01},
                             "items": [{**_at("evil traitors"), "label": "Name_Calling,Labeling",
                                        "score": 0.8}]},
              "attributions": {"component": "attributions.v1", "version": "crf-test",
                               "kind": "attribution", "summary": _who_summary(),
                               "items": _who_items()}}
    answer = {"schema_version": 2, "id": "w", "source": None, "title": "Who", "outlet": None,
              "url": None, "published": None, "layers": layers, "boilerplate": [],
              "text": WHO_TEXT}
    page.route("**/api/analyze", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(answer)))
    analyze(page, server, WHO_TEXT)
    expect(page.locator("#pw-text mark.seg")).to_have_text("evil traitors")
    check_who_says_what(page)
    assert_clean(page)


def test_who_says_what_in_the_html_report(page, tmp_path):
    from propwatch import doc as d
    from propwatch.render.report import render_html

    def spans(fragments, role):
        return tuple(d.Span(f["start"], f["end"], role) for f in fragments)

    article = d.Article(id="who", text=WHO_TEXT, title="Who")
    items = tuple(d.Attribution(source=spans(i["source"], "source"), cue=spans(i["cue"], "cue"),
                                content=spans(i["content"], "content"),
                                source_type=i["source_type"])
                  for i in _who_items())
    traitors = _at("evil traitors")
    doc = d.Document(article, (
        d.technique_layer(article, [d.Span(traitors["start"], traitors["end"],
                                           "Name_Calling,Labeling", 0.8)], "test-det"),
        d.Layer("attributions", "attributions.v1", "crf-test", items, kind="attribution",
                summary=_who_summary())))
    path = tmp_path / "who.html"
    path.write_text(render_html(doc), encoding="utf-8")
    page.goto(path.as_uri())
    expect(page.locator("#pw-text mark.seg")).to_have_text("evil traitors")
    check_who_says_what(page)
    page.keyboard.press("Escape")  # in the report, Escape clears the marks too
    assert_clean(page)


def test_who_says_what_from_the_real_component(page, server):
    """Ticked, the analyze page asks for attributions; the first statement lights exactly the
    fragments the API gives for it."""
    text = ("Grain prices rose 40% in May. \"The blockade is strangling us,\" a port official "
            "told reporters. The port of Odesa shipped 2 million tonnes in April.")
    api = page.request.post(f"{server}/api/analyze?with=attributions",
                            data=json.dumps({"text": text}),
                            headers={"Content-Type": "application/json"}).json()
    items = api["layers"]["attributions"]["items"]
    assert items, "the port official is quoted"
    page.goto(f"{server}/#/analyze")
    page.get_by_label("Article text").fill(text)
    page.get_by_label("Also show who says what").check()
    page.get_by_role("button", name="Analyze", exact=True).click()
    panel = page.locator('section.layer[data-layer="attributions"]')
    expect(panel.locator("li.speaker").first).to_be_visible()
    panel.locator("li.speaker").first.locator("ol button").first.click()
    shown = lit(page)
    for role in ROLES:
        assert shown[role] == "".join(f["text"] for f in items[0][role]), role
    assert "".join(shown[r] for r in ROLES)  # something is lit
    assert_clean(page)


# ------------------------------------------------------------------ known claims

KC_TEXT = ("Syria says militants plan a provocation.\n\nThe White Helmets are preparing to stage "
           "a chemical attack in Idlib so that the Syrian government can be blamed, the ministry "
           "said. The weather in Idlib was mild on Monday afternoon.")
KC_EVIDENCE = ("The White Helmets are preparing to stage a chemical attack in Idlib so that the "
               "Syrian government can be blamed, the ministry said.")


@pytest.fixture(scope="module")  # torn down with the module: playwright leaves an event loop running
def kb_server(tmp_path_factory) -> str:
    """A store holding the known-claims fixture as knowledge base 'checks' (with vectors)."""
    from propwatch.kb.encoder import SentenceEncoder
    from propwatch.kb.loading import ensure_vectors
    from propwatch.kb.readers import read_kb
    from propwatch.server.app import ServerSettings, create_app
    from propwatch.store import Store

    db = str(tmp_path_factory.mktemp("ui-kb") / "kb.db")
    with Store(db) as store:
        store.import_claims("checks", read_kb("jsonl", ROOT / "tests" / "fixtures" / "kb" /
                                              "known-claims.jsonl"))
        ensure_vectors(store, "checks", SentenceEncoder())
    with _Server(create_app(ServerSettings(db=db, token=None))) as srv:
        yield srv.url


def check_known_claims(page: Page) -> None:
    """The "Known claims" panel (web UI or report): the White Helmets claim first, with its
    knowledge base, score, verdict and link; pressing it marks exactly its evidence sentence,
    pressing again clears."""
    panel = page.locator('section.layer[data-layer="matches"]')
    expect(panel.locator("h2")).to_contain_text("Known claims")
    first = panel.locator("li.known-claim").first
    expect(first).to_contain_text("The White Helmets are preparing a staged chemical attack")
    expect(first).to_contain_text("checks:kc-01")
    expect(first).to_contain_text("No evidence; the claim recurs")
    expect(first.locator("a")).to_have_attribute("href", "https://checks.example/white-helmets-staged")
    expect(first.locator(".score")).to_have_text(re.compile(r"^\d{1,3}%$"))
    claim = first.locator("button.claim")
    expect(claim).to_have_attribute("aria-pressed", "false")
    assert lit(page)["claim"] == ""
    claim.click()
    expect(claim).to_have_attribute("aria-pressed", "true")
    assert lit(page)["claim"] == KC_EVIDENCE
    expect(page.locator("#pw-text .hl-claim").first).to_be_in_viewport()
    page.screenshot(path=str(SHOTS / f"known-claims-{page.url.split(':')[0]}.png"))
    claim.click()  # again: cleared
    expect(claim).to_have_attribute("aria-pressed", "false")
    assert lit(page)["claim"] == ""
    assert page.locator("#pw-text").text_content() == KC_TEXT  # offsets untouched


def test_known_claims_in_the_web_ui_and_the_report(page, server, kb_server, tmp_path):
    """The analyze page offers the store's knowledge bases (none: no chooser); ticked, the
    analysis has a Known claims panel whose claims mark their evidence, as in the report."""
    page.goto(f"{server}/#/analyze")
    expect(page.get_by_label("Article text")).to_be_visible()
    expect(page.locator("#pw-kbs")).to_be_hidden()  # this store holds no knowledge base

    page.goto(f"{kb_server}/#/analyze")
    page.get_by_label("Article text").fill(KC_TEXT)
    choose = page.locator("#pw-kbs")
    expect(choose).to_be_visible()
    expect(choose).to_contain_text("10 claims")
    choose.get_by_label("checks").check()
    with page.expect_request("**/api/analyze?kb=checks") as asked:
        page.get_by_role("button", name="Analyze", exact=True).click()
    assert asked.value.method == "POST"
    check_known_claims(page)
    assert_clean(page)

    report = page.request.post(f"{kb_server}/api/report?kb=checks", data=json.dumps({"text": KC_TEXT}),
                               headers={"Content-Type": "application/json"})
    assert report.ok
    path = tmp_path / "known-claims.html"
    path.write_bytes(report.body())
    page.goto(path.as_uri())
    check_known_claims(page)
    assert_clean(page)

"""Tests for propwatch.render.report: machine formats, HTML pages, files and the terminal view."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rich.console import Console

from propwatch.doc import Analysis, Article, Span, technique_layer
from propwatch.render.report import (jsonl_record, render_html, render_index, render_terminal,
                                     semeval_lines, write_html)
from propwatch.techniques import BY_LABEL

# --------------------------------------------------------------------------- helpers


class _Grab(HTMLParser):
    """Collect the text content of the element with a given id, and its child elements."""

    def __init__(self, element_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.element_id = element_id
        self.depth = 0
        self.parts: list[str] = []
        self.children: list[tuple[str, dict[str, str | None], list[str]]] = []
        self._child: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.depth:
            self.depth += 1
            if self.depth == 2:
                self._child = []
                self.children.append((tag, attrs, self._child))
        elif attrs.get("id") == self.element_id:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1
            if self.depth == 1:
                self._child = None

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)
            if self._child is not None:
                self._child.append(data)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def _grab(page: str, element_id: str = "pw-text") -> _Grab:
    grab = _Grab(element_id)
    grab.feed(page)
    grab.close()
    return grab


def _data(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="pw-data">(.*?)</script>', page, re.S)
    assert match, "the page embeds its data as JSON"
    return json.loads(match.group(1))


def _marks(page: str) -> list[tuple[list[int], str, dict]]:
    """(span indices, text, attributes) of every highlighted segment, in order."""
    return [
        ([int(i) for i in attrs["data-s"].split()], "".join(parts), attrs)
        for tag, attrs, parts in _grab(page).children
        if tag == "mark"
    ]


def _analysis(text: str, spans, **meta) -> Analysis:
    boilerplate = meta.pop("boilerplate", ())
    detector = meta.pop("detector", "test-detector@1")
    article = Article(id=meta.pop("id", "a1"), text=text, boilerplate=boilerplate, **meta)
    return Analysis(article, (technique_layer(article, spans, detector),))


@pytest.fixture
def sample() -> Analysis:
    text = "Menu | Home\nThe corrupt elite lies again. Make Riverton great again! Share this"
    loaded = text.index("corrupt elite")
    slogan = text.index("Make Riverton great again!")
    return _analysis(
        text,
        [
            Span(slogan, slogan + len("Make Riverton great again!"), "Slogans", 0.9),
            Span(loaded, loaded + len("corrupt elite lies"), "Loaded_Language", 0.83,
                 reason="charged words"),
            Span(loaded, loaded + len("corrupt elite"), "Name_Calling,Labeling", 0.61),
        ],
        id="article/42",
        title="Riverton news",
        outlet="The Ledger",
        published="2024-05-14",
        url="https://example.org/a?x=1&y=2",
        source="in/a.html",
        boilerplate=((0, len("Menu | Home")), (text.index("Share this"), len(text))),
    )


# --------------------------------------------------------------------------- machine formats


def test_jsonl_record_fields_and_span_text(sample: Analysis) -> None:
    record = jsonl_record(sample)
    for key in ("id", "source", "title", "outlet", "published", "spans"):
        assert key in record
    assert record["id"] == "article/42"
    assert record["source"] == "in/a.html"
    assert record["title"] == "Riverton news"
    assert record["outlet"] == "The Ledger"
    assert record["published"] == "2024-05-14"
    assert record["url"] == "https://example.org/a?x=1&y=2"
    assert record["detector"] == "test-detector@1"
    assert record["summary"]["spans"] == 3
    assert len(record["spans"]) == 3
    for span in record["spans"]:
        assert {"start", "end", "technique", "score", "text"} <= span.keys()
        assert span["text"] == sample.article.text[span["start"] : span["end"]]
    assert [s["start"] for s in record["spans"]] == sorted(s["start"] for s in record["spans"])
    reasons = {s["technique"]: s.get("reason") for s in record["spans"]}
    assert reasons == {"Loaded_Language": "charged words", "Name_Calling,Labeling": None,
                       "Slogans": None}
    json.loads(json.dumps(record))  # serialisable as is


def test_semeval_lines_exact_labels_sorted(sample: Analysis) -> None:
    lines = semeval_lines(sample)
    assert len(lines) == 3
    rows = [line.split("\t") for line in lines]
    assert all(len(row) == 4 for row in rows)
    assert [int(r[2]) for r in rows] == sorted(int(r[2]) for r in rows)
    assert {r[1] for r in rows} == {"Slogans", "Loaded_Language", "Name_Calling,Labeling"}
    assert all(r[1] in BY_LABEL for r in rows)
    first = sample.spans[0]
    assert lines[0] == f"article/42\t{first.technique}\t{first.start}\t{first.end}"


def test_semeval_lines_keep_the_format_for_odd_ids() -> None:
    analysis = _analysis("abc def", [Span(4, 7, "Doubt")], id="x\ty\nz")
    assert semeval_lines(analysis) == ["x y z\tDoubt\t4\t7"]
    assert semeval_lines(_analysis("abc", [])) == []


# --------------------------------------------------------------------------- HTML


def test_html_escapes_text_and_metadata() -> None:
    text = 'Hi <script>alert(1)</script> and "><img src=x onerror=alert(2)> & more </div>'
    start = text.index("<script>")
    img = text.index('"><img')
    analysis = _analysis(
        text,
        [
            Span(start, start + len("<script>alert(1)</script>"), "Loaded_Language", 0.5,
                 reason="</script><script>alert(3)</script><!--"),
            Span(img, len(text), "<b>bold</b>", 0.4),
        ],
        title="<script>alert(4)</script>",
        outlet='"><img src=x onerror=alert(5)>',
        published="<i>2020</i>",
        source="<svg onload=alert(6)>",
        url="javascript:alert(7)",
        id='"><script>alert(8)</script>',
    )
    page = render_html(analysis)
    for raw in ("<script>alert", "<img src=x", "<svg onload", "<b>bold</b>", "<i>2020</i>",
                'href="javascript:'):
        assert raw not in page, raw
    assert page.count("<script") == 2  # the JSON data block and our own code
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in page
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in page  # title
    # the JSON block cannot be ended or commented out by data
    block = re.search(r'id="pw-data">(.*?)</script>', page, re.S).group(1)
    assert "</" not in block and "<!--" not in block and "<" not in block
    data = _data(page)
    assert data["spans"][0]["reason"] == "</script><script>alert(3)</script><!--"
    assert {t["label"] for t in data["techniques"]} == {"Loaded_Language", "<b>bold</b>"}
    # a javascript: URL stays text, never a link
    assert "javascript:alert(7)" in page
    assert _grab(page).text == text


def test_html_links_only_web_urls_with_noopener(sample: Analysis) -> None:
    page = render_html(sample)
    assert 'href="https://example.org/a?x=1&amp;y=2"' in page
    link = re.search(r'<a href="https://example.org[^>]*>', page).group(0)
    assert 'rel="noopener' in link


def test_the_canonical_url_is_shown_when_it_differs_from_the_url(sample: Analysis) -> None:
    from dataclasses import replace

    assert "Canonical URL" not in render_html(sample)  # none given
    same = replace(sample, article=replace(sample.article, canonical_url=sample.article.url))
    assert "Canonical URL" not in render_html(same)  # shown once when they agree
    other = replace(sample, article=replace(sample.article,
                                            canonical_url="https://example.org/a"))
    page = render_html(other)
    assert "Canonical URL" in page and 'href="https://example.org/a"' in page
    console = Console(record=True, width=120)
    render_terminal(other, console)
    assert "Canonical URL" in console.export_text()
    assert jsonl_record(other)["canonical_url"] == "https://example.org/a"


@pytest.mark.parametrize(
    "text",
    [
        "Emoji 👩‍👩‍👧 family 🇺🇦 flag\r\nСлава\tтабуляция\r\n\r\nعربي نص 中文字符 — end\n",
        "\r\n\tleading whitespace, lone\rCR, trailing spaces   \n\n",
        "a",
    ],
)
def test_html_text_is_exact_and_offsets_map(text: str) -> None:
    n = len(text)
    spans = [Span(0, min(n, 3), "Doubt", 0.3)]
    if n > 10:
        spans += [
            Span(2, 9, "Loaded_Language", 0.7),  # overlaps the first, cuts inside the emoji ZWJ run
            Span(5, n - 2, "Repetition", 0.6),
            Span(n - 4, n, "Slogans", 0.9),
        ]
    boilerplate = ((n - 3, n - 1),) if n > 10 else ()
    analysis = _analysis(text, spans, boilerplate=boilerplate)
    page = render_html(analysis)
    assert "\r" not in page  # an HTML parser folds raw CR into LF; it must be a reference
    assert "white-space: pre-wrap" in page
    assert _grab(page).text == text
    # every span's highlighted segments spell exactly its characters
    marks = _marks(page)
    for i, span in enumerate(analysis.spans):
        covered = "".join(t for ids, t, _ in marks if i in ids)
        assert covered == text[span.start : span.end]


def test_html_overlapping_spans_stay_visible() -> None:
    text = "They are the worst traitors ever known."
    a = text.index("the worst traitors")
    b = text.index("traitors ever")
    analysis = _analysis(
        text,
        [
            Span(a, a + len("the worst traitors"), "Exaggeration,Minimisation", 0.8,
                 reason="superlative"),
            Span(b, b + len("traitors ever"), "Name_Calling,Labeling", 0.65),
        ],
    )
    page = render_html(analysis)
    marks = _marks(page)
    assert [t for _, t, _ in marks] == ["the worst ", "traitors", " ever"]
    shared_ids, _, shared_attrs = marks[1]
    assert shared_ids == [0, 1]
    assert shared_attrs["data-n"] == "2"  # count badge
    assert "repeating-linear-gradient" in shared_attrs["style"]  # both colours
    for label in ("Exaggeration,Minimisation", "Name_Calling,Labeling"):
        assert BY_LABEL[label].color in shared_attrs["style"]
        assert BY_LABEL[label].name in shared_attrs["title"]
    assert "superlative" in shared_attrs["title"]
    # the popup data resolves the shared segment to both techniques with name, definition, score
    data = _data(page)
    popup = [data["techniques"][data["spans"][i]["t"]] for i in shared_ids]
    assert {t["label"] for t in popup} == {"Exaggeration,Minimisation", "Name_Calling,Labeling"}
    assert all(t["name"] and t["definition"] for t in popup)
    assert [data["spans"][i]["score"] for i in shared_ids] == [0.8, 0.65]
    # both spans get a numbered end marker
    assert re.search(r'<sup class="mk" data-i="0" data-n="1"', page)
    assert re.search(r'<sup class="mk" data-i="1" data-n="2"', page)


def test_html_nested_spans_and_same_range() -> None:
    text = "one two three four five"
    analysis = _analysis(
        text,
        [Span(0, 23, "Doubt"), Span(4, 13, "Repetition"), Span(4, 13, "Slogans"), Span(8, 13, "Doubt")],
    )
    marks = _marks(render_html(analysis))
    by_text = {t: ids for ids, t, _ in marks}
    assert by_text["three"] == [0, 1, 2, 3]
    assert by_text["two "] == [0, 1, 2]
    assert "".join(t for _, t, _ in marks) == text


def test_html_panel_counts_boilerplate_and_metadata(sample: Analysis) -> None:
    page = render_html(sample)
    assert '<span class="bp"' in page and "Menu | Home" in page
    panel = html.unescape(re.sub(r"<[^>]+>", " ", page.split('<aside', 1)[1].split("</aside>")[0]))
    panel = " ".join(panel.split())
    for needle in ("Loaded language", "Loaded_Language", "Name calling / labeling", "Slogans",
                   "3 spans", "The Ledger", "2024-05-14", "in/a.html", "test-detector@1",
                   "article/42", BY_LABEL["Slogans"].definition):
        assert needle in panel, needle
    coverage = f"{sample.summary['coverage'] * 100:.1f}%"
    assert coverage in panel
    assert re.search(r'<input type="checkbox" class="js-only" data-t="\d+" checked', page)


def test_html_is_self_contained(sample: Analysis) -> None:
    page = render_html(sample)
    assert page.startswith("<!DOCTYPE html>")
    assert "<style>" in page and "<link" not in page
    assert not re.search(r"""\ssrc\s*=""", page)
    assert "@import" not in page and "url(" not in page
    # the only external address is the article's own URL (shown as a link)
    addresses = set(re.findall(r"https?://[^\s\"'<>]+", page))
    assert addresses <= {"https://example.org/a?x=1&amp;y=2"}
    # the inline script is pinned by the CSP hash, so injected scripts could not run
    script = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(script) == 1
    digest = base64.b64encode(hashlib.sha256(script[0].encode()).digest()).decode()
    csp = html.unescape(
        re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    )
    assert f"'sha256-{digest}'" in csp and "default-src 'none'" in csp


def test_html_without_spans_and_unknown_technique() -> None:
    page = render_html(_analysis("Nothing to see here.", []))
    assert "No propaganda techniques were found" in page
    assert _grab(page).text == "Nothing to see here."
    page = render_html(_analysis("abc def", [Span(0, 3, "propaganda", 0.5)]))
    assert "propaganda" in page and "#dddddd" in page
    page = render_html(_analysis("", []))
    assert _grab(page).text == ""


# --------------------------------------------------------------------------- index and files


def test_render_index_links_and_counts(sample: Analysis) -> None:
    other = _analysis(
        "Plain <b>text</b>", [Span(0, 5, "Doubt", 0.4)], id="b", title="Second & <last>",
        outlet="Wire", published="2021-01-02",
    )
    page = render_index([(sample, "article-42.html"), (other, "sub dir/b.html"),
                         (other, "javascript:alert(1)")])
    assert 'href="article-42.html"' in page
    assert 'href="sub%20dir/b.html"' in page
    assert 'href="javascript:' not in page
    assert "Second &amp; &lt;last&gt;" in page and "<last>" not in page
    for needle in ("Riverton news", "The Ledger", "2024-05-14", "Wire", "2021-01-02",
                   "Loaded language", "Name calling / labeling", "Slogans", "Doubt"):
        assert needle in page, needle
    row = re.findall(r"<tr>.*?</tr>", page.split("<tbody>")[1], re.S)
    assert len(row) == 3
    assert 'data-v="3">3</td>' in row[0]
    assert "Doubt <b>1</b>" in row[1]
    assert "Doubt <b>2</b>" in page  # totals across articles
    assert "3 articles analysed" in page


def test_write_html_single_file(tmp_path: Path, sample: Analysis) -> None:
    out = tmp_path / "deep" / "nested" / "report.html"
    paths = write_html([sample], out)
    assert paths == [out]
    assert out.read_text(encoding="utf-8") == render_html(sample)
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["report.html"]


def test_write_html_directory_unique_safe_names(tmp_path: Path, sample: Analysis) -> None:
    ids = ["a/b", "a-b", "dup", "dup", "DUP", "../../etc/passwd", "index", "", "ÉTÉ 2020", "CON"]
    analyses = [_analysis(f"text {k}", [Span(0, 4, "Doubt")], id=i, title=f"T{k}")
                for k, i in enumerate(ids)]
    out = tmp_path / "site"
    paths = write_html(analyses, out)
    assert len(paths) == len(ids) + 1
    assert paths[-1] == out / "index.html"
    names = [p.name for p in paths[:-1]]
    assert len({n.lower() for n in names}) == len(names)
    assert "index.html" not in names
    for path in paths:
        assert path.parent == out and path.is_file()
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*\.html", path.name)
    assert names[0] == "a-b.html" and names[1] != "a-b.html"
    assert names[8] == "ETE-2020.html"
    index = paths[-1].read_text(encoding="utf-8")
    for name in names:
        assert f'href="{name}"' in index
    assert 'href="index.html"' in paths[0].read_text(encoding="utf-8")
    assert not (tmp_path / "etc").exists()


def test_write_html_directory_for_one_analysis(tmp_path: Path, sample: Analysis) -> None:
    paths = write_html([sample], tmp_path / "out")
    assert [p.name for p in paths] == ["article-42.html", "index.html"]


# --------------------------------------------------------------------------- terminal


def test_render_terminal_legend_markers_and_list(sample: Analysis) -> None:
    console = Console(record=True, width=100)
    render_terminal(sample, console)
    out = console.export_text()
    assert "Riverton news" in out and "The Ledger" in out and "2024-05-14" in out
    assert "in/a.html" in out and "test-detector@1" in out
    # text with markers after each span end; overlapping spans both numbered
    assert "corrupt elite[1] lies[2]" in out
    assert "Make Riverton great again![3]" in out
    assert "Menu | Home" in out  # boilerplate shown (dimmed)
    # legend: name, count, definition
    assert re.search(r"Loaded language\s+1\s+Uses words with strong", out)
    assert "Name calling / labeling" in out and "Slogans" in out
    # span list
    assert "[1] Name calling / labeling 0.61 'corrupt elite'" in out
    assert "[2] Loaded language 0.83 'corrupt elite lies'  (charged words)" in out
    assert "[3] Slogans 0.90 'Make Riverton great again!'" in out
    coverage = f"{sample.summary['coverage'] * 100:.1f}%"
    assert f"{coverage} of the content covered" in out


def test_render_terminal_colours_inner_span_and_is_markup_safe() -> None:
    text = "[bold]not markup[/bold] outer inner outer \x1b[31mred"
    outer = text.index("outer")
    inner = text.index("inner")
    analysis = _analysis(
        text,
        [Span(outer, text.rindex("outer") + 5, "Doubt", 0.5), Span(inner, inner + 5, "Slogans", 0.7)],
    )
    console = Console(record=True, width=100, color_system="truecolor", force_terminal=True)
    render_terminal(analysis, console)
    plain = console.export_text(clear=False)
    assert "[bold]not markup[/bold]" in plain
    assert "\x1b[31m" not in plain
    # the inner span wins the colour of its characters
    styled = console.export_text(styles=True)
    slogans = BY_LABEL["Slogans"].color.lstrip("#")
    rgb = ";".join(str(int(slogans[k : k + 2], 16)) for k in (0, 2, 4))
    assert re.search(rf"48;2;{rgb}m[^\x1b]*inner", styled)


def test_render_terminal_without_spans() -> None:
    console = Console(record=True, width=80)
    render_terminal(_analysis("Calm text.", []), console)
    out = console.export_text()
    assert "Calm text." in out and "No propaganda techniques found." in out
    assert "0 spans" in out

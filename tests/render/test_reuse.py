"""The reuse HTML report: exact passage text, word diff, outlet graph SVG, clusters, escaping,
self-containment and the files written."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from propwatch.doc import Article, Cluster, Passage, ReuseLink
from propwatch.reuse import OutletEdge, ReuseOptions, ReuseResult, find_reuse, outlet_graph
from propwatch.render.reuse import diff_html, render_reuse_html, write_reuse_html

# --------------------------------------------------------------------------- helpers


class _Texts(HTMLParser):
    """Text content of every element carrying ``cls``, with its attributes, in document order;
    and of every element by id."""

    def __init__(self, cls: str = "ptext") -> None:
        super().__init__(convert_charrefs=True)
        self.cls = cls
        self.found: list[tuple[dict, list[str]]] = []
        self.open: list[list[str] | None] = []  # one entry per open element

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("br", "img", "input", "meta", "circle", "path", "polygon"):
            return  # void (or self-closing) elements hold no text
        parts = None
        if self.cls in (attrs.get("class") or "").split():
            parts = []
            self.found.append((attrs, parts))
        self.open.append(parts)

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if tag in ("br", "img", "input", "meta", "circle", "path", "polygon"):
            return
        if self.open:
            self.open.pop()

    def handle_data(self, data):
        for parts in self.open:
            if parts is not None:
                parts.append(data)


def _texts(page: str, cls: str = "ptext") -> list[tuple[dict, str]]:
    parser = _Texts(cls)
    parser.feed(page)
    parser.close()
    return [(attrs, "".join(parts)) for attrs, parts in parser.found]


def _text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def _assert_exact(page: str, articles: dict[str, Article]) -> int:
    """Every passage element spells exactly its slice of the article; returns how many."""
    found = _texts(page)
    for attrs, text in found:
        article = articles[attrs["data-article"]]
        assert text == article.text[int(attrs["data-start"]):int(attrs["data-end"])]
    return len(found)


STORY = ("The Port Authority of Calder Bay fined the shipping company Meridian Freight 2.4 "
         "million crowns on Monday after inspectors found that three of its vessels had "
         "discharged ballast water inside the protected estuary on at least eleven occasions.\n\n"
         "The company said it would appeal the decision and described the fine as "
         "disproportionate, while the harbour master promised a review of every permit.")
PENSION = ("The Ministry of Finance announced that the state pension fund will raise its "
           "allocation to domestic infrastructure from four to nine percent over three years, "
           "a shift officials said would fund new railway lines, two hospitals and the "
           "expansion of the northern power grid before the end of the decade.")
EDITED = (STORY.replace("fined the shipping company", "slapped the shipping giant")
          .replace("on Monday", "on  Monday\r\n")
          .replace("disproportionate,", "disproportionate. Critics say it has friends,"))


def _articles() -> dict[str, Article]:
    items = [
        Article("wire-1", "WIRE — " + STORY, title="Port fines firm", outlet="Coastal Wire",
                published="2024-03-04"),
        Article("daily-7", "Outrage!\n" + EDITED + "\nShare this.", title="RECORD fine",
                outlet="Daily Lantern", published="2024-03-05"),
        Article("blog-3", "Read it: " + STORY, outlet="free blog", published=None),
        Article("herald-2", STORY + "\n🇺🇦 emoji\ttab", outlet="Herald", published="2024-03-07"),
        Article("min-1", PENSION, outlet="Ministry", published="2024-03-02"),
        Article("bul-1", "Official: " + PENSION, outlet="Bulletin", published="2024-03-02"),
    ]
    return {a.id: a for a in items}


def _run(articles: dict[str, Article]) -> tuple[ReuseResult, list[OutletEdge]]:
    result = find_reuse(list(articles.values()))
    edges = outlet_graph(result.links, {i: a.outlet for i, a in articles.items()},
                         {i: a.published for i, a in articles.items()})
    return result, edges


@pytest.fixture(scope="module")
def corpus() -> tuple[dict[str, Article], ReuseResult, list[OutletEdge]]:
    articles = _articles()
    result, edges = _run(articles)
    return articles, result, edges


def _manual(ids=("a", "b"), texts=None, **meta) -> tuple[dict[str, Article], ReuseResult]:
    """Two articles, one link covering both texts entirely, one cluster."""
    texts = texts or ("same words here", "same words there")
    articles = {i: Article(i, t, **meta.get(i, {})) for i, t in zip(ids, texts)}
    a, b = sorted(ids)
    link = ReuseLink(a, 0, len(articles[a].text), b, 0, len(articles[b].text), 0.8)
    cluster = Cluster("c1", (Passage(a, 0, len(articles[a].text)),
                             Passage(b, 0, len(articles[b].text))),
                      None, "no member has a publication date")
    return articles, ReuseResult([link], [cluster], {"articles": 2, "links": 1, "align_s": 0.25})


# --------------------------------------------------------------------------- word diff


def test_diff_marks_changed_inserted_and_deleted_words() -> None:
    left = "the council fined the company on Monday."
    right = "the council slapped the company, on Monday and more."
    diff = diff_html(left, right)
    assert "<del>fined</del>" in diff.left and "<ins>slapped</ins>" in diff.right
    assert "<ins>,</ins>" in diff.right
    assert "<ins>and more</ins>" in diff.right  # spaces around a changed run stay plain
    assert "<del>" not in diff.right and "<ins>" not in diff.left
    assert (diff.removed, diff.added, diff.changed) == (1, 3, True)  # "," is no word
    assert _text_of(diff.left) == left and _text_of(diff.right) == right


def test_diff_identical_and_rewrapped_text_is_plain() -> None:
    diff = diff_html("one two\nthree", "one  two three")
    assert "<del>" not in diff.left and "<ins>" not in diff.right
    assert (diff.removed, diff.added, diff.changed) == (0, 0, False)
    assert _text_of(diff.right) == "one  two three"
    case = diff_html("Meridian Freight said", "MERIDIAN FREIGHT said")
    assert case.case_only and (case.removed, case.added) == (2, 2)
    assert "<del>Meridian Freight</del>" in case.left
    assert not diff_html("a b", "A c").case_only


@pytest.mark.parametrize("left,right", [
    ("a <b>&amp; \r\n\ttabs  and   spaces\r", "a <b>& tabs and spaces!"),
    ("👩‍👩‍👧 family 🇺🇦 flag — «quoted»", "👩‍👩‍👧 famille 🇺🇦 — «cité»"),
    ("", "only right"),
    ("only left", ""),
])
def test_diff_keeps_every_character(left: str, right: str) -> None:
    diff = diff_html(left, right)
    page = f'<div class="ptext">{diff.left}</div><div class="ptext">{diff.right}</div>'
    assert [t for _, t in _texts(page)] == [left, right]
    assert "\r" not in diff.left + diff.right  # a raw CR would be read back as LF


# --------------------------------------------------------------------------- the page


def test_page_text_is_exact_everywhere(corpus) -> None:
    articles, result, edges = corpus
    page = render_reuse_html(result, articles, edges)
    assert "white-space: pre-wrap" in page
    assert "\r" not in page
    # every member of every cluster, and both sides of the links shown, character for character
    assert _assert_exact(page, articles) >= sum(len(c.members) for c in result.clusters)
    ids = [attrs["id"] for attrs, _ in _texts(page)]
    assert len(ids) == len(set(ids))


def test_page_summary_numbers_and_timings(corpus) -> None:
    articles, result, edges = corpus
    page = render_reuse_html(result, articles, edges)
    summary = page.split('class="card block summary"')[1].split("</section>")[0]
    for number, label in ((6, "articles"), (result.stats["candidate_pairs"], "candidate pairs"),
                          (len(result.links), "links"), (len(result.clusters), "clusters"),
                          (6, "outlets")):
        assert f'<div class="stat"><b>{number}</b><span>{label}</span></div>' in summary
    for key in result.stats:
        assert f"<code>{key}</code>" in page
    assert re.search(r"<code>align_s</code></th><td class=\"n\">[\d.,]+ s</td>", page)


def test_graph_has_one_node_per_outlet_and_one_path_per_edge(corpus) -> None:
    articles, result, edges = corpus
    page = render_reuse_html(result, articles, edges)
    svg = re.search(r'<svg id="pw-graph".*?</svg>', page, re.S).group(0)
    outlets = {e.source for e in edges} | {e.target for e in edges}
    assert outlets == {"Coastal Wire", "Daily Lantern", "Herald"}
    nodes = re.findall(r'<g class="node (?:src|dst|mix)" data-n="(\d+)"', svg)
    assert len(nodes) == len(outlets)
    labels = re.findall(r"<text [^>]*>([^<]*)</text>", svg)
    assert sorted(labels) == sorted(outlets)
    assert len(re.findall(r'<path class="e"', svg)) == len(edges)
    assert len(re.findall(r'<polygon class="ah"', svg)) == len(edges)  # an arrowhead each
    titles = re.findall(r'<g class="edge"[^>]*><title>([^<]*)</title>', svg)
    assert len(titles) == len(edges)
    for edge in edges:
        assert f"{edge.source} → {edge.target}: {edge.links} link" in "\n".join(titles)
        assert f"{edge.characters:,} characters" in "\n".join(titles)
    widths = [float(w) for w in re.findall(r'stroke-width="([\d.]+)"', svg)]
    chars = [e.characters for e in edges]
    assert widths[chars.index(max(chars))] == max(widths)  # thickness follows characters
    # the origin outlet sends, the last one receives
    assert re.search(r'<g class="node src"[^>]*><title>Coastal Wire', svg)
    assert re.search(r'<g class="node dst"[^>]*><title>Herald', svg)


def test_graph_keeps_the_top_outlets_and_says_how_many_are_left_out() -> None:
    edges = [OutletEdge(f"o{k}", f"o{k + 1}", 1, 1000 - 100 * k) for k in range(6)]
    articles, result = _manual()
    page = render_reuse_html(result, articles, edges, max_outlets=3)
    svg = re.search(r'<svg id="pw-graph".*?</svg>', page, re.S).group(0)
    assert len(re.findall(r'<g class="node', svg)) == 3
    assert len(re.findall(r'<path class="e"', svg)) == 2  # o0->o1, o1->o2
    assert "4 more outlets and 4 edges are left out" in page
    page = render_reuse_html(result, articles, [])
    assert "<svg" not in page and "No outlet edges" in page


def test_clusters_list_links_to_sections_with_origin_and_dates(corpus) -> None:
    articles, result, edges = corpus
    story = next(c for c in result.clusters if any(p.article_id == "wire-1" for p in c.members))
    pension = next(c for c in result.clusters if c is not story)
    assert len(story.members) == 4 and pension.origin is None  # a tie on the earliest date
    # the origin policy is the engine's; the page shows whatever origin a cluster carries
    story = Cluster(story.id, story.members, "wire-1", "published first, on 2024-03-04")
    result = ReuseResult(result.links, [story, pension], result.stats)
    page = render_reuse_html(result, articles, edges)
    table = page.split('id="pw-clusters"')[1].split("</table>")[0]
    for cluster in result.clusters:
        anchor = f"cluster-{cluster.id}"
        assert f'<a href="#{anchor}">{cluster.id}</a>' in table
        assert f'id="{anchor}"' in page
    rows = table.split("<tr>")
    assert rows[2].count(story.id) and rows[3].count(pension.id)  # the bigger cluster first
    assert "Coastal Wire" in rows[2] and "wire-1" in rows[2]
    assert "2024-03-04 – 2024-03-07 (+1 undated)" in rows[2]
    assert "<i>unknown</i>" in rows[3] and html.escape(pension.origin_note) in rows[3]
    # the section lists members by date, undated last, and marks the origin
    section = page.split(f'id="cluster-{story.id}"')[1].split("</section>")[0]
    assert "published first, on 2024-03-04" in section
    members = section.split('<ol class="members">')[1].split("</ol>")[0]
    order = re.findall(r'data-article="([^"]+)"', members)
    assert order == ["wire-1", "daily-7", "herald-2", "blog-3"]
    assert members.count('class="member is-origin"') == 1
    assert re.search(r'class="member is-origin"><div class="mhead"><b>Coastal Wire</b>', members)
    section = page.split(f'id="cluster-{pension.id}"')[1].split("</section>")[0]
    assert "origin unknown" in section and "is-origin" not in section


def test_aligned_pairs_put_the_earlier_article_left_and_show_the_score(corpus) -> None:
    articles, result, edges = corpus
    page = render_reuse_html(result, articles, edges)
    link = next(l for l in result.links if {l.a, l.b} == {"daily-7", "wire-1"})
    assert link.a == "daily-7"  # ids order it after wire-1's later copy...
    pairs = re.findall(r'<article class="pair">.*?</article>', page, re.S)
    pair = next(p for p in pairs if 'data-article="daily-7"' in p and 'data-article="wire-1"' in p)
    cols = _texts(pair)
    assert [a["data-article"] for a, _ in cols] == ["wire-1", "daily-7"]  # ...but it goes right
    assert cols[0][1] == articles["wire-1"].text[link.b_start:link.b_end]
    assert cols[1][1] == articles["daily-7"].text[link.a_start:link.a_end]
    assert "<del>fined</del>" in pair and "<ins>slapped</ins>" in pair
    assert "disproportionate<ins>. Critics say it has friends</ins>, while" in pair
    assert 'badge first">earlier' in pair
    pct = f"{int(link.score * 1000) / 10:.1f}% match"
    assert pct in pair
    verbatim = next(p for p in pairs if 'data-article="herald-2"' in p
                    and 'data-article="wire-1"' in p)
    assert "100% match" in verbatim and "same words" in verbatim and "<del>" not in verbatim


def test_everything_is_escaped() -> None:
    evil = '<script>alert(1)</script>'
    ids = ('"><script>alert(2)</script>', "<img src=x onerror=alert(3)>")
    texts = (f"Text {evil} & </div> shared words", f"Text {evil} & </div> shared words!")
    meta = {ids[0]: {"outlet": f"Out{evil}", "title": "<b>bold</b>", "published": "<i>2020</i>"},
            ids[1]: {"outlet": '"><svg onload=alert(4)>', "published": "2021-01-01"}}
    articles, result = _manual(ids, texts, **meta)
    result.stats["<script>k</script>"] = "<script>v</script>"
    edges = [OutletEdge(f"Out{evil}", '"><svg onload=alert(4)>', 1, 20)]
    page = render_reuse_html(result, articles, edges)
    for raw in ("<script>alert", "<img src=x", "<svg onload", "<b>bold</b>", "<i>2020</i>",
                "<script>k", "<script>v"):
        assert raw not in page, raw
    assert page.count("<script") == 1  # our own code only
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert _assert_exact(page, articles) == 6  # 2 members; the link on top and in its section
    assert "</div> shared" not in page


def test_page_is_self_contained_with_a_pinned_script(corpus) -> None:
    articles, result, edges = corpus
    page = render_reuse_html(result, articles, edges)
    assert page.startswith("<!DOCTYPE html>")
    assert "<style>" in page and "<link" not in page and "@import" not in page
    assert not re.search(r"""\ssrc\s*=""", page) and "url(" not in page
    assert not re.findall(r"https?://", page)
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    csp = html.unescape(
        re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1))
    assert f"'sha256-{digest}'" in csp and "default-src 'none'" in csp
    assert "--accent" in page and "propwatch</span> · text reuse report" in page


def test_missing_article_text_is_said_not_crashed() -> None:
    articles, result = _manual()
    del articles["b"]
    page = render_reuse_html(result, articles, [])
    assert "The text of this article was not given." in page
    assert "no diff" in page
    assert _assert_exact(page, articles) == 3  # a's member passage, a's side of the link twice


# --------------------------------------------------------------------------- files


def test_write_single_file(tmp_path: Path, corpus) -> None:
    articles, result, edges = corpus
    out = tmp_path / "deep" / "reuse.html"
    assert write_reuse_html(result, articles, edges, out) == [out]
    assert out.read_text(encoding="utf-8") == render_reuse_html(result, articles, edges)
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["reuse.html"]


def test_write_directory_index_and_cluster_pages(tmp_path: Path, corpus) -> None:
    articles, result, edges = corpus
    out = tmp_path / "site"
    paths = write_reuse_html(result, articles, edges, out)
    assert paths[-1] == out / "index.html"
    assert [p.name for p in paths[:-1]] == [f"cluster-{c.id}.html" for c in result.clusters]
    index = paths[-1].read_text(encoding="utf-8")
    for path, cluster in zip(paths, result.clusters):
        assert f'href="{path.name}"' in index
        page = path.read_text(encoding="utf-8")
        assert 'href="index.html"' in page
        assert _assert_exact(page, articles) >= len(cluster.members)
        assert page.count("<script") == 1
    assert 'class="member' not in index  # members live on the cluster pages
    assert _assert_exact(index, articles) > 0  # the top links, aligned


def test_write_directory_names_are_safe_and_unique(tmp_path: Path) -> None:
    articles, result = _manual()
    ids = ["a/b", "a-b", "A-B", "../../etc/passwd", "index", "", "CON", "ÉTÉ"]
    link = result.links[0]
    clusters = [Cluster(i, result.clusters[0].members) for i in ids]
    result = ReuseResult([link], clusters, {})
    paths = write_reuse_html(result, articles, [], tmp_path / "out")
    names = [p.name for p in paths[:-1]]
    assert len(paths) == len(ids) + 1 and paths[-1].name == "index.html"
    assert len({n.lower() for n in names}) == len(names)
    for path in paths:
        assert path.parent == tmp_path / "out" and path.is_file()
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*\.html", path.name)
    assert names[0] == "cluster-a-b.html" and names[-1] == "cluster-ETE.html"
    assert not (tmp_path / "etc").exists()


def test_pages_say_the_origin_basis_and_order_members_by_time(tmp_path: Path) -> None:
    """Issue 14: the HTML says how the origin was found, and times of day order members."""
    texts = ("same words here", "same words there", "same words elsewhere")
    meta = {"a": {"published": "2024-03-04T18:00:00+00:00", "outlet": "Evening"},
            "b": {"published": "2024-03-04T09:30+02:00", "outlet": "Morning"},
            "c": {"outlet": "Undated"}}
    articles = {i: Article(i, t, **meta[i]) for i, t in zip("abc", texts)}
    result = find_reuse(list(articles.values()), ReuseOptions(min_chars=5, ngram=2, window=1))
    named = Cluster("c1", tuple(Passage(i, 0, len(t)) for i, t in zip("abc", texts)), "b",
                    "published first of the 2 dated members", "earliest dated; 1 undated", 0.8)
    tied = Cluster("c2", (Passage("a", 0, 4), Passage("b", 0, 4)), None, "2 members: a tie",
                   "tie", 0.0)
    result = ReuseResult(result.links, [named, tied], result.stats)
    page = render_reuse_html(result, articles, [])
    table = page.split('id="pw-clusters"')[1].split("</table>")[0]
    assert "basis: earliest of the dated members; 1 undated (not compared) · confidence 0.80" in (
        html.unescape(table))
    assert "basis: a tie" in html.unescape(table)
    section = page.split('id="cluster-c1"')[1].split("</section>")[0]
    assert 'data-basis="earliest dated; 1 undated"' in section
    members = section.split('<ol class="members">')[1].split("</ol>")[0]
    assert re.findall(r'data-article="([^"]+)"', members) == ["b", "a", "c"]
    assert "2024-03-04 09:30 +02:00" in members and "2024-03-04 18:00:00 +00:00" in members
    written = write_reuse_html(result, articles, [], tmp_path / "out")
    cluster_page = next(p for p in written if "c2" in p.name).read_text(encoding="utf-8")
    assert 'class="badge unknown">origin unknown' in cluster_page and 'data-basis="tie"' in (
        cluster_page)

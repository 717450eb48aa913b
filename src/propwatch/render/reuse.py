"""A self-contained HTML view of a reuse analysis: summary, outlet graph (inline SVG laid out
here, no script library), reprint clusters with their members, and aligned passages side by
side with a word-level diff.

The look, the escaping and the Content-Security-Policy are those of the technique report
(``propwatch.render.report``): same CSS variables and header, every value escaped, the one inline
script pinned by its hash, nothing fetched. Passage text is written exactly: the text content
of a passage element is ``article.text[start:end]``, character for character.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

from ..doc import (
    Article,
    Cluster,
    ReuseLink,
    compare_published,
    parse_published,
    published_sort_key,
)
from ..reuse.engine import OutletEdge, ReuseResult
from .htmlkit import esc, esc_text, page, resource, safe_href, unique_names

__all__ = ["render_reuse_html", "write_reuse_html", "diff_html"]

MAX_OUTLETS = 40  # outlets drawn in the graph; the rest are counted in a note
TOP_LINKS = 6  # aligned links shown on the overview
PAGE_LINKS = 50  # aligned links per cluster page
SECTION_LINKS = 12  # ... per cluster section of a single page
MAX_SECTIONS = 100  # cluster sections of a single page
EXACT_DIFF_TOKENS = 1500  # longer passages use difflib's autojunk heuristic (quadratic without)

_TOKEN = re.compile(r"(\s*)(\w+|[^\w\s])")
_WORDISH = re.compile(r"\w")


# --------------------------------------------------------------------------- word diff


@dataclass
class Diff:
    left: str  # escaped HTML of the left text, changed words in <del>
    right: str  # escaped HTML of the right text, changed words in <ins>
    removed: int  # words of the left text not in the right (deleted or changed)
    added: int  # words of the right text not in the left (inserted or changed)
    changed: bool  # any token differs (punctuation included; whitespace never counts)
    case_only: bool = False  # every difference is one of letter case


def _tokens(text: str) -> tuple[list[tuple[str, str]], str]:
    """(whitespace before, token) for each word or punctuation mark, and the trailing
    whitespace: together they are exactly ``text``."""
    tokens, end = [], 0
    for match in _TOKEN.finditer(text):
        tokens.append((match.group(1), match.group(2)))
        end = match.end()
    return tokens, text[end:]


def _render(tokens: Sequence[tuple[str, str]], tag: str | None) -> str:
    """Escaped tokens; with ``tag``, the run (but not the whitespace before it) is wrapped."""
    if not tokens:
        return ""
    if tag is None:
        return "".join(esc_text(ws) + esc_text(tok) for ws, tok in tokens)
    inner = esc_text(tokens[0][1]) + _render(tokens[1:], None)
    return f"{esc_text(tokens[0][0])}<{tag}>{inner}</{tag}>"


def _words(tokens: Sequence[tuple[str, str]]) -> int:
    return sum(1 for _, tok in tokens if _WORDISH.match(tok))


def diff_html(left: str, right: str) -> Diff:
    """Word-level diff of two passages. Tokens are words and single punctuation marks, each
    written with the whitespace before it, so the joined text content of ``Diff.left`` is
    exactly ``left`` (and of ``Diff.right``, ``right``); whitespace never counts as a change."""
    ta, tail_a = _tokens(left)
    tb, tail_b = _tokens(right)
    exact = max(len(ta), len(tb)) <= EXACT_DIFF_TOKENS
    matcher = difflib.SequenceMatcher(None, [t for _, t in ta], [t for _, t in tb],
                                      autojunk=not exact)
    out_a: list[str] = []
    out_b: list[str] = []
    removed = added = 0
    changed, case_only = False, True
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out_a.append(_render(ta[i1:i2], None))
            out_b.append(_render(tb[j1:j2], None))
            continue
        changed = True
        case_only = case_only and (" ".join(t for _, t in ta[i1:i2]).casefold()
                                   == " ".join(t for _, t in tb[j1:j2]).casefold())
        out_a.append(_render(ta[i1:i2], "del"))
        out_b.append(_render(tb[j1:j2], "ins"))
        removed += _words(ta[i1:i2])
        added += _words(tb[j1:j2])
    out_a.append(esc_text(tail_a))
    out_b.append(esc_text(tail_b))
    return Diff("".join(out_a), "".join(out_b), removed, added, changed,
                changed and case_only)


# --------------------------------------------------------------------------- small helpers


def _percent(score: float) -> str:
    """100% only for a verbatim copy; otherwise one decimal, rounded down."""
    if score >= 1:
        return "100%"
    return f"{math.floor(max(score, 0.0) * 1000) / 10:.1f}%"


def _num(value: object) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.3f}"
    return str(value)


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def _date_key(date: str | None) -> tuple[int, str, str]:
    """Publication times in time order (instants where zones are given), undated last."""
    return published_sort_key(date)


_ZONE = re.compile(r"(Z|[+-]\d\d:\d\d)$")


def _date_text(value: str) -> str:
    """A publication time for people: ``2021-03-04 14:22 +02:00`` (``Z`` as UTC); dates and
    values that do not parse as they are."""
    if "T" not in value or parse_published(value) is None:
        return value
    return _ZONE.sub(lambda m: " UTC" if m.group(1) == "Z" else f" {m.group(1)}",
                     value.replace("T", " ", 1))


def _earlier(a: str | None, b: str | None) -> int:
    """compare_published for two stored values; 0 when either is missing or does not parse."""
    if not a or not b or parse_published(a) is None or parse_published(b) is None:
        return 0
    return compare_published(a, b)


@dataclass
class _Ctx:
    """What every part of one page needs: the articles and a counter for element ids."""

    articles: Mapping[str, Article]
    hrefs: dict[str, str]  # cluster id -> href of its page or section
    anchors: dict[str, str]  # cluster id -> element id of its section (single page)
    link_cluster: dict[ReuseLink, str] = field(default_factory=dict)
    counter: int = 0

    def next_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def article(self, article_id: str) -> Article | None:
        return self.articles.get(article_id)

    def date(self, article_id: str) -> str | None:
        a = self.articles.get(article_id)
        return a.published if a else None

    def outlet(self, article_id: str) -> str | None:
        a = self.articles.get(article_id)
        return a.outlet if a else None


def _cluster_href(ctx: _Ctx, cluster_id: str) -> str | None:
    href = ctx.hrefs.get(cluster_id)
    return safe_href(href, web_only=False) if href else None


def _who(ctx: _Ctx, article_id: str) -> str:
    """``Outlet · date · id`` as escaped HTML."""
    parts = []
    if ctx.outlet(article_id):
        parts.append(f"<b>{esc(ctx.outlet(article_id))}</b>")
    date = ctx.date(article_id)
    parts.append(f'<span class="date">{esc(_date_text(date) if date else "undated")}</span>')
    parts.append(f"<code>{esc(article_id)}</code>")
    return " · ".join(parts)


# --------------------------------------------------------------------------- clusters


@dataclass
class _ClusterView:
    cluster: Cluster
    members: list  # passages, by publication date (undated last)
    outlets: list[str]
    dates: str
    longest: int


def _view(cluster: Cluster, ctx: _Ctx) -> _ClusterView:
    members = sorted(cluster.members,
                     key=lambda p: (_date_key(ctx.date(p.article_id)), p.article_id, p.start))
    outlets = list(dict.fromkeys(o for o in (ctx.outlet(p.article_id) for p in members) if o))
    dated = sorted({d for d in (ctx.date(p.article_id) for p in members) if d}, key=_date_key)
    undated = sum(1 for p in members if not ctx.date(p.article_id))
    if not dated:
        dates = "undated"
    else:
        first, last = _date_text(dated[0]), _date_text(dated[-1])
        dates = first if len(dated) == 1 else f"{first} – {last}"
        if undated:
            dates += f" (+{undated} undated)"
    return _ClusterView(cluster, members, outlets, dates,
                        max((p.end - p.start for p in members), default=0))


def _link_clusters(links: Sequence[ReuseLink], clusters: Sequence[Cluster]) -> dict[ReuseLink, str]:
    """The cluster each link belongs to: the one holding its passage of article ``a``."""
    where: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for cluster in clusters:
        for p in cluster.members:
            where[p.article_id].append((p.start, p.end, cluster.id))
    found = {}
    for link in links:
        for start, end, cid in where.get(link.a, ()):
            if start <= link.a_start and link.a_end <= end:
                found[link] = cid
                break
    return found


_BASIS_WORDS = {"earliest": "earliest of the dated members; all are dated",
                "tie": "a tie: the earliest members were published at the same time",
                "undated": "no member has a publication date"}


def _basis_text(cluster: Cluster) -> str:
    """How the origin was found, in words, with the confidence; "" for clusters stored before
    bases existed."""
    basis = cluster.origin_basis
    if not basis:
        return ""
    words = _BASIS_WORDS.get(basis)
    if words is None and basis.startswith("earliest dated"):
        undated = basis.split(";", 1)[1].strip() if ";" in basis else "some undated"
        words = f"earliest of the dated members; {undated} (not compared)"
    text = f"basis: {words or basis}"
    if cluster.origin and cluster.origin_confidence is not None:
        text += f" · confidence {cluster.origin_confidence:.2f}"
    return text


def _origin_html(cluster: Cluster, ctx: _Ctx) -> str:
    note = (f' <span class="note">— {esc(cluster.origin_note)}</span>'
            if cluster.origin_note else "")
    basis = _basis_text(cluster)
    basis_html = (f' <span class="basis" data-basis="{esc(cluster.origin_basis)}">'
                  f"{esc(basis)}</span>" if basis else "")
    if cluster.origin:
        return (f'<span class="badge origin">origin</span> {_who(ctx, cluster.origin)}'
                f"{basis_html}{note}")
    return f'<span class="badge unknown">origin unknown</span>{basis_html}{note}'


def _members_html(view: _ClusterView, ctx: _Ctx) -> str:
    items = []
    for p in view.members:
        article = ctx.article(p.article_id)
        is_origin = p.article_id == view.cluster.origin
        badge = ' <span class="badge origin">origin</span>' if is_origin else ""
        title = (f'<div class="mtitle">{esc(article.title)}</div>'
                 if article is not None and article.title else "")
        if article is None:
            body = '<p class="none">The text of this article was not given.</p>'
        else:
            body = (f'<div class="ptext" id="{ctx.next_id("m")}" dir="auto" '
                    f'data-article="{esc(p.article_id)}" data-start="{p.start}" '
                    f'data-end="{p.end}">{esc_text(article.text[p.start:p.end])}</div>')
        items.append(
            f'<li class="member{" is-origin" if is_origin else ""}">'
            f'<div class="mhead">{_who(ctx, p.article_id)}{badge}'
            f'<span class="span">characters {p.start:,}–{p.end:,} '
            f"({p.end - p.start:,})</span></div>"
            f"{title}{body}</li>"
        )
    return f'<ol class="members">{"".join(items)}</ol>'


def _pair_html(link: ReuseLink, ctx: _Ctx, *, show_cluster: bool) -> str:
    """Two aligned passages side by side, the earlier-published one on the left."""
    sides = [(link.a, link.a_start, link.a_end), (link.b, link.b_start, link.b_end)]
    order = _earlier(ctx.date(link.a), ctx.date(link.b))
    if order > 0:
        sides.reverse()
    texts = []
    for aid, start, end in sides:
        article = ctx.article(aid)
        texts.append(article.text[start:end] if article is not None else None)
    head = [f'<span class="pscore" title="Share of aligned words that match (ignoring case '
            f'and punctuation)">{_percent(link.score)} match</span>']
    if texts[0] is not None and texts[1] is not None:
        diff = diff_html(texts[0], texts[1])
        bodies = [diff.left, diff.right]
        if diff.case_only:
            head.append(f"<span>{_plural(diff.removed, 'word')} differ only in letter case"
                        "</span>")
        elif diff.removed or diff.added:
            head.append(f'<span><del>{_plural(diff.removed, "word")}</del> only left · '
                        f'<ins>{_plural(diff.added, "word")}</ins> only right</span>')
        elif diff.changed:
            head.append("<span>punctuation differs</span>")
        else:
            head.append("<span>same words</span>")
    else:
        bodies = [esc_text(t) if t is not None else "" for t in texts]
        head.append('<span class="none">article text not given: no diff</span>')
    cid = ctx.link_cluster.get(link)
    if show_cluster and cid:
        href = _cluster_href(ctx, cid)
        label = f"cluster {esc(cid)}"
        head.append(f'<a href="{href}">{label}</a>' if href else f"<span>{label}</span>")
    cols = []
    for k, ((aid, start, end), text, body) in enumerate(zip(sides, texts, bodies)):
        tag = ""
        if k == 0 and order != 0:
            tag = ' <span class="badge first">earlier</span>'
        if text is None:
            inner = '<p class="none">The text of this article was not given.</p>'
        else:
            inner = (f'<div class="ptext" id="{ctx.next_id("p")}" dir="auto" '
                     f'data-article="{esc(aid)}" data-start="{start}" data-end="{end}">'
                     f"{body}</div>")
        cols.append(
            f'<div class="col {"left" if k == 0 else "right"}">'
            f'<div class="chead">{_who(ctx, aid)}{tag}'
            f'<span class="span">characters {start:,}–{end:,}</span></div>{inner}</div>'
        )
    return (f'<article class="pair"><div class="phead">{" · ".join(head)}</div>'
            f'<div class="cols">{"".join(cols)}</div></article>')


def _cluster_links(view: _ClusterView, links: Sequence[ReuseLink]) -> list[ReuseLink]:
    """The origin's links first (what each copy changed), then the longest."""
    origin = view.cluster.origin
    return sorted(links, key=lambda l: (origin not in (l.a, l.b),
                                        -(l.a_end - l.a_start + l.b_end - l.b_start), l))


def _pairs_html(view: _ClusterView, links: Sequence[ReuseLink], ctx: _Ctx, limit: int) -> str:
    if not links:
        return '<p class="none">No links.</p>'
    chosen = _cluster_links(view, links)[:limit]
    note = ""
    if len(links) > limit:
        note = (f'<p class="note">Showing {limit:,} of {len(links):,} links (the origin\'s '
                f"first, then the longest); the JSON Lines export has them all.</p>")
    return _legend_html() + "".join(_pair_html(l, ctx, show_cluster=False) for l in chosen) + note


def _legend_html() -> str:
    return ('<p class="difflegend">Left: published earlier (or first by id). '
            "<del>struck</del> words are only on the left (removed or changed), "
            "<ins>underlined</ins> words only on the right (added or changed); "
            "the rest is the same.</p>")


def _cluster_heading(view: _ClusterView) -> str:
    c = view.cluster
    return (f"{_plural(len(c.members), 'member')} · {_plural(len(view.outlets), 'outlet')} · "
            f"{view.dates}")


# --------------------------------------------------------------------------- outlet graph


def _fmt(x: float) -> str:
    return f"{x:.1f}"


def _graph_html(edges: Sequence[OutletEdge], max_outlets: int) -> str:
    """The outlet graph as an inline SVG on a circle, with a table of the heaviest edges."""
    if not edges:
        return ('<p class="none">No outlet edges. An edge needs a link between two articles '
                "of different, known outlets published on different, known days.</p>")
    out_c: dict[str, int] = defaultdict(int)
    in_c: dict[str, int] = defaultdict(int)
    for e in edges:
        out_c[e.source] += e.characters
        in_c[e.target] += e.characters
    volume = {o: out_c[o] + in_c[o] for o in set(out_c) | set(in_c)}
    order = sorted(volume, key=lambda o: (-volume[o], o))
    shown = order[:max_outlets]
    index = {o: k for k, o in enumerate(shown)}
    kept = [e for e in edges if e.source in index and e.target in index]

    n = len(shown)
    # Few outlets: level labels beside the nodes. Many: labels along the radius, which never
    # collide, on a smaller circle that leaves them room.
    radial = n > 12
    width, height = (960, 800) if radial else (960, 620)
    cx, cy = width / 2, height / 2
    radius = 215 if radial else 240 if n > 2 else 190
    biggest = min(18.0, math.pi * radius / n * 0.8)  # neighbours on the circle never overlap
    top_volume = max(volume[o] for o in shown) or 1
    pos, size = [], []
    for k, outlet in enumerate(shown):
        angle = (math.pi if n == 2 else -math.pi / 2) + 2 * math.pi * k / n
        pos.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle), angle))
        size.append(min(biggest, 4 + 14 * math.sqrt(volume[outlet] / top_volume)))
    top_chars = max(e.characters for e in kept) or 1

    parts = []
    for e in kept:
        s, t = index[e.source], index[e.target]
        (x1, y1, _), (x2, y2, _) = pos[s], pos[t]
        w = 1.2 + 6.5 * math.sqrt(e.characters / top_chars)
        dx, dy = x2 - x1, y2 - y1
        dist = math.hypot(dx, dy) or 1.0
        # bend every edge to its right, so A->B and B->A stay apart
        qx, qy = (x1 + x2) / 2 - dy / dist * 0.16 * dist, (y1 + y2) / 2 + dx / dist * 0.16 * dist
        ux, uy = qx - x1, qy - y1
        ul = math.hypot(ux, uy) or 1.0
        sx, sy = x1 + ux / ul * (size[s] + 2), y1 + uy / ul * (size[s] + 2)
        vx, vy = x2 - qx, y2 - qy
        vl = math.hypot(vx, vy) or 1.0
        vx, vy = vx / vl, vy / vl
        tipx, tipy = x2 - vx * (size[t] + 2), y2 - vy * (size[t] + 2)
        head_len, head_w = 7 + 1.3 * w, 5 + 1.1 * w
        bx, by = tipx - vx * head_len, tipy - vy * head_len
        px, py = -vy * head_w / 2, vx * head_w / 2
        tip = (f"{e.source} → {e.target}: {_plural(e.links, 'link')}, "
               f"{e.characters:,} characters copied")
        parts.append(
            f'<g class="edge" data-s="{s}" data-t="{t}"><title>{esc(tip)}</title>'
            f'<path class="e" d="M{_fmt(sx)} {_fmt(sy)} '
            f'Q{_fmt(qx)} {_fmt(qy)} {_fmt(bx)} {_fmt(by)}" '
            f'stroke-width="{w:.2f}"/>'
            f'<polygon class="ah" points="{_fmt(tipx)},{_fmt(tipy)} '
            f'{_fmt(bx + px)},{_fmt(by + py)} '
            f'{_fmt(bx - px)},{_fmt(by - py)}"/></g>'
        )
    for k, outlet in enumerate(shown):
        x, y, angle = pos[k]
        r = size[k]
        share = out_c[outlet] / (volume[outlet] or 1)
        role = "src" if share >= 2 / 3 else "dst" if share <= 1 / 3 else "mix"
        lx, ly = x + (r + 6) * math.cos(angle), y + (r + 6) * math.sin(angle)
        cos = math.cos(angle)
        if radial:
            degrees = math.degrees(angle) % 360
            anchor = "start" if cos >= 0 else "end"
            turn = degrees if cos >= 0 else degrees - 180
            place = (f'x="{_fmt(lx)}" y="{_fmt(ly)}" dy=".35em" '
                     f'transform="rotate({turn:.1f} {_fmt(lx)} {_fmt(ly)})"')
        else:
            anchor = "start" if cos > 0.3 else "end" if cos < -0.3 else "middle"
            if anchor == "middle":
                ly += 12 if math.sin(angle) > 0 else -4
            place = f'x="{_fmt(lx)}" y="{_fmt(ly)}"' + ("" if anchor == "middle" else ' dy=".35em"')
        limit = 24 if radial else 26
        label = outlet if len(outlet) <= limit else outlet[:limit - 1].rstrip() + "…"
        tip = (f"{outlet}\nfirst to publish: {out_c[outlet]:,} characters taken up by others\n"
               f"later: {in_c[outlet]:,} characters taken from others")
        parts.append(
            f'<g class="node {role}" data-n="{k}" tabindex="0"><title>{esc(tip)}</title>'
            f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="{_fmt(r)}"/>'
            f'<text {place} text-anchor="{anchor}">{esc(label)}</text></g>'
        )
    svg = (f'<svg id="pw-graph" class="graph" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="Outlet graph: {n} outlets, {len(kept)} edges">{"".join(parts)}</svg>')
    note = ""
    if len(order) > n:
        dropped = len(edges) - len(kept)
        note = (f'<p class="note">Showing the {n:,} outlets with the most copied text; '
                f"{len(order) - n:,} more outlets and {_plural(dropped, 'edge')} are left out "
                "(the CSV and GraphML exports have them all).</p>")
    legend = ('<p class="glegend"><span><i class="dot src"></i>mostly first to publish</span>'
              '<span><i class="dot mix"></i>both</span>'
              '<span><i class="dot dst"></i>mostly publishes later</span>'
              "<span>arrow: from the outlet that published first to the one that published "
              "later; width ∝ characters copied</span></p>")
    rows = "".join(
        f'<tr><td>{esc(e.source)} <span class="arrow">→</span> {esc(e.target)}</td>'
        f'<td class="n">{e.links:,}</td><td class="n">{e.characters:,}</td></tr>'
        for e in edges[:12]
    )
    table = (f'<div class="tablewrap"><table class="edges"><thead><tr><th>First → later</th>'
             f'<th class="n">Links</th><th class="n">Chars</th></tr></thead>'
             f"<tbody>{rows}</tbody></table></div>")
    more = (f'<p class="note">{len(edges) - 12:,} more edges in the exports.</p>'
            if len(edges) > 12 else "")
    return (f'<div class="graphbox"><div class="graphfig">{svg}{legend}{note}</div>'
            f'<div class="graphside"><h3>Heaviest edges</h3>{table}{more}</div></div>')


# --------------------------------------------------------------------------- pages


def _summary_html(result: ReuseResult, articles: Mapping[str, Article]) -> str:
    stats = result.stats or {}
    outlets = {a.outlet for a in articles.values() if a.outlet}
    numbers = [
        (stats.get("articles", len(articles)), "articles"),
        (stats.get("candidate_pairs", "—"), "candidate pairs"),
        (len(result.links), "links"),
        (len(result.clusters), "clusters"),
        (len(outlets), "outlets"),
    ]
    tiles = "".join(f'<div class="stat"><b>{esc(_num(v))}</b><span>{label}</span></div>'
                    for v, label in numbers)
    rows = "".join(
        f"<tr><th scope=\"row\"><code>{esc(k)}</code></th>"
        f'<td class="n">{esc(_num(v))}{" s" if str(k).endswith("_s") else ""}</td></tr>'
        for k, v in stats.items()
    )
    table = (f'<details class="runstats"><summary>Run statistics</summary>'
             f'<table class="timings"><tbody>{rows}</tbody></table></details>' if rows else "")
    return f'<div class="stats five">{tiles}</div>{table}'


def _clusters_table(views: Sequence[_ClusterView], ctx: _Ctx) -> str:
    if not views:
        return '<p class="none">No reprint clusters: no passage was found in two articles.</p>'
    rows = []
    for v in views:
        c = v.cluster
        href = _cluster_href(ctx, c.id)
        name = f'<a href="{href}">{esc(c.id)}</a>' if href else esc(c.id)
        basis = _basis_text(c)
        basis_html = f'<div class="basis">{esc(basis)}</div>' if basis else ""
        if c.origin:
            origin = (f"{esc(ctx.outlet(c.origin) or '')} <code>{esc(c.origin)}</code>"
                      f'{basis_html}<div class="note">{esc(c.origin_note)}</div>')
        else:
            origin = f'<i>unknown</i>{basis_html}<div class="note">{esc(c.origin_note)}</div>'
        outlets = "".join(f'<span class="chip">{esc(o)}</span>' for o in v.outlets)
        rows.append(
            f'<tr><td class="cid">{name}</td>'
            f'<td class="n" data-v="{len(c.members)}">{len(c.members):,}</td>'
            f'<td class="n" data-v="{v.longest}">{v.longest:,}</td>'
            f"<td>{origin}</td><td class=\"d\">{esc(v.dates)}</td>"
            f'<td class="chips">{outlets or "<span class=none>—</span>"}</td></tr>'
        )
    return (
        '<div class="filter js-only"><input type="search" id="pw-filter" '
        'placeholder="Filter by cluster, outlet, id or date" aria-label="Filter clusters"></div>'
        '<div class="tablewrap"><table id="pw-clusters"><thead><tr>'
        '<th data-k="text">Cluster</th><th data-k="num" class="n">Members</th>'
        '<th data-k="num" class="n">Longest</th><th data-k="text">Likely origin</th>'
        '<th data-k="text">Published</th><th>Outlets</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _byline(articles: Mapping[str, Article]) -> str:
    dates = sorted((a.published for a in articles.values() if a.published), key=_date_key)
    outlets = {a.outlet for a in articles.values() if a.outlet}
    parts = [_plural(len(articles), "article"), _plural(len(outlets), "outlet")]
    if dates:
        first, last = _date_text(dates[0]), _date_text(dates[-1])
        parts.append(first if first == last else f"{first} – {last}")
    return "".join(f"<span>{esc(p)}</span>" for p in parts)


def _views(result: ReuseResult, ctx: _Ctx) -> list[_ClusterView]:
    views = [_view(c, ctx) for c in result.clusters]
    views.sort(key=lambda v: (-len(v.cluster.members), -v.longest, v.cluster.id))
    return views


def _top_links(result: ReuseResult, ctx: _Ctx) -> str:
    if not result.links:
        return '<p class="none">No links.</p>'
    top = sorted(result.links, key=lambda l: (-(l.a_end - l.a_start + l.b_end - l.b_start), l))
    top = top[:TOP_LINKS]
    note = (f'<p class="note">The {len(top)} longest of {len(result.links):,} links.</p>'
            if len(result.links) > len(top) else "")
    return _legend_html() + "".join(_pair_html(l, ctx, show_cluster=True) for l in top) + note


def _context(result: ReuseResult, articles: Mapping[str, Article], *, pages: bool
             ) -> tuple[_Ctx, list[str]]:
    names = unique_names([f"cluster-{c.id}" for c in result.clusters])
    if pages:
        hrefs = {c.id: name for c, name in zip(result.clusters, names)}
        anchors: dict[str, str] = {}
    else:
        anchors = {c.id: name.removesuffix(".html") for c, name in zip(result.clusters, names)}
        hrefs = {cid: "#" + anchor for cid, anchor in anchors.items()}
    ctx = _Ctx(articles, hrefs, anchors)
    ctx.link_cluster = _link_clusters(result.links, result.clusters)
    return ctx, names


def _render_index(result: ReuseResult, articles: Mapping[str, Article],
                  edges: Sequence[OutletEdge], ctx: _Ctx, *, sections: bool,
                  max_outlets: int) -> str:
    views = _views(result, ctx)
    sections_html = ""
    if sections:
        by_cluster: dict[str, list[ReuseLink]] = defaultdict(list)
        for link, cid in ctx.link_cluster.items():
            by_cluster[cid].append(link)
        blocks = []
        for v in views[:MAX_SECTIONS]:
            cid = v.cluster.id
            blocks.append(
                f'<section class="card block cluster" id="{esc(ctx.anchors[cid])}">'
                f'<h2>Cluster <code>{esc(cid)}</code></h2>'
                f'<p class="cmeta">{esc(_cluster_heading(v))}</p>'
                f'<p class="corigin">{_origin_html(v.cluster, ctx)}</p>'
                f"<h3>Members, by publication date</h3>{_members_html(v, ctx)}"
                f"<h3>Aligned passages</h3>"
                f"{_pairs_html(v, by_cluster.get(cid, []), ctx, SECTION_LINKS)}</section>"
            )
        if len(views) > MAX_SECTIONS:
            blocks.append(f'<p class="note">{len(views) - MAX_SECTIONS:,} smaller clusters are '
                          "listed above but not shown here; write to a folder for one page per "
                          "cluster.</p>")
        sections_html = "".join(blocks)
    n = len(articles)
    return page(
        "reuse-index.html",
        js_names=("table-sort.js", "reuse-page.js"),
        reuse_css=resource("reuse-page.css"),
        page_title=esc(f"propwatch text reuse — {_plural(n, 'article')}"),
        title=esc(f"Text reuse across {_plural(n, 'article')}"),
        byline=_byline(articles),
        summary=_summary_html(result, articles),
        graph=_graph_html(edges, max_outlets),
        clusters=_clusters_table(views, ctx),
        n_clusters=f"{len(views):,}",
        top_links=_top_links(result, ctx),
        sections=sections_html,
    )


def _render_cluster_page(view: _ClusterView, links: Sequence[ReuseLink], ctx: _Ctx) -> str:
    cid = view.cluster.id
    return page(
        "reuse-cluster.html",
        js_names=("table-sort.js", "reuse-page.js"),
        reuse_css=resource("reuse-page.css"),
        page_title=esc(f"Cluster {cid} — propwatch text reuse"),
        title=f"Cluster <code>{esc(cid)}</code>",
        byline="".join(f"<span>{esc(p)}</span>" for p in _cluster_heading(view).split(" · ")),
        origin=_origin_html(view.cluster, ctx),
        members=_members_html(view, ctx),
        n_links=f"{len(links):,}",
        pairs=_pairs_html(view, links, ctx, PAGE_LINKS),
    )


def render_reuse_html(result: ReuseResult, articles: Mapping[str, Article],
                      edges: Sequence[OutletEdge], *, max_outlets: int = MAX_OUTLETS) -> str:
    """One self-contained page (works offline): summary, outlet graph, clusters list, the
    longest links aligned, and a section per cluster with its members and aligned passages."""
    ctx, _ = _context(result, articles, pages=False)
    return _render_index(result, articles, edges, ctx, sections=True, max_outlets=max_outlets)


def write_reuse_html(result: ReuseResult, articles: Mapping[str, Article],
                     edges: Sequence[OutletEdge], out: Path) -> list[Path]:
    """Write the reuse report; return the paths written. ``out`` ending in .html/.htm: one
    page. Otherwise a folder with ``index.html`` and one ``cluster-<id>.html`` per cluster
    (safe, distinct names)."""
    out = Path(out)
    if out.suffix.lower() in (".html", ".htm"):
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render_reuse_html(result, articles, edges), encoding="utf-8", newline="")
        return [out]
    out.mkdir(parents=True, exist_ok=True)
    ctx, names = _context(result, articles, pages=True)
    by_cluster: dict[str, list[ReuseLink]] = defaultdict(list)
    for link, cid in ctx.link_cluster.items():
        by_cluster[cid].append(link)
    written = []
    for cluster, name in zip(result.clusters, names):
        ctx.counter = 0
        path = out / name
        text = _render_cluster_page(_view(cluster, ctx), by_cluster.get(cluster.id, []), ctx)
        path.write_text(text, encoding="utf-8", newline="")
        written.append(path)
    ctx.counter = 0
    index = out / "index.html"
    index.write_text(_render_index(result, articles, edges, ctx, sections=False,
                                   max_outlets=MAX_OUTLETS), encoding="utf-8", newline="")
    written.append(index)
    return written

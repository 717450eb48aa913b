"""Render analyses for people and tools: JSONL records, SemEval TSV lines, self-contained HTML
pages (one per article, plus an index) and a rich terminal view.

Every view keeps the offsets exact: the article text is cut into segments at every span and
boilerplate boundary, so each character is shown once, with the set of spans covering it.
HTML templates, CSS and JS are package data in ``propwatch/templates`` (no template engine).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from ..doc import TECHNIQUES as TECHNIQUES_LAYER
from ..doc import Analysis, Article, Span, merge_ranges
from ..techniques import TECHNIQUES, Technique, describe
from .htmlkit import esc, esc_text, json_for_script, page, safe_href, unique_names
from .layers import excerpt as _excerpt
from .layers import pointed, renderer_for, term_safe

if TYPE_CHECKING:  # rich is imported lazily: only the terminal view needs it
    from rich.console import Console

__all__ = [
    "jsonl_record",
    "semeval_lines",
    "render_html",
    "render_index",
    "write_html",
    "render_terminal",
]


# --------------------------------------------------------------------------- machine formats


def jsonl_record(analysis: Analysis) -> dict[str, Any]:
    """One JSON-ready record per article: metadata, the technique summary and spans with their
    exact text (as in version 1, ``technique`` naming each span's label), and ``layers`` with
    every other layer."""
    article = analysis.article
    others = {layer.name: renderer_for(layer).json(analysis, layer)
              for layer in analysis.layers if layer.name != TECHNIQUES_LAYER}
    return {
        "id": article.id,
        "source": article.source,
        "title": article.title,
        "outlet": article.outlet,
        "published": article.published,
        "url": article.url,
        "canonical_url": article.canonical_url,
        **analysis.technique_fields(),
        **({"layers": others} if others else {}),
    }


def _other_canonical(article: Article) -> str | None:
    """The canonical URL where it says more than the URL (shown once when they agree)."""
    return article.canonical_url if article.canonical_url != article.url else None


def semeval_lines(analysis: Analysis) -> list[str]:
    """SemEval-2020 Task 11 TC lines ``id<TAB>technique<TAB>start<TAB>end``, sorted by start.

    Tabs and line breaks in the article id would break the format, so they become spaces.
    """
    article_id = re.sub(r"[\t\r\n]", " ", analysis.article.id)
    spans = sorted(analysis.spans, key=lambda s: (s.start, s.end, s.technique))
    return [f"{article_id}\t{s.technique}\t{s.start}\t{s.end}" for s in spans]


def semeval_narrative_line(analysis: Analysis) -> str:
    """SemEval-2025 Task 10 subtask 2: ``file<TAB>narratives<TAB>subnarratives``, labels joined
    by ";", the file name as the task names it (the file the article was read from, else its id
    with ".txt"). Without a narratives layer the article gets "Other"."""
    article = analysis.article
    source = article.source if article.source not in (None, "-") else None
    name = Path(source).name if source else f"{article.id}.txt"
    layer = analysis.layer("narratives")
    items = layer.items if layer is not None else ()
    coarse = [x.label for x in items if getattr(x, "level", "") == "narrative"] or ["Other"]
    fine = [x.label for x in items if getattr(x, "level", "") == "subnarrative"] or ["Other"]
    return "\t".join(re.sub(r"[\t\r\n;]", " ", f) if i == 0 else f
                     for i, f in enumerate((name, ";".join(coarse), ";".join(fine))))


# --------------------------------------------------------------------------- segments


@dataclass(frozen=True, slots=True)
class _Segment:
    """``text[start:end]``, covered by the spans ``spans`` (indices into ``analysis.spans``)."""

    start: int
    end: int
    spans: tuple[int, ...]
    boilerplate: bool
    ends: tuple[int, ...]  # spans whose last character is in this segment
    marks: tuple[int, ...] = ()  # spans of other layers (indices into ``_other_spans``)
    points: tuple[int, ...] = ()  # ranges panels point at (indices into ``_pointed``)


def _other_spans(analysis: Analysis) -> list[tuple[str, Span]]:
    """(layer name, span) for the spans of every layer but techniques, in text order."""
    return sorted(((layer.name, span) for layer in analysis.layers
                   if layer.name != TECHNIQUES_LAYER for span in layer.spans()),
                  key=lambda item: (item[1].start, item[1].end, item[0]))


def _pointed(analysis: Analysis) -> list[tuple[str, Span]]:
    """(layer name, range) for every range a layer's panel points at (``layers.pointed``)."""
    size = len(analysis.article.text)
    return sorted({(layer.name, span.start, span.end): (layer.name, span)
                   for layer in analysis.layers if layer.name != TECHNIQUES_LAYER
                   for span in pointed(analysis, layer) if span.end <= size}.values(),
                  key=lambda item: (item[1].start, item[1].end, item[0]))


def _boundaries(spans: Sequence[Span]) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Offset -> indices of the spans that start there, and of those that end there."""
    starts: dict[int, list[int]] = {}
    ends: dict[int, list[int]] = {}
    for i, span in enumerate(spans):
        starts.setdefault(span.start, []).append(i)
        ends.setdefault(span.end, []).append(i)
    return starts, ends


def _segments(analysis: Analysis) -> list[_Segment]:
    """Cut the text at every span and boilerplate boundary (a sweep, O(n log n))."""
    text = analysis.article.text
    boiler = merge_ranges(analysis.article.boilerplate)
    starts, ends = _boundaries(analysis.spans)
    other_starts, other_ends = _boundaries([span for _, span in _other_spans(analysis)])
    point_starts, point_ends = _boundaries([span for _, span in _pointed(analysis)])
    cuts = ({0, len(text)} | set(starts) | set(ends) | set(other_starts) | set(other_ends)
            | set(point_starts) | set(point_ends))
    for start, end in boiler:
        cuts.update((start, end))
    ordered = sorted(cuts)
    active: set[int] = set()
    marked: set[int] = set()
    pointing: set[int] = set()
    out: list[_Segment] = []
    b = 0
    for a, z in zip(ordered, ordered[1:]):
        active.difference_update(ends.get(a, ()))
        active.update(starts.get(a, ()))
        marked.difference_update(other_ends.get(a, ()))
        marked.update(other_starts.get(a, ()))
        pointing.difference_update(point_ends.get(a, ()))
        pointing.update(point_starts.get(a, ()))
        while b < len(boiler) and boiler[b][1] <= a:
            b += 1
        in_boiler = b < len(boiler) and boiler[b][0] <= a
        out.append(_Segment(a, z, tuple(sorted(active)), in_boiler, tuple(sorted(ends.get(z, ()))),
                            tuple(sorted(marked)), tuple(sorted(pointing))))
    return out


_HEX = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?\Z")


def _technique(label: str) -> Technique:
    tech = describe(label)
    return tech if _HEX.match(tech.color) else Technique(tech.label, tech.name, tech.definition, "#dddddd")


def _technique_order(analysis: Analysis) -> list[str]:
    """Labels present, most frequent first (the order of ``Analysis.summary``)."""
    return list(analysis.summary["techniques"])


def _percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def _coverage(value: float) -> str:
    return f"{value * 100:.1f}%"


# --------------------------------------------------------------------------- HTML helpers

def _swatch(color: str, cls: str = "sw") -> str:
    return f'<i class="{cls}" style="--c:{color}" aria-hidden="true"></i>'


def _background(colors: Sequence[str]) -> str:
    """CSS for a segment: one colour, or diagonal stripes of every colour covering it."""
    unique = list(dict.fromkeys(colors))
    if len(unique) == 1:
        return f"--c:{unique[0]}"
    width = 7
    stops = ", ".join(
        f"{c} {k * width}px {(k + 1) * width}px" for k, c in enumerate(unique)
    )
    return f"--c:{unique[-1]};background:repeating-linear-gradient(135deg, {stops})"


def _tooltip(number: int, tech: Technique, score: float, reason: str) -> str:
    lines = [f"[{number}] {tech.name} · {_percent(score)}"]
    if tech.definition:
        lines.append(tech.definition)
    if reason:
        lines.append(f"Why: {reason}")
    return "\n".join(lines)


def _meta_rows(analysis: Analysis) -> list[tuple[str, str]]:
    """(label, escaped HTML value) for the metadata list; the URL is a link only for http(s)."""
    article = analysis.article
    rows: list[tuple[str, str]] = []
    for label, value in (
        ("Title", article.title),
        ("Outlet", article.outlet),
        ("Published", article.published),
        ("Source", article.source),
    ):
        if value:
            rows.append((label, esc(value)))
    for label, url in (("URL", article.url), ("Canonical URL", _other_canonical(article))):
        if url:
            href = safe_href(url, web_only=True)
            text = esc(url)
            rows.append(
                (label, f'<a href="{href}" rel="noopener noreferrer nofollow" target="_blank">'
                        f'{text}</a>' if href else text)
            )
    rows.append(("Article id", f"<code>{esc(article.id)}</code>"))
    rows.append(("Detector", esc(analysis.detector or "unknown")))
    rows.append(("Characters", f"{len(article.text):,}"))
    if article.boilerplate:
        skipped = sum(e - s for s, e in merge_ranges(article.boilerplate))
        rows.append(("Skipped", f"{skipped:,} characters of boilerplate"))
    return rows


# --------------------------------------------------------------------------- HTML page


def _technique_colours(analysis: Analysis) -> tuple[list[str], list[Technique], list[int]]:
    """Labels present (most frequent first), their techniques, and each span's index in them."""
    order = _technique_order(analysis)
    tindex = {label: k for k, label in enumerate(order)}
    return order, [_technique(label) for label in order], [tindex[s.technique]
                                                           for s in analysis.spans]


def technique_panel_html(analysis: Analysis) -> str:
    """The techniques layer's side-panel sections: the legend with a toggle per technique, and
    the numbered list of spans."""
    spans, text = analysis.spans, analysis.article.text
    summary = analysis.summary
    order, techs, span_tech = _technique_colours(analysis)
    legend: list[str] = []
    most = max(summary["techniques"].values(), default=1)
    for k, (label, tech) in enumerate(zip(order, techs)):
        count = summary["techniques"][label]
        legend.append(
            f'<li class="tech" data-t="{k}">'
            f'<label><input type="checkbox" class="js-only" data-t="{k}" checked '
            f'aria-label="Show {esc(tech.name)}">{_swatch(tech.color)}'
            f'<span class="tname">{esc(tech.name)}</span>'
            f'<span class="count">{count}</span></label>'
            f'<div class="bar"><i style="--c:{tech.color};width:{count / most * 100:.1f}%"></i></div>'
            f'<div class="def">{esc(tech.definition)}</div>'
            f'<div class="lab">{esc(label)}</div></li>'
        )
    if legend:
        legend_html = f'<ul class="legend">{"".join(legend)}</ul>'
    else:
        legend_html = '<p class="none">No propaganda techniques were found in this article.</p>'
    absent = [t for t in TECHNIQUES if t.label not in order]
    if absent and legend:
        names = ", ".join(
            f'<span title="{esc(t.definition)}">{esc(t.name)}</span>' for t in absent
        )
        legend_html += f'<p class="absent"><b>Not found:</b> {names}.</p>'

    # numbered list of spans
    items = []
    for i, span in enumerate(spans):
        tech = techs[span_tech[i]]
        reason = f'<span class="why">{esc(span.reason)}</span>' if span.reason else ""
        items.append(
            f'<li data-i="{i}" data-t="{span_tech[i]}"><button type="button" data-i="{i}">'
            f'<span class="num" style="--c:{tech.color}">{i + 1}</span>'
            f'<span class="sbody"><span class="shead"><b>{esc(tech.name)}</b>'
            f'<span class="score">{_percent(span.score)}</span></span>'
            f'<q>{esc(_excerpt(text[span.start : span.end], 90))}</q>{reason}</span>'
            f"</button></li>"
        )
    spans_html = (
        f'<section><details class="spans" open><summary><h2>Spans ({len(spans)})</h2></summary>'
        f'<ol>{"".join(items)}</ol></details></section>'
        if items
        else ""
    )

    return (f'<section class="layer" data-layer="techniques"><h2>Techniques</h2>{legend_html}'
            f"</section>{spans_html}")


def render_html(analysis: Analysis, *, index_href: str | None = None) -> str:
    """One self-contained HTML page (inline CSS and JS, nothing fetched) for one analysis.

    ``index_href``, when given, adds a link back to an index page.
    """
    article, spans = analysis.article, analysis.spans
    text = article.text
    summary = analysis.summary
    order, techs, span_tech = _technique_colours(analysis)

    # article body: one element per segment, no whitespace between them
    parts: list[str] = []
    others = _other_spans(analysis)
    for seg in _segments(analysis):
        chunk = esc_text(text[seg.start : seg.end])
        # data-m: the ranges a panel points at here (a click there lights them)
        point = f' data-m="{" ".join(map(str, seg.points))}"' if seg.points else ""
        if seg.marks:  # spans of other layers: underlined, toggled per layer
            names = sorted({others[k][0] for k in seg.marks})
            tip = "\n".join(f"{others[k][0]}: {others[k][1].label}" for k in seg.marks)
            chunk = (f'<span class="ly" data-ly="{esc(" ".join(names))}" title="{esc(tip)}"'
                     f"{point}>{chunk}</span>")
        elif point:
            chunk = f"<span{point}>{chunk}</span>"
        if seg.spans:
            colors = [techs[span_tech[i]].color for i in seg.spans]
            tip = "\n\n".join(
                _tooltip(i + 1, techs[span_tech[i]], spans[i].score, spans[i].reason)
                for i in seg.spans
            )
            classes = "seg bp" if seg.boilerplate else "seg"
            count = f' data-n="{len(seg.spans)}"' if len(seg.spans) > 1 else ""
            parts.append(
                f'<mark class="{classes}" data-s="{" ".join(map(str, seg.spans))}"{count} '
                f'style="{_background(colors)}" title="{esc(tip)}" tabindex="0">{chunk}</mark>'
            )
        elif seg.boilerplate:
            parts.append(f'<span class="bp" title="Boilerplate: skipped, not analysed">{chunk}</span>')
        else:
            parts.append(chunk)
        for i in seg.ends:
            tech = techs[span_tech[i]]
            parts.append(
                f'<sup class="mk" data-i="{i}" data-n="{i + 1}" style="--c:{tech.color}" '
                f'title="{esc(f"[{i + 1}] {tech.name}")}" aria-hidden="true"></sup>'
            )
    body = "".join(parts)

    meta_html = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in _meta_rows(analysis))

    byline = [esc(v) for v in (article.outlet, article.published) if v]
    if analysis.detector:
        byline.append(f"detector <code>{esc(analysis.detector)}</code>")
    nav = ""
    if index_href is not None:
        href = safe_href(index_href, web_only=False)
        if href:
            nav = f'<a class="back" href="{href}">← All articles</a>'

    data = {
        "techniques": [
            {"label": t.label, "name": t.name, "definition": t.definition, "color": t.color}
            for t in techs
        ],
        "spans": [
            {
                "t": span_tech[i],
                "start": s.start,
                "end": s.end,
                "score": round(float(s.score), 4),
                "reason": s.reason,
                "text": _excerpt(text[s.start : s.end], 160),
            }
            for i, s in enumerate(spans)
        ],
        # what each data-m index in the text stands for: [layer, start, end]
        "points": [[name, span.start, span.end] for name, span in _pointed(analysis)],
    }
    title = article.title or article.id
    coverage = float(summary["coverage"])
    return page(
        "report.html",
        js_names=("report.js",),
        page_title=esc(f"{title} — propwatch report"),
        nav=nav,
        title=esc(title),
        byline="".join(f"<span>{b}</span>" for b in byline),
        body=body,
        n_spans=str(len(spans)),
        n_techniques=str(len(order)),
        coverage=_coverage(coverage),
        coverage_width=f"{min(coverage, 1.0) * 100:.1f}",
        covered=f"{summary['covered_characters']:,}",
        panels="".join(renderer_for(layer).html_panel(analysis, layer)
                       for layer in analysis.layers),
        metadata=meta_html,
        display_controls=(
            '<div class="controls js-only">'
            '<label><input type="checkbox" id="pw-markers" checked> Span numbers</label>'
            + ('<label><input type="checkbox" id="pw-boiler" checked> Skipped text</label>'
               if article.boilerplate else "")
            + "</div>"
        ),
        data=json_for_script(data),
    )


# --------------------------------------------------------------------------- index page


def render_index(entries: Sequence[tuple[Analysis, str]]) -> str:
    """An index page: one row per analysis, linking to its page at the given relative href."""
    totals: dict[str, int] = {}
    rows: list[str] = []
    n_spans = 0
    for analysis, href in entries:
        article = analysis.article
        summary = analysis.summary
        n_spans += summary["spans"]
        chips = []
        for label, count in summary["techniques"].items():
            totals[label] = totals.get(label, 0) + count
            tech = _technique(label)
            chips.append(
                f'<span class="chip" title="{esc(f"{label}: {tech.definition}")}">'
                f'{_swatch(tech.color)}{esc(tech.name)} <b>{count}</b></span>'
            )
        safe = safe_href(href, web_only=False)
        title = esc(article.title or article.id)
        link = f'<a href="{safe}">{title}</a>' if safe else title
        coverage = float(summary["coverage"])
        rows.append(
            "<tr>"
            f'<td class="t">{link}<div class="id"><code>{esc(article.id)}</code></div></td>'
            f"<td>{esc(article.outlet or '')}</td>"
            f'<td class="d">{esc(article.published or "")}</td>'
            f'<td class="n" data-v="{summary["spans"]}">{summary["spans"]}</td>'
            f'<td class="n" data-v="{coverage}">{_coverage(coverage)}</td>'
            f'<td class="chips">{"".join(chips) or "<span class=none>none</span>"}</td>'
            "</tr>"
        )
    total_chips = "".join(
        f'<span class="chip" title="{esc(f"{label}: {_technique(label).definition}")}">'
        f'{_swatch(_technique(label).color)}{esc(_technique(label).name)} <b>{count}</b></span>'
        for label, count in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    n = len(entries)
    return page(
        "index.html",
        js_names=("table-sort.js", "index.js"),
        n_articles=str(n),
        articles_word="article" if n == 1 else "articles",
        n_spans=str(n_spans),
        totals=total_chips or '<span class="none">No techniques found.</span>',
        rows="".join(rows)
        or '<tr><td colspan="6" class="none">No articles.</td></tr>',
    )


# --------------------------------------------------------------------------- files

def write_html(analyses: Sequence[Analysis], out: Path) -> list[Path]:
    """Write HTML reports and return the paths written.

    One analysis and ``out`` ending in .html/.htm: that one file. Otherwise ``out`` is a folder
    holding one page per article (safe, unique names derived from the ids) and ``index.html``.
    """
    out = Path(out)
    analyses = list(analyses)
    if len(analyses) == 1 and out.suffix.lower() in (".html", ".htm"):
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render_html(analyses[0]), encoding="utf-8", newline="")
        return [out]
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    entries: list[tuple[Analysis, str]] = []
    for analysis, name in zip(analyses, unique_names([a.article.id for a in analyses])):
        path = out / name
        path.write_text(render_html(analysis, index_href="index.html"), encoding="utf-8", newline="")
        written.append(path)
        entries.append((analysis, name))
    index = out / "index.html"
    index.write_text(render_index(entries), encoding="utf-8", newline="")
    written.append(index)
    return written


# --------------------------------------------------------------------------- terminal

def technique_terminal(analysis: Analysis, console: "Console") -> None:
    """The techniques layer below the article: a legend with definitions and the span list."""
    from rich import box
    from rich.style import Style
    from rich.table import Table
    from rich.text import Text

    article, spans, summary = analysis.article, analysis.spans, analysis.summary
    techs = {label: _technique(label) for label in summary["techniques"]}
    if not spans:
        console.print(Text("No propaganda techniques found.", style="bold"))
    else:
        legend = Table(title="Techniques", box=box.SIMPLE_HEAD, title_justify="left",
                       title_style="bold")
        legend.add_column("", width=2, no_wrap=True)
        legend.add_column("Technique", no_wrap=True)
        legend.add_column("Count", justify="right")
        legend.add_column("Definition", ratio=1)
        for label, count in summary["techniques"].items():
            tech = techs[label]
            legend.add_row(Text("  ", style=Style(bgcolor=tech.color)), Text(tech.name),
                           str(count), Text(tech.definition, style="dim"))
        console.print(legend)

        console.print(Text("Spans", style="bold"))
        for i, span in enumerate(spans):
            tech = techs[span.technique]
            line = Text()
            line.append(f"[{i + 1}]", style=Style(bold=True, color=tech.color))
            line.append(f" {tech.name} {float(span.score):.2f} ")
            line.append("'" + term_safe(_excerpt(article.text[span.start : span.end])) + "'")
            if span.reason:
                line.append(f"  ({term_safe(span.reason)})", style="dim")
            console.print(line)


def render_terminal(analysis: Analysis, console: "Console") -> None:
    """Print the article with highlighted spans, numbered end markers, a legend and a footer."""
    from rich.rule import Rule
    from rich.style import Style
    from rich.table import Table
    from rich.text import Text

    article, spans = analysis.article, analysis.spans
    summary = analysis.summary
    text = term_safe(article.text)
    techs = {label: _technique(label) for label in summary["techniques"]}

    # header
    console.print(Text(term_safe(article.title or article.id), style="bold"))
    meta = Table.grid(padding=(0, 2))
    meta.add_column(style="dim", no_wrap=True)
    meta.add_column()
    for label, value in (
        ("Outlet", article.outlet),
        ("Published", article.published),
        ("Source", article.source),
        ("URL", article.url),
        ("Canonical URL", _other_canonical(article)),
        ("Article id", article.id),
        ("Detector", analysis.detector or "unknown"),
    ):
        if value:
            meta.add_row(label, Text(term_safe(value)))
    console.print(meta)
    console.print(Rule(style="dim"))

    # body: the inner (latest-starting, then shortest) span wins the colour
    body = Text()
    for seg in _segments(analysis):
        style = Style()
        if seg.spans:
            winner = max(seg.spans, key=lambda i: (spans[i].start, -spans[i].end, i))
            style = Style(color="black", bgcolor=techs[spans[winner].technique].color)
        if seg.boilerplate:
            style += Style(dim=True)
        if seg.marks:  # spans of other layers
            style += Style(underline=True)
        body.append(text[seg.start : seg.end], style=style)
        for i in seg.ends:
            body.append(f"[{i + 1}]", style=Style(bold=True, color=techs[spans[i].technique].color))
    console.print(body)
    console.print(Rule(style="dim"))

    for layer in analysis.layers:
        renderer_for(layer).terminal(analysis, layer, console)

    footer = (
        f"{len(spans)} span{'s' if len(spans) != 1 else ''} · "
        f"{len(summary['techniques'])} technique{'s' if len(summary['techniques']) != 1 else ''} · "
        f"{_coverage(float(summary['coverage']))} of the content covered "
        f"({summary['covered_characters']:,} characters)"
    )
    if article.boilerplate:
        skipped = sum(e - s for s, e in merge_ranges(article.boilerplate))
        footer += f" · {skipped:,} boilerplate characters dimmed"
    console.print(Rule(style="dim"))
    console.print(Text(footer, style="dim"))

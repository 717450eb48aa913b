"""``propwatch corpus``: keep articles in a SQLite corpus, list, show, count and export them.

Exit codes as in ``propwatch``: 0 success; 1 bad input (the rest was still stored) or a
database that cannot be used; 2 usage error. Errors are one line each on stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Callable, Iterator, List, Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..doc import Article
from ..errors import PropwatchError, StoreError, UsageError
from ..store import Store
from .common import (err, fail, pipeline_settings, with_knowledge_bases, print_input_notes, progress_bar,
                     replaced_at_end, settings_or_exit, with_option, with_taxonomy,
                     without_option)

DEFAULT_DB = "propwatch.db"

corpus_app = typer.Typer(
    help="Keep articles in a corpus database (SQLite) and list, show, count or export them.\n\n"
         "Examples:\n\n"
         "  propwatch corpus add articles/ feed.jsonl --db news.db\n\n"
         "  propwatch corpus list --db news.db --q 'grain blockade'\n\n"
         "  propwatch corpus stats --db news.db --json",
    no_args_is_help=True, add_completion=False, rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


_DB_HELP = "Corpus database file (default: $PROPWATCH_DB or propwatch.db)."


def _db_option() -> Any:
    return typer.Option(DEFAULT_DB, "--db", envvar="PROPWATCH_DB", help=_DB_HELP,
                        show_default=False)



def _open(db: str, *, create: bool) -> Store:
    """The store at ``db``; without ``create`` a missing file is an error (E603), never made."""
    try:
        return Store(db, create=create)
    except PropwatchError as exc:
        fail(exc)



def _stdout() -> Console:
    return Console(highlight=False)


@corpus_app.command()
def add(
    paths: Annotated[list[str] | None, typer.Argument(help="Files, folders or http(s) URLs (.txt .html .jsonl .csv, web pages); '-' reads stdin.")] = None,
    db: Annotated[str, typer.Option("--db", envvar="PROPWATCH_DB", help=_DB_HELP, show_default=False)] = DEFAULT_DB,
    feed: Annotated[list[str] | None, typer.Option("--feed", help="An RSS or Atom feed URL: add every entry not yet stored (repeat for several).")] = None,
    allow_private: Annotated[bool, typer.Option("--allow-private", envvar="PROPWATCH_ALLOW_PRIVATE", help="Also fetch URLs on loopback, private or link-local addresses (refused by default).")] = False,
    timeout: Annotated[float | None, typer.Option("--timeout", min=0.1, help="Seconds allowed for fetching one URL, redirects included (default 60; $PROPWATCH_FETCH_TIMEOUT).")] = None,
    max_bytes: Annotated[int | None, typer.Option("--max-bytes", help="Refuse input files (and fetched pages) larger than this.")] = None,
    max_article_chars: Annotated[int | None, typer.Option("--max-article-chars", help="Refuse article texts longer than this (JSONL/CSV records: skipped).")] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Commit every N articles.")] = 500,
) -> None:
    """Add articles to the corpus. Stored articles are never changed: the same id with the same
    text is left as is; the same id with another text is a conflict and is not stored. A bad
    record (JSONL line, CSV row) is named, skipped and counted; the others are stored. URLs are
    fetched (http and https only; public addresses unless --allow-private) and skipped when
    already stored; --feed adds the entries of a feed that are not stored yet."""
    from ..ingest import expand_paths, iter_articles
    from ..ingest.feeds import FeedReport, follow_feed
    from ..ingest.web import FetchOptions, is_url, url_article_id

    if not paths and not feed:
        err.print("error: give files, folders or URLs to add, or --feed URL.", markup=False)
        raise typer.Exit(2)
    settings = settings_or_exit(max_bytes=max_bytes, max_article_chars=max_article_chars)
    fetch_options = FetchOptions.from_settings(settings, allow_private=allow_private,
                                               timeout=timeout)
    expanded = expand_paths(paths or [])
    feeds = list(dict.fromkeys(feed or []))
    store = _open(db, create=True)
    failures: list[PropwatchError] = []
    reports: list[FeedReport] = []
    skipped = already = 0
    added_now: set[str] = set()  # ids read in this run (their batch may not be committed yet)

    def known(article_id: str) -> bool:
        return article_id in added_now or store.get_article(article_id) is not None

    with store, progress_bar(len(expanded) + len(feeds)) as progress:
        task = progress.add_task("adding", total=len(expanded) + len(feeds))

        def articles() -> Iterator[Article]:
            nonlocal skipped, already
            to_read = []
            for path in expanded:
                if is_url(path) and known(url_article_id(path)):
                    already += 1
                    progress.advance(task)
                else:
                    to_read.append(path)
            last = None
            # JSONL/CSV files come as a stream of batches: memory holds one batch
            for path, result, warnings in iter_articles(to_read, settings=settings,
                                                        stdin=sys.stdin,
                                                        fetch_options=fetch_options,
                                                        batch_size=batch_size):
                if last is not None and path != last:
                    progress.advance(task)
                last = path
                skipped += print_input_notes(warnings)
                if isinstance(result, PropwatchError):
                    err.print(f"error: {result}", markup=False)
                    failures.append(result)
                else:
                    added_now.update(a.id for a in result)
                    yield from result
            if last is not None:
                progress.advance(task)
            for url in feeds:
                report = FeedReport(url)
                reports.append(report)
                for article in follow_feed(url, settings=settings, known=known,
                                           fetch_options=fetch_options, report=report):
                    added_now.add(article.id)
                    yield article
                for line in report.warnings:
                    err.print(f"warning: {line}", markup=False)
                for line in report.failed + ([report.error] if report.error else []):
                    err.print(f"error: {line}", markup=False)
                progress.advance(task)

        try:
            run = store.start_run("add", {"paths": list(paths or []), "db": db,
                                          **({"feeds": feeds} if feeds else {})})
            result = store.add_articles(articles(), batch_size=batch_size)
            for _id, message in result.conflicts:
                err.print(f"error: {message}", markup=False)
            fetched: dict[str, Any] = (
                {"already_stored_urls": already} if any(map(is_url, expanded)) else {})
            if reports:
                fetched["feeds"] = [report.to_dict() for report in reports]
            store.finish_run(run, {**result.to_dict(), "failed_inputs": len(failures),
                                   "skipped_records": skipped, **fetched})
        except PropwatchError as exc:
            fail(exc)
    for report in reports:
        typer.echo(report.summary())
    typer.echo(f"added {result.added}, unchanged {result.unchanged}, "
               f"conflicts {len(result.conflicts)}"
               + (f", skipped {skipped} bad records" if skipped else "")
               + (f", {already} URLs already stored" if already else ""))
    if failures:
        err.print(f"{len(failures)} of {len(expanded)} inputs could not be read.")
    bad_feeds = [report for report in reports if not report.ok]
    if failures or result.conflicts or skipped or bad_feeds:
        raise typer.Exit(1)


@corpus_app.command("list")
def list_(
    db: str = _db_option(),
    outlet: Optional[str] = typer.Option(None, "--outlet", help="Only this outlet (any case)."),
    technique: Optional[str] = typer.Option(None, "--technique", help="Only articles with a span of this technique (exact label)."),
    q: Optional[str] = typer.Option(None, "--q", help="Full-text search in titles and texts; every word must occur; 'word*' for a prefix."),
    limit: int = typer.Option(50, "--limit", min=0, help="At most this many articles."),
    offset: int = typer.Option(0, "--offset", min=0, help="Skip this many first."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array."),
) -> None:
    """List stored articles: id, title, outlet, date and number of spans."""
    with _open(db, create=False) as store:
        try:
            rows = store.list_articles(limit=limit, offset=offset, outlet=outlet,
                                       technique=technique, q=q)
        except PropwatchError as exc:
            fail(exc)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        err.print("no articles match.")
        return
    table = Table()
    # Ids stay whole on one line: 'corpus show ID' needs them as they are.
    table.add_column("id", no_wrap=True, min_width=max(len(row["id"]) for row in rows))
    table.add_column("title")
    table.add_column("outlet")
    table.add_column("published", no_wrap=True, min_width=10)
    table.add_column("spans", justify="right", no_wrap=True)
    for row in rows:
        table.add_row(row["id"], row["title"] or "", row["outlet"] or "", row["published"] or "",
                      str(row["n_spans"]))
    _stdout().print(table)


@corpus_app.command()
def show(
    article_id: str = typer.Argument(..., metavar="ID", help="The article id."),
    db: str = _db_option(),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON object."),
) -> None:
    """Show one article's metadata, its span counts and the reuse links that touch it."""
    with _open(db, create=False) as store:
        try:
            info = store.describe(article_id)
            if info is None:
                fail(StoreError.make("E606", id=article_id, path=db))
            links = store.reuse_links(article_id=article_id)
            clusters = store.clusters(article_id=article_id)
        except PropwatchError as exc:
            fail(exc)
    info["reuse_links"] = [link.to_dict() for link in links]
    info["clusters"] = [cluster.to_dict() for cluster in clusters]
    if as_json:
        typer.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    out = _stdout()
    out.print(f"[bold]{info['id']}[/]  {info['title'] or '(no title)'}", markup=True)
    for key in ("outlet", "published", "url", "canonical_url", "source", "added_at", "characters",
                "content_hash", "detector"):
        if info[key] is not None:
            out.print(f"  {key}: {info[key]}", markup=False)
    out.print(f"  spans: {info['spans']}", markup=False)
    for technique, n in info["techniques"].items():
        out.print(f"    {technique}: {n}", markup=False)
    if links:
        out.print(f"  reuse links: {len(links)}", markup=False)
        for link in links:
            mine, other = ((link.a_start, link.a_end), (link.b, link.b_start, link.b_end)) \
                if link.a == article_id else ((link.b_start, link.b_end),
                                              (link.a, link.a_start, link.a_end))
            out.print(f"    [{mine[0]}, {mine[1]}) = {other[0]} [{other[1]}, {other[2]})"
                      f"  score {link.score:.2f}", markup=False)
    for cluster in clusters:
        basis = f" ({cluster.origin_basis})" if cluster.origin_basis else ""
        out.print(f"  cluster {cluster.id}: {len(cluster.members)} passages, origin "
                  f"{cluster.origin or 'unknown'}{basis}", markup=False)


@corpus_app.command()
def stats(
    db: str = _db_option(),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON object."),
) -> None:
    """Corpus figures: articles, outlets, dates, spans per technique and per outlet, runs."""
    with _open(db, create=False) as store:
        try:
            figures = store.stats()
        except PropwatchError as exc:
            fail(exc)
    if as_json:
        typer.echo(json.dumps(figures, ensure_ascii=False, indent=2))
        return
    out = _stdout()
    dates = figures["published"]
    out.print(f"{figures['articles']} articles from {len(figures['outlets'])} outlets"
              + (f" ({figures['no_outlet']} without outlet)" if figures["no_outlet"] else ""),
              markup=False)
    if dates["first"]:
        out.print(f"published {dates['first']} to {dates['last']}"
                  + (f" ({dates['undated']} undated)" if dates["undated"] else ""), markup=False)
    spans = figures["spans"]
    out.print(f"{spans['total']} spans in {spans['articles_with_spans']} articles", markup=False)
    if figures["outlets"]:
        table = Table("outlet", "articles", "spans", title="outlets")
        for name, n in figures["outlets"].items():
            table.add_row(name, str(n), str(sum(spans["by_outlet"].get(name, {}).values())))
        out.print(table)
    if spans["by_technique"]:
        table = Table("technique", "spans", title="techniques")
        for technique, n in spans["by_technique"].items():
            table.add_row(technique, str(n))
        out.print(table)
    if figures["runs"]:
        out.print("runs: " + ", ".join(f"{k} {v}" for k, v in figures["runs"].items()),
                  markup=False)
    if figures["reuse"]:
        reuse = figures["reuse"]
        out.print(f"reuse (run {reuse['run']}): {reuse['links']} links, "
                  f"{reuse['clusters']} clusters", markup=False)


_SHORT_TYPES = {"named_person": "person", "named_organisation": "org", "government": "gov",
                "anonymous": "anon"}


def _rows_by_period(db: str, period: str, as_json: bool,
                    read: Callable[[Any], list[dict[str, Any]]], *,
                    periods: tuple[str, ...] = ("month", "year", "all"),
                    ) -> list[dict[str, Any]] | None:
    """The rows ``read(store)`` gives for ``--by PERIOD`` (one of ``periods``); printed as a
    JSON array and None with ``--json``. A bad period is E402, a store error its own line
    (exit 1)."""
    if period not in periods:
        fail(UsageError.make("E402", value=period, option="--by",
                             reason=f"use {', '.join(periods[:-1])} or {periods[-1]}"))
    with _open(db, create=False) as store:
        try:
            rows = read(store)
        except PropwatchError as exc:
            fail(exc)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return None
    return rows


@corpus_app.command()
def sourcing(
    db: str = _db_option(),
    period: str = typer.Option("month", "--by", help="month, year or all: the period of publication each row covers."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array."),
) -> None:
    """How each outlet sources its articles over time (needs 'corpus analyze --with
    attributions'): attributed and anonymous shares, source types, state-affiliated outlets."""
    rows = _rows_by_period(db, period, as_json, lambda store: store.sourcing(period=period))
    if rows is None:
        return
    out = _stdout()
    if not rows:
        out.print("no attributions stored: run 'propwatch corpus analyze --with attributions "
                  f"--db {db}' first", markup=False)
        return
    table = Table("outlet", "period", "articles", "attributions", "attributed", "anonymous",
                  "cite state outlets", "by source type", title="sourcing")
    for row in rows:
        table.add_row(row["outlet"] or "(none)", row["period"] or "-", str(row["articles"]),
                      str(row["attributions"]), f"{row['attributed_share']:.0%}",
                      f"{row['anonymous_share']:.0%}", str(row["articles_citing_state_outlets"]),
                      ", ".join(f"{_SHORT_TYPES.get(k, k)} {v}" for k, v in row["by_type"].items()))
    out.print(table)


@corpus_app.command()
def claims(
    db: str = _db_option(),
    period: str = typer.Option("month", "--by", help="month, year or all: the periods of publication counted."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array."),
) -> None:
    """Which outlets carry which known claims over time (needs 'corpus analyze --kb NAME'),
    joined with the latest reuse run: articles that share a reprint cluster with another
    article carrying the claim (copied) and those that do not (rewritten)."""
    rows = _rows_by_period(db, period, as_json, lambda store: store.known_claims(period=period))
    if rows is None:
        return
    out = _stdout()
    if not rows:
        out.print("no known claims stored: run 'propwatch corpus analyze --kb NAME "
                  f"--db {db}' first", markup=False)
        return
    table = Table("claim", "articles", "outlets", "first", "by period", "copied", "rewritten",
                  title="known claims")
    for row in rows:
        table.add_row(f"{row['claim'][:70]} ({row['kb']}:{row['claim_id']})",
                      str(row["articles"]),
                      ", ".join(f"{o} {n}" for o, n in row["outlets"].items()),
                      row["first_published"] or "-",
                      ", ".join(f"{p} {n}" for p, n in row["by_period"].items()),
                      str(row["copied"]), str(row["rewritten"]))
    out.print(table)


_FRAMING_PERIODS = ("day", "week", "month", "year", "all")
_ROLE_NAMES = {"Protagonist": "hero", "Antagonist": "villain", "Innocent": "victim"}


def _cell(value: str) -> Text:
    """Stored text as a table cell: shown as it is, never read as markup or terminal codes."""
    from ..render.layers import term_safe

    return Text(term_safe(value))


def _counts(counts: dict[str, int], limit: int) -> str:
    """"label 3, other 1 (+2 more)": the first ``limit`` of ranked counts."""
    shown = ", ".join(f"{label} {n}" for label, n in list(counts.items())[:limit])
    return shown + (f" (+{len(counts) - limit} more)" if len(counts) > limit else "")


@corpus_app.command()
def narratives(
    db: str = _db_option(),
    period: str = typer.Option("month", "--by", help="day, week, month, year or all: the period of publication each row covers."),
    subnarratives: bool = typer.Option(False, "--subnarratives", help="Count subnarratives too."),
    top: int = typer.Option(5, "--top", min=1, help="Show at most this many labels per row (the JSON has all)."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array."),
) -> None:
    """Which narratives each outlet's articles serve over time (needs 'corpus analyze --with
    narratives'): per outlet and period, the articles analysed, articles per narrative (and
    subnarrative) and those that serve none (other)."""
    rows = _rows_by_period(db, period, as_json, lambda store: store.narrative_stats(
        period=period, subnarratives=subnarratives), periods=_FRAMING_PERIODS)
    if rows is None:
        return
    out = _stdout()
    if not rows:
        out.print("no narratives stored: run 'propwatch corpus analyze --with narratives "
                  f"--db {db}' first", markup=False)
        return
    table = Table("outlet", "period", "articles", "narratives", "other", title="narratives")
    if subnarratives:
        table.add_column("subnarratives")
    for row in rows:
        cells: list[str | Text] = [
            _cell(row["outlet"] or "(none)"), row["period"] or "undated", str(row["articles"]),
            _cell(_counts(row["narratives"], top) or "-"), str(row["other"])]
        if subnarratives:
            cells.append(_cell(_counts(row["subnarratives"], top) or "-"))
        table.add_row(*cells)
    out.print(table)


@corpus_app.command()
def actors(
    db: str = _db_option(),
    period: str = typer.Option("month", "--by", help="day, week, month, year or all: the period of publication each row covers."),
    top: int = typer.Option(5, "--top", min=1, help="At most this many actors per outlet and period."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array."),
) -> None:
    """Which actors each outlet casts as hero (protagonist), villain (antagonist) or victim
    (innocent) over time (needs 'corpus analyze --with roles'): per outlet and period, the
    top actors by articles with their casts in each role."""
    rows = _rows_by_period(db, period, as_json, lambda store: store.actor_stats(
        period=period, top=top), periods=_FRAMING_PERIODS)
    if rows is None:
        return
    out = _stdout()
    if not rows:
        out.print("no actors stored: run 'propwatch corpus analyze --with roles "
                  f"--db {db}' first", markup=False)
        return
    table = Table("outlet", "period", "articles", "actor", "cast as", "hero", "villain",
                  "victim", title="actors and their roles")
    for row in rows:
        where: list[str | Text] = [_cell(row["outlet"] or "(none)"),
                                   row["period"] or "undated", str(row["articles"])]
        if not row["actors"]:
            table.add_row(*where, "-", "", "", "", "")
        for n, actor in enumerate(row["actors"]):
            table.add_row(*(where if n == 0 else ["", "", ""]),
                          _cell(f"{actor['name']} ({actor['articles']})"),
                          _ROLE_NAMES.get(actor["main_role"] or "", "-"),
                          *(str(actor[role]) for role in _ROLE_NAMES))
        if row["actors_total"] > len(row["actors"]):
            table.add_row("", "", "", f"+{row['actors_total'] - len(row['actors'])} more",
                          "", "", "", "")
    out.print(table)


@corpus_app.command()
def export(
    db: str = _db_option(),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output file (default: stdout)."),
    with_spans: bool = typer.Option(True, "--spans/--no-spans", help="Include the stored spans."),
) -> None:
    """Export every article as JSONL: metadata, text, boilerplate and spans."""
    with _open(db, create=False) as store:
        try:
            if out is None:
                store.export("jsonl", sys.stdout, with_spans=with_spans)
                return
            try:
                with replaced_at_end(out) as temp, open(temp, "w", encoding="utf-8",
                                                        newline="") as handle:
                    written = store.export("jsonl", handle, with_spans=with_spans)
            except OSError as exc:
                fail(UsageError.make("E403", path=out, reason=exc.strerror or str(exc)))
        except PropwatchError as exc:
            fail(exc)
    err.print(f"wrote {written} articles to {out}", markup=False)


@corpus_app.command()
def analyze(
    db: str = _db_option(),
    engine: str = typer.Option("local", "--engine", help="local, or spark (partitions of the corpus run in Spark tasks)."),
    detector: Optional[str] = typer.Option(None, "--detector", "-d"),
    master: str = typer.Option("local[2]", "--master", help="Spark master URL, with --engine spark."),
    with_: Optional[List[str]] = with_option(),
    without: Optional[List[str]] = without_option(),
    rerun: bool = typer.Option(False, "--rerun", help="Analyse every article anew, also those already analysed (needed to change components or versions)."),
    kb: Optional[List[str]] = typer.Option(None, "--kb", help="Also find the known claims of this knowledge base (in the same --db; repeat for several)."),
    taxonomy: Optional[Path] = typer.Option(None, "--taxonomy", help="Label narratives with this taxonomy file: adds the narratives layer (see 'propwatch narratives')."),
) -> None:
    """Run the pipeline (technique detection by default) over the stored articles and save
    each layer it writes. It resumes: articles these components (same versions) already
    analysed are skipped; layers of other components or versions need --rerun."""
    from ..corpus import analyze_corpus

    settings = with_knowledge_bases(
        pipeline_settings(settings_or_exit(detector=detector), with_, without), kb, db)
    if taxonomy is not None:
        settings = with_taxonomy(settings, taxonomy)
    if not Path(db).exists():
        _open(db, create=False)  # names the missing file and exits
    try:
        with progress_bar(2) as progress:
            task = progress.add_task("analysing", total=None)
            summary = analyze_corpus(db, settings=settings, engine=engine, master=master,
                                     rerun=rerun,
                                     progress=lambda n, total: progress.update(task, completed=n, total=total))
    except ImportError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(2)
    except PropwatchError as exc:
        fail(exc, 2 if exc.code == "E611" else 1)
    others = "".join(f", {n} {name} records" for name, n in summary["records"].items()
                     if name != "techniques")
    skipped = (f"; skipped {summary['skipped']} already analysed by these components"
               if summary["skipped"] else "")
    typer.echo(f"analysed {summary['articles']} articles: {summary['spans']} spans{others} "
               f"({summary['detector'] or ', '.join(summary['components'].values())}, "
               f"{summary['seconds']} s){skipped}")


@corpus_app.command()
def runs(
    db: str = _db_option(),
    kind: str | None = typer.Option(None, "--kind", help="Only runs of this kind (add, analyze, reuse)."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array."),
) -> None:
    """List the runs recorded in the corpus: kind, status (running, finished or interrupted),
    when they started and ended."""
    with _open(db, create=False) as store:
        try:
            rows = store.runs(kind)
        except PropwatchError as exc:
            fail(exc)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        err.print("no runs.")
        return
    table = Table()
    for name in ("id", "kind", "status", "started (UTC)", "ended (UTC)"):
        table.add_column(name, no_wrap=True)
    for row in rows:
        started, ended = (when.replace("T", " ")[:19] if when else ""
                          for when in (row["started_at"], row["finished_at"]))
        table.add_row(str(row["id"]), row["kind"], row["status"], started, ended)
    _stdout().print(table)

"""``propwatch watch``: follow RSS and Atom feeds; each round adds the new entries' articles
to the corpus (``propwatch.ingest.feeds.follow_feed``) and analyses them
(``propwatch.corpus.analyze_corpus``, which skips what is already analysed).

A failing feed or article is one error line and is skipped; the loop goes on. Every round is
a run of kind ``watch`` in the store, with what each feed brought. Articles are committed as
they come, so stopping at any moment (Ctrl-C, a kill) loses nothing stored, and the next
round picks up what was missed. When the store keeps reuse (a ``propwatch reuse --db`` run
built its fingerprint index), each round that added articles brings reuse up to date
incrementally: only the new articles are compared (``--reuse`` / ``--no-reuse`` force it).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from ..config import Settings
from ..errors import InputError, PropwatchError, UsageError
from ..ingest.feeds import FeedReport, follow_feed
from ..ingest.web import FetchOptions
from ..store import Store
from .common import err, fail, pipeline_settings, settings_or_exit, with_knowledge_bases

#: how a round waits for the next one (tests replace this, not the process-wide time.sleep)
pause: Callable[[float], None] = time.sleep

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_INTERVAL = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd]?)")


def parse_interval(text: str) -> float:
    """Seconds in ``15m``, ``30s``, ``2h``, ``1d`` or a plain number of seconds; E402 else."""
    match = _INTERVAL.fullmatch(text.strip().lower())
    seconds = float(match.group(1)) * _UNITS[match.group(2) or "s"] if match else 0.0
    if seconds <= 0:
        raise UsageError.make("E402", value=text, option="--every",
                              reason="use a positive time such as 30s, 15m, 2h or 1d")
    return seconds


def read_feeds_file(path: Path) -> list[str]:
    """The feed URLs of a file, one per line; blank lines and ``#`` comments are skipped."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError.make("E101", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.make("E105", path=path, reason=getattr(exc, "strerror", None)
                              or str(exc)) from None
    feeds = []
    for line in text.splitlines():
        url = re.split(r"(?:^|\s)#", line, maxsplit=1)[0].strip()  # 'URL  # note'
        if url:
            feeds.append(url)
    if not feeds:
        raise UsageError.make("E402", value=path, option="FEEDS_FILE",
                              reason="it lists no feed URL (one per line; '#' starts a comment)")
    return list(dict.fromkeys(feeds))


def update_stored_reuse(store: Store, echo: Callable[[str], None] = typer.echo) -> dict:
    """Bring the store's reuse up to date with the options of its fingerprint index (the
    defaults when there is none) and say what changed in one line."""
    from dataclasses import fields

    from ..reuse import ReuseOptions
    from ..reuse.incremental import update_reuse

    state = store.reuse_index()
    names = {f.name for f in fields(ReuseOptions)}
    options = ReuseOptions(**{k: v for k, v in (state or {}).get("settings", {}).items()
                              if k in names})
    run = update_reuse(store, options)
    stats = run.result.stats
    for note in run.notes:
        err.print(f"note: {note}", markup=False)
    echo(f"reuse ({run.mode}): {stats.get('new_articles', stats.get('articles'))} articles "
         f"compared, {stats['links']} reused passages, {stats['clusters']} reprint clusters "
         f"(run {run.run_id})")
    return {"reuse_run": run.run_id, "reuse_mode": run.mode}


def watch_round(store: Store, feeds: list[str], *, settings: Settings,
                fetch_options: FetchOptions, analyze: bool, catch_up: bool = False,
                echo: Callable[[str], None] = typer.echo, reuse: bool | None = None) -> bool:
    """One round: add each feed's new articles, analyse them, print one line per feed (and
    one for the analysis). ``catch_up`` analyses even when nothing new came in (the first
    round: articles left unanalysed by a run that was stopped). Returns True when every feed
    and article could be read and analysed."""
    from ..corpus import analyze_corpus

    run = store.start_run("watch", {"feeds": feeds, "analyze": analyze})
    reports: list[FeedReport] = []
    summary: dict[str, Any] = {"feeds": [], "added": 0}
    ok = True
    try:
        for url in feeds:
            report = FeedReport(url)
            reports.append(report)
            try:
                result = store.add_articles(
                    follow_feed(url, settings=settings, fetch_options=fetch_options,
                                report=report, known=lambda i: store.get_article(i) is not None),
                    batch_size=1)  # each article committed as it comes
            except PropwatchError as exc:
                report.error = str(exc)
            else:
                summary["added"] += result.added
                report.failed += [message for _id, message in result.conflicts]
            for line in report.warnings:
                err.print(f"warning: {line}", markup=False)
            for line in report.failed + ([report.error] if report.error else []):
                err.print(f"error: {line}", markup=False)
            ok = ok and report.ok
            echo(report.summary())
        summary["feeds"] = [report.to_dict() for report in reports]
        if summary["added"] and (reuse or (reuse is None and store.reuse_index() is not None)):
            try:
                summary.update(update_stored_reuse(store, echo))
            except PropwatchError as exc:
                err.print(f"error: {exc}", markup=False)
                summary["reuse_error"] = str(exc)
                ok = False
        if analyze and (summary["added"] or catch_up):
            try:
                done = analyze_corpus(store.path, settings=settings)
            except PropwatchError as exc:
                err.print(f"error: {exc}", markup=False)
                summary["analysis_error"] = str(exc)
                ok = False
            else:
                summary["analysis_run"] = done["run_id"]
                if done["articles"] or summary["added"]:
                    echo(f"analysed {done['articles']} new articles: {done['spans']} spans "
                         f"({done['seconds']} s)")
    except BaseException:
        summary["feeds"] = [report.to_dict() for report in reports]
        store.finish_run(run, summary, status="interrupted")
        raise
    store.finish_run(run, summary)
    return ok


def watch(
    feeds_file: Annotated[Path, typer.Argument(metavar="FEEDS_FILE", help="A file of feed URLs (RSS or Atom), one per line; '#' starts a comment.")],
    db: Annotated[str, typer.Option("--db", envvar="PROPWATCH_DB", help="Corpus database file (made if missing; default: $PROPWATCH_DB or propwatch.db).", show_default=False)] = "propwatch.db",
    every: Annotated[str, typer.Option("--every", help="Time between rounds: 30s, 15m, 2h, 1d.")] = "15m",
    once: Annotated[bool, typer.Option("--once", help="Do one round and exit (1 when a feed or article failed).")] = False,
    analyze: Annotated[bool, typer.Option("--analyze/--no-analyze", help="Analyse the new articles each round (the pipeline of 'corpus analyze').")] = True,
    allow_private: Annotated[bool, typer.Option("--allow-private", envvar="PROPWATCH_ALLOW_PRIVATE", help="Also fetch URLs on loopback, private or link-local addresses (refused by default).")] = False,
    timeout: Annotated[float | None, typer.Option("--timeout", min=0.1, help="Seconds allowed for fetching one URL, redirects included (default 60; $PROPWATCH_FETCH_TIMEOUT).")] = None,
    max_bytes: Annotated[int | None, typer.Option("--max-bytes", help="Refuse pages and feeds larger than this.")] = None,
    max_article_chars: Annotated[int | None, typer.Option("--max-article-chars", help="Refuse article texts longer than this.")] = None,
    detector: Annotated[str | None, typer.Option("--detector", "-d", help="Detector name (see 'propwatch detectors').")] = None,
    with_: Annotated[list[str] | None, typer.Option("--with", help="Add a component to the pipeline; repeat for several.")] = None,
    without: Annotated[list[str] | None, typer.Option("--without", help="Leave a component out of the pipeline; repeat for several.")] = None,
    kb: Annotated[list[str] | None, typer.Option("--kb", help="Also find the known claims of this knowledge base (in the same --db).")] = None,
    reuse: Annotated[bool | None, typer.Option("--reuse/--no-reuse", help="Update text reuse incrementally after each round that added articles (default: when the store already keeps reuse).", show_default=False)] = None,
) -> None:
    """Follow feeds: every round, fetch each feed, add the entries not yet stored, analyse
    them and print one line per feed. A failing feed or article is reported and skipped; the
    loop goes on until Ctrl-C (exit 130; what was stored is kept)."""
    settings = with_knowledge_bases(pipeline_settings(settings_or_exit(
        detector=detector, max_bytes=max_bytes, max_article_chars=max_article_chars),
        with_, without), kb, db)
    try:
        interval = parse_interval(every)
        feeds = read_feeds_file(feeds_file)
        store = Store(db, create=True)
    except PropwatchError as exc:
        fail(exc)
    fetch_options = FetchOptions.from_settings(settings, allow_private=allow_private,
                                               timeout=timeout)
    rounds = 0
    with store:
        try:
            while True:
                if not once:
                    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
                    err.print(f"round {rounds + 1} at {stamp} UTC", markup=False)
                try:
                    ok = watch_round(store, feeds, settings=settings,
                                     fetch_options=fetch_options, analyze=analyze,
                                     catch_up=rounds == 0, reuse=reuse)
                except PropwatchError as exc:  # the store itself failed: say so, go on
                    err.print(f"error: {exc}", markup=False)
                    ok = False
                rounds += 1
                if once:
                    break
                pause(interval)
        except KeyboardInterrupt:
            err.print(f"stopped after {rounds} rounds; everything stored so far is kept.",
                      markup=False)
            raise typer.Exit(130) from None
    if not ok:
        raise typer.Exit(1)

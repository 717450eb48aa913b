"""RSS and Atom feeds (by feedparser): a feed's entries become URLs with titles and publication
times, and each new entry's page becomes an ``Article`` (``read_url``).

``follow_feed`` is what ``propwatch corpus add --feed`` and ``propwatch watch`` share: it
fetches the feed, skips the entries the caller already has (``known``: article ids are
``url_article_id`` of the entry's URL, so nothing is fetched twice), reads the others and
reports what came in; a failing entry is recorded and skipped, never the end of the feed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urljoin

from ..config import Settings
from ..doc import Article
from ..errors import InputError, PropwatchError
from . import normalise_published, read_url
from .web import FetchOptions, fetch, is_url, url_article_id

__all__ = ["Feed", "FeedEntry", "FeedReport", "follow_feed", "parse_feed", "read_feed"]


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item of a feed: the article's URL (absolute), its title and publication time (ISO
    8601 as the feed gives it, or None)."""

    url: str
    title: str | None = None
    published: str | None = None


@dataclass(frozen=True, slots=True)
class Feed:
    """A parsed feed: the URL asked for, the one that answered, its title and entries, and
    warning lines about entries that name no usable link."""

    url: str
    final_url: str
    title: str | None
    entries: tuple[FeedEntry, ...]
    warnings: tuple[str, ...] = ()


def _entry_published(entry: Any) -> str | None:
    """The entry's publication time with its zone as written (RFC 822 or ISO 8601), else
    feedparser's parsed form (UTC), else None."""
    raw = entry.get("published")
    if isinstance(raw, str) and raw.strip():
        iso = normalise_published(raw)
        if iso is not None:
            return iso
    parsed = entry.get("published_parsed")
    if parsed:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", parsed)
    return None


def _entry_link(entry: Any, base: str) -> str | None:
    """The entry's article URL: its ``link``, an ``alternate`` link, or an id that is a URL."""
    candidates = [entry.get("link")]
    candidates += [link.get("href") for link in entry.get("links") or []
                   if link.get("rel", "alternate") == "alternate"]
    candidates.append(entry.get("id"))
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            url = urljoin(base, candidate.strip())
            if url.lower().startswith(("http://", "https://")):
                return url
    return None


def parse_feed(data: bytes, *, url: str, final_url: str | None = None,
               content_type: str = "") -> Feed:
    """The entries of an RSS 2.0, RSS 1.0 or Atom document (relative links resolved against
    ``final_url``). Raises ``InputError`` E119 when the bytes are no feed."""
    import feedparser  # imported here: only feeds need it

    base = final_url or url
    headers = {"content-location": base}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(data, response_headers=headers)
    if not parsed.entries and (not parsed.get("version") or parsed.get("bozo")):
        problem = parsed.get("bozo_exception")
        reason = (f"unreadable XML: {problem}" if problem else
                  "no RSS or Atom elements in it")
        raise InputError.make("E119", url=url, reason=reason)
    entries: list[FeedEntry] = []
    warnings: list[str] = []
    for number, entry in enumerate(parsed.entries, start=1):
        link = _entry_link(entry, base)
        title = (entry.get("title") or "").strip() or None
        if link is None:
            warnings.append(f"'{url}' entry {number} ({title or 'no title'}): no http(s) link; "
                            "skipped it.")
            continue
        entries.append(FeedEntry(url=link, title=title, published=_entry_published(entry)))
    title = (parsed.feed.get("title") or "").strip() or None
    return Feed(url=url, final_url=base, title=title, entries=tuple(entries),
                warnings=tuple(warnings))


def read_feed(url: str, options: FetchOptions | None = None) -> Feed:
    """Fetch and parse the feed at ``url``. Raises ``InputError`` (E104, E115-E117, E119)."""
    if not is_url(url):
        raise InputError.make("E117", url=url, reason="a feed is read from an http(s) URL",
                              hint="Give the feed's URL, such as https://example.com/feed.")
    fetched = fetch(url, options, feed=True)
    return parse_feed(fetched.body, url=url, final_url=fetched.final_url,
                      content_type=fetched.headers.get("content-type", ""))


@dataclass
class FeedReport:
    """What one pass over a feed brought in: the entries seen, the ids of the new articles,
    how many were already known, and the error line of each entry that failed (or of the
    feed itself)."""

    url: str
    title: str | None = None
    entries: int = 0
    new: list[str] = field(default_factory=list)
    known: int = 0
    failed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the feed and every new entry could be read."""
        return self.error is None and not self.failed

    def summary(self) -> str:
        """One line: the feed and its counts, or that it failed."""
        if self.error is not None:
            return f"{self.url}: failed ({self.error.split(':', 1)[0]})"
        return (f"{self.url}: {self.entries} entries, {len(self.new)} new, {self.known} already "
                f"stored, {len(self.failed)} failed")

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "title": self.title, "entries": self.entries,
                "new": list(self.new), "known": self.known, "failed": list(self.failed),
                "error": self.error}


def follow_feed(url: str, *, settings: Settings, known: Callable[[str], bool],
                fetch_options: FetchOptions | None = None,
                report: FeedReport | None = None) -> Iterator[Article]:
    """The articles of ``url``'s entries whose id (``url_article_id``) is not ``known``, in
    feed order, with the page's title, date and outlet, else the feed's. Never raises for the
    feed or an entry: failures go into ``report`` (pass one to read them)."""
    report = report if report is not None else FeedReport(url)
    options = fetch_options or FetchOptions.from_settings(settings)
    try:
        feed = read_feed(url, options)
    except PropwatchError as exc:
        report.error = str(exc)
        return
    report.title = feed.title
    report.entries = len(feed.entries)
    report.warnings.extend(feed.warnings)
    seen: set[str] = set()
    for entry in feed.entries:
        article_id = url_article_id(entry.url)
        if article_id in seen or known(article_id):
            report.known += 1
            continue
        seen.add(article_id)
        try:
            articles, warnings = read_url(entry.url, settings=settings, fetch_options=options,
                                          id=article_id)
        except PropwatchError as exc:
            report.failed.append(str(exc))
            continue
        except Exception as exc:  # noqa: BLE001 - one odd page must not end the feed
            report.failed.append(str(InputError.make(
                "E115", url=entry.url, reason=f"unexpected {type(exc).__name__}: {exc}",
                hint="Report it to the propwatch developers with the URL.")))
            continue
        report.warnings.extend(warnings)
        article = articles[0]
        report.new.append(article.id)
        yield replace(article, title=article.title or entry.title,
                      published=_finer(article.published, entry.published),
                      outlet=article.outlet or feed.title)


def _finer(page: str | None, entry: str | None) -> str | None:
    """The page's publication time, or the feed's when the page has none or only the same
    day (a feed's pubDate usually has the time of day that a page's date lacks)."""
    if page is None or (entry is not None and "T" not in page and entry.startswith(page)):
        return entry
    return page

"""Readers and cleaning: turn text, HTML, JSONL and CSV inputs into ``Article`` objects.

Offsets are sacred: ``Article.text`` is the text exactly as given (bytes decoded, nothing
else: no newline, Unicode or whitespace normalisation). A UTF-8 byte order mark is kept as
the character U+FEFF, so offsets count it, as the PTC gold offsets do. Cleaning only
*marks* scraping debris as boilerplate ranges; metadata found in the text (title, outlet,
date) is copied out and the text is left alone.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import stat
import sys
import unicodedata
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence, TextIO

from ..config import Settings
from ..doc import Article, merge_ranges
from ..doc import normalise_published as normalise_published_iso
from ..errors import InputError, PropwatchError, warning_text
from .web import FetchOptions, fetch, is_url, page_encoding, url_article_id

__all__ = [
    "INPUT_SUFFIXES",
    "SkippedRecord",
    "article_from_text",
    "article_id_for",
    "article_too_long",
    "check_record",
    "expand_paths",
    "find_boilerplate",
    "html_published",
    "iter_articles",
    "lone_surrogate",
    "normalise_date",
    "normalise_published",
    "read_bytes",
    "read_path",
    "read_url",
    "stream_records",
]

#: Suffixes that folders are searched for (compared case-insensitively).
INPUT_SUFFIXES = (".txt", ".text", ".html", ".htm", ".jsonl", ".csv")
_STDIN = "-"
_STDIN_NAME = "<stdin>"
_SNIFF_BYTES = 8192
_MAX_TITLE_CHARS = 250
_MAX_DATELINE_CHARS = 200
_RECORD_FIELDS = ("title", "outlet", "url", "canonical_url", "published")
# Files of many records are corpora: the per-file size limit (max_bytes) does not apply to
# them; the per-article one (max_article_chars) applies to each record.
_RECORD_SUFFIXES = (".jsonl", ".csv")
# The per-record limit (max_bytes) governs CSV cells, not the csv module's 128 KB default.
csv.field_size_limit(1 << 30)

# ---------------------------------------------------------------------------------------
# ids and paths


def article_id_for(path: Path) -> str:
    """The article id of a file: ``article123456.txt`` -> ``123456`` (PTC naming), else its stem."""
    stem = Path(path).stem
    match = re.fullmatch(r"article(\d+)", stem)
    return match.group(1) if match else stem


def expand_paths(paths: Sequence[str]) -> list[str]:
    """Expand folders recursively into their input files; ``-`` (stdin) and other paths stay.

    Folder contents are sorted and limited to ``INPUT_SUFFIXES``; hidden files and folders
    are skipped. A folder holding no input file stays in the list so that ``read_path``
    reports it instead of it vanishing silently. Repeated paths are kept once.
    """
    expanded: list[str] = []
    for given in paths:
        if given != _STDIN and os.path.isdir(given):
            found = _files_under(given)
            expanded.extend(found or [given])
        else:
            expanded.append(given)
    return list(dict.fromkeys(expanded))


def _files_under(folder: str) -> list[str]:
    found: list[tuple[tuple[str, ...], str]] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.startswith(".") or not name.lower().endswith(INPUT_SUFFIXES):
                continue
            full = os.path.join(root, name)
            found.append((Path(os.path.relpath(full, folder)).parts, full))
    # Sort on path components so 'a/z.txt' comes before 'a-b/y.txt' on every platform.
    return [full for _, full in sorted(found)]


# ---------------------------------------------------------------------------------------
# dates

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|"
    r"aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
# A time after the date, as datelines, feeds (RFC 822) and scrapers write it: "- 0:22",
# ", 10:00 AM GMT", "at 9:15", "10:15:00 +0200", "14:30 (GMT+3)".
_TIME = (
    r"(?:\s*(?:[-–—,|@]|\bat\b)?\s*(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"(?:\s*(?P<ampm>[ap])\.?m\.?)?"
    r"(?:\s*\(?(?P<zone>UTC|GMT|UT|MSK|[A-Z]{2,4}T)?"
    r"(?:\s*(?P<offset>[+-]\s*\d{1,2}(?::?\d{2})?))?\)?)?)?"
)
# Zone abbreviations read as offsets (hours). Ambiguous ones (CST, IST, BST, AST...) are left
# out: a time in one of them is kept without a zone rather than guessed.
_ZONES = {
    "UTC": 0, "GMT": 0, "UT": 0, "WET": 0, "WEST": 1, "CET": 1, "CEST": 2, "EET": 2,
    "EEST": 3, "MSK": 3, "EST": -5, "EDT": -4, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8,
    "PDT": -7, "AKST": -9, "AKDT": -8, "HST": -10, "JST": 9, "KST": 9, "HKT": 8, "AEST": 10,
    "AEDT": 11, "NZST": 12, "NZDT": 13,
}
_WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)?"
_DATE_FORMS = [
    re.compile(rf"{_WEEKDAY}{form}{_TIME}\s*", re.IGNORECASE)
    for form in (
        # 2020/01/28 (ISO 8601 itself is read by doc.parse_published first)
        r"(?P<year>\d{4})[-/](?P<month>\d{1,2})[-/](?P<day>\d{1,2})",
        # 28.01.2020 (day first, the usual reading of dotted dates)
        r"(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})",
        # 28 Jan 2020, 28 January, 2020, 28-Jan-2020, Thu, 04 May 2023 (RFC 822 feeds)
        rf"{_DAY}[\s-]+{_MONTH}[\s,-]+{_YEAR}",
        # January 28, 2020, Jan. 28 2020
        rf"{_MONTH}\s+{_DAY},?\s+{_YEAR}",
    )
]


def normalise_published(value: str) -> str | None:
    """A publication date, or date and time, as ISO 8601 with the precision and zone given:
    ``'28 Jan 2020'`` -> ``'2020-01-28'``; ``'2020-01-28T10:00:00Z'`` stays as it is;
    ``'4 May 2023 - 9:15'`` -> ``'2023-05-04T09:15'`` (no zone stated, none added);
    ``'March 3, 2021 10:00 AM EST'`` -> ``'2021-03-03T10:00-05:00'``; ``'Thu, 04 May 2023
    10:15:00 +0200'`` -> ``'2023-05-04T10:15:00+02:00'``.

    Returns None when the value is not a date in one of these forms or names an impossible
    day or time (slashed dates such as 01/02/2020 are ambiguous and are not guessed).
    """
    text = value.strip()
    iso = normalise_published_iso(text)
    if iso is not None:
        return iso
    for form in _DATE_FORMS:
        match = form.fullmatch(text)
        if not match:
            continue
        month = match.group("month")
        month_number = int(month) if month.isdigit() else _MONTHS[month[:3].lower()]
        try:
            day = date(int(match.group("year")), month_number, int(match.group("day")))
        except ValueError:  # 2020-02-31 has the right shape and is still no date
            return None
        if match.group("hour") is None:
            return day.isoformat()
        clock = _clock(match)
        return normalise_published_iso(f"{day.isoformat()}T{clock}") if clock else None
    return None


normalise_date = normalise_published  # the name of 0.x, when only the day was kept


def _clock(match: re.Match[str]) -> str | None:
    """``HH:MM[:SS]`` and the zone of a matched ``_TIME``, or None for an impossible time."""
    hour, minute = int(match.group("hour")), int(match.group("minute"))
    ampm = (match.group("ampm") or "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "p" else 0)
    if hour > 23 or minute > 59:
        return None
    clock = f"{hour:02d}:{minute:02d}"
    if match.group("second") is not None:
        if int(match.group("second")) > 59:
            return None
        clock += f":{match.group('second')}"
    zone, offset = (match.group("zone") or "").upper(), match.group("offset")
    if zone and zone not in _ZONES and offset is None:
        return clock  # an ambiguous or unknown abbreviation: no zone rather than a guess
    if offset is not None:
        sign, digits = offset[0], re.sub(r"\D", "", offset)
        hours, minutes = (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 else (
            int(digits), 0)
        base = _ZONES.get(zone, 0) * 60
        total = base + (-1 if sign == "-" else 1) * (hours * 60 + minutes)
    elif zone:
        total = _ZONES[zone] * 60
    else:
        return clock
    if abs(total) >= 24 * 60:
        return None
    sign = "-" if total < 0 else "+"
    return f"{clock}{sign}{abs(total) // 60:02d}:{abs(total) % 60:02d}"


# ---------------------------------------------------------------------------------------
# boilerplate

_SHARE_WORD = (
    r"(?:tweet|email|e-mail|print|share|facebook|twitter|whatsapp|telegram|linkedin|"
    r"reddit|pinterest|tumblr|vk|pocket|more)"
)
_LABEL = r"[^\s,;:!?]+(?:[ \t]+[^\s,;:!?]+){0,3}"
_NAV_POST = r"(?:(?:newer|older)\s+posts?|home)"
# Each pattern must match a whole line (stripped of surrounding whitespace). Whole-line
# matching is what keeps this conservative: a sentence that merely mentions "a comment"
# or "email" never matches, because it has other words around them.
_BOILERPLATE_LINES = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"(?:QR\s*code\s*)+",
        r"Story\s+Code\s*:\s*\d+",
        r"News\s+Link\s*:(?:\s*\S+)?",
        r"(?:No|\d+)\s+comments?\s*:?",
        r"Post\s+a\s+Comment",
        r"(?:Leave\s+a\s+(?:comment|reply)|Leave\s+a\s+Reply\s+Cancel\s+reply|Add\s+a\s+comment)",
        r"Share\s+this(?:\s+(?:article|story|post|page))?\s*:?",
        # One way only to split the gaps ("\s*" then an optional separator), so a long
        # line that almost matches fails fast instead of backtracking exponentially.
        r"(?:(?:share|post|tweet|pin)\s+(?:on|to|via)\s+\w+\s*(?:[|·•,]\s*)?)+",
        rf"(?:{_SHARE_WORD}\b\s*(?:[|·•,]\s*)?)+",
        r"Click\s+to\s+(?:share|email|print)\b.{0,80}",
        r"Subscribe(?:\s+(?:now|today|here))?(?:\s+to\s+(?:our|the)\s+(?:\w+\s+){0,2}"
        r"(?:newsletter|channel|feed|updates|posts))?\s*[.!:]?",
        r"Subscribe\s+to\s*:\s*Post\s+Comments\s*\(Atom\)",
        r"(?:Related(?:\s+(?:posts?|articles?|stories|news|content|links))?|"
        r"You\s+(?:may|might)\s+also\s+like|Read\s+(?:more|also)|See\s+also)\s*:?",
        r"Posted\s+by\s+.{1,80}?\s+(?:at|on)\s+[^.]{0,40}\d[^.]{0,40}",
        # Blog labels: short items (at most four words each) separated by commas.
        rf"(?:Labels|Tags)\s*:\s*{_LABEL}(?:\s*,\s*{_LABEL})*",
        rf"(?=.*\bposts?\b){_NAV_POST}(?:\s+{_NAV_POST})*",
        r"Advertisement|Skip\s+to\s+(?:main\s+)?content",
        r"(?:We\s+use\s+cookies|This\s+(?:web)?site\s+uses\s+cookies|"
        r"By\s+(?:continuing|using)\b[^.]{0,80}\bcookies|"
        r"(?:Accept|Allow|Reject|Manage)(?:\s+all)?\s+cookies|"
        r"Cookie\s+(?:policy|settings|preferences))\b.{0,300}",
        # "All rights reserved" ends a notice; in mid-line it may be a sentence's words.
        r"(?:.{0,160}[.,|]\s*)?All\s+rights\s+reserved\.?",
        # Copyright notices; a bare "© Agency" credit only when short, because photo
        # credits run on into captions that are article content ("© AFP The minister...").
        r"(?:Copyright\s*)?©\s*(?:\d{4}|Copyright)\b.{0,160}|Copyright\s+\d{4}\b.{0,160}",
        r"(?:Copyright\s*)?©(?:\s*[^\s.]+){1,4}",
    )
]
_MAX_BOILERPLATE_LINE = 400
_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


def _lines(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each line without its terminator ('\\n', '\\r\\n' or '\\r')."""
    for match in _LINE_RE.finditer(text):
        if match.start() == len(text) and match.start() == match.end():
            break
        line = match.group()
        yield match.start(), match.start() + len(line.rstrip("\r\n"))


def _stripped(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` past surrounding whitespace (and a byte order mark)."""
    while start < end and (text[start].isspace() or text[start] == "\ufeff"):
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def find_boilerplate(text: str) -> list[tuple[int, int]]:
    """Half-open ranges of scraping debris (share widgets, 'QR code', comment footers...).

    Each range covers one debris line without its surrounding whitespace or line break,
    so ``text[start:end]`` is exactly the debris. Real sentences are never marked.
    """
    ranges: list[tuple[int, int]] = []
    for line_start, line_end in _lines(text):
        start, end = _stripped(text, line_start, line_end)
        if start == end or end - start > _MAX_BOILERPLATE_LINE:
            continue
        line = text[start:end]
        if any(pattern.fullmatch(line) for pattern in _BOILERPLATE_LINES):
            ranges.append((start, end))
    return merge_ranges(ranges)


# ---------------------------------------------------------------------------------------
# metadata stated in the text

_PART_SPLIT = re.compile(r"\s*[|·•]\s*|\s+[–—]\s+")
_OUTLET_DATE_SPLIT = re.compile(r"\s*(?:,|\s-\s|\s[–—]\s)\s*")
_DATE_LABEL = re.compile(
    r"^(?:(?:first\s+)?published|updated|posted|last\s+modified)(?:\s+on)?\s*:?\s*", re.IGNORECASE
)
_TIME_ONLY = re.compile(rf"{_TIME}", re.IGNORECASE)
_AUTHOR = re.compile(r"^by\s+\S", re.IGNORECASE)


def _date_of(part: str) -> str | None:
    return normalise_published(_DATE_LABEL.sub("", part.strip()))


def _has_latin(token: str) -> bool:
    return any(ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN") for ch in token)


def _clean_outlet(value: str) -> str | None:
    """Trim an outlet name; drop leading/trailing words in another script from a Latin name.

    Scraped datelines such as "خبرگزاری Lakeside Press Agency(LPA)" prefix the name with
    the word for "news agency" in the site's language. Names wholly in one script stay as
    they are.
    """
    tokens = value.strip(" \t,;:-–—|").split()
    if any(_has_latin(t) for t in tokens):
        while tokens and not _has_latin(tokens[0]) and any(c.isalpha() for c in tokens[0]):
            tokens.pop(0)
        while tokens and not _has_latin(tokens[-1]) and any(c.isalpha() for c in tokens[-1]):
            tokens.pop()
    name = " ".join(tokens)
    return name or None


def _looks_like_outlet(value: str) -> bool:
    words = value.split()
    return 0 < len(words) <= 10 and len(value) <= 80 and not value.endswith((".", ":", ";", "?"))


def _parse_dateline(line: str) -> tuple[str | None, str] | None:
    """``(outlet or None, ISO date)`` for a dateline such as "Example Times, 3 March 2021"."""
    text = line.strip().lstrip("\ufeff").strip()
    if not text or len(text) > _MAX_DATELINE_CHARS:
        return None
    parts = [p for p in _PART_SPLIT.split(text) if p.strip()]
    published, rest = None, []
    for index, part in enumerate(parts):
        found = _date_of(part) if published is None else None
        if found:
            published = found
            following = parts[index + 1].strip() if index + 1 < len(parts) else ""
            if "T" not in found and following and _TIME_ONLY.fullmatch(following):
                # "March 3, 2021 | 10:30 GMT": the time stands in a part of its own
                published = _date_of(f"{part.strip()} {following}") or found
        else:
            rest.append(part)
    if published is None and len(parts) == 1:
        # "Outlet , 28 Jan 2020 - 0:22" or "Outlet - March 3, 2021": the date is the tail.
        for sep in _OUTLET_DATE_SPLIT.finditer(text):
            found = _date_of(text[sep.end():])
            if found:
                published, rest = found, [text[: sep.start()]]
                break
    if published is None:
        return None
    names = [p.strip() for p in rest if p.strip() and not _TIME_ONLY.fullmatch(p.strip())
             and not _AUTHOR.match(p.strip())]
    if any(not _looks_like_outlet(n) for n in names):
        return None  # text around the date reads like prose, not a dateline
    outlet = _clean_outlet(names[0]) if names else None
    return outlet, published


def _looks_like_title(line: str) -> bool:
    # A line ending in a full stop that is also long reads as a paragraph, not a headline
    # (short headlines do end in full stops: "Assange Never Met Manafort.").
    return (len(line) <= _MAX_TITLE_CHARS and _parse_dateline(line) is None
            and not (line.endswith(".") and not line.endswith("...") and len(line) > 100))


def _metadata_from_text(text: str, boilerplate: Sequence[tuple[int, int]]
                        ) -> tuple[str | None, str | None, str | None]:
    """``(title, outlet, published)`` as the top of the text states them, else None each."""
    lines: list[str] = []  # stripped lines, boilerplate lines blanked, until the body starts
    for start, end in _lines(text):
        s, e = _stripped(text, start, end)
        lines.append("" if any(bs <= s and e <= be for bs, be in boilerplate) else text[s:e])
        if sum(1 for line in lines if line) >= 5:
            break
    lines.append("")  # the text's end counts as a blank line after a last line
    content = [i for i, line in enumerate(lines) if line]
    title = outlet = published = None
    if content:
        first = content[0]
        # Debris lines (blanked above) count as blank: "QR code\nTitle\n\n" still has a title.
        followed_by_blank = first + 1 < len(lines) - 1 and lines[first + 1] == ""
        if followed_by_blank and _looks_like_title(lines[first]):
            title = lines[first]
    for index in content[:4]:
        found = _parse_dateline(lines[index])
        if found:
            outlet, published = found
            break
    return title, outlet, published


def article_from_text(text: str, *, id: str, source: str | None = None, title: str | None = None,
                      outlet: str | None = None, url: str | None = None,
                      published: str | None = None, canonical_url: str | None = None) -> Article:
    """An Article of ``text`` as given, with boilerplate marked and metadata read from the text.

    Explicit ``title``/``outlet``/``published`` win over what the text states. An explicit
    ``published`` that is not a date raises ``InputError`` E109.
    """
    boilerplate = find_boilerplate(text)
    found_title, found_outlet, found_published = _metadata_from_text(text, boilerplate)
    if published is not None:
        iso = normalise_published(str(published))
        if iso is None:
            raise InputError.make("E109", path=source or id, value=published, field="published")
        published = iso
    return Article(
        id=id,
        text=text,
        title=title if title is not None else found_title,
        outlet=outlet if outlet is not None else found_outlet,
        url=url,
        published=published if published is not None else found_published,
        source=source,
        boilerplate=tuple(boilerplate),
        canonical_url=canonical_url,
    )


# ---------------------------------------------------------------------------------------
# bytes to text

_SIGNATURES = {
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive or Office document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "gzip-compressed data",
    b"\x7fELF": "a program",
}
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_CONTROL_BYTES = frozenset(range(0x00, 0x09)) | frozenset(range(0x0E, 0x20)) | {0x7F}


def _binary_reason(data: bytes) -> str | None:
    """Why ``data`` is not text, or None: a known signature, NUL bytes, many control bytes."""
    for magic, what in _SIGNATURES.items():
        if data.startswith(magic):
            return what
    head = data[:_SNIFF_BYTES]
    if head.startswith(_UTF16_BOMS):
        return None  # UTF-16 text has NUL bytes and is still text
    if b"\x00" in head:
        return "binary data: it contains NUL bytes"
    controls = sum(1 for byte in head if byte in _CONTROL_BYTES)
    if head and controls / len(head) > 0.10:
        return f"binary data: {controls} control bytes in the first {len(head)}"
    return None


def _legacy_encoding(data: bytes) -> str:
    """The encoding of bytes that are not UTF-8.

    charset-normalizer guesses badly on short Western text (it calls a French sentence
    cp1250), so cp1252 wins when it decodes and reads like Latin text: accented letters
    sparse among ASCII letters. Cyrillic or Greek read as cp1252 is nearly all accented
    letters, and goes to charset-normalizer instead.
    """
    try:
        as_cp1252 = data.decode("cp1252")
    except UnicodeDecodeError:
        as_cp1252 = None
    if as_cp1252 is not None:
        ascii_letters = sum(1 for ch in as_cp1252 if ch.isascii() and ch.isalpha())
        other = sum(1 for ch in as_cp1252 if not ch.isascii())
        if other <= 0.3 * max(ascii_letters, 1):
            return "cp1252"
    from charset_normalizer import (
        from_bytes,  # imported here: only legacy files need it
    )

    best = from_bytes(data).best()
    if best is not None and best.encoding:
        return best.encoding
    return "cp1252" if as_cp1252 is not None else "latin-1"


def _decode(data: bytes, name: str) -> tuple[str, list[str]]:
    """Text of ``data`` with no newline translation, and a W110 warning when not UTF-8."""
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16"), [warning_text("W110", path=name, encoding="UTF-16")]
        except UnicodeDecodeError:
            raise InputError.make("E103", path=name, reason="broken UTF-16") from None
    try:
        # Plain 'utf-8', not 'utf-8-sig': a byte order mark stays as U+FEFF so offsets
        # match tools that read the file with open(path, encoding="utf-8"), PTC included.
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        encoding = _legacy_encoding(data)
        text = data.decode(encoding, errors="replace")
        return text, [warning_text("W110", path=name, encoding=encoding)]


def _check_file(path: str, settings: Settings, *, limited: bool = True) -> int:
    """The checks that need no reading (missing, folder, size); returns the file's size."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError.make("E101", path=path) from None
    except OSError as exc:
        raise InputError.make("E105", path=path, reason=exc.strerror or str(exc)) from None
    if stat.S_ISDIR(info.st_mode):
        if not _files_under(path):
            raise InputError.make(
                "E108", path=path,
                hint="The folder holds no " + ", ".join(INPUT_SUFFIXES) + " files.")
        raise InputError.make("E105", path=path, reason="it is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise InputError.make("E105", path=path, reason="it is not a regular file")
    if limited and info.st_size > settings.max_bytes:
        raise InputError.make("E104", path=path, size=info.st_size, limit=settings.max_bytes)
    return info.st_size


def _read_bytes(path: str, settings: Settings, *, limited: bool = True) -> bytes:
    """The bytes of a file, after the checks that need no reading (missing, folder, size).
    ``limited=False`` skips the size limit (record files: a corpus, not one article; each
    record is held to ``max_article_chars`` instead)."""
    _check_file(path, settings, limited=limited)
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise InputError.make("E105", path=path, reason=exc.strerror or str(exc)) from None


def _text_of(data: bytes, name: str) -> tuple[str, list[str]]:
    """Decoded text of a file's bytes; E103 for binary data, E102 for nothing but space."""
    reason = _binary_reason(data)
    if reason:
        raise InputError.make("E103", path=name, reason=reason)
    text, warnings = _decode(data, name)
    if not text.replace("\ufeff", "").strip():
        raise InputError.make("E102", path=name)
    return text, warnings


# ---------------------------------------------------------------------------------------
# formats


_Read = tuple[list[Article], list[str]]


def _read_text(text: str, *, name: str, source: str, id: str, max_chars: int) -> _Read:
    return [article_from_text(text, id=id, source=source)], []


def _read_html(html: str, *, name: str, source: str, id: str, max_chars: int) -> _Read:
    """The main text of an HTML page and its metadata, by trafilatura (never fetches)."""
    import trafilatura  # imported here: it is slow to import and only HTML needs it
    from trafilatura.settings import set_date_params

    document = trafilatura.bare_extraction(
        html, include_comments=False, with_metadata=True,
        # Only dates the page states in its markup, not guesses from its text.
        date_extraction_params=set_date_params(extensive=False),
    )
    text = getattr(document, "text", None) if document is not None else None
    if not text or not text.strip():
        raise InputError.make(
            "E108", path=name,
            hint="The HTML has no main text that could be extracted; save the article "
                 "as plain text instead.")
    # The page's own publication time, with its time and zone; trafilatura's date (a day
    # only) where the markup states none that reads.
    published = html_published(html)
    if published is None and getattr(document, "date", None):
        published = normalise_published(document.date)
    own_url = getattr(document, "url", None) or None  # the page's canonical link or og:url
    return [article_from_text(
        text, id=id, source=source,
        title=getattr(document, "title", None) or None,
        outlet=getattr(document, "sitename", None) or None,
        url=own_url,
        canonical_url=own_url,
        published=published,
    )], []


# Where pages state when they were published, most trusted first.
_META_PUBLISHED = ("article:published_time", "og:article:published_time", "og:published_time",
                   "datepublished", "pubdate", "publishdate", "publish_date", "publish-date",
                   "dc.date.issued", "dcterms.issued", "dc.date", "date")
_JSON_LD_RANK = len(_META_PUBLISHED)  # JSON-LD datePublished after the named meta tags
_ITEMPROP_RANK = _JSON_LD_RANK + 1  # an element with itemprop="datePublished"
_TIME_RANK = _ITEMPROP_RANK + 1  # <time pubdate> or the page's only <time datetime>


class _PublishedScanner(HTMLParser):
    """Collects the publication times a page states: meta tags (``article:published_time``,
    Open Graph, ``itemprop="datePublished"``, Dublin Core), JSON-LD ``datePublished`` and
    ``<time datetime>``; each with a rank (lower is more trusted)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.times: list[tuple[bool, str]] = []  # (<time pubdate>?, datetime) of <time>
        self._json_ld: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): v or "" for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key in _META_PUBLISHED and a.get("content"):
                self.found.append((_META_PUBLISHED.index(key), a["content"]))
        elif a.get("itemprop", "").lower() == "datepublished" and (a.get("datetime")
                                                                  or a.get("content")):
            self.found.append((_ITEMPROP_RANK, a.get("datetime") or a["content"]))
        elif tag == "time" and a.get("datetime"):
            self.times.append(("pubdate" in a, a["datetime"]))
        if tag == "script" and a.get("type", "").lower() == "application/ld+json":
            self._json_ld = []

    def handle_data(self, data: str) -> None:
        if self._json_ld is not None:
            self._json_ld.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._json_ld is not None:
            try:
                data = json.loads("".join(self._json_ld))
            except ValueError:
                data = None
            self._json_ld = None
            value = _json_ld_published(data)
            if value:
                self.found.append((_JSON_LD_RANK, value))


def _json_ld_published(data: Any, depth: int = 0) -> str | None:
    """The first ``datePublished`` string in a JSON-LD document (``@graph`` and lists too)."""
    if depth > 6:
        return None
    if isinstance(data, dict):
        value = data.get("datePublished")
        if isinstance(value, str) and value.strip():
            return value
        data = list(data.get("@graph") or []) + [v for k, v in data.items()
                                                 if k != "@graph" and isinstance(v, dict)]
    if isinstance(data, list):
        for item in data:
            found = _json_ld_published(item, depth + 1)
            if found:
                return found
    return None


def html_published(html: str) -> str | None:
    """The publication time an HTML page states in its markup, as ISO 8601 with the time and
    zone given (``normalise_published``), or None. The most trusted source that reads wins:
    ``article:published_time`` and the like, JSON-LD ``datePublished``, ``itemprop=
    "datePublished"``, then ``<time pubdate datetime>`` or the page's only ``<time datetime>``.
    """
    scanner = _PublishedScanner()
    try:
        scanner.feed(html)
        scanner.close()
    except Exception:  # noqa: BLE001 - html.parser is lenient; a page it chokes on has no date here
        return None
    found = list(scanner.found)
    flagged = [value for pubdate, value in scanner.times if pubdate]
    if flagged or len(scanner.times) == 1:
        found.append((_TIME_RANK, (flagged or [scanner.times[0][1]])[0]))
    for _, value in sorted(found, key=lambda item: item[0]):
        iso = normalise_published(value)
        if iso is not None:
            return iso
    return None


# ---------------------------------------------------------------------------------------
# records: the one check every record passes (JSONL and CSV files; the REST API's fields)

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate(text: str) -> int | None:
    """Offset of the first lone surrogate in ``text``, or None.

    JSON can escape one half of a surrogate pair (``"\\ud800"``): that is no character, and
    the only text Python holds that UTF-8 cannot encode, store or show. Every entry point
    refuses such a record instead of repairing it, so offsets always count the user's text.
    """
    found = _LONE_SURROGATE.search(text)
    return found.start() if found else None


class SkippedRecord(str):
    """The error line (E106, E107, E112-E114) of a record that was skipped: not a warning;
    callers count these and exit 1."""


def _json_kind(value: object) -> str:
    if isinstance(value, bool):  # before numbers: True is an int
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return {dict: "a JSON object", list: "a JSON array"}.get(type(value), type(value).__name__)


def check_record(record: Mapping[str, Any], *, path: str, where: str,
                 max_chars: int | None = None) -> dict[str, str | None]:
    """The ``text``, ``id`` and metadata of one record as strings (id and metadata stripped,
    None when absent or blank; the text as given).

    Raises ``InputError``: E113 for a field that is not a string (an id may be a number, read
    as its decimal string), E112 for a lone surrogate, E114 for a text longer than
    ``max_chars``. ``where`` names the record: "line 3".
    """
    checked: dict[str, str | None] = {}
    for field in ("text", "id", *_RECORD_FIELDS):
        value = record.get(field)
        if field == "id" and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if value is not None and not isinstance(value, str):
            raise InputError.make("E113", path=path, where=where, field=field,
                                  kind=_json_kind(value),
                                  or_number=" or a number" if field == "id" else "")
        offset = lone_surrogate(value) if value else None
        if offset is not None:
            raise InputError.make("E112", path=path, where=where, field=field, offset=offset)
        checked[field] = value if field == "text" or value is None else value.strip() or None
    text = checked["text"]
    if max_chars is not None and text is not None and len(text) > max_chars:
        raise article_too_long(path, len(text), max_chars, where=where)
    return checked


def article_too_long(path: str, size: int, limit: int, *, where: str = "") -> InputError:
    """E114 for an article text of ``size`` characters over ``limit``; ``where`` names the
    record of a JSONL/CSV file ("line 3"), which is skipped."""
    return InputError.make("E114", path=path, where=f" {where}" if where else "", size=size,
                           limit=limit, skipped="; skipped the record" if where else "")


class _Records:
    """Turns JSONL/CSV records into Articles: checks, default ids, unique ids, dates; a bad
    record becomes a ``SkippedRecord`` line among the warnings."""

    def __init__(self, name: str, source: str, stem: str, where: str, max_chars: int) -> None:
        self.name, self.source, self.stem, self.where = name, source, stem, where
        self.max_chars = max_chars
        self.articles: list[Article] = []
        self.warnings: list[str] = []
        self.seen: set[str] = set()
        self.first_problem: str | None = None
        self.read = 0  # articles read so far, taken or not

    def take(self) -> _Read:
        """The articles and warnings gathered since the last take."""
        taken = self.articles, self.warnings
        self.articles, self.warnings = [], []
        return taken

    def too_big(self, number: int, size: int, limit: int) -> None:
        self.skip(InputError.make("E124", path=self.name, where=f"{self.where} {number}",
                                  size=size, limit=limit).__str__())

    def skip(self, message: str) -> None:
        self.warnings.append(SkippedRecord(message))
        self.first_problem = self.first_problem or message

    def add(self, record: Mapping[str, Any], number: int) -> None:
        place = f"{self.where} {number}"
        try:
            fields = check_record(record, path=self.name, where=place, max_chars=self.max_chars)
        except InputError as exc:
            self.skip(str(exc))
            return
        text, wanted = fields.pop("text") or "", fields.pop("id") or f"{self.stem}-{number}"
        article_id = wanted
        if article_id in self.seen:
            suffix = 2
            while f"{wanted}-{suffix}" in self.seen:
                suffix += 1
            article_id = f"{wanted}-{suffix}"
            self.warnings.append(warning_text(
                "W111", path=self.name, where=place, id=wanted, new_id=article_id))
        self.seen.add(article_id)
        if fields["published"] is not None:
            iso = normalise_published(fields["published"])
            if iso is None:
                self.warnings.append(warning_text(
                    "E109", path=f"{self.name}:{number}", value=fields["published"],
                    field="published"))
            fields["published"] = iso
        self.articles.append(article_from_text(text, id=article_id, source=self.source,
                                               **fields))
        self.read += 1


class _TooBig:
    """A record over the per-record limit, skipped unread: its size in bytes."""

    def __init__(self, size: int) -> None:
        self.size = size


class _RecordTooBig(Exception):
    """Raised through ``csv.reader`` when the row being read is over the per-record limit."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


_SKIP_PIECE = 1 << 20  # characters or bytes read at a time while skipping a record


def _jsonl_lines(handle: Any, encoding: str, limit: int) -> Iterator[str | _TooBig]:
    """The lines of a JSONL file opened in binary, split at b'\\n' only, each decoded; a line
    over ``limit`` bytes is skipped unread (a ``_TooBig``). Memory: one line."""
    first = True
    errors = "strict" if encoding == "utf-8" else "replace"
    while True:
        piece = handle.readline(limit + 1)
        if not piece:
            return
        if piece.endswith(b"\n"):
            body = piece[:-1]
        elif len(piece) <= limit:
            body = piece  # the last line, without a newline
        else:
            size = len(piece)
            while not piece.endswith(b"\n"):
                piece = handle.readline(_SKIP_PIECE)
                if not piece:
                    break
                size += len(piece)
            first = False
            yield _TooBig(size - (1 if piece.endswith(b"\n") else 0))
            continue
        text = body.decode(encoding, errors)
        if first:
            text, first = text.lstrip("\ufeff"), False
        yield text


def _read_jsonl(text: str, *, name: str, source: str, id: str, max_chars: int,
                max_record_bytes: int | None = None) -> _Read:
    """One article per JSON line; a bad line is skipped with its error line (E106, E112-E114,
    E124)."""
    # Split at '\n' only: str.splitlines() would also split at U+2028 and friends, which
    # JSON allows unescaped inside strings. A byte order mark belongs to the file, not to
    # the first record.
    lines: list[str | _TooBig] = []
    for line in text.lstrip("\ufeff").split("\n"):
        too_big = max_record_bytes is not None and len(line) > max_record_bytes // 4 and \
            len(line.encode("utf-8", "surrogatepass")) > max_record_bytes
        lines.append(_TooBig(len(line.encode("utf-8", "surrogatepass"))) if too_big else line)
    articles: list[Article] = []
    warnings: list[str] = []
    for batch, notes in _jsonl_batches(iter(lines), name=name, source=source, id=id,
                                       max_chars=max_chars, limit=max_record_bytes or 0,
                                       batch_size=None):
        articles += batch
        warnings += notes
    return articles, warnings


def _jsonl_batches(lines: Iterator[str | _TooBig], *, name: str, source: str, id: str,
                   max_chars: int, limit: int, batch_size: int | None) -> Iterator[_Read]:
    """Articles of JSONL lines, ``batch_size`` at a time (all at once for None); E108 when
    no line holds a record."""
    records = _Records(name, source, id, "line", max_chars)
    for number, line in enumerate(lines, start=1):
        if isinstance(line, _TooBig):
            records.too_big(number, line.size, limit)
            continue
        if not line.strip():
            continue
        reason = None
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            reason = f"not valid JSON: {exc.msg} (column {exc.colno})"
        else:
            if not isinstance(record, dict):
                reason = f"a JSON {type(record).__name__}, not an object"
            elif not isinstance(record.get("text"), str) or not record["text"].strip():
                reason = 'no non-empty "text" field'
        if reason:
            records.skip(warning_text("E106", path=name, line=number, reason=reason))
            continue
        records.add(record, number)
        if batch_size is not None and len(records.articles) >= batch_size:
            yield records.take()
    if not records.read:
        raise InputError.make(
            "E108", path=name, hint="No line holds a record that can be read. "
            + (f"The first problem: {records.first_problem}" if records.first_problem
               else "The file has no records."))
    yield records.take()


class _CsvLines:
    """Physical lines for ``csv.reader`` from a text stream, with a budget per record: a row
    over ``limit`` bytes is skipped unread (``_RecordTooBig`` raised through the reader,
    which starts afresh at its next row). Its end is found by counting quote characters."""

    def __init__(self, stream: Any, limit: int | None) -> None:
        self.stream, self.limit = stream, limit
        self.used = self.quotes = 0
        self.first = True

    def start_record(self) -> None:
        self.used = self.quotes = 0

    def __iter__(self) -> "_CsvLines":
        return self

    def __next__(self) -> str:
        if self.limit is None:
            piece = self.stream.readline()
        else:
            piece = self.stream.readline(max(self.limit - self.used, 0) + 1)
        if not piece:
            raise StopIteration
        if self.first:
            piece, self.first = piece.lstrip("\ufeff"), False
        if self.limit is not None:
            self.used += len(piece.encode("utf-8", "surrogatepass"))
            self.quotes += piece.count('"')
            if self.used > self.limit:
                self._skip_rest(piece)
        return piece

    def _skip_rest(self, piece: str) -> None:
        """Read on to the end of the record: a line end outside quotes."""
        while not (piece.endswith(("\n", "\r")) and self.quotes % 2 == 0):
            piece = self.stream.readline(_SKIP_PIECE)
            if not piece:
                break
            self.used += len(piece.encode("utf-8", "surrogatepass"))
            self.quotes += piece.count('"')
        size = self.used - (len(piece) - len(piece.rstrip("\r\n")) if piece else 0)
        self.start_record()
        raise _RecordTooBig(size)


def _read_csv(text: str, *, name: str, source: str, id: str, max_chars: int,
              max_record_bytes: int | None = None) -> _Read:
    """One article per row; rows are numbered as in a spreadsheet (the header is row 1)."""
    # newline='' semantics: StringIO(newline='') and csv leave '\r\n' inside quoted fields as is.
    lines = _CsvLines(io.StringIO(text.lstrip("\ufeff"), newline=""), max_record_bytes)
    articles: list[Article] = []
    warnings: list[str] = []
    for batch, notes in _csv_batches(lines, name=name, source=source, id=id,
                                     max_chars=max_chars, batch_size=None):
        articles += batch
        warnings += notes
    return articles, warnings


def _csv_batches(lines: _CsvLines, *, name: str, source: str, id: str, max_chars: int,
                 batch_size: int | None) -> Iterator[_Read]:
    """Articles of CSV rows, ``batch_size`` at a time (all at once for None)."""
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InputError.make(
            "E107", path=name, line=1, reason=f"unreadable header ({exc})") from None
    except _RecordTooBig as exc:
        raise InputError.make("E107", path=name, line=1, reason=(
            f"the header is {exc.size:,} bytes, over the {lines.limit:,}-byte limit for one "
            "record")) from None
    columns = [c.strip().lower() for c in header or []]
    if "text" not in columns:
        found = ", ".join(c for c in columns if c) or "no columns"
        raise InputError.make("E107", path=name, line=1,
                              reason=f"the header has no 'text' column (found: {found})")
    records = _Records(name, source, id, "row", max_chars)
    number = 1
    while True:
        lines.start_record()
        try:
            row = next(reader)
        except StopIteration:
            break
        except _RecordTooBig as exc:
            number += 1
            records.too_big(number, exc.size, lines.limit or 0)
            continue
        except csv.Error as exc:
            records.skip(warning_text("E107", path=name, line=number + 1,
                                      reason=f"unreadable ({exc}); stopped reading there"))
            break
        number += 1
        if not any(cell.strip() for cell in row):
            continue
        record = {col: row[i] for i, col in enumerate(columns) if i < len(row) and col}
        if not record.get("text", "").strip():
            records.skip(warning_text("E107", path=name, line=number,
                                      reason="the 'text' cell is empty; skipped the row"))
            continue
        records.add(record, number)
        if batch_size is not None and len(records.articles) >= batch_size:
            yield records.take()
    if not records.read:
        raise InputError.make(
            "E108", path=name, hint="No row of the CSV has a non-empty 'text' cell.")
    yield records.take()


def _valid_utf8(handle: Any) -> tuple[bool, bool]:
    """Whether a binary file is UTF-8 throughout, and whether it holds more than white space
    and byte order marks; read in pieces, never whole."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    content = False
    try:
        while True:
            chunk = handle.read(_SKIP_PIECE)
            text = decoder.decode(chunk, final=not chunk)
            content = content or bool(text.replace("\ufeff", "").strip())
            if not chunk:
                return True, content
    except UnicodeDecodeError:
        return False, True


def stream_records(path: str, *, settings: Settings, batch_size: int = 1000
                   ) -> Iterator[tuple[list[Article], list[str]]]:
    """The articles of a JSONL or CSV file, ``batch_size`` at a time, with warning lines,
    read as a stream: memory holds one record and one batch, whatever the file's size.

    A record over ``settings.max_bytes`` bytes (a JSONL line, a CSV row) is skipped unread
    and named (E124, a ``SkippedRecord``); the others are read. Raises ``InputError`` as
    ``read_path`` does (E101-E108), before yielding anything. A file that is not UTF-8 is
    decoded as ``read_path`` would (W110): up to ``max_bytes`` it is read whole, as before;
    above, its encoding is judged from its first megabyte. UTF-16 files are read whole."""
    suffix = Path(path).suffix.lower()
    size = _check_file(path, settings, limited=False)
    limit = settings.max_bytes
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise InputError.make("E105", path=path, reason=exc.strerror or str(exc)) from None
    with handle:
        head = handle.read(_SNIFF_BYTES)
        reason = _binary_reason(head)
        if reason:
            raise InputError.make("E103", path=path, reason=reason)
        handle.seek(0)
        utf8, content = (False, True) if head.startswith(_UTF16_BOMS) else _valid_utf8(handle)
        if utf8 and not content:
            raise InputError.make("E102", path=path)
        encoding, warnings = "utf-8", []
        if not utf8:
            if head.startswith(_UTF16_BOMS) or size <= settings.max_bytes:
                handle.seek(0)
                yield read_bytes(handle.read(), name=path, settings=settings)
                return
            handle.seek(0)
            encoding = _legacy_encoding(handle.read(_SKIP_PIECE))
            warnings = [warning_text("W110", path=path, encoding=encoding)]
        handle.seek(0)
        if suffix == ".csv":
            stream = io.TextIOWrapper(handle, encoding=encoding, newline="",
                                      errors="strict" if utf8 else "replace")
            batches = _csv_batches(_CsvLines(stream, limit), name=path, source=path,
                                   id=article_id_for(Path(path)),
                                   max_chars=settings.max_article_chars, batch_size=batch_size)
        else:
            batches = _jsonl_batches(_jsonl_lines(handle, encoding, limit), name=path,
                                     source=path, id=article_id_for(Path(path)),
                                     max_chars=settings.max_article_chars, limit=limit,
                                     batch_size=batch_size)
        try:
            for articles, notes in batches:
                yield articles, warnings + notes
                warnings = []
        except OSError as exc:
            raise InputError.make("E105", path=path, reason=exc.strerror or str(exc)) from None


_READERS = {".html": _read_html, ".htm": _read_html, ".jsonl": _read_jsonl, ".csv": _read_csv}
_HTML_START = re.compile(r"<(?:!doctype\s+html|html|head|body|article|div|p|meta|title)\b",
                         re.IGNORECASE)


def _sniff(text: str) -> Callable[..., _Read]:
    """The reader for text of unknown kind (stdin): HTML, JSONL, else plain text."""
    body = text.lstrip("\ufeff \t\r\n")
    if body.startswith("<") and _HTML_START.match(body):
        return _read_html
    lines = [line.strip() for line in text.lstrip("\ufeff").splitlines() if line.strip()]
    if lines and all(line.startswith("{") and line.endswith("}") for line in lines):
        return _read_jsonl
    return _read_text


def _read_stdin(stdin: TextIO | None, settings: Settings) -> bytes:
    stream = sys.stdin if stdin is None else stdin
    buffer = getattr(stream, "buffer", None)
    # Read bytes where there are any, so '\r\n' arrives untranslated.
    data = buffer.read(settings.max_bytes + 1) if buffer is not None else stream.read(
        settings.max_bytes + 1)
    if isinstance(data, str):
        data = data.encode("utf-8", errors="surrogatepass")
    if len(data) > settings.max_bytes:
        raise InputError.make("E104", path=_STDIN_NAME, size=f"more than {settings.max_bytes}",
                              limit=settings.max_bytes)
    return data


def read_bytes(data: bytes, *, name: str, source: str | None = None, id: str | None = None,
               settings: Settings | None = None) -> tuple[list[Article], list[str]]:
    """The articles in the bytes of an input called ``name`` (a file name, or "<stdin>") and
    warning lines: read by its suffix (.txt .text .html .htm .jsonl .csv), else judged by its
    content. Nothing touches the file system, so it serves uploads as well as files.

    An article text longer than ``settings.max_article_chars`` is refused (E114): a file of one
    article raises, a JSONL/CSV record is skipped and named among the warnings."""
    max_chars = (settings or Settings()).max_article_chars
    text, warnings = _text_of(data, name)
    suffix = Path(name).suffix.lower()
    if suffix in _READERS:
        reader = _READERS[suffix]
    elif suffix in (".txt", ".text"):
        reader = _read_text
    else:
        reader = _sniff(text)  # stdin or an unknown suffix: judge by the content
    extra = ({"max_record_bytes": (settings or Settings()).max_bytes}
             if reader in (_read_jsonl, _read_csv) else {})
    articles, notes = reader(text, name=name, source=source or name,
                             id=id or article_id_for(Path(name)), max_chars=max_chars, **extra)
    if reader in (_read_text, _read_html) and len(articles[0].text) > max_chars:
        raise article_too_long(name, len(articles[0].text), max_chars)
    return articles, warnings + notes


def read_url(url: str, *, settings: Settings, fetch_options: FetchOptions | None = None,
             id: str | None = None) -> tuple[list[Article], list[str]]:
    """The article at an http(s) URL and warning lines: fetched within ``fetch_options``
    (default: ``FetchOptions.from_settings``), decoded by the charset the server or the page
    states, read as HTML or text like a file. ``Article.url`` is the URL that answered after
    redirects, ``Article.canonical_url`` the one the page names as its own (link
    rel=canonical, og:url) when it names one; the id is ``url_article_id(url)`` unless
    given.

    Raises ``InputError``: E104, E115-E118 for the fetch, E102/E108/E114 for the page.
    """
    page = fetch(url, fetch_options or FetchOptions.from_settings(settings))
    reason = _binary_reason(page.body)
    if reason:
        raise InputError.make("E118", url=url, kind=reason)
    encoding = page_encoding(page)
    data = page.body if encoding in (None, "utf-8") else (
        page.body.decode(encoding).encode("utf-8", "surrogatepass"))
    text, warnings = _text_of(data, url)
    html = page.is_html or (not page.media_type.startswith("text/") and _sniff(text) is _read_html)
    max_chars = settings.max_article_chars
    articles, notes = (_read_html if html else _read_text)(
        text, name=url, source=url, id=id or url_article_id(url), max_chars=max_chars)
    if len(articles[0].text) > max_chars:
        raise article_too_long(url, len(articles[0].text), max_chars)
    return [replace(articles[0], url=page.final_url)], warnings + notes


def read_path(path: str, *, settings: Settings, stdin: TextIO | None = None,
              fetch_options: FetchOptions | None = None) -> tuple[list[Article], list[str]]:
    """The articles in one input (a file, ``-`` for stdin, or an http(s) URL: ``read_url``
    with ``fetch_options``) and warning lines about it.

    Raises ``InputError`` when the input cannot be used at all (E101-E108, E115-E118).
    """
    if is_url(path):
        return read_url(path, settings=settings, fetch_options=fetch_options)
    if path == _STDIN:
        return read_bytes(_read_stdin(stdin, settings), name=_STDIN_NAME, source=_STDIN,
                          id="stdin", settings=settings)
    if Path(path).suffix.lower() in _RECORD_SUFFIXES:
        articles: list[Article] = []
        warnings: list[str] = []
        for batch, notes in stream_records(path, settings=settings):
            articles += batch
            warnings += notes
        return articles, warnings
    return read_bytes(_read_bytes(path, settings), name=path, settings=settings)


def iter_articles(paths: Sequence[str], *, settings: Settings, stdin: TextIO | None = None,
                  fetch_options: FetchOptions | None = None, batch_size: int | None = None,
                  ) -> Iterator[tuple[str, list[Article] | PropwatchError, list[str]]]:
    """``(path, articles or the error, warnings)`` for each expanded input (URLs fetched with
    ``fetch_options``), in order. With ``batch_size``, a JSONL or CSV file is read as a stream
    and yields several tuples of at most ``batch_size`` articles (bounded memory).

    Never raises for a bad input: its error is yielded so that a batch goes on.
    """
    for path in expand_paths(paths):
        try:
            if batch_size is not None and path != _STDIN and not is_url(path) and \
                    Path(path).suffix.lower() in _RECORD_SUFFIXES:
                for articles, warnings in stream_records(path, settings=settings,
                                                         batch_size=batch_size):
                    yield path, articles, warnings
                continue
            articles, warnings = read_path(path, settings=settings, stdin=stdin,
                                           fetch_options=fetch_options)
        except PropwatchError as exc:
            yield path, exc, []
        except Exception as exc:  # noqa: BLE001 - a crash on one odd file must not end a batch
            name = _STDIN_NAME if path == _STDIN else path
            yield path, InputError.make(
                "E105", path=name, reason=f"unexpected {type(exc).__name__}: {exc}"), []
        else:
            yield path, articles, warnings

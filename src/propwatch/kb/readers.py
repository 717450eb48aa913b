"""Knowledge bases from the formats they are published in, as ``KnownClaim``s.

``read_kb(format, path)`` reads one file lazily. Formats:

* ``euvsdisinfo``: the EUvsDisinfo case list (``cases.jsonl``: title as the claim, disproof as
  the verdict, keywords as tags) or a case list of ``id``, ``date``, ``title`` and 0/1 flag
  columns (``syria-chemical-white-helmets.tsv``: the flags set become tags);
* ``checkthat``: the verified claims of CLEF CheckThat! 2020 task 2 (``verified_claims.docs.tsv``)
  and 2021 tasks 2A (Snopes) and 2B (PolitiFact) (``verified_claims.jsonl``);
* ``jsonl`` and ``csv``: the generic format a newsroom fills, one claim per line or row with the
  keys of ``KnownClaim`` (``KNOWN_CLAIM_FIELDS``); ``write_claims`` writes it.

A ``.gz`` file is read through gzip. A bad record is skipped with one line naming the file, the
record and the fix (E120, a ``SkippedClaim`` passed to ``on_note``); a field that cannot be
used is dropped with a warning (W122). A file without one good record raises E121.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import warnings
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, TextIO

from ..errors import InputError, UsageError, warning_text
from .claims import KNOWN_CLAIM_FIELDS, KnownClaim

__all__ = ["KB_FORMATS", "KbReadWarning", "SkippedClaim", "read_kb", "write_claims"]

#: The formats ``read_kb`` reads (``propwatch kb import FORMAT``).
KB_FORMATS = ("euvsdisinfo", "checkthat", "jsonl", "csv")

_LIST_FIELDS = ("tags", "outlets")
_EUVS_URL = "https://euvsdisinfo.eu/report/{id}/"
_POLITIFACT = "https://www.politifact.com"
_GENERIC_HINT = ("Each claim needs a non-empty 'id' and 'claim' (see 'Known claims' in the "
                 "README for the other keys).")


class SkippedClaim(str):
    """The error line (E120) of a record that was skipped; callers count these."""


class KbReadWarning(UserWarning):
    """A note about a knowledge-base file, issued when ``read_kb`` has no ``on_note``."""


class _Skip(Exception):
    """A record cannot be used: ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Reading:
    """One file being read: its name, the notes about it and how many claims it gave."""

    def __init__(self, fmt: str, path: Path, on_note: Callable[[str], None] | None,
                 hint: str) -> None:
        self.fmt, self.name, self.hint = fmt, str(path), hint
        self.on_note = on_note
        self.claims = 0
        self.skipped = 0
        self.first_problem: str | None = None

    def note(self, message: str) -> None:
        if self.on_note is not None:
            self.on_note(message)
        else:
            warnings.warn(message, KbReadWarning, stacklevel=4)

    def skip(self, where: str, reason: str) -> None:
        message = SkippedClaim(InputError.make("E120", path=self.name, where=where,
                                               reason=reason, hint=self.hint))
        self.skipped += 1
        self.first_problem = self.first_problem or message
        self.note(message)

    def warn(self, where: str, reason: str) -> None:
        self.note(warning_text("W122", path=self.name, where=f" {where}" if where else "",
                               reason=reason))

    def finish(self) -> None:
        if self.claims:
            return
        hint = (f"The first problem: {self.first_problem}" if self.first_problem
                else "The file holds no records. " + self.hint)
        raise InputError.make("E121", path=self.name, format=self.fmt, hint=hint)


# ---------------------------------------------------------------------------- reading

def read_kb(format: str, path: str | Path, *,
            on_note: Callable[[str], None] | None = None) -> Iterator[KnownClaim]:
    """The known claims in one file of a knowledge-base ``format`` (one of ``KB_FORMATS``).

    ``on_note`` receives each note: a ``SkippedClaim`` (E120) for a record skipped, a plain
    warning line (W122) for a field dropped; without it, notes are issued as
    ``KbReadWarning``s. Raises ``UsageError`` E410 for an unknown format and ``InputError``
    E101/E105 (unreadable file), E121 (no good record), E123 (not UTF-8 text, bad header).
    """
    readers: dict[str, Callable[[TextIO, _Reading], Iterator[KnownClaim]]] = {
        "euvsdisinfo": _read_euvsdisinfo, "checkthat": _read_checkthat,
        "jsonl": _read_generic_jsonl, "csv": _read_generic_csv,
    }
    fmt = format.strip().lower()
    if fmt not in readers:
        raise UsageError.make("E410", name=format, choices=", ".join(KB_FORMATS))
    path = Path(path)
    reading = _Reading(fmt, path, on_note,
                       _GENERIC_HINT if fmt in ("jsonl", "csv") else _FORMAT_HINTS[fmt])
    handle = _open(path)
    with handle:
        try:
            yield from readers[fmt](handle, reading)
        except UnicodeDecodeError as exc:
            raise InputError.make("E123", path=reading.name, format=fmt,
                                  reason=f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                                  hint="Save it as UTF-8.") from None
        except (OSError, EOFError) as exc:  # a truncated or corrupt .gz
            raise InputError.make("E105", path=reading.name, reason=str(exc)) from None
    reading.finish()


_FORMAT_HINTS = {
    "euvsdisinfo": ("Give the EUvsDisinfo cases.jsonl (one case per line with 'id' and "
                    "'title') or a case list TSV with 'id' and 'title' columns."),
    "checkthat": ("Give a CheckThat! verified_claims.docs.tsv (vclaim_id, vclaim, title) or "
                  "verified_claims.jsonl (each line with 'vclaim_id' and 'vclaim')."),
}


def _open(path: Path) -> TextIO:
    """The file as text (UTF-8, a byte order mark dropped, line ends untranslated)."""
    if not path.exists():
        raise InputError.make("E101", path=str(path))
    if path.is_dir():
        raise InputError.make("E105", path=str(path), reason="it is a folder, not a file")
    try:
        if path.suffix.lower() == ".gz":
            return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
        return open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError.make("E105", path=str(path), reason=exc.strerror or str(exc)) from None


def _inner_suffix(name: str) -> str:
    """The suffix that says what a file holds: 'cases.jsonl.gz' -> '.jsonl'."""
    path = Path(name)
    if path.suffix.lower() == ".gz":
        path = path.with_suffix("")
    return path.suffix.lower()


def _json_records(handle: TextIO, reading: _Reading) -> Iterator[tuple[str, dict]]:
    """``(where, record)`` for each JSON object line; a line that is not one is skipped."""
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            reading.skip(where, f"not valid JSON: {exc.msg} (column {exc.colno})")
            continue
        if not isinstance(record, dict):
            reading.skip(where, f"{_kind(record)}, not a JSON object")
            continue
        yield where, record


def _table_records(handle: TextIO, reading: _Reading, *, delimiter: str | None,
                   required: tuple[str, ...], unnamed_first: str | None = None
                   ) -> Iterator[tuple[str, dict[str, str]]]:
    """``(where, {column: cell})`` for each row of a CSV/TSV file whose header names the
    ``required`` columns. Rows are numbered as in a spreadsheet (the header is row 1); a
    quoted cell may hold line breaks. ``delimiter`` None: the one of , ; TAB that gives the
    ``required`` columns. An empty first column name becomes ``unnamed_first``."""
    header_line = handle.readline()
    if not header_line.strip():
        return
    choices = [delimiter] if delimiter else [",", ";", "\t"]
    tried: list[list[str]] = []
    for choice in choices:
        columns = [c.strip().lower() for c in next(csv.reader([header_line],
                                                              delimiter=choice), [])]
        if columns and unnamed_first and not columns[0]:
            columns[0] = unnamed_first
        if all(name in columns for name in required):
            delimiter = choice
            break
        tried.append(columns)
    else:
        found = ", ".join(c for c in max(tried, key=len) if c) or "no columns"
        raise InputError.make(
            "E123", path=reading.name, format=reading.fmt,
            reason=f"the header has no {' and '.join(repr(r) for r in required)} column "
                   f"(found: {found})",
            hint=reading.hint)
    reader = csv.reader(handle, delimiter=delimiter)
    number = 1
    try:
        for number, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(columns):
                reading.skip(f"row {number}", f"{len(row)} cells under a header of "
                             f"{len(columns)} columns (a cell with an unquoted delimiter?)")
                continue
            yield f"row {number}", {col: row[i] for i, col in enumerate(columns)
                                    if i < len(row) and col}
    except csv.Error as exc:
        reading.skip(f"row {number + 1}", f"unreadable ({exc}); stopped reading there")


# ---------------------------------------------------------------------------- generic format

def _read_generic_jsonl(handle: TextIO, reading: _Reading) -> Iterator[KnownClaim]:
    unknown: set[str] = set()
    for where, record in _json_records(handle, reading):
        unknown.update(k for k in record if k not in KNOWN_CLAIM_FIELDS)
        claim = _generic_claim(record, where, reading)
        if claim is not None:
            yield claim
    _warn_unknown(reading, unknown)


def _read_generic_csv(handle: TextIO, reading: _Reading) -> Iterator[KnownClaim]:
    delimiter = "\t" if _inner_suffix(reading.name) == ".tsv" else None
    unknown: set[str] = set()
    for where, row in _table_records(handle, reading, delimiter=delimiter,
                                     required=("id", "claim")):
        unknown.update(k for k in row if k not in KNOWN_CLAIM_FIELDS)
        record: dict[str, Any] = {k: (v if v.strip() else None) for k, v in row.items()}
        claim = _generic_claim(record, where, reading)
        if claim is not None:
            yield claim
    _warn_unknown(reading, unknown)


def _warn_unknown(reading: _Reading, unknown: set[str]) -> None:
    if unknown:
        reading.warn("", f"the keys {', '.join(sorted(unknown))} are not claim fields "
                         f"(those are: {', '.join(KNOWN_CLAIM_FIELDS)}); ignored them")


def _generic_claim(record: Mapping[str, Any], where: str, reading: _Reading) -> KnownClaim | None:
    """A record of the generic format as a claim, or None (skipped, with its line)."""
    try:
        fields = {name: _text(record, name) for name in
                  ("id", "claim", "verdict", "url", "date", "language", "title", "summary")}
        lists = {name: _list(record.get(name), name) for name in _LIST_FIELDS}
    except _Skip as exc:
        reading.skip(where, exc.reason)
        return None
    return _made(reading, where, **fields, **lists)


def _made(reading: _Reading, where: str, **fields: Any) -> KnownClaim | None:
    """The claim from checked fields: skipped without id or claim; an unreadable date
    dropped with a warning."""
    for required in ("id", "claim"):
        if not fields.get(required):  # absent, null or blank
            reading.skip(where, f"no '{required}'")
            return None
    raw = fields.get("date")
    if raw is not None:
        fields["date"] = iso_date(raw)
        if fields["date"] is None:
            shown = raw if len(raw) <= 40 else raw[:39] + "…"
            reading.warn(where, f"'{shown}' in 'date' is not a date (give one such as "
                                "2020-01-28); kept the claim without it")
    reading.claims += 1
    return KnownClaim(**fields)


def _text(record: Mapping[str, Any], name: str) -> str | None:
    """A string field, stripped; None when absent or blank. An id may be a number."""
    value = record.get(name)
    if name == "id" and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Skip(f"'{name}' is {_kind(value)}, not a string")
    if _LONE_SURROGATE.search(value):
        raise _Skip(f"'{name}' holds a lone surrogate (an escape such as \\ud800 without its "
                    "pair)")
    return value.strip() or None


def _list(value: Any, name: str) -> tuple[str, ...]:
    """A list field: a JSON list of strings, or one string of items separated by ';' (in a
    CSV cell, a JSON list too). Empty items are dropped, order and duplicates kept once."""
    if value is None:
        return ()
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                raise _Skip(f"'{name}' starts like a JSON list but is not one ({exc.msg})"
                            ) from None
        else:
            value = text.split(";")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Skip(f"'{name}' is {_kind(value)}, not a list of strings or a ';'-separated "
                    "string")
    return tuple(dict.fromkeys(v.strip() for v in value if v.strip()))


_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list) and value and not all(isinstance(v, str) for v in value):
        return "a list holding other things than strings"
    return {dict: "a JSON object", list: "a JSON array"}.get(type(value), type(value).__name__)


# ---------------------------------------------------------------------------- EUvsDisinfo

def _read_euvsdisinfo(handle: TextIO, reading: _Reading) -> Iterator[KnownClaim]:
    if _inner_suffix(reading.name) in (".tsv", ".csv", ".txt") or (
            _inner_suffix(reading.name) != ".jsonl" and not _starts_with_brace(handle)):
        yield from _read_euvsdisinfo_list(handle, reading)
        return
    for where, record in _json_records(handle, reading):
        try:
            tags = (*_list(record.get("keywords"), "keywords"),
                    *(f"country:{c}" for c in _list(record.get("countries"), "countries")),
                    # "Spanish; Castilian" (ISO 639's name) is one language: Spanish
                    *(f"outlet-language:{lang.split(';')[0].strip()}"
                      for lang in _list(record.get("languages"), "languages")))
            fields = {"id": _text(record, "id"), "claim": _text(record, "title"),
                      "verdict": _text(record, "disproof"), "url": _text(record, "url"),
                      "date": _text(record, "date"), "summary": _text(record, "summary"),
                      "outlets": _list(record.get("outlets"), "outlets"),
                      "tags": tuple(dict.fromkeys(tags))}
        except _Skip as exc:
            reading.skip(where, exc.reason)
            continue
        if fields["claim"] is None:  # the title is the claim
            reading.skip(where, "no 'title' (the claim)")
            continue
        if fields["url"] is None and fields["id"]:
            fields["url"] = _EUVS_URL.format(id=fields["id"])
        claim = _made(reading, where, language="en", **fields)  # titles are English
        if claim is not None:
            yield claim


def _read_euvsdisinfo_list(handle: TextIO, reading: _Reading) -> Iterator[KnownClaim]:
    """A case list: ``id``, ``title``, optional ``date`` and 0/1 flag columns."""
    for where, row in _table_records(handle, reading, delimiter="\t" if _inner_suffix(
            reading.name) != ".csv" else ",", required=("id", "title")):
        flags = tuple(col for col, cell in row.items()
                      if col not in ("id", "title", "date", "url") and cell.strip() == "1")
        case_id = row["id"].strip() or None
        claim = _made(reading, where, id=case_id, claim=row.get("title", "").strip() or None,
                      date=(row.get("date") or "").strip() or None, language="en", tags=flags,
                      url=(row.get("url") or "").strip()
                      or (_EUVS_URL.format(id=case_id) if case_id else None))
        if claim is not None:
            yield claim


def _starts_with_brace(handle: TextIO) -> bool:
    """Whether the file's first non-blank character is '{' (then it is JSON lines); the
    handle is left at its start."""
    head = handle.read(4096)
    handle.seek(0) if handle.seekable() else None
    return head.lstrip().startswith("{")


# ---------------------------------------------------------------------------- CheckThat!

def _read_checkthat(handle: TextIO, reading: _Reading) -> Iterator[KnownClaim]:
    suffix = _inner_suffix(reading.name)
    if suffix in (".jsonl", ".json") or (suffix not in (".tsv", ".txt", ".csv")
                                         and _starts_with_brace(handle)):
        for where, record in _json_records(handle, reading):
            claim = _checkthat_claim(record, where, reading)
            if claim is not None:
                yield claim
        return
    # 2020: a pandas index column without a name, then vclaim and title; CSV quoting.
    for where, row in _table_records(handle, reading, delimiter="," if suffix == ".csv"
                                     else "\t", required=("vclaim_id", "vclaim"),
                                     unnamed_first="vclaim_id"):
        record: dict[str, Any] = {k: (v if v.strip() else None) for k, v in row.items()}
        claim = _checkthat_claim(record, where, reading)
        if claim is not None:
            yield claim


_STATED = re.compile(r"^\s*stated on (?P<date>.+?, \d{4})\b", re.IGNORECASE)
_RUMOR = re.compile(r"^\s*(?:rumou?r|claim)\s*:\s*", re.IGNORECASE)


def _checkthat_claim(record: Mapping[str, Any], where: str, reading: _Reading
                     ) -> KnownClaim | None:
    """A vclaim of CheckThat! 2020 (id, vclaim, title), 2021 2A (Snopes: subtitle, author,
    date as printed) or 2021 2B (PolitiFact: speaker, truth_label, 'stated on ...', url)."""
    try:
        claim_id, text = _text(record, "vclaim_id"), _text(record, "vclaim")
        title, subtitle = _text(record, "title"), _text(record, "subtitle")
        speaker, stated = _text(record, "speaker"), _text(record, "date")
        verdict, url = _text(record, "truth_label"), _text(record, "url")
    except _Skip as exc:
        reading.skip(where, exc.reason)
        return None
    if claim_id is None or text is None:
        reading.skip(where, f"no '{'vclaim_id' if claim_id is None else 'vclaim'}'")
        return None
    summary, day = None, stated
    found = _STATED.match(stated or "")
    if found:  # PolitiFact: who said it, when and where
        day = found["date"]
        said = stated.rstrip(" :.") + "."
        summary = f"{speaker} {said}" if speaker else said[0].upper() + said[1:]
    elif subtitle and _squash(_RUMOR.sub("", subtitle)) != _squash(text):
        summary = subtitle  # Snopes' subtitle, when it says more than the claim
    if url and url.startswith("/"):
        url = _POLITIFACT + url
    return _made(reading, where, id=claim_id, claim=text, title=title, verdict=verdict,
                 url=url, date=day, language="en", summary=summary,
                 tags=(f"speaker:{speaker}",) if speaker else ())


def _squash(text: str) -> str:
    return re.sub(r"\W+", "", text).lower()


# ---------------------------------------------------------------------------- dates

_DATE_FORMATS = ("%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%b. %d, %Y", "%B %d %Y",
                 "%d/%m/%Y", "%d.%m.%Y")


def iso_date(value: str) -> str | None:
    """A date as ISO 8601 (``2019-10-22``; ``2019-10`` and ``2019`` stay as precise as given),
    from ISO dates and times or forms such as "26 May 2015" and "October 22, 2019"; None
    when it is not a date."""
    text = value.strip()
    if re.fullmatch(r"\d{4}(-\d{2})?", text):
        try:
            date.fromisoformat(text + "-01" * (2 - text.count("-")))
        except ValueError:
            return None
        return text
    if re.match(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return datetime.fromisoformat(text).date().isoformat()
        except ValueError:
            return None
    text = re.sub(r"\s+", " ", re.sub(r"(?<=\d)(?=[A-Za-z])", " ", text))  # '21February 2009'
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


# ---------------------------------------------------------------------------- writing

def write_claims(claims: Iterable[KnownClaim], out: TextIO, format: str) -> int:
    """Write claims in the generic ``jsonl`` or ``csv`` format (``read_kb`` reads it back as
    the same claims); returns how many were written."""
    if format not in ("jsonl", "csv"):
        raise UsageError.make("E402", value=format, option="--format", reason="use jsonl or csv")
    written = 0
    if format == "jsonl":
        for claim in claims:
            out.write(json.dumps(claim.to_json(), ensure_ascii=False) + "\n")
            written += 1
        return written
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(KNOWN_CLAIM_FIELDS)
    for claim in claims:
        writer.writerow([_csv_cell(getattr(claim, name)) for name in KNOWN_CLAIM_FIELDS])
        written += 1
    return written


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        # '; '-joined unless an item holds ';' or the cell would start like a JSON list
        if any(";" in v for v in value) or (value and value[0].startswith("[")):
            return json.dumps(list(value), ensure_ascii=False)
        return "; ".join(value)
    return str(value)

"""Errors a person can act on: each has a short code and a message naming the input and the fix.

All codes live in ``MESSAGES``; ``tests/test_errors.py`` keeps them unique and well formed.
Raise with ``PropwatchError.make("E101", path=...)``.
"""

from __future__ import annotations

from typing import Any

MESSAGES: dict[str, str] = {
    # input files (1xx)
    "E101": "cannot read '{path}': no such file or folder. Check the path.",
    "E102": "cannot read '{path}': the file is empty. Give a file that contains article text.",
    "E103": (
        "cannot read '{path}': not text ({reason}). "
        "Give a .txt, .html, .jsonl or .csv file."
    ),
    "E104": (
        "cannot read '{path}': {size} bytes is over the {limit}-byte limit. "
        "Split it, or raise the limit with --max-bytes or PROPWATCH_MAX_BYTES."
    ),
    "E105": "cannot read '{path}': {reason}. Check that it is readable.",
    "E106": (
        "'{path}' line {line}: {reason}. "
        "Each line must be one JSON object with a non-empty \"text\" field."
    ),
    "E107": (
        "'{path}' row {line}: {reason}. "
        "The CSV needs a header with a 'text' column (optional: id, title, outlet, url, canonical_url, published)."
    ),
    "E108": "'{path}': no article text found. {hint}",
    "E109": (
        "'{path}': unknown date '{value}' in '{field}'. Use an ISO 8601 date or date and time "
        "such as 2020-01-28 or 2020-01-28T14:05:00+02:00 (or 28 Jan 2020 14:05 GMT)."
    ),
    # warnings (decoding continues)
    "W110": "'{path}' is not valid UTF-8; read it as {encoding}. Check special characters.",
    "W111": (
        "'{path}' {where}: id '{id}' is already used; read it as '{new_id}'. "
        "Give each record its own id."
    ),
    # bad records (the record is skipped, the rest of the file is read)
    "E112": (
        "'{path}' {where}: '{field}' holds a lone surrogate at offset {offset} (an escape such "
        "as \\ud800 without its pair), which is not a character; skipped the record. "
        "Fix the record's encoding."
    ),
    "E113": (
        "'{path}' {where}: '{field}' is {kind}, not a string; skipped the record. "
        "Give it as a JSON string{or_number}."
    ),
    "E114": (
        "'{path}'{where}: the article text is {size:,} characters, over the {limit:,}-character "
        "limit for one article{skipped}. Split it into articles, or raise the limit with "
        "--max-article-chars or PROPWATCH_MAX_ARTICLE_CHARS."
    ),
    # URLs and feeds (the URL is skipped, the other inputs of the run go on)
    "E115": "cannot fetch '{url}': {reason}. {hint}",
    "E116": "cannot fetch '{url}': the server answered {status}. {hint}",
    "E117": "refused to fetch '{url}': {reason}. {hint}",
    "E118": (
        "'{url}' is not a web page or text ({kind}). Give the URL of an article's HTML page, "
        "or save the document and give the file."
    ),
    "E119": (
        "'{url}' is not an RSS or Atom feed ({reason}). Give the feed's own URL (often ending "
        "in /feed, /rss or .xml); an article page goes without --feed."
    ),
    # knowledge bases of known claims (120-129; a bad record is skipped, the rest is read)
    "E120": "'{path}' {where}: {reason}; skipped the record. {hint}",
    "E121": "'{path}': no known claim could be read as {format}. {hint}",
    "W122": "'{path}'{where}: {reason}.",
    "E123": "cannot read '{path}' as {format}: {reason}. {hint}",
    "E124": (
        "'{path}' {where}: the record is {size:,} bytes, over the {limit:,}-byte limit "
        "for one record; skipped the record. Split it into several records, or raise the limit "
        "with --max-bytes or PROPWATCH_MAX_BYTES."
    ),
    "E130": "'{path}' line {line}: not a query. Expected {expected} (a TSV has a header line).",
    # models and detectors (2xx)
    "E201": "unknown detector '{name}'. Choose one of: {choices}.",
    "E202": (
        "the model artifact '{path}' is missing or unreadable. "
        "Reinstall propwatch or rebuild it with 'propwatch train baseline'."
    ),
    "E203": "unknown technique '{name}' in {where}. Run 'propwatch techniques' for the names.",
    "E204": "unknown component '{name}'. Choose one of: {choices} (see 'propwatch components').",
    "E205": (
        "component '{name}' cannot load: {reason}. Install it with: pip install '{package}'."
    ),
    "E206": (
        "component '{name}' reads the layer '{layer}', which no component before it writes. "
        "Add a component that writes '{layer}' earlier in 'components' or with --with."
    ),
    "E207": (
        "component '{name}' failed on article '{id}': {reason}. Report it to the component's "
        "authors, or leave it out with --without {name}."
    ),
    # data and evaluation (3xx)
    "E301": (
        "no PTC data at '{path}'. Pass --data DIR or set PROPWATCH_DATA to the folder "
        "that holds ptc/ (or to ptc/ itself)."
    ),
    "E302": "'{path}' line {line}: {reason}. Expected {expected}.",
    "E303": "unknown split '{split}'. Use 'train' or 'dev'.",
    "E304": (
        "no PolNeAR data at '{path}'. Pass --data DIR or set PROPWATCH_DATA to the folder "
        "that holds polnear/ (or to polnear/ itself)."
    ),
    "E305": (
        "no CheckThat! data for task '{name}' at '{path}'. Pass --data DIR or set "
        "PROPWATCH_DATA to the folder that holds checkthat2020-t2/ and checkthat2021-t2a/ "
        "(tasks: {choices})."
    ),
    "E306": (
        "no SemEval-2025 narratives data at '{path}'. Pass --data DIR or set PROPWATCH_DATA to "
        "the folder that holds semeval2025-narratives/ (or to that folder itself)."
    ),
    # usage and configuration (4xx)
    "E401": "config file '{path}': {reason}. Fix or remove it.",
    "E402": "'{value}' is not a valid value for {option}: {reason}.",
    "E403": "cannot write '{path}': {reason}. Choose another --out.",
    "E410": "unknown knowledge-base format '{name}'. Choose one of: {choices}.",
    "E411": (
        "taxonomy '{path}': {reason}. A taxonomy is a TOML file of [[label]] tables with label, "
        "parent (\"\" for a narrative) and description (see 'propwatch narratives --help')."
    ),
    # server (501-519)
    "E501": (
        "cannot listen on {address}: {reason}. Stop the program that uses it, or choose "
        "another --port or --host."
    ),
    # corpus store (6xx)
    "E601": (
        "'{path}' is not a propwatch corpus database ({reason}). "
        "Give the file that 'propwatch corpus add' wrote, or another --db."
    ),
    "E602": (
        "'{path}' was written by a newer propwatch (schema {version}; this one reads up to "
        "{known}); upgrade propwatch."
    ),
    "E603": (
        "no corpus database at '{path}'. Run 'propwatch corpus add PATH... --db {path}' first."
    ),
    "E604": (
        "cannot open the corpus database '{path}': {reason}. "
        "Check that the folder exists and is writable."
    ),
    "E605": (
        "'{source}': id '{id}' is already in the corpus with a different text; kept the stored "
        "one. Give this article its own id (an 'id' field or another file name)."
    ),
    "E606": "no article '{id}' in '{path}'. Run 'propwatch corpus list' to see the ids.",
    "E607": (
        "{where} names article '{id}', which is not in '{path}'. "
        "Add it with 'propwatch corpus add' first."
    ),
    "E608": "no run {run_id} in '{path}'. Start one with Store.start_run().",
    "E609": (
        "'{path}' is busy: another propwatch process is writing to it. "
        "Try again when it has finished."
    ),
    "E610": (
        "the query took longer than {seconds} s and was stopped. "
        "Narrow the filters (fewer or more specific words, a technique, an outlet)."
    ),
    "E611": (
        "'{path}' holds layers made by other components ({found}; this run uses {wanted}). "
        "Run again with --rerun to analyse every article anew with these components."
    ),
    # knowledge bases in the store (620-629)
    "E620": (
        "no knowledge base '{name}' in '{path}'. Run 'propwatch kb list --db {path}' for the "
        "names, or make it with 'propwatch kb import FORMAT FILE --kb {name} --db {path}'."
    ),
    "E621": "claim vectors of '{name}' by '{encoder}': {reason}. {hint}",
    "E622": (
        "'{name}' is not a knowledge base name ({reason}). Use 1 to 64 letters, digits, "
        "'-', '_' or '.'."
    ),
    "E623": (
        "nothing to import into knowledge base '{name}': no claims were given. Give at least "
        "one claim; 'propwatch kb delete {name}' removes a knowledge base."
    ),
    "E624": (
        "no claim '{id}' in knowledge base '{name}'. Find ids with "
        "'propwatch kb show {name} --search WORDS'."
    ),
    "E625": (
        "no database at '{path}'. Import a knowledge base into it first: "
        "'propwatch kb import FORMAT FILE... --kb NAME --db {path}'."
    ),
}


class PropwatchError(Exception):
    """An error with a code (``E101``) and a one-line message for a person."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    @classmethod
    def make(cls, code: str, **fields: Any) -> "PropwatchError":
        return cls(code, MESSAGES[code].format(**fields))


class InputError(PropwatchError):
    """A file or record could not be read as an article."""


class ModelError(PropwatchError):
    """A detector or its artifact is unavailable."""


class DataError(PropwatchError):
    """Evaluation or training data is missing or malformed."""


class UsageError(PropwatchError):
    """An option or configuration value is wrong."""


class StoreError(PropwatchError):
    """The corpus database cannot be opened or used as asked."""


def warning_text(code: str, **fields: Any) -> str:
    """The one-line text of a warning such as ``W110``."""
    return f"{code}: {MESSAGES[code].format(**fields)}"

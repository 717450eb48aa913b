"""Small SQL helpers every part of the store shares: times, ``IN (...)`` lists, FTS queries."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Iterator, Sequence

CHUNK = 500  # ids per IN (...) list; far below SQLite's variable limit


def now() -> str:
    """The current UTC time as ISO 8601 to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """``items`` in consecutive slices of at most ``size``."""
    for i in range(0, len(items), size):
        yield items[i:i + size]


def marks(n: int) -> str:
    """``?,?,?`` for ``n`` parameters."""
    return ",".join("?" * n)


def fts_query(q: str) -> str | None:
    """User search text as a safe FTS5 query: each word a quoted phrase, all required.

    A trailing ``*`` asks for a prefix (``propag*``). Quotes, parentheses and operators such
    as AND/OR/NEAR are searched as plain words, so no input can break the query syntax.
    Returns None when the text holds no word to search for.
    """
    parts = []
    for token in q.split():
        prefix = token.endswith("*")
        word = token.rstrip("*")
        if not re.search(r"\w", word):
            continue
        parts.append('"' + word.replace('"', '""') + '"' + ("*" if prefix else ""))
    return " ".join(parts) or None

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


def clear_reuse_run(db: Any, run_id: int, path: Any) -> None:
    """Empty run ``run_id``'s links and clusters before they are written again; E608 when the
    store has no such run."""
    from ..errors import StoreError

    if db.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
        raise StoreError.make("E608", run_id=run_id, path=path)
    db.execute("DELETE FROM cluster_members WHERE run_id = ?", (run_id,))
    db.execute("DELETE FROM clusters WHERE run_id = ?", (run_id,))
    db.execute("DELETE FROM reuse_links WHERE run_id = ?", (run_id,))

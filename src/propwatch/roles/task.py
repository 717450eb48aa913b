"""The task format of SemEval-2025 Task 10 subtask 1: given ``article_id<TAB>mention<TAB>start
<TAB>end`` lines (``end`` inclusive; further gold columns ignored), write each line's first four
fields back unchanged with ``<TAB>main_role<TAB>fine_role[<TAB>fine_role…]`` appended.

Offsets are never changed, even where they do not index the article: the mention is looked
for near them to read its features."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..doc import Article
from ..errors import DataError

EXPECTED = "article_id<TAB>mention<TAB>start<TAB>end (end inclusive)"


@dataclass(frozen=True)
class TaskMention:
    """One input line: its four fields as given, and the offsets as numbers."""

    fields: tuple[str, str, str, str]
    article: str
    text: str
    start: int
    end: int  # inclusive, as given


def read_task_mentions(path: Path) -> list[TaskMention]:
    """The lines of a mentions file; E302 names the first bad line and what it should be."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError.make("E302", path=path, line=0, reason=f"cannot be read ({exc})",
                             expected="a UTF-8 text file of " + EXPECTED) from None
    out = []
    for line_no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) < 4:
            raise DataError.make("E302", path=path, line=line_no,
                                 reason=f"{len(parts)} tab-separated field(s), not 4",
                                 expected=EXPECTED)
        try:
            start, end = int(parts[2]), int(parts[3])
        except ValueError:
            raise DataError.make("E302", path=path, line=line_no,
                                 reason=f"offsets '{parts[2]}' and '{parts[3]}' are not whole "
                                        "numbers", expected=EXPECTED) from None
        if start < 0 or end < start:
            raise DataError.make("E302", path=path, line=line_no,
                                 reason=f"offsets {start}..{end} are not a range",
                                 expected=EXPECTED + ", 0 <= start <= end")
        if not parts[1].strip():
            raise DataError.make("E302", path=path, line=line_no, reason="the mention is empty",
                                 expected=EXPECTED)
        out.append(TaskMention((parts[0], parts[1], parts[2], parts[3]), parts[0].strip(),
                               parts[1], start, end))
    return out


def find_article(folder: Path, article_id: str) -> Path | None:
    """The file of ``article_id`` in ``folder``: the name itself, or with ``.txt`` added."""
    for name in (article_id, article_id + ".txt"):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def locate_span(text: str, mention: TaskMention, window: int = 40) -> tuple[int, int]:
    """Where to read the mention's features: at its offsets when they hold it, else its
    nearest occurrence within ``window`` characters, else the given offsets clipped."""
    start, size = mention.start, len(mention.text)
    if text[start:start + size] == mention.text:
        return start, start + size
    best = None
    at = text.find(mention.text, max(0, start - window), start + window + size)
    while at != -1:
        if best is None or abs(at - start) < abs(best - start):
            best = at
        at = text.find(mention.text, at + 1, start + window + size)
    if best is not None:
        return best, best + size
    start = min(start, max(0, len(text) - 1))
    return start, min(len(text), max(start + 1, mention.end + 1))


def predict_task(folder: Path, path: Path, tagger: Any, encoder: Any) -> list[str]:
    """One output line per input line (in input order): the four fields, the main role and
    the fine roles. E302 for a line whose article is not in ``folder``."""
    mentions = read_task_mentions(path)
    by_article: dict[str, list[int]] = {}
    for i, m in enumerate(mentions):
        by_article.setdefault(m.article, []).append(i)
    out: list[str] = [""] * len(mentions)
    for article_id, indices in by_article.items():
        found = find_article(folder, article_id)
        if found is None:
            line = _line_of(path, mentions[indices[0]])
            raise DataError.make("E302", path=path, line=line,
                                 reason=f"no article '{article_id}' in {folder}",
                                 expected="an article_id naming a file of ARTICLES_DIR")
        article = Article(id=article_id, text=found.read_text(encoding="utf-8"))
        spans = [locate_span(article.text, mentions[i]) for i in indices]
        predictions = tagger.classify(article, encoder.encode(article, tag=False), spans)
        for i, p in zip(indices, predictions):
            out[i] = "\t".join([*mentions[i].fields, p.main_role, *p.fine_roles])
    return out


def _line_of(path: Path, mention: TaskMention) -> int:
    """The line number of ``mention`` in ``path`` (for error messages)."""
    wanted = "\t".join(mention.fields)
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith(wanted):
            return line_no
    return 0


def format_rows(rows: Sequence[str]) -> str:
    return "".join(r + "\n" for r in rows)

"""SemEval-2025 Task 10 data: the articles of one language, subtask 2 (narratives and
subnarratives per article) and subtask 1 (roles of given entity mentions), and article-disjoint
folds for cross-validation. Offsets of subtask 1 are converted to half-open ones here
(the files' ``end`` is inclusive); where a mention does not index its file it is looked for
near the given offset."""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError
from .datasets import find_dataset

NAME = "semeval2025-narratives"
LANGUAGES = ("EN", "BG", "HI", "PT", "RU")


def data_root(data: str | os.PathLike | None = None) -> Path:
    """The dataset folder (E306 when neither ``data`` nor PROPWATCH_DATA holds it)."""
    return find_dataset(data, NAME, lambda p: (p / "train" / "EN" / "raw-documents").is_dir(),
                        "E306")


def read_documents(root: Path, language: str = "EN") -> dict[str, str]:
    """File name -> text of the training articles of ``language`` (read as the organisers do:
    UTF-8, newlines as they are)."""
    folder = root / "train" / language / "raw-documents"
    if not folder.is_dir():
        raise DataError.make("E306", path=folder)
    return {p.name: p.read_text("utf-8") for p in sorted(folder.glob("*.txt"))}


def read_narratives(path: Path) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """File name -> (narratives, subnarratives) of ``subtask-2-annotations.txt``, each label
    once, in file order."""
    out = {}
    for line_no, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise DataError.make("E302", path=path, line=line_no, reason="not three fields",
                                 expected="file<TAB>narratives<TAB>subnarratives")
        out[parts[0]] = (_labels(parts[1]), _labels(parts[2]))
    return out


def _labels(field: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(x.strip() for x in field.split(";") if x.strip()))


@dataclass(frozen=True)
class GoldMention:
    """A mention of subtask 1: ``[start, end)`` in its article (after finding it when the given
    offsets do not index it), the offsets as the file gives them, and its roles."""

    article: str
    text: str
    start: int
    end: int
    given_start: int
    given_end: int  # inclusive, as in the file
    main_role: str
    fine_roles: tuple[str, ...]


def read_mentions(path: Path, documents: dict[str, str]) -> list[GoldMention]:
    """The mentions of ``subtask-1-annotations.txt`` whose article is in ``documents`` and that
    can be found in it (within 40 characters of the given offset)."""
    out = []
    for line_no, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) < 6:
            raise DataError.make("E302", path=path, line=line_no, reason="fewer than six fields",
                                 expected="file, mention, start, end, main role, fine roles")
        name, mention, start, end = parts[0], parts[1], int(parts[2]), int(parts[3])
        text = documents.get(name)
        if text is None:
            continue
        found = locate(text, mention, start)
        if found is None:
            continue
        out.append(GoldMention(name, mention, found, found + len(mention), start, end,
                               parts[4].strip(), tuple(p.strip() for p in parts[5:] if p.strip())))
    return out


def locate(text: str, mention: str, start: int, window: int = 40) -> int | None:
    """Where ``mention`` starts: at ``start`` when it is there, else its nearest occurrence
    within ``window`` characters."""
    if text[start:start + len(mention)] == mention:
        return start
    best = None
    lo = max(0, start - window)
    at = text.find(mention, lo, start + window + len(mention))
    while at != -1:
        if best is None or abs(at - start) < abs(best - start):
            best = at
        at = text.find(mention, at + 1, start + window + len(mention))
    return best


def folds(names: Sequence[str], k: int = 5, seed: int = 13) -> list[list[str]]:
    """``names`` shuffled with ``seed`` and dealt into ``k`` article-disjoint folds."""
    order = sorted(names)
    random.Random(seed).shuffle(order)
    return [order[i::k] for i in range(k)]

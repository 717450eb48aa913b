"""PolNeAR (attributions in political news): ``polnear/gold-train.jsonl`` and the raw texts it
points at, as articles with their gold attributions, and a fixed split by article.

Reads from the folder given by an option or ``PROPWATCH_DATA`` (the data folder that holds
``polnear/``, or ``polnear/`` itself). Offsets are code points of the text read with
``newline=""``; every fragment's text is checked against it."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from ..doc import Article, Attribution, Span
from ..errors import DataError
from .datasets import find_dataset

ROLES = ("source", "cue", "content")


@dataclass(frozen=True, slots=True)
class GoldArticle:
    """One annotated article: the text and its gold attributions, in annotation order."""

    article: Article
    attributions: tuple[Attribution, ...]
    publisher: str


def find_polnear(data: str | os.PathLike | None = None) -> Path:
    """The polnear/ folder from ``data`` or ``PROPWATCH_DATA``; DataError E304 when absent."""
    return find_dataset(data, "polnear", lambda folder: (folder / "gold-train.jsonl").is_file(),
                        "E304")


def iter_polnear(data: str | os.PathLike | None = None) -> Iterator[GoldArticle]:
    """Every article of ``gold-train.jsonl`` with its text; a fragment whose text does not
    match the file is DataError E302 naming the line."""
    folder = find_polnear(data)
    gold_path = folder / "gold-train.jsonl"
    with gold_path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            record = json.loads(line)
            with open(folder / record["text_file"], encoding="utf-8", newline="") as handle:
                text = handle.read()
            article = Article(id=record["article"], text=text, title=record.get("title"),
                              outlet=record.get("publisher"),
                              published=record.get("publication_date"),
                              source=str(folder / record["text_file"]))
            attributions = []
            for item in record["attributions"]:
                roles = {}
                for role in ROLES:
                    fragments = []
                    for fragment in item[role]:
                        if text[fragment["start"]:fragment["end"]] != fragment["text"]:
                            raise DataError.make(
                                "E302", path=gold_path, line=number,
                                reason=f"{item['id']} {role} text differs from the article",
                                expected="offsets into the text read with newline=''")
                        fragments.append(Span(fragment["start"], fragment["end"], role))
                    roles[role] = tuple(sorted(fragments, key=lambda s: (s.start, s.end)))
                attributions.append(Attribution(**roles))
            yield GoldArticle(article, tuple(attributions), record.get("publisher") or "")


def fold_of(article_id: str, folds: int) -> int:
    """A fixed fold for an article (a hash of its id), the same on every machine."""
    digest = hashlib.sha1(article_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % folds


def split_polnear(items: Sequence[GoldArticle], *, folds: int = 5, held_out: int = 0
                  ) -> tuple[list[GoldArticle], list[GoldArticle]]:
    """(train, held out): fold ``held_out`` of ``folds`` by article, for model selection."""
    train = [g for g in items if fold_of(g.article.id, folds) != held_out]
    return train, [g for g in items if fold_of(g.article.id, folds) == held_out]

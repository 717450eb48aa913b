"""The Propaganda Techniques Corpus layout: ``article<ID>.txt`` files and SI/TC label TSVs.

Reads from the folder given by an option or ``PROPWATCH_DATA`` (which may point at the data
folder that holds ``ptc/`` or at ``ptc/`` itself). Offsets are code points of the UTF-8 text.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..doc import Article
from ..errors import DataError
from ..techniques import LABELS
from .datasets import find_dataset

ARTICLE_NAME = re.compile(r"^article(\d+)\.txt$")
SPLITS = ("train", "dev")


@dataclass(frozen=True, slots=True)
class LabelRow:
    """One row of a TC label file (technique may be '?' in a template) or an SI file (None)."""

    article_id: str
    technique: str | None
    start: int
    end: int


def find_ptc(data: str | os.PathLike | None = None) -> Path:
    """The ptc/ folder from ``data`` or ``PROPWATCH_DATA``; DataError E301 when absent."""
    return find_dataset(data, "ptc", lambda folder: (folder / "train-articles").is_dir()
                        or (folder / "dev-articles").is_dir(), "E301")


def read_article_file(path: Path) -> Article:
    """One PTC article, text exactly as stored; id from the file name."""
    match = ARTICLE_NAME.match(path.name)
    article_id = match.group(1) if match else path.stem
    text = path.read_bytes().decode("utf-8")
    return Article(id=article_id, text=text, source=str(path))


def read_articles(folder: Path) -> list[Article]:
    """All ``article<ID>.txt`` files of a folder, sorted by id."""
    paths = sorted(p for p in folder.iterdir() if ARTICLE_NAME.match(p.name))
    return [read_article_file(p) for p in paths]


def read_labels(path: Path) -> list[LabelRow]:
    """A TC (4 columns) or SI (3 columns) label file; DataError E302 on a malformed line."""
    rows: list[LabelRow] = []
    with open(path, encoding="utf-8", newline="") as handle:
        for number, line in enumerate(handle, 1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            cols = line.split("\t")
            try:
                if len(cols) == 4:
                    technique = cols[1]
                    if technique not in LABELS and technique != "?":
                        raise ValueError(f"unknown technique '{technique}'")
                    rows.append(LabelRow(cols[0], technique, int(cols[2]), int(cols[3])))
                elif len(cols) == 3:
                    rows.append(LabelRow(cols[0], None, int(cols[1]), int(cols[2])))
                else:
                    raise ValueError(f"{len(cols)} columns")
            except ValueError as exc:
                raise DataError.make(
                    "E302", path=path, line=number, reason=str(exc),
                    expected="'id<TAB>technique<TAB>start<TAB>end' or 'id<TAB>start<TAB>end'",
                ) from None
            if rows[-1].start < 0 or rows[-1].end <= rows[-1].start:
                raise DataError.make("E302", path=path, line=number, reason="empty span",
                                     expected="start < end")
    return rows


def group_by_article(rows: Iterable[LabelRow]) -> dict[str, list[LabelRow]]:
    grouped: dict[str, list[LabelRow]] = defaultdict(list)
    for row in rows:
        grouped[row.article_id].append(row)
    return dict(grouped)


@dataclass(frozen=True, slots=True)
class Split:
    name: str
    articles: list[Article]
    labels: list[LabelRow]  # TC gold rows


def load_split(name: str, data: str | os.PathLike | None = None) -> Split:
    """Articles and TC gold of the 'train' or 'dev' split."""
    if name not in SPLITS:
        raise DataError.make("E303", split=name)
    root = find_ptc(data)
    folder = root / f"{name}-articles"
    labels = root / f"{name}-labels-TC.tsv"
    if not folder.is_dir() or not labels.is_file():
        raise DataError.make("E301", path=root)
    return Split(name, read_articles(folder), read_labels(labels))


def format_row(row: LabelRow) -> str:
    if row.technique is None:
        return f"{row.article_id}\t{row.start}\t{row.end}"
    return f"{row.article_id}\t{row.technique}\t{row.start}\t{row.end}"

"""Where a dataset lives: the folder given by an option or ``PROPWATCH_DATA``, which may point
at the data folder holding the dataset's folder or at that folder itself."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from ..errors import DataError


def find_dataset(data: str | os.PathLike | None, name: str, holds: Callable[[Path], bool],
                 code: str) -> Path:
    """``DATA/name`` or ``DATA`` itself, whichever ``holds`` the dataset; DataError ``code``
    naming the folder (or that PROPWATCH_DATA is not set) when neither does."""
    raw = data if data is not None else os.environ.get("PROPWATCH_DATA")
    if raw is None:
        raise DataError.make(code, path="(not set)")
    root = Path(raw)
    for candidate in (root / name, root):
        if holds(candidate):
            return candidate
    raise DataError.make(code, path=root)

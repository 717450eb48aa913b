"""Narrative taxonomies as data: a TOML file of labels, each a narrative or a subnarrative
under one, with a one-line description and optionally a few example passages. The default is
the SemEval-2025 Task 10 taxonomy (``semeval2025.toml``, official label strings); an analyst
writes one for a new domain and the narratives component reads it with ``taxonomy = FILE``.

    name = "syria"
    [[label]]
    label = "False-flag attacks"
    parent = ""
    description = "Claims that attacks blamed on one side were staged by its opponents."
    examples = ["The rescuers staged the chemical attack to provoke Western strikes."]

"Other" (top level) means the article serves none of the narratives; "<narrative>: Other"
means it serves the narrative but none of its listed subnarratives. Both exist whether or not
the file lists them.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..errors import UsageError

OTHER = "Other"
DEFAULT = "semeval2025"


@dataclass(frozen=True)
class TaxonomyLabel:
    label: str
    parent: str | None  # None for a narrative
    description: str = ""
    examples: tuple[str, ...] = ()

    @property
    def is_other(self) -> bool:
        return self.label == OTHER or self.label.endswith(f": {OTHER}")


@dataclass(frozen=True)
class Taxonomy:
    """Labels in file order; narratives and their subnarratives by name."""

    name: str
    title: str
    labels: tuple[TaxonomyLabel, ...]
    source: str = ""  # the file it was read from

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_label", {x.label: x for x in self.labels})

    @property
    def digest(self) -> str:
        """A short hash of every label, parent, description and example: what a zero-shot
        layer's version names, so results of an edited taxonomy are not mixed with older ones."""
        text = json.dumps([[x.label, x.parent, x.description, list(x.examples)]
                           for x in self.labels], ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]

    def get(self, label: str) -> TaxonomyLabel | None:
        return self._by_label.get(label)  # type: ignore[attr-defined]

    @property
    def narratives(self) -> tuple[TaxonomyLabel, ...]:
        """The narratives, "Other" excluded."""
        return tuple(x for x in self.labels if x.parent is None and not x.is_other)

    @property
    def subnarratives(self) -> tuple[TaxonomyLabel, ...]:
        """The subnarratives, the "<narrative>: Other" ones excluded."""
        return tuple(x for x in self.labels if x.parent is not None and not x.is_other)

    def children(self, narrative: str) -> tuple[TaxonomyLabel, ...]:
        return tuple(x for x in self.subnarratives if x.parent == narrative)

    def description(self, label: str) -> str:
        found = self.get(label)
        if found is not None:
            return found.description
        if label.endswith(f": {OTHER}"):
            return "Serves the narrative, but none of its listed subnarratives."
        return "Serves none of the taxonomy's narratives." if label == OTHER else ""


def default_path() -> Path:
    return Path(str(resources.files("propwatch.narratives").joinpath(f"{DEFAULT}.toml")))


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """The taxonomy in ``path`` (default: the SemEval-2025 one), checked: E411 names the file
    and what is wrong with it."""
    path = Path(path) if path else default_path()
    return _load(str(path.resolve()) if path.exists() else str(path))


@lru_cache(maxsize=8)
def _load(path: str) -> Taxonomy:
    try:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    except OSError as exc:
        raise UsageError.make("E411", path=path, reason=f"cannot read it ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError.make("E411", path=path, reason=f"not TOML ({exc})") from None
    rows = data.get("label")
    if not isinstance(rows, list) or not rows:
        raise UsageError.make("E411", path=path, reason="it has no [[label]] table")
    labels: list[TaxonomyLabel] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, 1):
        if not isinstance(row, dict) or not str(row.get("label", "")).strip():
            raise UsageError.make("E411", path=path, reason=f"label {number} has no 'label'")
        label = str(row["label"]).strip()
        if label in seen:
            raise UsageError.make("E411", path=path, reason=f"'{label}' is listed twice")
        parent = str(row.get("parent") or "").strip() or None
        examples = row.get("examples") or []
        if not isinstance(examples, list) or not all(isinstance(e, str) for e in examples):
            raise UsageError.make("E411", path=path,
                                  reason=f"the examples of '{label}' are not a list of strings")
        seen.add(label)
        labels.append(TaxonomyLabel(label, parent, str(row.get("description", "")).strip(),
                                    tuple(e.strip() for e in examples if e.strip())))
    narratives = {x.label for x in labels if x.parent is None}
    for x in labels:
        if x.parent is not None and x.parent not in narratives:
            raise UsageError.make("E411", path=path, reason=f"the parent '{x.parent}' of "
                                  f"'{x.label}' is not a narrative of the file")
    if not any(x.parent is None and not x.is_other for x in labels):
        raise UsageError.make("E411", path=path, reason="it has no narrative (parent = \"\")")
    name = str(data.get("name") or Path(path).stem)
    return Taxonomy(name, str(data.get("title") or name), tuple(labels), source=path)

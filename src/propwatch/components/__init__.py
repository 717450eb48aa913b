"""Built-in components: each makes one layer of a document (see ``propwatch.pipeline``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..doc import Article
from ..errors import UsageError
from ..pipeline.component import Shared


def check_settings(component: str, config: Mapping[str, Any], known: Sequence[str]) -> None:
    """E401 naming the first unknown setting of ``[component.NAME]`` and the known ones."""
    unknown = set(config) - set(known)
    if unknown:
        raise UsageError.make("E401", path=f"[component.{component}]",
                              reason=f"unknown setting '{min(unknown)}' (known: "
                                     f"{', '.join(known)})")


def shared_encoder(component: str, model: str, trained_on: str) -> Any:
    """The techniques transformer, whose states a component's model was trained on
    (``trained_on``: the encoder version its meta names); E402 when another one is installed,
    since the model would read states it never saw."""
    from ..detect import get_detector

    encoder = get_detector("transformer")
    if encoder.version != trained_on:
        raise UsageError.make(
            "E402", value=model, option=f"[component.{component}] model_dir",
            reason=f"it was trained on the states of encoder {trained_on}, but "
                   f"{encoder.version} is installed; retrain it with 'propwatch train "
                   f"{component}'")
    return encoder


def encoded(shared: Shared, encoder: Any, article: Article) -> Any:
    """The article through the techniques transformer, once per document: the techniques
    component's pass when it ran first, else computed here and kept for the next reader."""
    return shared.get(("encoded", encoder.version), lambda: encoder.encode(article))

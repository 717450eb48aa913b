"""The pipeline: components in order, run on one document or streamed over many. Every caller
(the CLI, the Python API, the server, the Spark engine) runs documents through ``Pipeline``;
the per-article loop exists here only."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Sequence

from ..config import Settings, load_settings
from ..doc import Article, Document
from ..errors import ModelError, PropwatchError, UsageError
from ..ingest import article_from_text, iter_articles
from .component import Component, Shared
from .registry import get_component, get_spec


class Pipeline:
    """An ordered list of components. ``pipeline(article)`` gives the document with every
    component's layer; ``pipeline.pipe(articles)`` streams many."""

    def __init__(self, components: Sequence[Component]) -> None:
        written: set[str] = set()
        for component in components:
            for needed in component.reads:
                if needed not in written:
                    raise UsageError.make("E206", name=component.name, layer=needed)
            written.add(component.layer)
        self.components = tuple(components)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> "Pipeline":
        """The components ``settings.components`` names, each with its settings."""
        settings = settings or load_settings()
        return cls([get_component(name, component_config(name, settings))
                    for name in settings.components])

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.components]

    @property
    def versions(self) -> dict[str, str]:
        """Layer name -> version of what writes it (recorded with corpus runs)."""
        return {c.layer: c.version for c in self.components}

    def component(self, layer: str) -> Component | None:
        """The component that writes ``layer`` in this pipeline, or None."""
        return next((c for c in self.components if c.layer == layer), None)

    def __call__(self, item: Article | Document) -> Document:
        doc = item if isinstance(item, Document) else Document(item)
        shared = Shared()
        for component in self.components:
            try:
                layer = component(doc, shared)
            except PropwatchError:
                raise
            except Exception as exc:  # a plugin's bug: one line naming it, not a traceback
                raise ModelError.make("E207", name=component.name, id=doc.article.id,
                                      reason=f"{type(exc).__name__}: {exc}") from exc
            doc = doc.with_layer(layer)
        return doc

    def pipe(self, items: Iterable[Article | Document]) -> Iterator[Document]:
        """Each article or document through every component, in order, lazily."""
        for item in items:
            yield self(item)


def component_config(name: str, settings: Settings) -> dict[str, Any]:
    """What the user set for component ``name``: its ``[component.NAME]`` table, and for the
    techniques component the top-level ``detector`` and ``threshold`` (None keeps defaults)."""
    spec = get_spec(name)
    config = dict(settings.component.get(spec.name, {}))
    if spec.name == "techniques":
        for key in ("detector", "threshold"):
            value = getattr(settings, key)
            if value is not None:
                config[key] = value
    return config


def pipeline_names(base: Sequence[str], *, with_: Sequence[str] = (),
                   without: Sequence[str] = ()) -> tuple[str, ...]:
    """``base`` with ``with_`` appended (once) and ``without`` removed; names are checked."""
    for name in (*with_, *without):
        get_spec(name)
    dropped = {get_spec(n).name for n in without}
    names = [n for n in base if get_spec(n).name not in dropped]
    for name in with_:
        if get_spec(name).name not in {get_spec(n).name for n in names}:
            names.append(name)
    return tuple(names)


def analyze(text_or_article: str | Article, *, settings: Settings | None = None,
            pipeline: Pipeline | None = None, id: str = "text") -> Document:
    """Analyse one article given as text or as an ``Article``: the document with its layers."""
    pipeline = pipeline or Pipeline.from_settings(settings)
    article = (text_or_article if isinstance(text_or_article, Article)
               else article_from_text(text_or_article, id=id))
    return pipeline(article)


@dataclass
class BatchResult:
    analyses: list[Document] = field(default_factory=list)
    failures: list[tuple[str, PropwatchError]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def iter_analyses(paths: Sequence[str], *, settings: Settings, pipeline: Pipeline | None = None,
                  stdin=None) -> Iterator[tuple[str, list[Document] | PropwatchError, list[str]]]:
    """For each input path: its documents (or the error that stopped it) and warnings."""
    pipeline = pipeline or Pipeline.from_settings(settings)
    for path, result, warnings in iter_articles(paths, settings=settings, stdin=stdin):
        if isinstance(result, PropwatchError):
            yield path, result, warnings
            continue
        try:
            documents = list(pipeline.pipe(result))
        except PropwatchError as exc:  # a component failed on one of this input's articles
            yield path, exc, warnings
            continue
        yield path, documents, warnings


def analyze_files(paths: Sequence[str], *, settings: Settings | None = None,
                  pipeline: Pipeline | None = None,
                  on_path: Callable[[str], None] | None = None) -> BatchResult:
    """Analyse files and folders; a bad file is recorded in ``failures`` and the rest go on."""
    settings = settings or load_settings()
    batch = BatchResult()
    for path, result, warnings in iter_analyses(paths, settings=settings, pipeline=pipeline):
        batch.warnings += warnings
        if isinstance(result, PropwatchError):
            batch.failures.append((path, result))
        else:
            batch.analyses += result
        if on_path:
            on_path(path)
    return batch


__all__ = ["BatchResult", "Pipeline", "analyze", "analyze_files",
           "component_config", "iter_analyses", "pipeline_names"]

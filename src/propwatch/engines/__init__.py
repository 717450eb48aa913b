"""Where corpus work runs: in this process (``local``) or in Spark tasks (``spark``), behind one
small interface. An engine runs the pipeline over batches of articles and finds reuse; the
Spark engine owns its Spark session and stops it on ``close``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, Protocol, Sequence

from ..config import Settings
from ..doc import Article, Document
from ..errors import UsageError
from ..pipeline import Pipeline
from ..reuse import ReuseOptions, ReuseResult, find_reuse

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import SparkSession

class Engine(Protocol):
    name: str

    def run_pipeline(self, articles: Sequence[Article], settings: Settings) -> Iterator[Document]:
        """Each article through the pipeline ``settings`` describes, in input order."""
        ...

    def find_reuse(self, articles: Sequence[Article], options: ReuseOptions) -> ReuseResult:
        """Reuse among ``articles`` (the same result on every engine)."""
        ...

    def close(self) -> None:
        ...


class LocalEngine:
    """This process, one article after another."""

    name = "local"

    def run_pipeline(self, articles: Sequence[Article], settings: Settings) -> Iterator[Document]:
        return Pipeline.from_settings(settings).pipe(articles)

    def find_reuse(self, articles: Sequence[Article], options: ReuseOptions) -> ReuseResult:
        return find_reuse(articles, options)

    def close(self) -> None:
        pass


def get_engine(name: str, *, master: str = "local[2]",
               spark: "SparkSession | None" = None) -> Engine:
    """The engine called ``name``; ``spark`` lends the Spark engine a session it will not stop."""
    if name == "local":
        return LocalEngine()
    if name == "spark":
        from .spark import SparkEngine
        return SparkEngine(master=master, spark=spark)
    raise UsageError.make("E402", value=name, option="--engine", reason="use local or spark")

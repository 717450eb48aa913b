"""The Spark engine (extra ``[spark]``): the pipeline over partitions of a batch, and the reuse
engine of ``propwatch.reuse.spark``. pyspark is imported lazily; without it the engine raises
an ImportError that names the extra to install."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence

from ..config import Settings
from ..doc import Article, Document
from ..pipeline import Pipeline
from ..reuse import ReuseOptions, ReuseResult
from ..reuse.spark import find_reuse_spark, require_pyspark, spark_session

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import SparkSession


def _pipeline_partition(articles: Iterable[Article], settings: Settings) -> Iterator[Document]:
    """One Spark partition: the same pipeline as everywhere else (components load once per
    worker process)."""
    yield from Pipeline.from_settings(settings).pipe(articles)


class SparkEngine:
    """Spark at ``master`` (``local[N]`` or a cluster URL). The session starts on first use
    and stops on ``close``, unless it was lent (``spark=``)."""

    name = "spark"

    def __init__(self, *, master: str = "local[2]", spark: "SparkSession | None" = None,
                 partitions: int | None = None) -> None:
        require_pyspark()
        self.master = master
        self._session = spark
        self._owned = spark is None
        self._partitions = partitions

    @property
    def session(self) -> "SparkSession":
        if self._session is None:
            self._session = spark_session(self.master)
        return self._session

    @property
    def partitions(self) -> int:
        return max(1, self._partitions or self.session.sparkContext.defaultParallelism)

    def run_pipeline(self, articles: Sequence[Article], settings: Settings) -> Iterator[Document]:
        if not articles:
            return iter(())
        task = partial(_pipeline_partition, settings=settings)
        rdd = self.session.sparkContext.parallelize(list(articles),
                                                    min(self.partitions, len(articles)))
        return iter(rdd.mapPartitions(task).collect())

    def find_reuse(self, articles: Sequence[Article], options: ReuseOptions) -> ReuseResult:
        return find_reuse_spark(articles, options, spark=self.session)

    def close(self) -> None:
        if self._owned and self._session is not None:
            self._session.stop()
        self._session = None

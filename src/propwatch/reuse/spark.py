"""The reuse engine on Spark, for corpora beyond one machine (extra ``[spark]``).

Spark only distributes the work; the logic is the local engine's own functions, called inside
Spark tasks: ``fingerprint`` per article, ``is_boilerplate`` and ``is_outlet_boilerplate``
per fingerprint, ``align_pair``
(with the same usable masks and texts) per candidate pair, and ``build_clusters`` on the
driver. So ``find_reuse_spark`` returns exactly the links and clusters of ``find_reuse`` on
the same articles in the same order: an article's index is its position in the input (for
an RDD, its position in ``rdd.collect()``), and each candidate pair is aligned as
``align_pair(prints[i], prints[j])`` with ``i < j``, as the local engine does.

pyspark is imported lazily; without it, these functions raise an ImportError that names the
extra to install.
"""

from __future__ import annotations

import os
import sys
import time
from functools import partial
from operator import add
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping

import numpy as np

from ..doc import Article, ReuseLink
from .engine import (Boilerplate, Fingerprints, ReuseOptions, ReuseResult, align_pair,
                     build_clusters, fingerprint, is_boilerplate, is_outlet_boilerplate,
                     usable_mask)

if TYPE_CHECKING:  # pragma: no cover
    from pyspark import RDD
    from pyspark.sql import SparkSession

__all__ = ["find_reuse_spark", "require_pyspark", "spark_session"]

INSTALL_HINT = "pip install 'propwatch[spark]'"


def require_pyspark() -> Any:
    """The pyspark module, or an ImportError that says how to install it."""
    try:
        import pyspark
    except ImportError as exc:
        raise ImportError(f"the Spark backend needs pyspark, which is not installed. "
                          f"Install it with: {INSTALL_HINT}") from exc
    return pyspark


def spark_session(master: str = "local[2]", *, app_name: str = "propwatch",
                  shuffle_partitions: int = 8, log_level: str = "ERROR",
                  conf: Mapping[str, str] | None = None) -> "SparkSession":
    """A quiet Spark session (no web UI, ``log_level`` logging) for the CLI and tests.

    Workers run this same Python (``PYSPARK_PYTHON`` unless already set), so they import the
    same propwatch. ``conf`` adds or overrides Spark settings.
    """
    require_pyspark()
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    settings = {"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false",
                "spark.sql.shuffle.partitions": str(shuffle_partitions)}
    log_config = _log_config()
    if log_config:  # quiet from the JVM's start: its banner comes before setLogLevel can act
        settings["spark.driver.extraJavaOptions"] = f"-Dlog4j2.configurationFile={log_config}"
    settings.update(conf or {})
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel(log_level)
    return session


_LOG4J2 = """\
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
# the same level as the root, so Spark does not announce the "default log level" it sets
logger.repl.name = org.apache.spark.repl.Main
logger.repl.level = warn
logger.hadoop.name = org.apache.hadoop
logger.hadoop.level = error
logger.utils.name = org.apache.spark.util.Utils
logger.utils.level = error
"""


def _log_config() -> str | None:
    """A file URI of the log4j2 settings above, written once to the temporary folder (None
    when it cannot be written: Spark then logs with its own defaults)."""
    import hashlib
    import tempfile
    from pathlib import Path

    digest = hashlib.sha256(_LOG4J2.encode()).hexdigest()[:12]
    path = Path(tempfile.gettempdir()) / f"propwatch-log4j2-{digest}.properties"
    try:
        if not path.exists():
            partial_path = path.with_suffix(f".{os.getpid()}.tmp")
            partial_path.write_text(_LOG4J2, encoding="utf-8")
            os.replace(partial_path, path)  # atomic: concurrent sessions never read half a file
    except OSError:
        return None
    return path.as_uri()


def _session(spark: "SparkSession | None") -> tuple["SparkSession", bool]:
    """The given session, else the active one, else a new quiet local one (``True``: ours to
    stop)."""
    require_pyspark()
    if spark is not None:
        return spark, False
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active, False
    return spark_session(), True


# ---------------------------------------------------------------- task functions
# Module-level functions (not closures) so Spark pickles them by reference.


def _as_article(record: Any) -> Article:
    return record if isinstance(record, Article) else Article.from_dict(record)


def _fingerprint_doc(item: tuple[int, Any], options: ReuseOptions
                     ) -> tuple[int, tuple[Article, Fingerprints]]:
    index, record = item
    article = _as_article(record)
    return index, (article, fingerprint(article, options))


def _postings(item: tuple[int, tuple[Article, Fingerprints]]
              ) -> Iterator[tuple[int, tuple[int, str | None]]]:
    """(fingerprint, (doc index, outlet)) for each winnowed fingerprint of a document."""
    index, (article, prints) = item
    outlet = article.outlet or None  # the engine counts no outlet for None and ""
    for h in prints.prints.tolist():
        yield h, (index, outlet)


# A fingerprint group while it is being combined: [articles, [(doc index, outlet)]]. Once it
# is boilerplate everywhere (the rule only grows with the count) the list is dropped (set to
# None): a fingerprint in millions of articles never keeps a list of them.


def _settle(group: list, options: ReuseOptions) -> list:
    if group[1] is not None and is_boilerplate(group[0], options):
        group[1] = None
    return group


def _group_create(value: tuple[int, str | None], options: ReuseOptions) -> list:
    return _settle([1, [value]], options)


def _group_add(group: list, value: tuple[int, str | None], options: ReuseOptions) -> list:
    group[0] += 1
    if group[1] is not None:
        group[1].append(value)
    return _settle(group, options)


def _group_merge(left: list, right: list, options: ReuseOptions) -> list:
    left[0] += right[0]
    if left[1] is None or right[1] is None:
        left[1] = None
        return left
    left[1].extend(right[1])
    return _settle(left, options)


def _group_final(group: list, options: ReuseOptions
                 ) -> tuple[int, bool, tuple[str, ...], list[int]]:
    """(articles, boilerplate everywhere, the outlets whose boilerplate it is, the sorted doc
    indices of the articles that keep it) of a whole fingerprint group."""
    count, members = group
    if members is None:
        return count, True, (), []
    per_outlet: dict[str, int] = {}
    for _, outlet in members:
        if outlet:
            per_outlet[outlet] = per_outlet.get(outlet, 0) + 1
    own = tuple(sorted(o for o, n in per_outlet.items() if is_outlet_boilerplate(n, options)))
    return count, False, own, sorted(doc for doc, outlet in members if outlet not in own)


def _group_pairs(item: tuple[int, tuple[int, bool, tuple[str, ...], list[int]]]
                 ) -> Iterator[tuple[tuple[int, int], int]]:
    _, (_, _, _, docs) = item
    for x in range(len(docs)):
        for y in range(x + 1, len(docs)):
            yield (docs[x], docs[y]), 1


def _group_stats(item: tuple[int, tuple[int, bool, tuple[str, ...], list[int]]]
                 ) -> tuple[int, int, int]:
    """(postings, boilerplate fingerprints, pair postings) of one group."""
    _, (count, common, own, docs) = item
    return count, int(common or bool(own)), len(docs) * (len(docs) - 1) // 2


def _add3(x: tuple[int, int, int], y: tuple[int, int, int]) -> tuple[int, int, int]:
    return x[0] + y[0], x[1] + y[1], x[2] + y[2]


def _alignment_data(item: tuple[int, tuple[Article, Fingerprints]], boilerplate: Any,
                    window: int) -> tuple[int, tuple[Fingerprints, np.ndarray, str]]:
    index, (article, prints) = item
    usable = usable_mask(prints, boilerplate.value, window, article.outlet)
    return index, (prints, usable, article.text)


def _align(item: tuple[int, tuple[tuple[int, tuple], tuple]], options: ReuseOptions
           ) -> list[ReuseLink]:
    _, ((_, (fa, ua, ta)), (fb, ub, tb)) = item
    return align_pair(fa, fb, options, (ua, ub), (ta, tb))


def _boilerplate(groups: "RDD") -> Boilerplate:
    """The run's boilerplate, gathered from the final fingerprint groups."""
    common = groups.filter(lambda kv: kv[1][1]).keys().collect()
    own = groups.flatMap(lambda kv: [(outlet, kv[0]) for outlet in kv[1][2]]).collect()
    by_outlet: dict[str, list[int]] = {}
    for outlet, h in own:
        by_outlet.setdefault(outlet, []).append(h)
    return Boilerplate(np.array(sorted(common), dtype=np.uint64),
                       {o: np.array(sorted(hs), dtype=np.uint64) for o, hs in by_outlet.items()})


# ---------------------------------------------------------------- the whole run


def _indexed_rdd(articles: Any, sc: Any, partitions: int | None) -> tuple["RDD", int]:
    """(input position, article) pairs, positions numbered as the local engine numbers them,
    and the number of partitions to work in."""
    from pyspark import RDD

    if isinstance(articles, RDD):
        indexed = articles.zipWithIndex().map(lambda kv: (kv[1], kv[0]))
        if partitions and partitions != indexed.getNumPartitions():
            indexed = indexed.repartition(partitions)
        return indexed, max(1, partitions or indexed.getNumPartitions())
    parts = max(1, partitions or sc.defaultParallelism)
    return sc.parallelize(list(enumerate(articles)), parts), parts


def find_reuse_spark(articles: "Iterable[Article] | RDD", options: ReuseOptions = ReuseOptions(),
                     *, spark: "SparkSession | None" = None,
                     partitions: int | None = None) -> ReuseResult:
    """``find_reuse`` on Spark: the same links and clusters for the same articles in the same
    order. ``articles`` is an iterable or an RDD of ``Article`` (or ``Article.to_dict()``
    records); an iterable is gathered on the driver first, so give an RDD for corpora that
    do not fit there. ``partitions`` defaults to the RDD's partitions, or for an iterable to
    the context's default parallelism."""
    session, ours = _session(spark)
    try:
        return _find_reuse(articles, options, session, partitions)
    finally:
        if ours:
            session.stop()


def _find_reuse(articles: Any, options: ReuseOptions, session: "SparkSession",
                partitions: int | None) -> ReuseResult:
    from pyspark import StorageLevel

    sc = session.sparkContext
    began = total_began = time.perf_counter()
    timings: dict[str, float] = {}
    cached = []
    try:
        indexed, parts = _indexed_rdd(articles, sc, partitions)
        docs = indexed.map(partial(_fingerprint_doc, options=options))
        docs.persist(StorageLevel.MEMORY_AND_DISK)
        cached.append(docs)
        n_articles = docs.count()
        timings["fingerprint_s"] = time.perf_counter() - began

        began = time.perf_counter()
        groups = (docs.flatMap(_postings)
                  .combineByKey(partial(_group_create, options=options),
                                partial(_group_add, options=options),
                                partial(_group_merge, options=options), numPartitions=parts)
                  .mapValues(partial(_group_final, options=options)))
        groups.persist(StorageLevel.MEMORY_AND_DISK)
        cached.append(groups)
        postings, n_boiler, pair_postings = groups.map(_group_stats).fold((0, 0, 0), _add3)
        boilerplate = sc.broadcast(_boilerplate(groups))
        pairs = (groups.flatMap(_group_pairs).reduceByKey(add, numPartitions=parts)
                 .filter(lambda kv: kv[1] >= options.min_shared).keys())
        pairs.persist(StorageLevel.MEMORY_AND_DISK)
        cached.append(pairs)
        n_pairs = pairs.count()
        timings["candidates_s"] = time.perf_counter() - began

        began = time.perf_counter()
        links: list[ReuseLink] = []
        if n_pairs:
            # Partitioned once and kept: both joins then reuse its partitioning instead of
            # shuffling every article's data again.
            data = (docs.map(partial(_alignment_data, boilerplate=boilerplate,
                                     window=options.window))
                    .partitionBy(parts))
            data.persist(StorageLevel.MEMORY_AND_DISK)
            cached.append(data)
            joined = (pairs.partitionBy(parts).join(data, numPartitions=parts)  # (i, (j, data_i))
                      .map(lambda kv: (kv[1][0], (kv[0], kv[1][1])))  # (j, (i, data_i))
                      .join(data, numPartitions=parts))  # (j, ((i, data_i), data_j))
            links = joined.flatMap(partial(_align, options=options)).collect()
        links.sort()
        timings["align_s"] = time.perf_counter() - began

        began = time.perf_counter()
        linked = sc.broadcast({i for link in links for i in (link.a, link.b)})
        published = dict(docs.filter(lambda kv: kv[1][0].id in linked.value)
                         .map(lambda kv: (kv[1][0].id, kv[1][0].published)).collect())
        clusters = build_clusters(links, published, options)
        timings["cluster_s"] = time.perf_counter() - began
        boilerplate.destroy()
        linked.destroy()
    finally:
        for rdd in cached:
            rdd.unpersist()
    timings["total_s"] = time.perf_counter() - total_began
    stats = {"articles": n_articles, "fingerprints": postings,
             "boilerplate_fingerprints": n_boiler, "pair_postings": pair_postings,
             "candidate_pairs": n_pairs, "links": len(links), "clusters": len(clusters),
             "backend": "spark", "partitions": parts,
             **{k: round(v, 3) for k, v in timings.items()}}
    return ReuseResult(links, clusters, stats)

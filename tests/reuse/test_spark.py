"""The Spark backend gives exactly the local engine's links and clusters; corpus detection on
Spark stores what the local pipeline finds. pyspark runs in local mode (2 cores)."""

from __future__ import annotations

import importlib.util
import random
import sys
import time
from dataclasses import replace

import pytest

from propwatch.doc import Article
from propwatch.errors import StoreError
from propwatch.reuse import ReuseOptions, find_reuse

HAVE_PYSPARK = importlib.util.find_spec("pyspark") is not None
needs_spark = pytest.mark.skipif(
    not HAVE_PYSPARK, reason="pyspark is not installed (pip install 'propwatch[spark]')")


@pytest.fixture(scope="session")
def spark():
    """One local Spark session for the whole test run, stopped at the end."""
    if not HAVE_PYSPARK:
        pytest.skip("pyspark is not installed (pip install 'propwatch[spark]')")
    from propwatch.reuse.spark import spark_session

    session = spark_session("local[2]", shuffle_partitions=8)
    yield session
    session.stop()


# ---------------------------------------------------------------- corpora

SYLLABLES = ("ka ro mi tu se lan dor vek pa ni sho gra bel fin ost rum tel var quo zen "
             "mar lis hex dun pol cre ith ban").split()
FILLER = "the a of to and in on for with by from at".split()


def vocabulary(rng: random.Random, size: int = 1500) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))))
    return sorted(words)


def sentence(rng: random.Random, vocab: list[str], n: int = 14) -> str:
    words = [rng.choice(vocab) if k % 2 == 0 else rng.choice(FILLER) for k in range(n)]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def paragraph(rng: random.Random, vocab: list[str], sentences: int = 4) -> str:
    return " ".join(sentence(rng, vocab) for _ in range(sentences))


def light_edit(rng: random.Random, vocab: list[str], text: str) -> str:
    """Change a few words, as an editor reprinting a wire story would."""
    words = text.split(" ")
    for _ in range(max(1, len(words) // 40)):
        k = rng.randrange(len(words))
        words[k] = rng.choice(vocab)
    return " ".join(words)


def join(paras: list[str]) -> str:
    return "\n\n".join(paras) + "\n"


def small_corpus() -> list[Article]:
    """A copy with edits and an inserted sentence, a partial reprint, an outlet's footer on
    three unrelated articles, articles with repeated sentences, unrelated and tiny articles.
    Input order is deliberately not id order."""
    rng = random.Random(11)
    vocab = vocabulary(rng, 400)
    wire = [paragraph(rng, vocab) for _ in range(6)]
    copy = [light_edit(rng, vocab, p) for p in wire[:5]]
    copy[2] = copy[2] + " " + sentence(rng, vocab)  # an inserted sentence
    footer = ("Daily Courier journalism is supported by readers like you. Subscribe today for "
              "unlimited access to every story, newsletter and podcast, and join thousands of "
              "readers who back independent local reporting in the region every single month.")
    daily = [join([paragraph(rng, vocab) for _ in range(3)] + [footer]) for _ in range(3)]
    # Two articles that reuse sentences of one pool in different orders: their alignment
    # depends on which of the two is aligned first.
    pool_rng = random.Random(6)
    pool = [sentence(pool_rng, vocab) for _ in range(8)]
    repeats = [" ".join(pool_rng.choice(pool) for _ in range(12)) for _ in range(2)]
    return [
        Article("z-copy", join([paragraph(rng, vocab)] + copy), outlet="Herald",
                published="2024-03-02"),
        Article("a-wire", join(wire), outlet="Wire", published="2024-03-01"),
        Article("m-partial", join([paragraph(rng, vocab), wire[3], wire[4]]), outlet="Gazette",
                published="2024-03-02"),
        Article("d-1", daily[0], outlet="Daily Courier", published="2024-03-03"),
        Article("d-3", daily[2], outlet="Daily Courier"),
        Article("d-2", daily[1], outlet="Daily Courier", published="2024-03-03"),
        Article("r-2", repeats[1] + "\n", outlet="", published="2024-03-05"),
        Article("r-1", repeats[0] + "\n", published="2024-03-05"),
        Article("u-1", join([paragraph(rng, vocab) for _ in range(4)]), outlet="Wire"),
        Article("u-2", join([paragraph(rng, vocab) for _ in range(4)]), outlet="Herald"),
        Article("tiny", "Too short.", outlet="Wire"),
    ]


def generated_corpus(n_articles: int, seed: int = 5) -> list[Article]:
    """``propwatch.bench.generate.generate_corpus`` when it is there; else a corpus built here:
    originals, lightly edited full and partial reprints in other outlets, per-outlet footers."""
    try:
        from propwatch.bench.generate import generate_corpus
    except ImportError:
        pass
    else:
        corpus = generate_corpus(n_articles, seed=seed, edit_level="light")
        records = getattr(corpus, "articles", corpus)  # a GeneratedCorpus, or plain records
        return [r if isinstance(r, Article) else Article.from_dict(
                    {k: v for k, v in r.items() if k in ("id", "text", "title", "outlet", "url",
                                                         "published", "source", "boilerplate")})
                for r in records]
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    outlets = [f"outlet-{k:02d}" for k in range(20)]
    footers = {o: paragraph(rng, vocab, 3) for o in outlets[:8]}
    originals: list[list[str]] = []
    articles = []
    for n in range(n_articles):
        outlet = rng.choice(outlets)
        day = f"2024-{1 + n * 12 // n_articles:02d}-{rng.randint(1, 28):02d}"
        if originals and rng.random() < 0.4:
            source = rng.choice(originals)
            lo = rng.randrange(len(source))
            hi = rng.randint(lo + 1, len(source)) if rng.random() < 0.5 else len(source)
            paras = [light_edit(rng, vocab, p) if rng.random() < 0.5 else p
                     for p in source[lo:hi]]
            paras.insert(rng.randint(0, len(paras)), paragraph(rng, vocab))
        else:
            paras = [paragraph(rng, vocab) for _ in range(rng.randint(3, 7))]
            originals.append(paras)
        if outlet in footers:
            paras = paras + [footers[outlet]]
        articles.append(Article(f"g{n:05d}", join(paras), outlet=outlet,
                                published=day if rng.random() < 0.9 else None))
    rng.shuffle(articles)
    return articles


def same_stats(spark_stats: dict, local_stats: dict) -> None:
    for key in ("articles", "fingerprints", "boilerplate_fingerprints", "pair_postings",
                "candidate_pairs", "links", "clusters"):
        assert spark_stats[key] == local_stats[key], key


# ---------------------------------------------------------------- reuse


def test_missing_pyspark_names_the_extra(monkeypatch):
    from propwatch.reuse import spark as backend

    monkeypatch.setitem(sys.modules, "pyspark", None)  # makes ``import pyspark`` fail
    with pytest.raises(ImportError, match=r"pip install 'propwatch\[spark\]'"):
        backend.find_reuse_spark([])
    with pytest.raises(ImportError, match=r"pip install 'propwatch\[spark\]'"):
        backend.spark_session()
    from propwatch.engines import get_engine
    with pytest.raises(ImportError, match=r"pip install 'propwatch\[spark\]'"):
        get_engine("spark")


@needs_spark
def test_session_is_quiet_and_small(spark):
    conf = spark.sparkContext.getConf()
    assert conf.get("spark.ui.enabled") == "false"
    assert spark.conf.get("spark.sql.shuffle.partitions") == "8"
    assert spark.sparkContext.master == "local[2]"


@needs_spark
@pytest.mark.parametrize("options", [
    ReuseOptions(),
    ReuseOptions(max_df=2, min_shared=1),  # the max_df rule, and pairs sharing one print
    ReuseOptions(outlet_repeats=2, min_chars=80),
], ids=["default", "max_df", "outlet_repeats"])
def test_small_corpus_gives_the_local_links_and_clusters(spark, options):
    articles = small_corpus()
    local = find_reuse(articles, options)
    result = find_reuse_spark_(articles, options, spark)
    assert result.links == local.links
    assert result.clusters == local.clusters
    same_stats(result.stats, local.stats)
    assert result.stats["backend"] == "spark"
    if options == ReuseOptions():  # the corpus does what it was built for
        linked = {frozenset((x.a, x.b)) for x in local.links}
        assert frozenset(("a-wire", "z-copy")) in linked
        assert frozenset(("a-wire", "m-partial")) in linked
        assert not any(x.a.startswith("d-") and x.b.startswith("d-") for x in local.links)
        assert local.stats["boilerplate_fingerprints"] > 0
        origins = {c.origin for c in local.clusters}
        assert "a-wire" in origins
        assert frozenset(("r-1", "r-2")) in linked


def find_reuse_spark_(articles, options, spark, **kw):
    from propwatch.reuse.spark import find_reuse_spark

    return find_reuse_spark(articles, options, spark=spark, **kw)


@needs_spark
def test_an_rdd_and_any_input_order_give_the_local_result_for_that_order(spark):
    # Alignment of texts with repeated sentences (r-1, r-2) is not symmetric; the engine
    # aligns every pair in id order, so neither engine depends on the input order.
    articles = small_corpus()
    assert find_reuse(articles).links == find_reuse(articles[::-1]).links
    # r-2 before r-1, then after; Article objects, then their dict records
    for ordered, as_dicts, partitions in ((articles, False, 4), (articles[::-1], True, None)):
        local = find_reuse(ordered)
        records = [a.to_dict() for a in ordered] if as_dicts else ordered
        rdd = spark.sparkContext.parallelize(records, 3)
        result = find_reuse_spark_(rdd, ReuseOptions(), spark, partitions=partitions)
        assert result.stats["partitions"] == (partitions or 3)
        assert result.links == local.links
        assert result.clusters == local.clusters


@needs_spark
def test_empty_and_link_free_corpora(spark):
    empty = find_reuse_spark_([], ReuseOptions(), spark)
    assert (empty.links, empty.clusters, empty.stats["articles"]) == ([], [], 0)
    unrelated = [a for a in small_corpus() if a.id in ("u-1", "u-2", "tiny")]
    result = find_reuse_spark_(unrelated, ReuseOptions(), spark)
    assert result.links == [] and result.clusters == []
    same_stats(result.stats, find_reuse(unrelated).stats)


@needs_spark
@pytest.mark.slow
def test_thousand_article_corpus_gives_the_local_links_and_clusters(spark):
    articles = generated_corpus(1000)
    assert len(articles) == 1000
    local = find_reuse(articles)
    began = time.perf_counter()
    result = find_reuse_spark_(articles, ReuseOptions(), spark, partitions=4)
    seconds = time.perf_counter() - began
    assert len(local.links) > 100 and len(local.clusters) > 20  # the corpus has reuse in it
    assert result.links == local.links
    assert result.clusters == local.clusters
    same_stats(result.stats, local.stats)
    assert seconds < 120, f"1,000 articles took {seconds:.0f} s on Spark local[2]"


# ---------------------------------------------------------------- corpus detection


def _store_module():
    try:
        from propwatch import store
    except ImportError:
        pytest.skip("propwatch.store is not there yet")
    return store


@needs_spark
def test_analyze_corpus_stores_the_spans_the_local_pipeline_finds(spark, tmp_path, detector):
    from propwatch.config import Settings
    from propwatch.corpus import analyze_corpus
    from propwatch.pipeline import Pipeline

    Store = _store_module().Store
    articles = [a for a in small_corpus() if a.id != "tiny"] + [Article(
        "loaded", "They are traitors and criminals, a disgrace to the nation! Everyone knows "
        "the so-called experts lied again, as always, and only fools believe them.",
        outlet="Wire")]
    articles = [replace(a, boilerplate=((0, 10),)) if a.id == "u-1" else a for a in articles]
    db = str(tmp_path / "corpus.db")
    with Store(db) as store:
        store.add_articles(articles)
        store.replace_spans("u-2", [], "old")

    settings = Settings(detector=detector.name)
    with pytest.raises(StoreError, match="E611"):  # u-2's layer is another detector's
        analyze_corpus(db, settings=settings, engine="spark", spark=spark, batch_size=4)
    summary = analyze_corpus(db, settings=settings, engine="spark", spark=spark, batch_size=4,
                             rerun=True)
    expected = {a.id: Pipeline.from_settings(settings)(a) for a in articles}
    assert summary["articles"] == len(articles)
    assert summary["batches"] == 3
    assert summary["spans"] == sum(len(x.spans) for x in expected.values()) > 0
    assert summary["detector"] == detector.version
    assert summary["seconds"] >= summary["pipeline_s"] > 0
    with Store(db, create=False) as store:
        for article_id, analysis in expected.items():
            assert store.document(article_id) == analysis, article_id
        run = store.latest_run("analyze")
        assert run["id"] == summary["run_id"] and run["params"]["engine"] == "spark"


@needs_spark
def test_analyze_corpus_errors_name_the_problem(spark, tmp_path):
    from propwatch.config import Settings
    from propwatch.corpus import analyze_corpus
    from propwatch.errors import PropwatchError

    _store_module()
    with pytest.raises(PropwatchError, match="E603"):
        analyze_corpus(str(tmp_path / "missing.db"), engine="spark", spark=spark)
    with pytest.raises(PropwatchError, match="E201"):
        analyze_corpus(str(tmp_path / "missing.db"), settings=Settings(detector="nope"),
                       engine="spark", spark=spark)

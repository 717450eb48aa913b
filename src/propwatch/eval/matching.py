"""Claim retrieval as CheckThat! scores it, with the de-duplicated scorer the data READMEs
ask for: qrels de-duplicated, every query of the query file counted (one with no gold, or
missing from the run, scores 0), ties broken by the order the ranker gives.

Datasets (under ``PROPWATCH_DATA``): ``checkthat2020-t2`` (train, dev; the collection
``verified_claims.docs.tsv``) and ``checkthat2021-t2a`` (train; ``verified_claims.jsonl``)."""

from __future__ import annotations

import csv
import os
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from ..errors import DataError, UsageError

csv.field_size_limit(1 << 30)


@dataclass(frozen=True)
class RetrievalTask:
    """Queries, their gold claim ids, and the collection file they are ranked against."""

    name: str
    queries: tuple[tuple[str, str], ...]  # (query id, text)
    gold: Mapping[str, frozenset[str]]
    collection: Path


def load_task(name: str, data: str | os.PathLike | None = None) -> RetrievalTask:
    """One of ``TASKS``: the 2020 splits, 2021 2A train, or its 2020-dev tweets."""
    if name not in TASKS:
        raise UsageError.make("E402", value=name, option="the matching task",
                              reason=f"choose one of {', '.join(TASKS)}")
    if name.startswith("2020-"):
        root = _root("checkthat2020-t2", name, data)
        split = name.removeprefix("2020-")
        queries = _tsv_queries(root / split / "tweets.queries.tsv", header=True)
        gold = _qrels(root / split / "tweet-vclaim-pairs.qrels")
        return RetrievalTask(name, queries, gold, root / "verified_claims.docs.tsv")
    root = _root("checkthat2021-t2a", name, data)
    queries = _tsv_queries(root / "tweets-train.tsv", header=False)
    if name == "2021-2a-dev":  # the 2020 dev tweets, against the 2021 collection
        dev = {f"tweet-sno-{q}" for q, _ in load_task("2020-dev", data).queries}
        queries = tuple(q for q in queries if q[0] in dev)
    return RetrievalTask(name, queries, _qrels(root / "qrels-train.tsv"),
                         root / "verified_claims.jsonl")


# 2021-2a-train holds the 2020 train and dev tweets: the re-ranker trained on 2020 train, so
# only 2020-dev and 2021-2a-dev (the same tweets, the 2021 collection) are held out from it
TASKS = ("2020-train", "2020-dev", "2021-2a-train", "2021-2a-dev")


def _root(folder: str, task: str, data: str | os.PathLike | None) -> Path:
    raw = data if data is not None else os.environ.get("PROPWATCH_DATA")
    if raw is None:
        raise DataError.make("E305", name=task, path="(not set)", choices=", ".join(TASKS))
    for candidate in (Path(raw) / folder, Path(raw)):
        if (candidate / "README.md").is_file() and candidate.name == folder:
            return candidate
    raise DataError.make("E305", name=task, path=raw, choices=", ".join(TASKS))


_SIGNATURE = re.compile(r"\s+—\s+[^—]*\(@\w+\)\s+\w+ \d{1,2}, \d{4}\s*$")  # "— Name (@x) May 1, 2020"
_LINK = re.compile(r"https?://\S+|pic\.twitter\.com/\S+")


def tweet_text(tweet: str) -> str:
    """A tweet without its "— Name (@handle) Date" signature and links: the claim it makes."""
    return " ".join(_LINK.sub(" ", _SIGNATURE.sub("", tweet)).split())


def _tsv_queries(path: Path, header: bool) -> tuple[tuple[str, str], ...]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = csv.reader(handle, delimiter="\t")
        if header:
            next(rows, None)
        return tuple((row[0], tweet_text(row[1])) for row in rows if len(row) >= 2)


def _qrels(path: Path) -> dict[str, frozenset[str]]:
    gold: dict[str, set[str]] = defaultdict(set)
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) >= 4 and parts[3] != "0":
                gold[parts[0]].add(parts[2])
    return {q: frozenset(ids) for q, ids in gold.items()}


def retrieval_scores(run: Mapping[str, Sequence[str]], gold: Mapping[str, frozenset[str]],
                     queries: Iterable[str], ks: Sequence[int] = (1, 3, 5, 10)) -> dict:
    """MAP@k, MRR and Recall@k of ``run`` (query id -> claim ids, best first) over every id
    in ``queries``."""
    queries = list(queries)
    totals: dict[str, float] = defaultdict(float)
    for qid in queries:
        relevant = gold.get(qid, frozenset())
        ranked = list(run.get(qid, ()))
        for k in ks:
            hits, precision_sum = 0, 0.0
            for i, doc in enumerate(ranked[:k], 1):
                if doc in relevant:
                    hits += 1
                    precision_sum += hits / i
            totals[f"map@{k}"] += precision_sum / len(relevant) if relevant else 0.0
            totals[f"recall@{k}"] += (len(relevant & set(ranked[:k])) / len(relevant)
                                      if relevant else 0.0)
        totals["mrr"] += next((1 / i for i, doc in enumerate(ranked, 1) if doc in relevant), 0.0)
    n = max(len(queries), 1)
    return {"queries": len(queries), **{k: round(v / n, 4) for k, v in sorted(totals.items())}}


def write_trec(run: Mapping[str, Sequence[tuple[str, float]]], out, tag: str = "propwatch") -> None:
    """TREC run lines ``qid Q0 docid rank score tag``."""
    for qid, ranked in run.items():
        for rank, (doc, score) in enumerate(ranked, 1):
            out.write(f"{qid}\tQ0\t{doc}\t{rank}\t{score:.6f}\t{tag}\n")


def evaluate_matching(task: RetrievalTask, top: int = 10) -> dict:
    """The shipped matcher (sentence encoder, BM25, re-ranker) on ``task``: its collection as
    the knowledge base, its queries ranked; also BM25 alone and the encoder alone, side by
    side, so the re-ranker's gain is visible."""
    from ..kb.encoder import SentenceEncoder
    from ..kb.index import ClaimIndex
    from ..kb.matcher import ClaimMatcher
    from ..kb.readers import read_kb
    from ..kb.rerank import Reranker

    claims = list(read_kb("checkthat", task.collection, on_note=lambda _: None))
    encoder = SentenceEncoder()
    index = ClaimIndex(claims, encoder.encode([c.text_for_matching() for c in claims]))
    matcher = ClaimMatcher(index, encoder, Reranker())
    ids = [c.id for c in claims]
    query_ids = [q for q, _ in task.queries]
    orders = {"reranked": lambda cp: -cp[1], "bm25": lambda cp: -cp[0].bm25,
              "cosine": lambda cp: -cp[0].cosine}
    runs: dict[str, dict[str, list[str]]] = {name: {} for name in orders}
    for qid, row in zip(query_ids, matcher.scored([q for _, q in task.queries])):
        for name, key in orders.items():
            best = sorted(row, key=lambda cp: (key(cp), cp[0].index))[:top]
            runs[name][qid] = [ids[c.index] for c, _ in best]
    return {"task": task.name, "claims": len(claims), "reranker": matcher.reranker.version,
            "encoder": encoder.version,
            **{name: retrieval_scores(run, task.gold, query_ids) for name, run in runs.items()}}

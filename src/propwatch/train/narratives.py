"""Train the narrative heads (``propwatch train narratives``): one logistic head per narrative
and subnarrative of the default taxonomy that the English SemEval-2025 training articles carry,
over the techniques encoder's pooled states; regularisation fixed by cross-validation
(``propwatch evaluate narratives``), the two decision thresholds chosen on the articles'
held-out probabilities (5 folds) for the development set's share of "Other" articles.

It also calibrates the zero-shot scorer that serves taxonomies without training data: the
default taxonomy's descriptions and examples against the same articles' sentences with the
sentence encoder, one logistic curve from best cosine to probability, and its thresholds."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..doc import NARRATIVE, SUBNARRATIVE
from ..eval.narratives import (
    OTHER_SHARE,
    BlendConfig,
    Dataset,
    choose_thresholds,
    fit_blend,
    head_labels,
    load_dataset,
    out_of_fold,
    targets,
)
from ..narratives.heads import fit_heads
from ..narratives.model import FEATURES, DescriptionScorer
from ..narratives.taxonomy import Taxonomy, load_taxonomy

Log = Callable[[str], None]
VERSION = "semeval2025-en-heads-v1"


@dataclass(frozen=True)
class NarrativesConfig:
    seed: int = 13
    folds: int = 5
    blend: BlendConfig = field(default_factory=BlendConfig)
    other_share: float = OTHER_SHARE
    zero_shot: bool = True


def train_narratives(data: str | None, out: Path, config: NarrativesConfig = NarrativesConfig(),
                     *, log: Log = lambda _: None) -> dict:
    """Fit the heads on every English training article, write ``heads.npz`` and
    ``meta.json`` to ``out`` and return the meta."""
    from ..detect import get_detector

    started = time.perf_counter()
    taxonomy = load_taxonomy()
    detector = get_detector("transformer")
    log(f"encoding the English training articles with {detector.version}")
    dataset = load_dataset(data, detector)
    labels = head_labels(taxonomy, dataset.coarse, dataset.fine)
    log(f"{len(dataset.names)} articles, {len(labels)} labels with training articles; "
        f"thresholds from {config.folds}-fold held-out probabilities")
    held_out, _ = out_of_fold(dataset, labels, config.blend, k=config.folds, seed=config.seed)
    thresholds, objective = choose_thresholds(held_out, labels, taxonomy, dataset.coarse,
                                              dataset.fine, config.other_share)
    blend = fit_blend(dataset.features, targets(labels, dataset.coarse, dataset.fine),
                      config.blend)
    out.mkdir(parents=True, exist_ok=True)
    heads = blend.heads
    np.savez_compressed(out / "heads.npz", mean=heads.mean, scale=heads.scale,
                        weight=heads.weight.astype(np.float32), bias=heads.bias)
    if blend.neighbours is not None:
        np.savez_compressed(out / "neighbours.npz", mean=blend.neighbours.mean,
                            scale=blend.neighbours.scale, rows=blend.neighbours.rows,
                            targets=blend.neighbours.targets)
    meta = {
        "version": VERSION, "taxonomy": taxonomy.name, "features": FEATURES,
        "encoder": detector.version, "labels": list(labels), "thresholds": thresholds,
        "neighbours": {"k": config.blend.neighbours, "temperature": config.blend.temperature,
                       "weight": config.blend.weight} if blend.neighbours is not None else None,
        "trained_on": f"SemEval-2025 Task 10 subtask 2, English train ({len(dataset.names)} "
                      "articles)",
        "config": asdict(config),
        "held_out_objective": round(objective, 4),
        "command": f"propwatch train narratives --seed {config.seed}",
    }
    if config.zero_shot:
        log("calibrating the zero-shot scorer (sentence encoder)")
        meta["zero_shot"] = calibrate_zero_shot(data, taxonomy, dataset, config)
    meta["train_seconds"] = round(time.perf_counter() - started, 1)
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def zero_shot_cosines(data: str | None, taxonomy: Taxonomy, dataset: Dataset, encoder
                      ) -> tuple[tuple[str, ...], np.ndarray]:
    """Each article's best sentence cosine with each label's description and examples."""
    from ..detect.tokens import split_sentences
    from ..eval.semeval2025 import data_root, read_documents
    from ..ingest import article_from_text

    documents = read_documents(data_root(data))
    scorer = DescriptionScorer(taxonomy, encoder, {"slope": 1.0, "intercept": 0.0,
                                                   "narrative": 0.5, "subnarrative": 0.5})
    rows = []
    for name in dataset.names:
        article = article_from_text(documents[name], id=name)
        sentences = [(s.start, s.end) for s in split_sentences(article.text,
                                                                article.content_ranges())]
        passages = scorer.passages(article, sentences)
        cosines = (np.stack([p.features for p in passages]) @ scorer.vectors.T if passages
                   else np.zeros((1, len(scorer.labels))))
        rows.append(cosines.max(0))
    return scorer.labels, np.stack(rows)


def calibrate_zero_shot(data: str | None, taxonomy: Taxonomy, dataset: Dataset,
                        config: NarrativesConfig) -> dict:
    """Slope and intercept of the cosine-to-probability curve (one logistic fit over every
    article and label), and the thresholds; with the samples F1 they reach on these articles
    (in-sample: four numbers fitted on two hundred articles)."""
    from ..eval.narratives import label_sets, samples_f1
    from ..kb.encoder import SentenceEncoder

    encoder = SentenceEncoder()
    labels, cosines = zero_shot_cosines(data, taxonomy, dataset, encoder)
    y = targets(labels, dataset.coarse, dataset.fine)
    curve = fit_heads(cosines.reshape(-1, 1), y.reshape(-1, 1), c=1.0)
    slope = float(curve.weight[0, 0] / curve.scale[0])
    intercept = float(curve.bias[0] - curve.weight[0, 0] * curve.mean[0] / curve.scale[0])
    probabilities = 1.0 / (1.0 + np.exp(-(slope * cosines + intercept)))
    thresholds, _ = choose_thresholds(probabilities, labels, taxonomy, dataset.coarse,
                                      dataset.fine, config.other_share)
    sets = label_sets(probabilities, labels, taxonomy, thresholds)
    return {"encoder": encoder.version, "slope": round(slope, 4),
            "intercept": round(intercept, 4), NARRATIVE: thresholds[NARRATIVE],
            SUBNARRATIVE: thresholds[SUBNARRATIVE],
            "in_sample": {
                "coarse_f1_dev_share": round(samples_f1([c for c, _ in sets], dataset.coarse,
                                                        config.other_share), 4),
                "fine_f1_dev_share": round(samples_f1([f for _, f in sets], dataset.fine,
                                                      config.other_share), 4)}}

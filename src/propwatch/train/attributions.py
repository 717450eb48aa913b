"""Train the attribution tagger on PolNeAR train (``propwatch train attributions``).

One fold of the fixed by-article split (``eval.polnear.split_polnear``) is held out and scored
with the PolNeAR protocol; the model is trained on the other folds. With ``dims > 0`` the
tagger also reads the techniques encoder's hidden states, projected onto their first ``dims``
principal directions (fitted on the training tokens only)."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pycrfsuite

from ..attribution.model import AttributionTagger, Projection, token_states
from ..attribution.tagger import gold_tags, learn_cue_lexicon, paragraphs, token_features
from ..eval.attributions import evaluate_tagger
from ..eval.polnear import iter_polnear, split_polnear

Log = Callable[[str], None]
VERSION_PREFIX = "polnear-crf"


@dataclass(frozen=True)
class AttributionConfig:
    seed: int = 13
    folds: int = 5
    held_out: int = 0  # the fold scored; -1 trains on every article (nothing held out)
    dims: int = 64  # encoder dimensions read by the tagger; 0: lexical features only
    c1: float = 0.05
    c2: float = 0.01
    iterations: int = 150
    min_cue_count: int = 3
    o_threshold: float | None = 0.8  # posterior decoding (None: Viterbi); chosen on fold 0
    parse_sources: bool = True  # sources by dependency parse where the tagger found none
    limit: int | None = None  # train on the first N training articles only (smoke tests)


def train_attributions(data: str | None, out: Path, config: AttributionConfig = AttributionConfig(),
                       log: Log = lambda _: None) -> dict:
    """Train, write the model folder ``out`` (meta.json, tagger.crfsuite, projection.npz) and
    return the held-out figures."""
    began = time.perf_counter()
    items = list(iter_polnear(data))
    if config.held_out < 0:
        train, held = items, []
    else:
        train, held = split_polnear(items, folds=config.folds, held_out=config.held_out)
    if config.limit:
        train = train[:config.limit]
    log(f"{len(train)} training articles, {len(held)} held out")
    encoder = None
    states: dict[str, list[np.ndarray]] = {}
    if config.dims:
        from ..detect import get_detector

        encoder = get_detector("transformer")
        for g in train + held:
            encoded = encoder.encode(g.article, tag=False)
            states[g.article.id] = token_states(
                paragraphs(g.article.text, g.article.content_ranges()), encoded.windows,
                encoded.hidden)
        log(f"encoded {len(states)} articles in {time.perf_counter() - began:.0f} s")
    projection = None
    if config.dims:
        projection = Projection.fit(np.concatenate([m for g in train
                                                    for m in states[g.article.id]]),
                                    config.dims, seed=config.seed)
    cues = learn_cue_lexicon(((g.article.text, g.attributions) for g in train),
                             min_count=config.min_cue_count)
    trainer = pycrfsuite.Trainer(verbose=False)
    for g in train:
        found = paragraphs(g.article.text, g.article.content_ranges())
        for k, paragraph in enumerate(found):
            hidden = projection(states[g.article.id][k]) if projection else None
            trainer.append(token_features(paragraph, cues, hidden),
                           gold_tags(paragraph, g.attributions))
    trainer.set_params({"c1": config.c1, "c2": config.c2, "max_iterations": config.iterations,
                        "feature.possible_transitions": True})
    out.mkdir(parents=True, exist_ok=True)
    fit_began = time.perf_counter()
    trainer.train(str(out / "tagger.crfsuite"))
    log(f"CRF trained in {time.perf_counter() - fit_began:.0f} s")
    if projection is not None:
        np.savez(out / "projection.npz", mean=projection.mean, basis=projection.basis,
                 scale=projection.scale)
    version = f"{VERSION_PREFIX}-{'enc' + str(config.dims) if config.dims else 'lex'}-v1"
    meta = {"version": version, "encoder": encoder.version if encoder else None,
            "cue_lexicon": sorted(cues), "config": asdict(config),
            "decoding": {"o_threshold": config.o_threshold,
                         "parse_sources": config.parse_sources},
            "trained_on": f"PolNeAR train, {len(train)} articles"
                          + (f" (fold {config.held_out} of {config.folds} held out)" if held
                             else ""),
            "train_seconds": round(time.perf_counter() - began, 1)}
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    figures = evaluate_tagger(AttributionTagger(out), held, encoder) if held else {}
    meta["held_out"] = figures
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta

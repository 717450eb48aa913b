"""Choosing the transformer's decoding on PTC (``propwatch evaluate --tune``) and taking it
apart piece by piece (``propwatch benchmark ablation``). Both run the models once per article
and decode many times from what they gave."""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Callable, Iterable

import numpy as np

from ..detect import get_detector
from ..detect.labels import pick_labels
from ..detect.transformer import (Decoding, Encoded, blend_techniques, boost_repetition,
                                  occurs_earlier)
from ..doc import Article
from ..errors import UsageError
from ..techniques import LABELS
from .ptc import group_by_article, load_split
from .scores import PRF, score_si, score_tc

TUNING_GRID = {"tagger_weight": (0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
               "threshold": (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45),
               "keep_margin": (0.0, 0.05, 0.1, 0.15, 0.2),
               "merge_gap": (0, 4, 8, 12, 16),
               "bridge_floor": (None, 0.08, 0.1, 0.12, 0.15),
               # not a free choice: the partial-credit metric alone would join whole paragraphs;
               # 128 subwords keep a span to a passage of a sentence or two
               "max_span": (128,)}
TECHNIQUE_WEIGHTS = tuple(round(0.05 * k, 2) for k in range(21))
REPETITION_BOOSTS = (1.0, 2.0, 5.0, 10.0, 30.0, 100.0)
Progress = Callable[[int, int], None]


@dataclass
class DevPass:
    """A PTC split run once through the transformer detector."""

    detector: object
    articles: list[Article]
    encoded: dict[str, Encoded]
    gold_si: dict[str, list[tuple[int, int]]]
    gold_tc: list[tuple[str, int, int, str]]
    keys: list[tuple[str, int, int]]  # the gold TC spans, in gold_tc's order
    earlier: list[bool]  # per key: its phrase occurs earlier in the article

    @staticmethod
    def run(detector, split: str, data: str | None, pack: bool = True,
            progress: Progress | None = None) -> "DevPass":
        if not hasattr(detector, "decoding"):
            raise UsageError.make("E402", value=getattr(detector, "name", "?"),
                                  option="--detector",
                                  reason="--tune and the ablation take the transformer only")
        loaded = load_split(split, data)
        rows = group_by_article(loaded.labels)
        gold_si = {a: [(r.start, r.end) for r in article_rows] for a, article_rows in rows.items()}
        encoded, gold_tc = {}, []
        for n, article in enumerate(loaded.articles, 1):
            encoded[article.id] = detector.encode(article, pack)
            gold_tc += [(r.article_id, r.start, r.end, r.technique)
                        for r in rows.get(article.id, [])]
            if progress:
                progress(n, len(loaded.articles))
        lower = {a.id: a.text.lower() for a in loaded.articles}
        return DevPass(detector, loaded.articles, encoded, gold_si, gold_tc,
                       [g[:3] for g in gold_tc],
                       [occurs_earlier(lower[a], s, e) for a, s, e, _ in gold_tc])

    def spans(self, decoding: Decoding, ids: set[str] | None = None) -> dict[str, list]:
        return {a.id: [(s, e) for s, e, _, _ in self.detector.find_spans(
                    a, encoded=self.encoded[a.id], decoding=decoding)]
                for a in self.articles if ids is None or a.id in ids}

    def si(self, spans: dict[str, list], ids: set[str] | None = None) -> PRF:
        return score_si(predicted={a: v for a, v in spans.items() if ids is None or a in ids},
                        gold={a: v for a, v in self.gold_si.items() if ids is None or a in ids})

    def technique_sources(self, repetition: bool = True) -> tuple[np.ndarray, np.ndarray]:
        own, other = [], []
        for article in self.articles:
            spans = [k[1:] for k in self.keys if k[0] == article.id]
            if spans:
                a, b = self.detector.technique_sources(article, self.encoded[article.id], spans,
                                                       repetition=repetition)
                own.append(a)
                other.append(b)
        return np.concatenate(own), np.concatenate(other)

    def techniques(self, own: np.ndarray, other: np.ndarray, weight: float,
                   boost: float) -> np.ndarray:
        """What the detector's technique_probs gives for the gold spans at these settings."""
        return boost_repetition(blend_techniques(own, other, weight), self.earlier, boost)

    def tc_score(self, probs: np.ndarray, ids: set[str] | None = None):
        """TC scores of the likeliest techniques (``probs`` rows follow ``keys``)."""
        by_article: dict[str, list[int]] = defaultdict(list)
        for k, key in enumerate(self.keys):
            if ids is None or key[0] in ids:
                by_article[key[0]].append(k)
        predicted = []
        for idx in by_article.values():
            labels = pick_labels([self.keys[k][1:] for k in idx], probs[idx], LABELS)
            predicted += [(*self.keys[k], label) for k, label in zip(idx, labels)]
        gold = [g for g in self.gold_tc if ids is None or g[0] in ids]
        return score_tc(predicted=predicted, gold=gold)

    def tc(self, probs: np.ndarray, ids: set[str] | None = None) -> float:
        return self.tc_score(probs, ids).micro.f1


def _grid(base: Decoding, **values: Iterable) -> list[Decoding]:
    names = list(values)
    return [replace(base, **dict(zip(names, combo)))
            for combo in itertools.product(*(values[n] for n in names))]


def tune_decoding(*, split: str = "dev", data: str | None = None, detector=None,
                  seed: int = 0, progress: Progress | None = None) -> dict:
    """Choose the transformer's :class:`Decoding` on a PTC split: every SI setting of
    TUNING_GRID and every technique weight. Also an honest estimate of what the choice is worth
    on unseen articles: split the articles in two halves, choose on one, score the other, both
    ways round (cross-fitted)."""
    detector = detector or get_detector("transformer")
    run = DevPass.run(detector, split, data, progress=progress)
    candidates = _grid(detector.decoding, **TUNING_GRID)
    spans = [run.spans(d) for d in candidates]
    own, other = run.technique_sources()

    def best_si(ids: set[str] | None) -> int:
        return max(range(len(candidates)), key=lambda i: run.si(spans[i], ids).f1)

    technique_settings = list(itertools.product(TECHNIQUE_WEIGHTS, REPETITION_BOOSTS))

    def best_techniques(ids: set[str] | None) -> tuple[float, float]:
        return max(technique_settings, key=lambda wb: run.tc(run.techniques(own, other, *wb), ids))

    order = sorted(a.id for a in run.articles)
    random.Random(seed).shuffle(order)
    halves = [set(order[0::2]), set(order[1::2])]
    crossed_spans: dict[str, list] = {}
    crossed_correct = 0.0
    for choose, score in ((0, 1), (1, 0)):
        crossed_spans.update({a: v for a, v in spans[best_si(halves[choose])].items()
                              if a in halves[score]})
        weight, boost = best_techniques(halves[choose])
        gold_rows = sum(1 for g in run.gold_tc if g[0] in halves[score])
        # one prediction per gold row: micro-F1 is accuracy, so halves add by their rows
        crossed_correct += run.tc(run.techniques(own, other, weight, boost), halves[score]) * gold_rows
    chosen_si, (chosen_weight, chosen_boost) = best_si(None), best_techniques(None)
    decoding = replace(candidates[chosen_si], technique_weight=chosen_weight,
                       repetition_boost=chosen_boost)
    si = run.si(spans[chosen_si])
    return {"detector": detector.version, "split": split, "settings_tried": len(candidates),
            "decoding": {k: getattr(decoding, k)
                         for k in (*TUNING_GRID, "technique_weight", "repetition_boost")},
            "si": {"precision": round(si.precision, 4), "recall": round(si.recall, 4),
                   "f1": round(si.f1, 4)},
            "tc_micro_f1": round(run.tc(run.techniques(own, other, chosen_weight, chosen_boost)), 4),
            "crossfit": {"si_f1": round(run.si(crossed_spans).f1, 4),
                         "tc_micro_f1": round(crossed_correct / len(run.gold_tc), 4)}}


def bio_viterbi_spans(article: Article, encoded: Encoded) -> list[tuple[int, int]]:
    """Spans from MiniLM's most likely BIO path with I never following O (a constrained
    decoder), for comparison with threshold decoding."""
    from ..detect.tokens import trim

    log_allowed = np.log(np.array([[1, 1, 0], [1, 1, 1], [1, 1, 1]], dtype=float) + 1e-12)
    found = []
    for window, bio in zip(encoded.windows, encoded.bio):
        emit = np.log(bio + 1e-9)
        n = len(emit)
        score = emit[0] + np.log([1, 1, 1e-12])
        back = np.zeros((n, 3), dtype=int)
        for k in range(1, n):
            total = score[:, None] + log_allowed
            back[k] = total.argmax(0)
            score = total.max(0) + emit[k]
        path = [int(score.argmax())]
        for k in range(n - 1, 0, -1):
            path.append(int(back[k][path[-1]]))
        path.reverse()
        k = 0
        while k < n:
            if path[k] == 1 or (path[k] == 2 and (k == 0 or path[k - 1] == 0)):
                j = k + 1
                while j < n and path[j] == 2:
                    j += 1
                s, e = trim(article.text, window.offsets[k][0], window.offsets[j - 1][1])
                if e > s:
                    found.append((s, e))
                k = j
            else:
                k += 1
    return found


def transformer_ablation(*, split: str = "dev", data: str | None = None, detector=None,
                         progress: Progress | None = None) -> list[dict]:
    """What each piece of the transformer detector adds, on a PTC split. SI rows that leave a
    piece out choose their remaining settings on the split the way ``--tune`` does; the shipped
    row uses the shipped decoding."""
    detector = detector or get_detector("transformer")
    shipped = detector.decoding
    run = DevPass.run(detector, split, data, progress=progress)
    thresholds = TUNING_GRID["threshold"]
    alone = replace(shipped, tagger_weight=1.0, keep_margin=0.0, merge_gap=0, bridge_floor=None)

    def best(candidates: list[Decoding]) -> tuple[PRF, Decoding]:
        scored = [(run.si(run.spans(d)), d) for d in candidates]
        return max(scored, key=lambda pair: pair[0].f1)

    rows = []

    def add(task: str, variant: str, prf: PRF | None = None, tc: float | None = None,
            setting: str = "") -> None:
        row = {"task": task, "variant": variant, "setting": setting}
        if prf is not None:
            row.update(precision=round(prf.precision, 4), recall=round(prf.recall, 4),
                       f1=round(prf.f1, 4))
        if tc is not None:
            row["f1"] = round(tc, 4)
        rows.append(row)

    def joins(d: Decoding) -> str:
        return f"margin {d.keep_margin}, gap {d.merge_gap}, bridge {d.bridge_floor}"

    viterbi = {a.id: bio_viterbi_spans(a, run.encoded[a.id]) for a in run.articles}
    add("SI", "MiniLM BIO tagger, constrained Viterbi path", run.si(viterbi))
    prf, d = best(_grid(alone, threshold=thresholds))
    add("SI", "MiniLM tagger, runs above a threshold", prf, setting=f"threshold {d.threshold}")
    prf, d = best(_grid(alone, threshold=thresholds, merge_gap=TUNING_GRID["merge_gap"]))
    add("SI", "+ runs joined across small gaps", prf,
        setting=f"threshold {d.threshold}, gap {d.merge_gap}")
    prf, d = best(_grid(alone, threshold=thresholds, keep_margin=TUNING_GRID["keep_margin"],
                        merge_gap=TUNING_GRID["merge_gap"]))
    add("SI", "+ weak runs dropped (peak under threshold + margin)", prf,
        setting=f"threshold {d.threshold}, margin {d.keep_margin}, gap {d.merge_gap}")
    prf, d = best(_grid(alone, **{k: v for k, v in TUNING_GRID.items() if k != "tagger_weight"}))
    add("SI", "+ runs bridged across warm gaps (mean over bridge floor)", prf,
        setting=f"threshold {d.threshold}, {joins(d)}")
    add("SI", "+ blended with the baseline CRF marginals (shipped)", run.si(run.spans(shipped)),
        setting=f"MiniLM weight {shipped.tagger_weight}, threshold {shipped.threshold}, "
                f"{joins(shipped)}, max span {shipped.max_span}")
    prf, d = best(_grid(shipped, **{k: v for k, v in TUNING_GRID.items() if k != "bridge_floor"},
                        bridge_floor=(None,)))
    add("SI", "shipped without bridging (re-tuned)", prf,
        setting=f"MiniLM weight {d.tagger_weight}, threshold {d.threshold}, {joins(d)}")
    prf, d = best(_grid(replace(shipped, tagger_weight=0.0), threshold=thresholds))
    add("SI", "baseline CRF alone, same decoding", prf, setting=f"threshold {d.threshold}")

    own, other = run.technique_sources()
    weight, boost = shipped.technique_weight, shipped.repetition_boost
    add("TC", "MiniLM span head alone", tc=run.tc(own))
    add("TC", "baseline classifier alone", tc=run.tc(other))
    add("TC", "blend of the two", tc=run.tc(blend_techniques(own, other, weight)),
        setting=f"MiniLM weight {weight}")
    shipped_tc = run.techniques(own, other, weight, boost)
    add("TC", "+ earlier-occurrence rule for Repetition (shipped)", tc=run.tc(shipped_tc),
        setting=f"boost {boost}; Repetition F1 {_class_f1(run, shipped_tc, 'Repetition'):.3f}")
    own_r, other_r = run.technique_sources(repetition=False)
    no_repetition = blend_techniques(own_r, other_r, weight)
    add("TC", "shipped without any repetition signal (features, rule)", tc=run.tc(no_repetition),
        setting=f"Repetition F1 {_class_f1(run, no_repetition, 'Repetition'):.3f}")

    flat = DevPass.run(detector, split, data, pack=False)
    add("SI", "shipped, one sentence per window (no context)", flat.si(flat.spans(shipped)))
    own_f, other_f = flat.technique_sources()
    add("TC", "shipped, one sentence per window (no context)",
        tc=flat.tc(flat.techniques(own_f, other_f, weight, boost)))
    return rows


def _class_f1(run: DevPass, probs: np.ndarray, technique: str) -> float:
    score = run.tc_score(probs).per_technique.get(technique)
    return score.f1 if score else 0.0

"""``propwatch evaluate`` and ``propwatch classify``: the detectors on the PTC tasks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from ..errors import PropwatchError, UsageError
from .common import err, fail, progress_bar
from .common import settings_or_exit as _settings


def classify(
    articles_dir: Path = typer.Argument(..., help="Folder of article<ID>.txt files."),
    spans: Path = typer.Option(..., "--spans", help="Template TSV: id<TAB>?<TAB>start<TAB>end."),
    out: Path = typer.Option(..., "--out", "-o", help="Where to write the filled-in TSV."),
    detector: Optional[str] = typer.Option(None, "--detector", "-d"),
) -> None:
    """The TC task: name the technique of each given span."""
    from ..detect import get_detector
    from ..eval.detectors import classify_template
    from ..eval.ptc import format_row

    settings = _settings(detector=detector)
    if not articles_dir.is_dir():
        fail(UsageError.make("E402", value=str(articles_dir), option="ARTICLES_DIR",
                              reason="not a folder"))
    try:
        rows = classify_template(articles_dir, spans,
                                 detector=get_detector(settings.detector))
    except PropwatchError as exc:
        fail(exc)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(format_row(r) + "\n" for r in rows), encoding="utf-8")
    err.print(f"wrote {len(rows)} rows to {out}")


def evaluate(
    task: str = typer.Argument("techniques", help="techniques (PTC SI and TC), attributions (PolNeAR, the held-out fold), matching (CheckThat! claim retrieval; --split 2020-dev, 2020-train, 2021-2a-train or 2021-2a-dev), narratives (SemEval-2025 subtask 2, 5 folds of English train) or roles (SemEval-2025 subtask 1 entity framing, 5 folds of English train)."),
    data: Optional[str] = typer.Option(None, "--data", help="Folder holding ptc/ or polnear/ (default: PROPWATCH_DATA)."),
    split: str = typer.Option("dev", "--split", help="train or dev."),
    detector: Optional[str] = typer.Option(None, "--detector", "-d"),
    threshold: Optional[float] = typer.Option(None, "--threshold"),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
    sweep: bool = typer.Option(False, "--sweep", help="Print SI precision/recall/F1 at span thresholds 0.1 to 0.8 instead."),
    calibrate: bool = typer.Option(False, "--calibrate", help="Measure the calibration of span scores (ECE) instead."),
    tune: bool = typer.Option(False, "--tune", help="Choose the transformer's decoding (blend weights, thresholds, merge gap) on the split instead."),
    model_dir: Optional[Path] = typer.Option(None, "--model-dir", help="With 'attributions': the model folder to score (default: the shipped one)."),
    gold: Optional[Path] = typer.Option(None, "--gold", help="With 'attributions': score on a hand-marked gold file (tests/fixtures/attributions/gold.txt shows the format) instead of PolNeAR, source types and speakers included."),
    write: Optional[Path] = typer.Option(None, "--write", metavar="DIR", help="With --calibrate or --tune: copy the detector's model folder to DIR with the result in its meta.json (the installed package is never changed); use it with [component.techniques] model_dir = DIR."),
) -> None:
    """Score detectors on PTC: SI precision/recall/F1, TC micro-F1 and per-technique F1.
    Without --detector, every registered detector is scored. 'propwatch evaluate attributions'
    scores the attribution tagger on the PolNeAR fold it was not trained on."""
    if task == "attributions":
        if gold is not None:
            _evaluate_marked(gold, as_json, model_dir=model_dir)
        else:
            _evaluate_attributions(data, as_json, model_dir=model_dir)
        return
    if task == "narratives":
        _evaluate_narratives(data, as_json)
        return
    if task == "roles":
        _evaluate_roles(data, as_json)
        return
    if task == "matching":
        _evaluate_matching(data, "2020-dev" if split == "dev" else split, as_json)
        return
    if task != "techniques":
        fail(UsageError.make("E402", value=task, option="TASK",
                              reason="choose techniques, attributions, matching, narratives "
                                     "or roles"))
    from ..detect import REGISTRY, get_detector
    from ..eval.detectors import evaluate_detector

    names = [detector] if detector else sorted(REGISTRY)
    results = []
    for name in names:
        settings = _settings(detector=name, threshold=threshold, data=data)
        try:
            model = get_detector(settings.detector, threshold=settings.threshold)
        except PropwatchError as exc:
            if detector:
                fail(exc, 2)
            err.print(f"skipped {name}: {exc}", markup=False)
            continue
        if tune:
            from ..eval.tuning import tune_decoding
            try:
                figures = tune_decoding(split=split, data=settings.data, detector=model)
            except PropwatchError as exc:
                fail(exc, 2)
            typer.echo(json.dumps(figures, indent=2))
            if write:
                meta_path = _copy_model(model.model_dir, write)
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
                for superseded in ("merge_gap", "threshold"):  # the decoding holds them now
                    meta.pop(superseded, None)
                meta["decoding"] = figures["decoding"]
                meta["selection"] = (f"decoding chosen on PTC {split} (propwatch evaluate "
                                     f"--detector transformer --tune): SI F1 {figures['si']['f1']}, "
                                     f"TC {figures['tc_micro_f1']}; cross-fitted over two halves "
                                     f"SI {figures['crossfit']['si_f1']}, "
                                     f"TC {figures['crossfit']['tc_micro_f1']}")
                meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
                err.print(f"wrote the decoding into {meta_path}")
            continue
        if calibrate:
            from ..eval.detectors import span_calibration
            figures = span_calibration(split=split, data=settings.data, detector=model)
            shown = {k: v for k, v in figures.items() if k != "calibration"}
            typer.echo(json.dumps(shown, indent=2))
            if write:
                meta_path = _copy_model(model.model_dir, write)
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
                meta["calibration_ece"] = {k: figures[k] for k in ("ece_raw", "ece_calibrated_crossfit")}
                if figures["ece_calibrated_crossfit"] < figures["ece_raw"]:
                    meta["calibration"] = figures["calibration"]
                    err.print(f"wrote the calibration into {meta_path}")
                else:  # the map does not carry over to unseen articles: keep the raw scores
                    meta.pop("calibration", None)
                    err.print(f"raw scores are better calibrated than a fitted map would be on "
                              f"unseen articles: no map stored in {meta_path}")
                meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
            continue
        if sweep:
            from ..eval.detectors import threshold_table
            rows = threshold_table(split=split, data=settings.data, detector=model)
            table = Table("threshold", "SI precision", "SI recall", "SI F1", "spans",
                          title=f"{model.version} on PTC {split}")
            for row in rows:
                table.add_row(*(str(row[k]) for k in ("threshold", "precision", "recall", "f1", "spans")))
            Console(highlight=False).print(table)
            continue
        try:
            with progress_bar(2) as progress:
                task = progress.add_task(f"evaluating {name} on {split}", total=None)
                results.append(evaluate_detector(
                    split=split, data=settings.data, detector=model,
                    progress=lambda n, total: progress.update(task, completed=n, total=total)))
        except PropwatchError as exc:
            fail(exc, 2)
    if sweep or calibrate or tune:
        return
    if as_json:
        data_out = [_evaluation_dict(r) for r in results]
        typer.echo(json.dumps(data_out[0] if detector else data_out, indent=2))
        return
    console = Console(highlight=False)
    for result in results:
        console.print(f"[bold]{result.detector}[/] on PTC {result.split} "
                      f"({result.articles} articles, {result.seconds} s)")
        console.print(f"SI  precision {result.si.precision:.4f}  recall {result.si.recall:.4f}  "
                      f"F1 {result.si.f1:.4f}")
        console.print(f"TC  micro-F1 {result.tc.micro.f1:.4f}")
        console.print(f"spans that begin or end inside a word: {result.cut_spans}")
        table = Table("gold", "P", "R", "F1")
        table.add_column("technique", no_wrap=True)
        for label, prf in sorted(result.tc.per_technique.items()):
            table.add_row(str(prf.support), f"{prf.precision:.3f}", f"{prf.recall:.3f}",
                          f"{prf.f1:.3f}", label)
        console.print(table)


def _copy_model(model_dir: Path, out: Path) -> Path:
    """Copy a model folder to ``out`` (never onto itself) and return the copy's meta.json."""
    import shutil

    if out.resolve() == Path(model_dir).resolve():
        fail(UsageError.make("E402", value=str(out), option="--write",
                              reason="that is the model's own folder; give a new one"))
    try:
        shutil.copytree(model_dir, out, dirs_exist_ok=True)
    except OSError as exc:
        fail(UsageError.make("E403", path=out, reason=exc.strerror or str(exc)))
    return out / "meta.json"


def _evaluation_dict(result) -> dict:
    return {
        "detector": result.detector, "split": result.split, "articles": result.articles,
        "si": {"precision": result.si.precision, "recall": result.si.recall, "f1": result.si.f1},
        "tc": {"micro_f1": result.tc.micro.f1,
               "per_technique": {k: {"precision": v.precision, "recall": v.recall,
                                     "f1": v.f1, "support": v.support}
                                 for k, v in result.tc.per_technique.items()}},
        "cut_spans": result.cut_spans,
        "seconds": result.seconds,
    }


def _evaluate_narratives(data: Optional[str], as_json: bool) -> None:
    """SemEval-2025 subtask 2 samples F1 on 5 article-disjoint folds of English train."""
    from ..detect import get_detector
    from ..eval.narratives import cross_validate, load_dataset

    settings = _settings(data=data)
    try:
        dataset = load_dataset(settings.data, get_detector("transformer"))
    except PropwatchError as exc:
        fail(exc, 2)
    figures = cross_validate(dataset, seeds=(13, 7, 21))
    if as_json:
        typer.echo(json.dumps(figures, indent=2))
        return
    base = figures["baseline_other"]
    typer.echo(f"narratives: {figures['articles']} English train articles, {figures['folds']} "
               f"article-disjoint folds dealt with seeds {figures['seeds']} (mean), thresholds "
               "chosen on the other folds")
    typer.echo(f"{'samples F1':<40}{'coarse':>8}{'fine':>8}")
    for name, key, share in (("as measured", "", figures["other_share_train"]),
                             ("at the dev set's share of Other", "_dev_share",
                              figures["other_share_dev"])):
        typer.echo(f"{name + f' ({share:.2f})':<40}{figures['coarse_f1' + key]:>8.4f}"
                   f"{figures['fine_f1' + key]:>8.4f}")
        typer.echo(f"{'  every article Other':<40}{base['coarse_f1' + key]:>8.4f}"
                   f"{base['fine_f1' + key]:>8.4f}")


def _evaluate_roles(data: Optional[str], as_json: bool) -> None:
    """Entity framing by article-disjoint 5-fold CV on SemEval-2025 English train."""
    from ..eval.roles import evaluate_roles

    settings = _settings(data=data)
    try:
        report = evaluate_roles(settings.data)
    except PropwatchError as exc:
        fail(exc)
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    table = Table(title=f"Entity framing, {report['data']}: {report['folds']}-fold CV over "
                        f"{report['articles']} articles, {report['mentions']} mentions "
                        "(dev-weighted: held-out mentions weighted to 80% Antagonist)")
    for column in ("system", "exact match", "main-role accuracy", "fine micro F1"):
        table.add_column(column, justify="left" if column == "system" else "right")
    for name, row in report["figures"].items():
        table.add_row(name, f"{row['exact_match']:.3f}", f"{row['main_accuracy']:.3f}",
                      f"{row['fine_micro_f1']:.3f}")
    Console().print(table)


def _evaluate_matching(data: Optional[str], split: str, as_json: bool) -> None:
    """CheckThat! figures of the shipped matcher, beside BM25 alone and cosine alone."""
    from ..eval.matching import evaluate_matching, load_task

    settings = _settings(data=data)
    try:
        task = load_task(split, settings.data)
        with progress_bar(2) as progress:
            progress.add_task(f"ranking claims for {len(task.queries)} queries ({split})",
                              total=None)
            figures = evaluate_matching(task)
    except PropwatchError as exc:
        fail(exc, 2)
    if as_json:
        typer.echo(json.dumps(figures, indent=2))
        return
    keys = ("map@1", "map@3", "map@5", "mrr", "recall@5", "recall@10")
    table = Table("ranker", *keys, title=f"CheckThat! {split}: {figures['reranked']['queries']} "
                  f"queries against {figures['claims']} claims")
    for name in ("bm25", "cosine", "reranked"):
        table.add_row(name, *(str(figures[name][k]) for k in keys))
    Console(highlight=False).print(table)


def _evaluate_attributions(data: Optional[str], as_json: bool, model_dir: Optional[Path]) -> None:
    """PolNeAR-protocol figures of the attribution tagger on its held-out fold."""
    from ..attribution.model import AttributionTagger
    from ..eval.attributions import evaluate_tagger
    from ..eval.polnear import iter_polnear, split_polnear

    settings = _settings(data=data)
    try:
        tagger = AttributionTagger(model_dir)
        config = tagger.meta.get("config", {})
        if config.get("held_out", 0) < 0:
            fail(UsageError.make("E402", value=tagger.version, option="the attribution model",
                                 reason="it was trained on every PolNeAR article, so none is "
                                        "held out to score it on"))
        _, held = split_polnear(list(iter_polnear(settings.data)),
                                folds=config.get("folds", 5), held_out=config.get("held_out", 0))
        with progress_bar(2) as progress:
            progress.add_task(f"tagging {len(held)} held-out PolNeAR articles", total=None)
            figures = evaluate_tagger(tagger, held)
    except PropwatchError as exc:
        fail(exc, 2)
    figures = {"model": tagger.version, **figures}
    if as_json:
        typer.echo(json.dumps(figures, indent=2))
        return
    table = Table("overlap", "gold", "predicted", "P", "R", "F1", "source acc.", "cue acc.",
                  title=f"{tagger.version} on {figures['articles']} held-out PolNeAR articles")
    for row in figures["attributions"]:
        table.add_row(*(str(row[k]) for k in ("threshold", "gold", "predicted", "precision",
                                               "recall", "f1", "source_accuracy",
                                               "cue_accuracy")))
    console = Console(highlight=False)
    console.print(table)
    for role, row in figures["tokens"].items():
        console.print(f"token F1 {role}: {row['f1']} (P {row['precision']}, R {row['recall']})")


def _evaluate_marked(gold: Path, as_json: bool, model_dir: Optional[Path]) -> None:
    """The attributions component on a hand-marked gold file: spans, source types, speakers."""
    from ..doc import Article, Document
    from ..eval.attributions import read_marked, score_attributions, speaker_scores
    from ..pipeline import Shared, get_component
    from ..pipeline.registry import get_spec

    try:
        articles = read_marked(gold)
    except (OSError, ValueError) as exc:
        fail(UsageError.make("E402", value=str(gold), option="--gold", reason=str(exc)))
    try:
        config = {**get_spec("attributions").defaults, "model_dir": model_dir and str(model_dir)}
        component = get_spec("attributions").factory(config) if model_dir else \
            get_component("attributions")
    except PropwatchError as exc:
        fail(exc, 2)
    pairs = [(list(a.attributions), list(component(Document(Article(id=a.id, text=a.text), ()),
                                                   Shared()).items)) for a in articles]
    figures = {"model": component.version, "articles": len(articles),
               "attributions": [r.to_dict() for r in score_attributions(pairs)],
               "sources": speaker_scores(pairs)}
    if as_json:
        typer.echo(json.dumps(figures, indent=2))
        return
    console = Console(highlight=False)
    for row in figures["attributions"]:
        console.print(f"overlap {row['threshold']}: P {row['precision']} R {row['recall']} "
                      f"F1 {row['f1']}, source acc. {row['source_accuracy']} "
                      f"({row['gold']} gold, {row['predicted']} predicted)")
    sources = figures["sources"]
    console.print(f"source type accuracy {sources['type_accuracy']} on {sources['matched']} "
                  f"matched; speaker accuracy {sources['speaker_accuracy']} on {sources['named']} "
                  "named in the gold")

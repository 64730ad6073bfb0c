"""One run of a study, by kind: contrastive + probe, supervised, or pre-training then fine-tuning.

:func:`run_one` parses the loss name and dispatches to one function per kind
(:data:`RUN_KINDS`). Each kind trains (phase ``stage1``), produces validation and test
scores and the test features (``probe`` for the contrastive kind), then the shared
:func:`finish_run` computes the metrics (``evaluation``) and the geometry
(``representation``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from ..metrics import classification_metrics, tune_thresholds
from .batching import encode
from .config import TrainConfig
from .contrastive import train_contrastive
from .device import seed_everything
from .loop import StageData
from .loss_spec import LossSpec, parse_loss_spec
from .prepared import PreparedData
from .probe import fit_linear_probe
from .representation import representation_metrics
from .supervised import train_supervised
from .timings import Timings

__all__ = [
    "RUN_KINDS",
    "RunContext",
    "RunResult",
    "Scored",
    "finish_run",
    "run_contrastive",
    "run_finetuned",
    "run_one",
    "run_supervised",
]


@dataclass
class RunResult:
    """Everything one (loss, seed) run produced."""

    loss: str
    kind: str
    seed: int
    metrics: dict[str, float]
    history: pd.DataFrame
    test_features: np.ndarray       # (N_test, h) frozen encoder features
    test_scores: np.ndarray         # (N_test, L) probabilities
    seconds: float
    extra: dict[str, object] = field(default_factory=dict)
    model: torch.nn.Module | None = None  # stage-1 model (contrastive) or the whole model (supervised)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase of this run


@dataclass
class Scored:
    """What a trained run hands to the evaluation: scores (N, L) of the validation and
    test rows, the test features (N_test, h), the model, the history and run extras."""

    val_scores: torch.Tensor
    test_scores: torch.Tensor
    test_features: torch.Tensor
    model: torch.nn.Module
    history: pd.DataFrame
    extra: dict[str, object] = field(default_factory=dict)


@dataclass
class RunContext:
    """What every kind of run reads: the study's data, the configuration, the run's seed
    with its data-order generator, the phase timer and whether to show progress bars."""

    data: PreparedData
    config: TrainConfig
    seed: int
    generator: torch.Generator
    timings: Timings
    progress: bool = True

    def stage_data(self) -> StageData:
        """The training and validation sources of a stage, with the run's data order."""
        return StageData(self.data.part("train"), self.data.part("val"), self.generator)


def run_contrastive(run: RunContext, spec: LossSpec) -> Scored:
    """Stage 1 with the contrastive loss, then the linear probe on frozen encoder features."""
    data = run.data
    with run.timings.phase("stage1"):
        model, history = train_contrastive(spec.pretrain, run.stage_data(), run.config, run.progress)
    with run.timings.phase("probe"):
        feats = {k: encode(model.encoder, data.part(k)) for k in ("train", "val", "test")}
        probe = fit_linear_probe(feats["train"], data.label_tensor("train"), feats["val"], data.label_tensor("val"),
                                 run.config.probe, seed=run.seed)
        scores = probe.probe.predict_proba(feats["test"])
        val_scores = probe.probe.predict_proba(feats["val"])
    return Scored(val_scores, scores, feats["test"], model, history.assign(stage="contrastive"),
                  {"probe_chosen": probe.chosen.tolist()})


def _scored_supervised(run: RunContext, model: torch.nn.Module, history: pd.DataFrame) -> Scored:
    """Validation/test scores and test features of an end-to-end model (phase ``evaluation``)."""
    with run.timings.phase("evaluation"):
        # one encoder pass over the test set: the classifier reads the same (1024-row) batches
        # of features it would see inside model(x), so the scores are the same numbers
        features = encode(model.encoder, run.data.part("test"))
        scores = torch.sigmoid(encode(model.classifier, features))
        val_scores = torch.sigmoid(encode(model, run.data.part("val")))
    best = int(history.loc[history["best"], "epoch"].iloc[0])
    return Scored(val_scores, scores, features, model, history, {"best_epoch": best})


def run_supervised(run: RunContext, spec: LossSpec) -> Scored:
    """The supervised loss end to end; the best validation epoch is kept."""
    with run.timings.phase("stage1"):
        model, history = train_supervised(spec.supervised, run.stage_data(), run.config, run.progress)
    return _scored_supervised(run, model, history)


def run_finetuned(run: RunContext, spec: LossSpec) -> Scored:
    """Contrastive pre-training, then the pre-trained encoder fine-tuned end to end with the
    supervised loss (paper 2's variant); the history holds both stages."""
    with run.timings.phase("stage1"):
        pretrained, pre_history = train_contrastive(spec.pretrain, run.stage_data(), run.config, run.progress)
        model, history = train_supervised(spec.supervised, run.stage_data(), run.config, run.progress,
                                          init_encoder=pretrained.encoder)
    scored = _scored_supervised(run, model, history)
    scored.history = pd.concat([pre_history.assign(stage="contrastive"), history.assign(stage="finetune")],
                               ignore_index=True)
    return scored


#: One function per kind of run (``LossSpec.kind``).
RUN_KINDS: dict[str, Callable[[RunContext, LossSpec], Scored]] = {
    "contrastive": run_contrastive, "supervised": run_supervised, "finetuned": run_finetuned}


def finish_run(run: RunContext, scored: Scored, geometry: bool
               ) -> tuple[dict[str, float], dict[str, object], np.ndarray, np.ndarray]:
    """Metrics of the test scores (threshold fixed, or tuned per label on validation),
    and the geometry of the test features; returns (metrics, extra, scores, features)."""
    data, config, timings, seed = run.data, run.config, run.timings, run.seed
    extra = dict(scored.extra)
    y_test = data.labels_of("test")
    with timings.phase("evaluation"):
        scores_np = scored.test_scores.cpu().numpy().astype(np.float64)
        threshold: float | np.ndarray = config.probe.threshold
        if config.probe.per_label_thresholds:
            threshold = tune_thresholds(data.labels_of("val"), scored.val_scores.cpu().numpy().astype(np.float64),
                                        default=config.probe.threshold)
            extra["thresholds"] = threshold.tolist()
        metrics = classification_metrics(y_test, scores_np, threshold=threshold)
        features_np = scored.test_features.cpu().numpy()
    if geometry:
        with timings.phase("representation"):
            extra["geometry"] = representation_metrics(features_np, y_test, seed=seed)
    return {k: float(v) for k, v in metrics.items()}, extra, scores_np, features_np


def run_one(data: PreparedData, loss_name: str, seed: int, config: TrainConfig, progress: bool = True,
            geometry: bool = True) -> RunResult:
    """Train and evaluate one run on the test split.

    * contrastive: stage 1, then the linear probe on frozen encoder features;
    * supervised: end to end, best validation epoch;
    * ``<contrastive>+<supervised>`` (e.g. ``reg+bce``): stage 1, then fine-tuning of the
      pre-trained encoder end to end with the supervised loss (paper 2's variant).

    With ``geometry`` the representation metrics of the test features are recorded in
    ``extra["geometry"]``. ``timings`` holds the seconds of every phase (the data's
    ``split``/``inputs`` included as recorded in ``data.timings``).
    """
    spec = parse_loss_spec(loss_name)
    start = time.perf_counter()
    generator = seed_everything(seed)
    timings = Timings(getattr(data.source, "device", None))
    timings.update(data.timings)
    run = RunContext(data, config, int(seed), generator, timings, progress)
    scored = RUN_KINDS[spec.kind](run, spec)
    metrics, extra, scores_np, features_np = finish_run(run, scored, geometry)
    return RunResult(loss_name, spec.kind, int(seed), metrics, scored.history, features_np, scores_np,
                     time.perf_counter() - start, extra, scored.model, timings.filled())

"""One study: a dataset x losses x seeds, each run trained, probed and evaluated.

This is the function the study notebook calls; every number in a report comes from here.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from ..data import MultiLabelDataset, Split, encoder_inputs, split_indices, training_subset
from ..metrics import classification_metrics, tune_thresholds
from .batching import encode
from .config import TrainConfig
from .contrastive import train_contrastive
from ..runtime import environment_info, resolve_device
from .device import seed_everything
from .loss_spec import parse_loss_spec
from .probe import fit_linear_probe
from .representation import representation_metrics
from .supervised import train_supervised

__all__ = ["RunResult", "StudyResult", "prepare_inputs", "run_one", "run_study", "environment_info"]


@dataclass
class PreparedData:
    """Encoder inputs and labels on the device, with the split they were cut by."""

    x: torch.Tensor
    y: torch.Tensor
    split: Split
    train: np.ndarray  # training indices actually used (after the fraction)


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
class StudyResult:
    """All runs of a study, with tidy tables."""

    dataset: str
    runs: list[RunResult]
    test_labels: np.ndarray
    label_names: list[str]
    input_shape: tuple[int, ...] = ()
    test_indices: np.ndarray | None = None

    @property
    def results(self) -> pd.DataFrame:
        """One row per loss x seed: loss, kind, seed, seconds, then every metric."""
        rows = [{"loss": r.loss, "kind": r.kind, "seed": r.seed, "seconds": r.seconds, **r.metrics} for r in self.runs]
        return pd.DataFrame(rows)

    @property
    def histories(self) -> pd.DataFrame:
        """Per-epoch history of every run, with loss and seed columns."""
        frames = [r.history.assign(loss=r.loss, seed=r.seed) for r in self.runs]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def prepare_inputs(
    dataset: MultiLabelDataset,
    device: torch.device,
    split_seed: int = 0,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
    train_fraction: float = 1.0,
    cache_dir: str | None = None,
) -> PreparedData:
    """Encoder inputs and labels as device tensors, split and (optionally) sub-sampled.

    Vector inputs (features, sentence embeddings) are standardised with the training
    set's mean and standard deviation (constant features get std 1).
    """
    x = np.asarray(encoder_inputs(dataset, cache_dir=cache_dir), dtype=np.float32)
    split = split_indices(dataset.labels, val_fraction=val_fraction, test_fraction=test_fraction, seed=split_seed)
    train = split.train if train_fraction >= 1.0 else training_subset(split.train, dataset.labels, train_fraction, seed=split_seed)
    if x.ndim == 2:
        mean = x[train].mean(0)
        std = x[train].std(0)
        std[std < 1e-12] = 1.0
        x = (x - mean) / std
    return PreparedData(torch.from_numpy(x).to(device), torch.from_numpy(np.asarray(dataset.labels)).to(device), split, np.asarray(train))


def run_one(data: PreparedData, loss_name: str, seed: int, config: TrainConfig, progress: bool = True,
            geometry: bool = True) -> RunResult:
    """Train and evaluate one run on the test split.

    * contrastive: stage 1, then the linear probe on frozen encoder features;
    * supervised: end to end, best validation epoch;
    * ``<contrastive>+<supervised>`` (e.g. ``reg+bce``): stage 1, then fine-tuning of the
      pre-trained encoder end to end with the supervised loss (paper 2's variant).

    With ``geometry`` the representation metrics of the test features are recorded in
    ``extra["geometry"]``.
    """
    spec = parse_loss_spec(loss_name)
    start = time.perf_counter()
    generator = seed_everything(seed)
    tr, va, te = (torch.as_tensor(i, device=data.x.device) for i in (data.train, data.split.val, data.split.test))
    extra: dict[str, object] = {}
    model: torch.nn.Module
    if spec.pretrain is not None:
        model, history = train_contrastive(spec.pretrain, data.x[tr], data.y[tr], data.x[va], data.y[va], config, generator, progress)
        history = history.assign(stage="contrastive")
    if spec.kind == "contrastive":
        feats = {k: encode(model.encoder, data.x[idx]) for k, idx in (("train", tr), ("val", va), ("test", te))}
        probe = fit_linear_probe(feats["train"], data.y[tr], feats["val"], data.y[va], config.probe, seed=seed)
        scores = probe.probe.predict_proba(feats["test"])
        val_scores = probe.probe.predict_proba(feats["val"])
        test_features = feats["test"]
        extra["probe_chosen"] = probe.chosen.tolist()
    else:
        init = model.encoder if spec.kind == "finetuned" else None
        pre_history = history if spec.kind == "finetuned" else None
        model, history = train_supervised(spec.supervised, data.x[tr], data.y[tr], data.x[va], data.y[va], config,
                                          generator, progress, init_encoder=init)
        extra["best_epoch"] = int(history.loc[history["best"], "epoch"].iloc[0])
        if pre_history is not None:
            history = pd.concat([pre_history, history.assign(stage="finetune")], ignore_index=True)
        scores = torch.sigmoid(encode(model, data.x[te]))
        val_scores = torch.sigmoid(encode(model, data.x[va]))
        test_features = encode(model.encoder, data.x[te])
    y_test = data.y[te].cpu().numpy()
    scores_np = scores.cpu().numpy().astype(np.float64)
    threshold: float | np.ndarray = config.probe.threshold
    if config.probe.per_label_thresholds:
        threshold = tune_thresholds(data.y[va].cpu().numpy(), val_scores.cpu().numpy().astype(np.float64),
                                    default=config.probe.threshold)
        extra["thresholds"] = threshold.tolist()
    metrics = classification_metrics(y_test, scores_np, threshold=threshold)
    features_np = test_features.cpu().numpy()
    if geometry:
        extra["geometry"] = representation_metrics(features_np, y_test, seed=seed)
    return RunResult(loss_name, spec.kind, int(seed), {k: float(v) for k, v in metrics.items()}, history,
                     features_np, scores_np, time.perf_counter() - start, extra, model)


def run_study(
    dataset: MultiLabelDataset,
    losses: Sequence[str],
    seeds: Sequence[int],
    config: TrainConfig = TrainConfig(),
    split_seed: int = 0,
    train_fraction: float = 1.0,
    progress: bool = True,
    cache_dir: str | None = None,
    geometry: bool = True,
) -> StudyResult:
    """Run every loss with every seed on one split of ``dataset``.

    Unknown loss names are rejected before anything trains.
    """
    for name in losses:
        parse_loss_spec(name)  # rejects unknown names before anything trains
    if not losses or not seeds:
        raise ValueError("run_study needs at least one loss and one seed")
    device = resolve_device(config.device)
    data = prepare_inputs(dataset, device, split_seed=split_seed, train_fraction=train_fraction, cache_dir=cache_dir)
    runs = []
    jobs = [(name, seed) for name in losses for seed in seeds]
    from tqdm.auto import tqdm

    for name, seed in tqdm(jobs, desc=f"study on {dataset.name}", disable=not progress):
        runs.append(run_one(data, name, seed, config, progress=progress, geometry=geometry))
    te = data.split.test
    return StudyResult(dataset.name, runs, np.asarray(dataset.labels)[te], list(dataset.label_names),
                       tuple(data.x.shape[1:]), np.asarray(te))

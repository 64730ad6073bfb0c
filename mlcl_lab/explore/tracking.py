"""Contrastive training with per-epoch measurements: gradient shares and embedding geometry.

The run is :func:`mlcl_lab.train.train_contrastive` itself (same protocol, bit-identical
model); its ``on_epoch_end`` hook measures, every ``every`` epochs on the validation split,
the gradient shares of :func:`positive_repulsion_share` (embeddings z) and the
representation metrics of the frozen encoder features (paper.md §4, §8).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ..losses import loss_kind
from ..train.batching import encode
from ..train.config import TrainConfig
from ..train.contrastive import train_contrastive
from ..train.device import seed_everything
from ..train.loop import StageData
from ..train.models import ContrastiveModel
from ..train.representation import representation_metrics
from ..train.study import PreparedData
from .gradient_share import positive_repulsion_share

__all__ = ["TrackedRun", "train_tracked", "track_losses", "embed_split", "prototypes_of"]


@dataclass
class TrackedRun:
    """history: one row per measured epoch (epoch 0 = initialisation); model: the trained model."""

    loss: str
    history: pd.DataFrame
    model: ContrastiveModel


def _measure(model: ContrastiveModel, loss_name: str, hyper: dict, x: torch.Tensor, y: torch.Tensor,
             batch_size: int, gradients: bool, geometry: bool, seed: int) -> dict[str, float]:
    model.eval()
    row: dict[str, float] = {}
    with torch.no_grad():
        if gradients:
            z = model(x).float()
            protos = model.prototypes().float() if model.prototypes is not None else None
            row.update(positive_repulsion_share(z, y.float(), loss_name, prototypes=protos, batch_size=batch_size, **hyper))
        if geometry:
            feats = encode(model.encoder, x).cpu().numpy()
            row.update(representation_metrics(feats, y.cpu().numpy(), seed=seed))
    return row


def train_tracked(loss_name: str, data: PreparedData, config: TrainConfig, seed: int = 0, every: int = 1,
                  gradients: bool = True, geometry: bool = True, max_eval: int = 512) -> TrackedRun:
    """Train ``loss_name`` on ``data.train`` exactly as the study does (same seed, same model);
    measure on the first ``max_eval`` validation samples at initialisation (epoch 0), every
    ``every`` epochs and at the last epoch. The history keeps only the measured epochs."""
    if every < 1 or max_eval < 2:
        raise ValueError(f"need every >= 1 and max_eval >= 2, got every={every}, max_eval={max_eval}")
    if loss_kind(loss_name) != "contrastive":
        raise ValueError(f"loss {loss_name!r} is not contrastive; tracking needs a contrastive loss")
    hyper = {"temperature": config.temperature, **config.loss_options.get(loss_name, {})}
    device = data.x.device
    va = torch.as_tensor(data.split.val, device=device)[:max_eval]
    measured: set[int] = set()

    def hook(epoch: int, model: ContrastiveModel) -> dict[str, float] | None:
        if epoch % every and epoch != config.epochs:
            return None
        measured.add(epoch)
        return _measure(model, loss_name, hyper, data.x[va], data.y[va], config.batch_size, gradients, geometry, seed)

    generator = seed_everything(seed)
    model, history = train_contrastive(loss_name, StageData(data.part("train"), data.part("val"), generator), config,
                                       progress=False, on_epoch_end=hook)
    history = history[history["epoch"].isin(measured)].reset_index(drop=True)
    return TrackedRun(loss_name, history.assign(loss=loss_name), model)


def track_losses(losses: list[str], data: PreparedData, config: TrainConfig, seed: int = 0, every: int = 1,
                 gradients: bool = True, geometry: bool = True, max_eval: int = 512
                 ) -> tuple[pd.DataFrame, dict[str, TrackedRun]]:
    """:func:`train_tracked` for several losses; the concatenated history and the runs by loss."""
    if not losses:
        raise ValueError("track_losses needs at least one loss")
    runs = {name: train_tracked(name, data, config, seed, every, gradients, geometry, max_eval) for name in losses}
    history = pd.concat([r.history for r in runs.values()], ignore_index=True)
    return history, runs




def embed_split(model: ContrastiveModel, data: PreparedData, split: str = "test") -> tuple[np.ndarray, np.ndarray]:
    """Frozen encoder features (N, h) and labels (N, L) of one split ("train", "val" or "test")."""
    index = {"train": data.train, "val": data.split.val, "test": data.split.test}
    if split not in index:
        raise ValueError(f"split must be one of {sorted(index)}, got {split!r}")
    idx = torch.as_tensor(index[split], device=data.x.device)
    model.eval()
    with torch.no_grad():
        feats = encode(model.encoder, data.x[idx]).cpu().numpy()
    return feats, data.y[idx].cpu().numpy()


def prototypes_of(model: ContrastiveModel) -> np.ndarray | None:
    """(L, D) learned label prototypes, or None when the loss has none."""
    if model.prototypes is None:
        return None
    with torch.no_grad():
        return model.prototypes().float().cpu().numpy()

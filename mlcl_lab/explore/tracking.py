"""Contrastive training with per-epoch measurements: gradient shares and embedding geometry.

Same protocol as :func:`mlcl_lab.train.train_contrastive` (AdamW, cosine schedule, clipping,
in-batch candidates, shared epoch loop), with a measurement after every ``every`` epochs on
the validation split: the gradient shares of :func:`positive_repulsion_share` (embeddings z)
and the representation metrics of the frozen encoder features (paper.md §4, §8).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ..losses import get_loss
from ..train.batching import encode
from ..train.config import TrainConfig
from ..train.contrastive import _loss_call
from ..train.device import seed_everything
from ..train.loop import optimise_epoch
from ..train.models import ContrastiveModel
from ..train.optim import make_optimizer
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
             batch_size: int, gradients: bool, geometry: bool, seed: int) -> dict[str, float | None]:
    model.eval()
    row: dict[str, float | None] = {}
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
    """Train ``loss_name`` on ``data.train``; measure on the first ``max_eval`` validation samples
    every ``every`` epochs (and at initialisation, epoch 0)."""
    if every < 1 or max_eval < 2:
        raise ValueError(f"need every >= 1 and max_eval >= 2, got every={every}, max_eval={max_eval}")
    hyper = {"temperature": config.temperature, **config.loss_options.get(loss_name, {})}
    loss = get_loss(loss_name, **hyper)
    if loss.kind != "contrastive":
        raise ValueError(f"loss {loss_name!r} is not contrastive; tracking needs a contrastive loss")
    generator = seed_everything(seed)
    device = data.x.device
    tr = torch.as_tensor(data.train, device=device)
    va = torch.as_tensor(data.split.val[:max_eval], device=device)
    x, y = data.x[tr], data.y[tr].float()
    model = ContrastiveModel(config, x.shape[1:], y.shape[1], bool(loss.uses_prototypes)).to(device)
    n = x.shape[0]
    optimizer, scheduler = make_optimizer(model, config, config.epochs * max(1, n // config.batch_size))
    rows = [{"epoch": 0, "train_loss": float("nan"),
             **_measure(model, loss_name, hyper, data.x[va], data.y[va], config.batch_size, gradients, geometry, seed)}]
    for epoch in range(1, config.epochs + 1):
        value = optimise_epoch(model, n, lambda idx: _loss_call(loss, model, x[idx], y[idx]), optimizer, scheduler,
                               config, generator, device, loss_name, epoch)
        if epoch % every == 0 or epoch == config.epochs:
            rows.append({"epoch": epoch, "train_loss": value,
                         **_measure(model, loss_name, hyper, data.x[va], data.y[va], config.batch_size, gradients,
                                    geometry, seed)})
    return TrackedRun(loss_name, pd.DataFrame(rows).assign(loss=loss_name), model)


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

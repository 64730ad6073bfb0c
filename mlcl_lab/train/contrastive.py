"""Stage 1: contrastive training of encoder + projection head (+ prototypes).

AdamW, cosine schedule with 5% warm-up, gradient clipping at 1.0, bf16 autocast on
CUDA (paper.md §5.1). One view per sample, in-batch candidates, as in the authors' code.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import pandas as pd
import torch
from torch import nn
from tqdm.auto import tqdm

from ..losses import get_loss
from .batching import batch_indices
from .config import TrainConfig
from .loop import optimise_epoch
from .memory_queue import MemoryQueue, MomentumEncoder
from .models import ContrastiveModel
from .optim import make_optimizer

__all__ = ["train_contrastive", "contrastive_loss_value", "EpochHook"]

# Called as hook(epoch, model) at epoch 0 (before any step) and after every epoch; the
# returned numbers become columns of that epoch's history row. (Used by mlcl_lab.explore.)
EpochHook = Callable[[int, ContrastiveModel], Mapping[str, float] | None]


def _loss_call(loss: nn.Module, model: ContrastiveModel, x: torch.Tensor, y: torch.Tensor,
               ref: tuple[torch.Tensor, torch.Tensor] | tuple[None, None] = (None, None)) -> torch.Tensor:
    z = model(x)
    kwargs = {}
    if model.prototypes is not None:
        kwargs["prototypes"] = model.prototypes().float()
    if ref[0] is not None:
        kwargs["ref_z"], kwargs["ref_y"] = ref[0].float(), ref[1]
    return loss(z.float(), y, **kwargs)


@torch.no_grad()
def contrastive_loss_value(loss: nn.Module, model: ContrastiveModel, x: torch.Tensor, y: torch.Tensor, batch_size: int) -> float:
    """Mean loss over ordered batches of ``x`` in eval mode (batches of < 2 samples skipped)."""
    was = model.training
    model.eval()
    values = []
    try:
        for idx in batch_indices(x.shape[0], batch_size, None, drop_last=True, device=x.device):
            if idx.numel() >= 2:
                values.append(float(_loss_call(loss, model, x[idx], y[idx])))
    finally:
        model.train(was)
    return float("nan") if not values else sum(values) / len(values)


def train_contrastive(
    loss_name: str,
    train_x: torch.Tensor,
    train_y: torch.Tensor,
    val_x: torch.Tensor,
    val_y: torch.Tensor,
    config: TrainConfig,
    generator: torch.Generator,
    progress: bool = True,
    on_epoch_end: EpochHook | None = None,
) -> tuple[ContrastiveModel, pd.DataFrame]:
    """Train with the contrastive loss ``loss_name``; return the model and its history.

    History columns: epoch, train_loss, val_loss, lr, seconds. The incomplete last
    batch of an epoch is dropped (a contrastive batch needs pairs; the authors do too).
    ``val_loss`` is NaN only when the validation set has fewer than 2 samples; it is
    computed in-batch, without the queue.

    ``config.queue_size > 0`` adds paper 2's memory: keys of a momentum encoder are
    queued and passed to the loss as the reference set (``ref_z``, ``ref_y``).
    """
    options = {"temperature": config.temperature, **config.loss_options.get(loss_name, {})}
    loss = get_loss(loss_name, **options)
    if getattr(loss, "kind", None) != "contrastive":
        raise ValueError(f"loss {loss_name!r} is not a contrastive loss; use train_supervised for it")
    device = train_x.device
    model = ContrastiveModel(config, train_x.shape[1:], train_y.shape[1], bool(loss.uses_prototypes)).to(device)
    n = train_x.shape[0]
    if n < 2:
        raise ValueError(f"contrastive training needs at least 2 training samples, got {n}")
    steps_per_epoch = max(1, n // config.batch_size)
    optimizer, scheduler = make_optimizer(model, config, config.epochs * steps_per_epoch)
    y_float = train_y.float()
    queue = momentum = None
    if config.queue_size > 0:
        queue = MemoryQueue(config.queue_size, config.projection_dim, train_y.shape[1], device)
        momentum = MomentumEncoder(model, config.momentum)
    def batch_loss(idx: torch.Tensor) -> torch.Tensor:
        ref = queue.reference() if queue is not None else (None, None)
        return _loss_call(loss, model, train_x[idx], y_float[idx], ref)

    def update_queue(idx: torch.Tensor) -> None:
        if queue is not None and momentum is not None:
            momentum.update(model)
            queue.push(momentum(train_x[idx]).float(), y_float[idx])

    rows = []

    def measure(epoch: int) -> dict[str, float]:
        if on_epoch_end is None:
            return {}
        was = model.training
        cuda = [device] if device.type == "cuda" else []
        try:
            with torch.random.fork_rng(devices=cuda):  # the hook cannot shift training's random draws
                return dict(on_epoch_end(epoch, model) or {})
        finally:
            model.train(was)

    if on_epoch_end is not None:
        rows.append({"epoch": 0, "train_loss": float("nan"), "val_loss": float("nan"), "lr": float("nan"),
                     "seconds": 0.0, **measure(0)})
    bar = tqdm(range(config.epochs), desc=f"{loss_name} (contrastive)", disable=not progress, leave=False)
    for epoch in bar:
        start = time.perf_counter()
        train_loss = optimise_epoch(model, n, batch_loss, optimizer, scheduler, config, generator, device, loss_name,
                                    epoch + 1, after_step=update_queue)
        val_loss = contrastive_loss_value(loss, model, val_x, val_y.float(), config.batch_size)
        rows.append({"epoch": epoch + 1, "train_loss": train_loss, "val_loss": val_loss,
                     "lr": scheduler.get_last_lr()[0], "seconds": time.perf_counter() - start, **measure(epoch + 1)})
        bar.set_postfix(loss=f"{train_loss:.4f}")
    return model, pd.DataFrame(rows)

"""One optimisation epoch, shared by the contrastive and the supervised stages."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from .batching import autocast_for, batch_indices
from .config import TrainConfig

__all__ = ["optimise_epoch"]


def optimise_epoch(
    model: nn.Module,
    n: int,
    compute_loss: Callable[[torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    config: TrainConfig,
    generator: torch.Generator,
    device: torch.device,
    label: str,
    epoch: int,
    after_step: Callable[[torch.Tensor], None] | None = None,
) -> float:
    """Shuffled pass over ``n`` samples (incomplete last batch dropped); returns the mean loss.

    ``compute_loss(idx)`` gives the scalar loss of a batch of indices (under bf16
    autocast on CUDA when ``config.amp``). Each step clips the gradient norm at
    ``config.grad_clip``. A non-finite loss stops training with an error naming
    ``label`` and the epoch, instead of training on NaN.
    """
    model.train()
    total, count = 0.0, 0
    for idx in batch_indices(n, config.batch_size, generator, drop_last=True, device=device):
        with autocast_for(device, config.amp):
            value = compute_loss(idx)
        if not torch.isfinite(value):
            raise FloatingPointError(
                f"loss {label!r} became {value.item()} at epoch {epoch}; lower the learning rate or check the inputs")
        optimizer.zero_grad(set_to_none=True)
        value.backward()
        nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimizer.step()
        scheduler.step()
        if after_step is not None:
            after_step(idx)
        total += float(value.detach())
        count += 1
    return total / count

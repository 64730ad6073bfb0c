"""AdamW with the study's parameter groups and schedule."""

from __future__ import annotations

import torch
from torch import nn

from .config import TrainConfig
from .schedule import cosine_with_warmup

__all__ = ["make_optimizer"]


def make_optimizer(model: nn.Module, config: TrainConfig, total_steps: int) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR]:
    """AdamW with weight decay off for biases and normalisation layers (as the authors'),
    on for weights and prototypes; cosine schedule with ``config.warmup_fraction`` warm-up."""
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        (no_decay if param.dim() < 2 else decay).append(param)
    groups = [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    optimizer = torch.optim.AdamW([g for g in groups if g["params"]], lr=config.lr)
    return optimizer, cosine_with_warmup(optimizer, total_steps, config.warmup_fraction)

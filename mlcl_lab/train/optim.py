"""AdamW with the study's parameter groups and schedule."""

from __future__ import annotations

import torch
from torch import nn

from .adamw import AdamW
from .config import TrainConfig
from .schedule import LambdaSchedule, cosine_with_warmup

__all__ = ["adamw_implementation", "make_optimizer"]


def adamw_implementation(device: torch.device) -> dict[str, bool]:
    """AdamW's kernel choice: ``fused`` on CUDA (one kernel per step for all tensors, no
    host synchronisation); on the CPU torch's default single-tensor path, run once per
    parameter group on the group held in one buffer (:mod:`mlcl_lab.train.flat_params`).

    Measured (``benchmarks/bench_train.py``): on the CPU the foreach kernels give the
    same numbers as the default but are not faster, and the fused CPU kernel changes the
    numbers (max parameter difference ~1e-2 after 300 steps; the default grid must stay
    bit-identical), so the CPU keeps the default kernels; the single buffer keeps their
    numbers and takes fewer calls (``benchmarks/bench_adamw.py``).
    """
    return {"fused": True} if device.type == "cuda" else {}


def _device_of(model: nn.Module) -> torch.device:
    for p in model.parameters():
        return p.device
    return torch.device("cpu")


def make_optimizer(model: nn.Module, config: TrainConfig, total_steps: int) -> tuple[AdamW, LambdaSchedule]:
    """AdamW with weight decay off for biases and normalisation layers (as the authors'),
    on for weights and prototypes; cosine schedule with ``config.warmup_fraction`` warm-up.

    With ``config.backbone_lr`` the parameters of ``model.encoder`` get that learning
    rate and the others (heads, prototypes) ``config.lr``; the schedule scales both.
    Frozen parameters (``requires_grad=False``) are left out.
    """
    encoder = getattr(model, "encoder", None)
    backbone = {id(p) for p in encoder.parameters()} if config.backbone_lr is not None and encoder is not None else set()
    groups: list[dict] = []
    for lr, part in ((config.backbone_lr, True), (config.lr, False)):
        if part and not backbone:
            continue
        decay, no_decay = [], []
        for param in model.parameters():
            if not param.requires_grad or (id(param) in backbone) != part:
                continue
            (no_decay if param.dim() < 2 else decay).append(param)
        for params, wd in ((decay, config.weight_decay), (no_decay, 0.0)):
            if params:
                groups.append({"params": params, "weight_decay": wd, "lr": lr})
    if not groups:
        raise ValueError("the model has no trainable parameter (everything is frozen)")
    optimizer = AdamW(groups, lr=config.lr, **adamw_implementation(_device_of(model)))
    return optimizer, cosine_with_warmup(optimizer, total_steps, config.warmup_fraction)

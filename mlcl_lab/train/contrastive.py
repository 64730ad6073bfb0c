"""Stage 1: contrastive training of encoder + projection head (+ prototypes).

AdamW, cosine schedule with 5% warm-up, gradient clipping at 1.0, bf16 autocast on
CUDA (paper.md §5.1). One view per sample, in-batch candidates, as in the authors' code;
with ``queue_size > 0`` also the momentum keys of :mod:`mlcl_lab.train.memory_queue`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
import torch
from torch import nn

from ..losses import get_loss
from .config import TrainConfig
from .loop import Stage, StageData, fit, make_stage, step_loss_options
from .memory_queue import MemoryQueue, MomentumEncoder, reference_set
from .models import ContrastiveModel, build_model
from .sources import Batch, BatchSource

__all__ = ["VAL_LOSS_MAX_SAMPLES", "EpochHook", "contrastive_loss", "contrastive_loss_value", "train_contrastive"]

# Called as hook(epoch, model) at epoch 0 (before any step) and after every epoch; the
# returned numbers become columns of that epoch's history row. (Used by mlcl_lab.explore.)
EpochHook = Callable[[int, ContrastiveModel], Mapping[str, float] | None]

#: The validation loss of an epoch reads at most this many validation samples (the first
#: ones, in order): its cost per epoch is bounded by one forward pass over them.
VAL_LOSS_MAX_SAMPLES = 8192


def contrastive_loss(loss_name: str, config: TrainConfig) -> nn.Module:
    """The contrastive loss module of ``loss_name`` with the run's temperature and options
    (after :func:`~mlcl_lab.train.loop.step_loss_options`)."""
    options = {"temperature": config.temperature, **step_loss_options(), **config.loss_options.get(loss_name, {})}
    loss = get_loss(loss_name, **options)
    if getattr(loss, "kind", None) != "contrastive":
        raise ValueError(f"loss {loss_name!r} is not a contrastive loss; use train_supervised for it")
    if config.queue_size > 0 and not getattr(loss, "supports_ref", False):
        raise ValueError(f"loss {loss_name!r} does not take a reference set, so queue_size must be 0 "
                         f"(got {config.queue_size})")
    return loss


def _loss_call(loss: nn.Module, model: ContrastiveModel, batch: Batch,
               ref: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
    z = model(batch.x)
    kwargs = {}
    if model.prototypes is not None:
        kwargs["prototypes"] = model.prototypes().float()
    if ref is not None:
        kwargs["ref_z"], kwargs["ref_y"] = ref[0].float(), ref[1]
    return loss(z.float(), batch.y, **kwargs)


@torch.no_grad()
def contrastive_loss_value(loss: nn.Module, model: ContrastiveModel, source: BatchSource, batch_size: int) -> float:
    """Mean loss over ordered batches of ``source`` in eval mode, in-batch (no queue).

    Reads the first :data:`VAL_LOSS_MAX_SAMPLES` rows at most; the incomplete last batch
    is dropped, batches of < 2 samples are skipped; NaN when no batch is left.
    The sum stays on the device; one read at the end.
    """
    if source.n > VAL_LOSS_MAX_SAMPLES:
        source = source.subset(np.arange(VAL_LOSS_MAX_SAMPLES))
    was = model.training
    model.eval()
    total, count = None, 0
    try:
        for batch in source.batches(batch_size, shuffle=False, drop_last=True, generator=None):
            if len(batch) >= 2:
                value = _loss_call(loss, model, batch).detach().double()
                total = value if total is None else total + value
                count += 1
    finally:
        model.train(was)
    return float("nan") if total is None else float(total) / count


def train_contrastive(
    loss_name: str,
    data: StageData,
    config: TrainConfig,
    progress: bool = True,
    on_epoch_end: EpochHook | None = None,
) -> tuple[ContrastiveModel, pd.DataFrame]:
    """Train with the contrastive loss ``loss_name`` on ``data``; return the model and its history.

    History columns: epoch, train_loss, val_loss, lr, seconds (+ the hook's numbers). The
    incomplete last batch of an epoch is dropped (a contrastive batch needs pairs; the
    authors do too). ``val_loss`` is NaN only when the validation set has fewer than 2
    samples; it is computed in-batch, without the queue (see :func:`contrastive_loss_value`).

    ``config.queue_size > 0`` adds paper 2's memory: see :mod:`mlcl_lab.train.memory_queue`
    for exactly which candidates the loss then sees.
    """
    loss = contrastive_loss(loss_name, config)
    if data.train.n < 2:
        raise ValueError(f"contrastive training needs at least 2 training samples, got {data.train.n}")
    model = build_model("contrastive", config, data.train, with_prototypes=bool(loss.uses_prototypes))
    stage = make_stage(model, config, data.train.n, loss_name)
    batch_loss, after_step = _step_functions(loss, stage, config, data.train.n_labels)

    def measure(epoch: int) -> dict[str, float]:
        if on_epoch_end is None:
            return {}
        was = model.training
        device = next(model.parameters()).device
        cuda = [device] if device.type == "cuda" else []
        try:
            with torch.random.fork_rng(devices=cuda):  # the hook cannot shift training's random draws
                return dict(on_epoch_end(epoch, model) or {})
        finally:
            model.train(was)

    rows = []
    if on_epoch_end is not None:
        rows.append({"epoch": 0, "train_loss": float("nan"), "val_loss": float("nan"), "lr": float("nan"),
                     "seconds": 0.0, **measure(0)})

    def validate(epoch: int) -> dict[str, float]:
        return {"val_loss": contrastive_loss_value(loss, model, data.val, config.batch_size)}

    rows += fit(stage, data, batch_loss, validate, desc=f"{loss_name} (contrastive)", progress=progress,
                after_step=after_step, measure=measure if on_epoch_end is not None else None)
    return model, pd.DataFrame(rows)


def _step_functions(loss: nn.Module, stage: Stage, config: TrainConfig, n_labels: int
                    ) -> tuple[Callable[[Batch], torch.Tensor], Callable[[Batch], None] | None]:
    """The batch loss of a step and what follows the step (the queue's update), for ``fit``."""
    model = stage.model
    if config.queue_size == 0:
        return (lambda batch: _loss_call(loss, model, batch)), None
    device = next(model.parameters()).device
    queue = MemoryQueue(config.queue_size, config.projection_dim, n_labels, device)
    momentum = MomentumEncoder(model, config.momentum)
    pending: list[tuple[torch.Tensor, torch.Tensor]] = []

    def batch_loss(batch: Batch) -> torch.Tensor:
        keys = momentum(batch.x).float()
        pending.append((keys, batch.y))
        return _loss_call(loss, model, batch, reference_set(keys, batch.y, queue))

    def after_step(batch: Batch) -> None:
        keys, labels = pending.pop()
        momentum.update(model)
        queue.push(keys, labels)

    return batch_loss, after_step

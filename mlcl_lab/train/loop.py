"""The training loop shared by the contrastive and the supervised stages.

A stage is a :class:`Stage` (model + optimiser + schedule + step budget) stepped over a
:class:`StageData` (training and validation sources + the seeded data order). One step:
loss under bf16 autocast on CUDA, backward, gradient-norm clipping at
``config.grad_clip``, AdamW, schedule. Nothing in a step waits for the device: the loss
is summed on the device and read (and checked for NaN/inf) every
:data:`CHECK_EVERY` steps and at the end of each epoch.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import torch
from torch import nn
from tqdm.auto import tqdm

from .adamw import AdamW
from .batching import autocast_for
from .config import TrainConfig
from .optim import make_optimizer
from .schedule import LambdaSchedule
from .sources import Batch, BatchSource

__all__ = ["CHECK_EVERY", "Stage", "StageData", "fit", "make_stage", "step_loss_options", "train_epoch"]

#: Steps between two reads of the running loss sum (the non-finite check) on CUDA: one
#: host-device synchronisation per CHECK_EVERY steps instead of one per step. On the CPU a
#: read costs nothing and happens after every step.
CHECK_EVERY = 50


def step_loss_options() -> dict[str, bool]:
    """Loss options of a training step, on every device: ``validate=False``.

    A loss's per-call input checks (finite embeddings, 0/1 labels) would repeat, at every
    step, checks training already has: the labels were checked once when the dataset was
    built (:func:`~mlcl_lab.data.dataset.validate_dataset`: uint8, 0/1) and every batch is
    rows of them; a NaN or infinite embedding or logit gives a non-finite loss, which the
    loop's own check stops (:func:`train_epoch`: every step on the CPU, every
    :data:`CHECK_EVERY` steps on CUDA, where each check waits for the GPU). Called directly,
    the losses keep their checks (``validate=True``); a ``validate`` in
    ``TrainConfig.loss_options`` wins here too.
    """
    return {"validate": False}


@dataclass
class StageData:
    """What a stage trains and validates on: ``train`` and ``val`` sources and the
    generator of the shuffled order (seeded by the run's seed)."""

    train: BatchSource
    val: BatchSource
    generator: torch.Generator


@dataclass
class Stage:
    """A model with its AdamW optimiser and schedule, and the step budget of the stage.

    ``total_steps`` = ``epochs * steps_per_epoch``, or ``config.max_steps`` when given.
    """

    model: nn.Module
    optimizer: AdamW
    scheduler: LambdaSchedule
    config: TrainConfig
    label: str  # the loss name, for messages
    steps_per_epoch: int
    total_steps: int
    steps_done: int = field(default=0)

    @property
    def epochs(self) -> int:
        """Epochs the budget needs (the last one may be cut short by ``max_steps``)."""
        return math.ceil(self.total_steps / self.steps_per_epoch)

    @property
    def lr(self) -> float:
        """Current learning rate of the heads (the last parameter group)."""
        return float(self.scheduler.get_last_lr()[-1])


def make_stage(model: nn.Module, config: TrainConfig, n_train: int, label: str) -> Stage:
    """Optimiser, schedule and step budget for ``model`` trained on ``n_train`` samples.

    An epoch is ``n_train // batch_size`` steps (incomplete last batch dropped), at least 1.
    """
    steps_per_epoch = max(1, n_train // config.batch_size)
    total = config.max_steps if config.max_steps is not None else config.epochs * steps_per_epoch
    optimizer, scheduler = make_optimizer(model, config, total)
    return Stage(model, optimizer, scheduler, config, label, steps_per_epoch, total)


def _check_finite(total: torch.Tensor, label: str, epoch: int) -> None:
    value = float(total)
    if not math.isfinite(value):
        raise FloatingPointError(f"loss {label!r} became {value} at epoch {epoch} (a non-finite batch loss); "
                                 "lower the learning rate or check the inputs")


def train_epoch(stage: Stage, data: StageData, batch_loss: Callable[[Batch], torch.Tensor], epoch: int,
                after_step: Callable[[Batch], None] | None = None) -> float:
    """One shuffled pass over ``data.train`` (incomplete last batch dropped); the mean batch loss.

    ``batch_loss(batch)`` gives the scalar loss of a batch. Stops early when the stage's
    step budget is spent. A non-finite loss stops training with a ``FloatingPointError``
    naming the loss and the epoch (read after every step on the CPU, every :data:`CHECK_EVERY`
    steps on CUDA, and at the end).
    """
    model, config = stage.model, stage.config
    device = next(model.parameters()).device
    model.train()
    total = torch.zeros((), dtype=torch.float64, device=device)
    count = 0
    check_every = 1 if device.type == "cpu" else CHECK_EVERY
    for batch in data.train.batches(config.batch_size, shuffle=True, drop_last=True, generator=data.generator):
        if stage.steps_done >= stage.total_steps:
            break
        with autocast_for(device, config.amp):
            value = batch_loss(batch)
        stage.optimizer.zero_grad(set_to_none=True)
        value.backward()
        nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        stage.optimizer.step()
        stage.scheduler.step()
        stage.steps_done += 1
        if after_step is not None:
            after_step(batch)
        total += value.detach().double()
        count += 1
        if count % check_every == 0:
            _check_finite(total, stage.label, epoch)
    if count == 0:
        raise ValueError(f"epoch {epoch} of {stage.label!r} took no step (step budget already spent)")
    _check_finite(total, stage.label, epoch)
    return float(total) / count


def fit(stage: Stage, data: StageData, batch_loss: Callable[[Batch], torch.Tensor],
        end_of_epoch: Callable[[int], Mapping[str, float]], *, desc: str, progress: bool,
        after_step: Callable[[Batch], None] | None = None,
        measure: Callable[[int], Mapping[str, float]] | None = None) -> list[dict[str, float]]:
    """Train ``stage`` for its whole budget; one history row per epoch.

    Row: epoch, train_loss, the numbers of ``end_of_epoch(epoch)`` (validation), lr,
    seconds (training + validation of that epoch), then the numbers of ``measure(epoch)``
    (called after the epoch, before the next one trains; not counted in ``seconds``).
    """
    rows = []
    bar = tqdm(range(1, stage.epochs + 1), desc=desc, disable=not progress, leave=False)
    for epoch in bar:
        start = time.perf_counter()
        train_loss = train_epoch(stage, data, batch_loss, epoch, after_step)
        row = {"epoch": epoch, "train_loss": train_loss, **end_of_epoch(epoch), "lr": stage.lr,
               "seconds": time.perf_counter() - start}
        if measure is not None:
            row.update(measure(epoch))
        rows.append(row)
        # refresh=False: the bar redraws at tqdm's own pace (mininterval), not after every
        # epoch (a notebook kernel sent one display message per epoch: ~10 ms of a 0.4 s run)
        bar.set_postfix(loss=f"{train_loss:.4f}", refresh=False)
    return rows

"""Learning-rate schedules of the study's protocol (paper.md §5.1).

A :class:`LambdaSchedule` sets ``group["lr"] = base_lr * factor(step)`` on any optimiser
with ``param_groups`` (ours or torch's), with the same values as
``torch.optim.lr_scheduler.LambdaLR``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

__all__ = ["LambdaSchedule", "cosine_with_warmup", "linear_decay"]


class LambdaSchedule:
    """``lr = base_lr * factor(step)`` per parameter group; ``step()`` after each optimiser step.

    On creation the groups get ``factor(0)`` (``initial_lr`` records each base rate).
    """

    def __init__(self, optimizer: Any, factor: Callable[[int], float]) -> None:
        self.optimizer, self.factor = optimizer, factor
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_step = -1
        self.step()

    def step(self) -> None:
        self.last_step += 1
        for group, base in zip(self.optimizer.param_groups, self.base_lrs, strict=True):
            group["lr"] = base * self.factor(self.last_step)

    def get_last_lr(self) -> list[float]:
        """The learning rate of each group after the last ``step``."""
        return [group["lr"] for group in self.optimizer.param_groups]


def cosine_with_warmup(optimizer: Any, total_steps: int, warmup_fraction: float = 0.05) -> LambdaSchedule:
    """Linear warm-up over ``warmup_fraction`` of the steps, then cosine decay to 0.

    Same shape as the authors' ``get_cosine_schedule_with_warmup`` (5% warm-up).
    """
    if total_steps < 1:
        raise ValueError(f"total_steps must be >= 1, got {total_steps}")
    if not 0.0 <= warmup_fraction < 1.0:
        raise ValueError(f"warmup_fraction must be in [0, 1), got {warmup_fraction}")
    warmup = int(round(warmup_fraction * total_steps))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, total_steps - warmup)
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))

    return LambdaSchedule(optimizer, factor)


def linear_decay(optimizer: Any, total_steps: int) -> LambdaSchedule:
    """Linear decay from the base rate to 0 with no warm-up (the study's probe schedule)."""
    if total_steps < 1:
        raise ValueError(f"total_steps must be >= 1, got {total_steps}")
    return LambdaSchedule(optimizer, lambda step: max(0.0, 1.0 - step / total_steps))

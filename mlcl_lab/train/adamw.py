"""AdamW for the training stages and the probe: torch's own AdamW kernels, without ``torch.optim.Optimizer``.

The update is :func:`torch.optim.adamw.adamw` (torch's functional AdamW, the very function
``torch.optim.AdamW.step`` calls, with the same arguments and state layout), so the
numbers are torch's bit for bit (tested). What this class leaves out is the
``Optimizer`` machinery around it: its first ``add_param_group`` imports
``torch._dynamo`` (~2 s per process here, ~6–11 s under cProfile; issue 13's "lazy import
on the first optimizer"), and each ``step`` passes hook, profiler and grad-mode wrappers.

Kernels (:func:`mlcl_lab.train.optim.adamw_implementation`): ``fused`` on CUDA (one
kernel for all tensors, no host synchronisation: the step counters live on the device);
on the CPU torch's default single-tensor path.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from torch.optim.adamw import adamw as _adamw

__all__ = ["AdamW"]


class AdamW:
    """AdamW over parameter groups (``params``, ``lr``, ``weight_decay``), betas (0.9, 0.999), eps 1e-8.

    ``param_groups`` is a list of dicts like torch's, so schedules set ``group["lr"]``.
    Parameters without a gradient are skipped at a step (as in torch).
    """

    def __init__(self, groups: Iterable[dict[str, Any]], lr: float, *, fused: bool = False,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        self.param_groups: list[dict[str, Any]] = []
        for group in groups:
            params = list(group["params"])
            if not params:
                raise ValueError("an AdamW parameter group needs at least one parameter")
            self.param_groups.append({"weight_decay": 1e-2, **group, "lr": group.get("lr", lr), "params": params})
        if not self.param_groups:
            raise ValueError("AdamW got no parameter group")
        self.fused = bool(fused)
        self.betas, self.eps = betas, eps
        self.state: dict[torch.Tensor, dict[str, torch.Tensor]] = {}

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad.zero_()

    def _state(self, p: torch.Tensor) -> dict[str, torch.Tensor]:
        state = self.state.get(p)
        if state is None:  # torch's lazy initialisation (step on the CPU unless fused)
            if self.fused:
                step = torch.zeros((), dtype=torch.float32, device=p.device)
            else:
                scalar = torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32
                step = torch.tensor(0.0, dtype=scalar, device="cpu")
            state = {"step": step, "exp_avg": torch.zeros_like(p, memory_format=torch.preserve_format),
                     "exp_avg_sq": torch.zeros_like(p, memory_format=torch.preserve_format)}
            self.state[p] = state
        return state

    @torch.no_grad()
    def step(self) -> None:
        """One AdamW update of every parameter that has a gradient."""
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            states = [self._state(p) for p in params]
            _adamw(params, [p.grad for p in params], [s["exp_avg"] for s in states],
                   [s["exp_avg_sq"] for s in states], [], [s["step"] for s in states],
                   foreach=None, capturable=False, differentiable=False, fused=True if self.fused else None,
                   grad_scale=None, found_inf=None, has_complex=any(torch.is_complex(p) for p in params),
                   amsgrad=False, beta1=self.betas[0], beta2=self.betas[1], lr=group["lr"],
                   weight_decay=group["weight_decay"], eps=self.eps, maximize=False)

"""AdamW for the training stages and the probe: torch's own AdamW kernels, without ``torch.optim.Optimizer``.

The update is :func:`torch.optim.adamw.adamw` (torch's functional AdamW, the very function
``torch.optim.AdamW.step`` calls, with the same arguments and state layout), so the
numbers are torch's bit for bit (tested). What this class leaves out is the
``Optimizer`` machinery around it: its first ``add_param_group`` imports
``torch._dynamo`` (~2 s per process here, ~6–11 s under cProfile; issue 13's "lazy import
on the first optimizer"), and each ``step`` passes hook, profiler and grad-mode wrappers.

Kernels (:func:`mlcl_lab.train.optim.adamw_implementation`): ``fused`` on CUDA (one
kernel for all tensors, no host synchronisation: the step counters live on the device);
on the CPU torch's default single-tensor path, called once per group on the group's
parameters held in one buffer (:mod:`mlcl_lab.train.flat_params`: same numbers, a few
tensor operations per group instead of per parameter). A group keeps per-parameter
updates when it cannot share a buffer, and from the first step at which only some of its
parameters have a gradient on (each parameter then keeps its own step count, as in torch).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from torch.optim.adamw import adamw as _adamw

from .flat_params import FlatParameters

__all__ = ["AdamW"]


class AdamW:
    """AdamW over parameter groups (``params``, ``lr``, ``weight_decay``), betas (0.9, 0.999), eps 1e-8.

    ``param_groups`` is a list of dicts like torch's, so schedules set ``group["lr"]``.
    Parameters without a gradient are skipped at a step (as in torch).
    ``single_buffer`` (default: when not ``fused``) moves each eligible group's parameters
    into one buffer at construction (module docstring); make the optimiser after the model
    is on its device.
    """

    def __init__(self, groups: Iterable[dict[str, Any]], lr: float, *, fused: bool = False,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 single_buffer: bool | None = None) -> None:
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
        flat = not self.fused if single_buffer is None else bool(single_buffer)
        if flat and self.fused:
            raise ValueError("single_buffer needs the unfused path (fused=False)")
        #: per group: its buffer and moments while the group updates in one call, else None
        self._flat: list[dict[str, Any] | None] = [
            self._flat_state(FlatParameters(g["params"])) if flat and FlatParameters.eligible(g["params"]) else None
            for g in self.param_groups]

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad.zero_()

    def _step_counter(self, device: torch.device) -> torch.Tensor:
        """A zero step count where torch keeps it (on the CPU unless fused)."""
        if self.fused:
            return torch.zeros((), dtype=torch.float32, device=device)
        scalar = torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32
        return torch.tensor(0.0, dtype=scalar, device="cpu")

    def _flat_state(self, flat: FlatParameters) -> dict[str, Any]:
        buffer = flat.buffer
        return {"flat": flat, "step": self._step_counter(buffer.device),
                "exp_avg": torch.zeros_like(buffer), "exp_avg_sq": torch.zeros_like(buffer)}

    def _split(self, index: int) -> None:
        """Group ``index`` leaves its single-buffer update: each parameter gets its own state
        (views of the group's moments, a copy of the shared step count), exactly the state
        torch would hold after the same steps."""
        flat_state = self._flat[index]
        assert flat_state is not None
        flat: FlatParameters = flat_state["flat"]
        moments = zip(flat.views_of(flat_state["exp_avg"]), flat.views_of(flat_state["exp_avg_sq"]), strict=True)
        for p, (avg, avg_sq) in zip(flat.params, moments, strict=True):
            self.state[p] = {"step": flat_state["step"].clone(), "exp_avg": avg, "exp_avg_sq": avg_sq}
        self._flat[index] = None

    def _state(self, p: torch.Tensor) -> dict[str, torch.Tensor]:
        state = self.state.get(p)
        if state is None:  # torch's lazy initialisation
            state = {"step": self._step_counter(p.device),
                     "exp_avg": torch.zeros_like(p, memory_format=torch.preserve_format),
                     "exp_avg_sq": torch.zeros_like(p, memory_format=torch.preserve_format)}
            self.state[p] = state
        return state

    @torch.no_grad()
    def step(self) -> None:
        """One AdamW update of every parameter that has a gradient."""
        for index, group in enumerate(self.param_groups):
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            flat_state = self._flat[index]
            if flat_state is not None and len(params) < len(group["params"]):
                self._split(index)
                flat_state = None
            if flat_state is not None:
                flat: FlatParameters = flat_state["flat"]
                flat.check_homed()
                self._update(group, [flat.buffer], [flat.gradient()], [flat_state["exp_avg"]],
                             [flat_state["exp_avg_sq"]], [flat_state["step"]])
                continue
            states = [self._state(p) for p in params]
            self._update(group, params, [p.grad for p in params], [s["exp_avg"] for s in states],
                         [s["exp_avg_sq"] for s in states], [s["step"] for s in states])

    def _update(self, group: dict[str, Any], params: list[torch.Tensor], grads: list[torch.Tensor],
                exp_avgs: list[torch.Tensor], exp_avg_sqs: list[torch.Tensor], steps: list[torch.Tensor]) -> None:
        """torch's functional AdamW with this optimiser's settings and ``group``'s lr and decay."""
        _adamw(params, grads, exp_avgs, exp_avg_sqs, [], steps,
               foreach=None, capturable=False, differentiable=False, fused=True if self.fused else None,
               grad_scale=None, found_inf=None, has_complex=any(torch.is_complex(p) for p in params),
               amsgrad=False, beta1=self.betas[0], beta2=self.betas[1], lr=group["lr"],
               weight_decay=group["weight_decay"], eps=self.eps, maximize=False)

"""MoCo-style memory of past keys for the losses that use a reference set (paper 2, ABALONE).

Keys come from a momentum (EMA) copy of the model; the queue keeps the last ``size``
keys with their labels and is passed to the loss as ``ref_z, ref_y``.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

__all__ = ["MemoryQueue", "MomentumEncoder"]


class MemoryQueue:
    """FIFO of (K, D) keys and (K, L) labels on one device; holds at most ``size`` entries."""

    def __init__(self, size: int, dim: int, n_labels: int, device: torch.device) -> None:
        if size < 1:
            raise ValueError(f"queue size must be >= 1, got {size}")
        self.keys = torch.zeros(size, dim, device=device)
        self.labels = torch.zeros(size, n_labels, device=device)
        self.size, self.filled, self.pointer = size, 0, 0

    @torch.no_grad()
    def push(self, keys: torch.Tensor, labels: torch.Tensor) -> None:
        """Insert a batch, overwriting the oldest entries once full."""
        keys, labels = keys.detach()[-self.size :], labels.detach()[-self.size :]
        n = keys.shape[0]
        idx = (self.pointer + torch.arange(n, device=self.keys.device)) % self.size
        self.keys[idx] = keys.to(self.keys.dtype)
        self.labels[idx] = labels.to(self.labels.dtype)
        self.pointer = int((self.pointer + n) % self.size)
        self.filled = min(self.size, self.filled + n)

    def reference(self) -> tuple[torch.Tensor, torch.Tensor] | tuple[None, None]:
        """(keys, labels) currently held, or (None, None) while empty."""
        if self.filled == 0:
            return None, None
        return self.keys[: self.filled], self.labels[: self.filled]


class MomentumEncoder(nn.Module):
    """An EMA copy of a model: θ_k ← m θ_k + (1 − m) θ_q after each step; no gradients."""

    def __init__(self, model: nn.Module, momentum: float) -> None:
        super().__init__()
        self.model = copy.deepcopy(model)
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.momentum = float(momentum)

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        for p_k, p_q in zip(self.model.parameters(), model.parameters()):
            p_k.mul_(self.momentum).add_(p_q.detach(), alpha=1.0 - self.momentum)
        for b_k, b_q in zip(self.model.buffers(), model.buffers()):
            b_k.copy_(b_q)

    @torch.no_grad()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)

"""MoCo-style memory of past keys for the losses that use a reference set (paper 2, ABALONE).

Exactly what the loss sees at a training step t with ``queue_size > 0`` (one view per
sample, as everywhere in this toolkit):

* anchors: the batch's embeddings ``z_t = g(f(x_t))`` from the trained model;
* candidates: the other samples of the batch (the loss's in-batch part) **plus** the
  reference set ``ref_z = [k_t; Q]``, ``ref_y = [y_t; Q_y]`` — the batch's own keys
  ``k_t`` from the momentum encoder, in batch order (key i is anchor i's own key, a
  positive), followed by the queue ``Q`` of keys of earlier steps (storage order; at most
  ``queue_size``, used as soon as it holds anything).

After the optimiser step the momentum encoder is updated (θ_k ← m θ_k + (1 − m) θ_q) and
``(k_t, y_t)`` are pushed, evicting the oldest entries. This is MoCo's order (keys of
the step, then enqueue) and the key set of MulSupCon's original code (current keys ∪
queue), so ``mulsupcon(variant="original")`` gets the ``ref_z`` its docs describe.
The validation loss is computed in-batch, without the reference set.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

__all__ = ["MemoryQueue", "MomentumEncoder", "reference_set"]


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
        """(keys, labels) currently held (storage order), or (None, None) while empty."""
        if self.filled == 0:
            return None, None
        return self.keys[: self.filled], self.labels[: self.filled]


def reference_set(keys: torch.Tensor, labels: torch.Tensor, queue: MemoryQueue) -> tuple[torch.Tensor, torch.Tensor]:
    """The loss's ``ref_z, ref_y``: this batch's keys (B, D) and labels (B, L), then the queue's."""
    held_keys, held_labels = queue.reference()
    if held_keys is None:
        return keys, labels
    return torch.cat([keys, held_keys.to(keys.dtype)]), torch.cat([labels, held_labels.to(labels.dtype)])


class MomentumEncoder(nn.Module):
    """An EMA copy of a model: θ_k ← m θ_k + (1 − m) θ_q after each step; no gradients.

    Buffers (e.g. BatchNorm statistics) are copied from the model.
    """

    def __init__(self, model: nn.Module, momentum: float) -> None:
        super().__init__()
        self.model = copy.deepcopy(model)
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.momentum = float(momentum)

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        keys = list(self.model.parameters())
        queries = [p.detach() for p in model.parameters()]
        if len(keys) != len(queries):
            raise ValueError("the momentum encoder and the model have different parameters")
        torch._foreach_mul_(keys, self.momentum)  # one kernel launch for all tensors
        torch._foreach_add_(keys, queries, alpha=1.0 - self.momentum)
        for b_k, b_q in zip(self.model.buffers(), model.buffers(), strict=True):
            b_k.copy_(b_q)

    @torch.no_grad()
    def forward(self, x: torch.Tensor | dict[str, torch.Tensor]) -> torch.Tensor:
        return self.model(x)

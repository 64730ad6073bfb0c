"""Projection head g and learnable label prototypes (paper.md §3.0)."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["ProjectionHead", "LabelPrototypes"]


class ProjectionHead(nn.Module):
    """g: Linear(h, h) -> ReLU -> Linear(h, d), Xavier-uniform weights, zero biases.

    Input (B, h) encoder features -> (B, d) raw embeddings; the losses L2-normalise them.
    """

    def __init__(self, in_dim: int, out_dim: int = 128, hidden_dim: int | None = None) -> None:
        super().__init__()
        hidden = in_dim if hidden_dim is None else hidden_dim
        if min(in_dim, out_dim, hidden) < 1:
            raise ValueError(f"ProjectionHead sizes must be positive, got in={in_dim}, hidden={hidden}, out={out_dim}")
        self.net = nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU(), nn.Linear(hidden, out_dim))
        for m in self.net:
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.net(h)


class LabelPrototypes(nn.Module):
    """L learnable label embeddings P (L, d), Xavier-uniform init; raw (the losses normalise)."""

    def __init__(self, n_labels: int, dim: int) -> None:
        super().__init__()
        if n_labels < 1 or dim < 1:
            raise ValueError(f"LabelPrototypes needs n_labels >= 1 and dim >= 1, got {n_labels}, {dim}")
        self.weight = nn.Parameter(torch.empty(n_labels, dim))
        nn.init.xavier_uniform_(self.weight)

    def forward(self) -> torch.Tensor:
        return self.weight

"""The assembled linear probe: an ensemble of Linear heads read at threshold 0.5."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["LinearProbe"]


class LinearProbe(nn.Module):
    """H linear heads on frozen features; probability = mean of the heads' sigmoids.

    ``weight`` (H, F, L), ``bias`` (H, L). Input (N, F) -> logits (H, N, L).
    """

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor, threshold: float = 0.5) -> None:
        super().__init__()
        if weight.dim() != 3 or bias.dim() != 2 or weight.shape[0] != bias.shape[0] or weight.shape[2] != bias.shape[1]:
            raise ValueError(f"LinearProbe needs weight (H, F, L) and bias (H, L), got {tuple(weight.shape)} and {tuple(bias.shape)}")
        self.weight = nn.Parameter(weight.detach().clone(), requires_grad=False)
        self.bias = nn.Parameter(bias.detach().clone(), requires_grad=False)
        self.threshold = float(threshold)

    def head_logits(self, features: torch.Tensor) -> torch.Tensor:
        """(N, F) -> (H, N, L)."""
        return torch.einsum("nf,hfl->hnl", features.to(self.weight.dtype), self.weight) + self.bias[:, None, :]

    @torch.no_grad()
    def predict_proba(self, features: torch.Tensor) -> torch.Tensor:
        """(N, F) -> (N, L) mean of sigmoid over heads."""
        return torch.sigmoid(self.head_logits(features)).mean(0)

    @torch.no_grad()
    def predict(self, features: torch.Tensor) -> torch.Tensor:
        """(N, F) -> (N, L) {0,1}: probability >= threshold."""
        return (self.predict_proba(features) >= self.threshold).to(torch.uint8)

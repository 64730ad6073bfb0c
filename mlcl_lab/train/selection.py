"""Batched per-label F1 used for model selection (probe grid, best epoch)."""

from __future__ import annotations

import torch

__all__ = ["per_label_f1", "micro_f1"]


def per_label_f1(y_true: torch.Tensor, y_pred: torch.Tensor) -> torch.Tensor:
    """Binary F1 of each label, batched over leading axes.

    ``y_true`` (N, L) bool, ``y_pred`` (..., N, L) bool -> (..., L) float.
    A label with no true and no predicted positive scores 0 (scikit-learn's
    ``zero_division=0``), so selection never prefers an empty label by accident.
    """
    y_true = y_true.bool()
    y_pred = y_pred.bool()
    tp = (y_pred & y_true).sum(-2).double()
    fp = (y_pred & ~y_true).sum(-2).double()
    fn = (~y_pred & y_true).sum(-2).double()
    denom = 2 * tp + fp + fn
    return torch.where(denom > 0, 2 * tp / denom.clamp_min(1), torch.zeros_like(denom))


def micro_f1(y_true: torch.Tensor, y_pred: torch.Tensor) -> float:
    """Micro-averaged F1 of (N, L) boolean arrays; 0 when there is nothing to count."""
    y_true = y_true.bool()
    y_pred = y_pred.bool()
    tp = (y_pred & y_true).sum().item()
    denom = 2 * tp + (y_pred & ~y_true).sum().item() + (~y_pred & y_true).sum().item()
    return 0.0 if denom == 0 else 2 * tp / denom

"""F1 used for model selection (probe grid, best epoch), from the metrics' stat-scores core.

Selection scores a label with no true and no predicted positive 0 (scikit-learn's
``zero_division=0``), so it never prefers an empty prediction by accident. The counts
and the F1 formula are those of :mod:`mlcl_lab.metrics.stat_scores`, the one core of
every F1-like number (paper 1 §7), so a selection score equals the reported metric.
"""

from __future__ import annotations

import torch

from ..metrics.stat_scores import f1_from_stats, micro_f1_from_stats, multilabel_stat_scores

__all__ = ["SELECTION_ZERO_DIVISION", "micro_f1", "per_label_f1"]

SELECTION_ZERO_DIVISION = 0.0


def per_label_f1(y_true: torch.Tensor, y_pred: torch.Tensor) -> torch.Tensor:
    """Binary F1 of each label, batched over leading axes.

    ``y_true`` (N, L) bool, ``y_pred`` (..., N, L) bool -> (..., L) float64.
    """
    stats = multilabel_stat_scores(y_true, y_pred, axis="labels")
    return f1_from_stats(stats, SELECTION_ZERO_DIVISION)


def micro_f1(y_true: torch.Tensor, y_pred: torch.Tensor) -> float:
    """Micro-averaged F1 of (N, L) boolean arrays; 0 when there is nothing to count."""
    stats = multilabel_stat_scores(y_true, y_pred, axis="labels")
    return float(micro_f1_from_stats(stats, SELECTION_ZERO_DIVISION))

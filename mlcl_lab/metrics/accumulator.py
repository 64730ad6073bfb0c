"""Batch-wise accumulation of :func:`classification_metrics` (torchmetrics-style).

Ranking metrics (AP, LRAP, ...) need the global order of all scores, so the
accumulator keeps the batches (O(N·L) memory, on the batches' device) and computes
everything in one call: the result is identical to one call on the concatenated data.
"""

from __future__ import annotations

from typing import Any

import torch

from mlcl_lab.metrics._validation import ArrayLike, as_tensor, check_2d
from mlcl_lab.metrics.classification import classification_metrics


class MetricAccumulator:
    """Collect (y_true, y_score) batches with ``update`` and evaluate with ``compute``.

    Keyword arguments are those of :func:`classification_metrics` (threshold,
    from_logits, threshold_rule, ...).

    Example:
        >>> acc = MetricAccumulator(threshold=0.5)
        >>> for yb, pb in batches: acc.update(yb, pb)
        >>> metrics = acc.compute()
    """

    def __init__(self, **metric_kwargs: Any) -> None:
        self.metric_kwargs = dict(metric_kwargs)
        self._true: list[torch.Tensor] = []
        self._score: list[torch.Tensor] = []

    def update(self, y_true: ArrayLike, y_score: ArrayLike) -> None:
        """Append one batch: (B, L) multi-hot and (B, L) scores, B >= 1."""
        t = as_tensor(y_true, "y_true")
        s = as_tensor(y_score, "y_score")
        check_2d(t, "y_true")
        check_2d(s, "y_score")
        if t.shape != s.shape:
            raise ValueError(
                f"batch shapes differ: y_true {tuple(t.shape)} vs y_score {tuple(s.shape)}"
            )
        if self._true and t.shape[1] != self._true[0].shape[1]:
            raise ValueError(
                f"batch has L={t.shape[1]} labels, earlier batches had L={self._true[0].shape[1]}"
            )
        self._true.append(t.to(device=s.device))
        self._score.append(s)

    @property
    def n_samples(self) -> int:
        """Number of samples collected so far."""
        return sum(t.shape[0] for t in self._true)

    def compute(self) -> dict[str, float]:
        """Metrics over every batch seen since construction / the last ``reset``."""
        if not self._true:
            raise ValueError("MetricAccumulator.compute() called before any update()")
        device = self._score[0].device
        y_true = torch.cat([t.to(device) for t in self._true])
        y_score = torch.cat([s.to(device) for s in self._score])
        return classification_metrics(y_true, y_score, **self.metric_kwargs)

    def reset(self) -> None:
        """Forget all batches."""
        self._true.clear()
        self._score.clear()

"""Rank statistics in torch (float64), matching scipy.stats conventions."""

from __future__ import annotations

import torch

from mlcl_lab.metrics._ties import tie_bounds


def average_ranks(x: torch.Tensor) -> torch.Tensor:
    """1-based ranks of a 1-D tensor, ties get their average rank (scipy ``rankdata``).

    One stable ascending sort; a tie group spanning sorted positions a..b gets
    (a + b) / 2 + 1, exact in float64 (the same numbers as ranking in descending order and
    mirroring, which an earlier version did with two sorts)."""
    flat = x.reshape(-1)
    n = flat.numel()
    if n == 0:
        return torch.empty(0, dtype=torch.float64, device=x.device)
    values, order = torch.sort(flat, stable=True)
    start, end = tie_bounds(values[None, :])
    ranks = torch.empty(n, dtype=torch.float64, device=x.device)
    ranks[order] = (start[0] + end[0]).to(torch.float64) / 2.0 + 1.0
    return ranks


def pearson(a: torch.Tensor, b: torch.Tensor) -> float:
    """Pearson correlation of two 1-D tensors; 0.0 if either is constant or n < 2."""
    if a.numel() < 2:
        return 0.0
    a = a.to(torch.float64) - a.to(torch.float64).mean()
    b = b.to(torch.float64) - b.to(torch.float64).mean()
    den = torch.sqrt((a * a).sum() * (b * b).sum())
    if float(den) == 0.0:
        return 0.0
    return float(((a * b).sum() / den).clamp(-1.0, 1.0))


def spearman(a: torch.Tensor, b: torch.Tensor) -> float:
    """Spearman correlation (Pearson on average ranks); 0.0 if undefined (constant)."""
    if a.numel() < 2:
        return 0.0
    return pearson(average_ranks(a), average_ranks(b))

"""Rank statistics in torch (float64), matching scipy.stats conventions."""

from __future__ import annotations

import torch


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
    idx = torch.arange(n, device=x.device)
    differs = values[1:] != values[:-1]
    edge = torch.ones(1, dtype=torch.bool, device=x.device)
    start = torch.where(torch.cat([edge, differs]), idx, torch.full_like(idx, -1)).cummax(0).values
    end = torch.where(torch.cat([differs, edge]), idx, torch.full_like(idx, n)).flip(0).cummin(0).values.flip(0)
    ranks = torch.empty(n, dtype=torch.float64, device=x.device)
    ranks[order] = (start + end).to(torch.float64) / 2.0 + 1.0
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

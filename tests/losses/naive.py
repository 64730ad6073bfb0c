"""Deliberately naive loop implementations written straight from the formulas (paper.md §3).

Python loops over anchors / candidates / labels on float64 scalars; used only in tests.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor

EPS = 1e-8


def unit(x: Tensor) -> Tensor:
    return x / x.norm(dim=1, keepdim=True).clamp_min(1e-12)


def labelset(row: Tensor) -> set[int]:
    return {int(l) for l in torch.nonzero(row).flatten()}


def lse(values: list[Tensor]) -> Tensor:
    m = max(float(v.detach()) for v in values)
    return m + torch.log(sum(torch.exp(v - m) for v in values))


def naive_bce(x: Tensor, y: Tensor) -> Tensor:
    total = 0.0
    for i in range(x.shape[0]):
        for l in range(x.shape[1]):
            p = 1 / (1 + torch.exp(-x[i, l]))
            total = total - (y[i, l] * torch.log(p) + (1 - y[i, l]) * torch.log(1 - p))
    return total / x.numel()


def naive_base(z: Tensor, y: Tensor, tau: float) -> Tensor:
    zn = unit(z)
    n = z.shape[0]
    sets = [labelset(r) for r in y]
    total, count = 0.0, 0
    for i in range(n):
        others = [j for j in range(n) if j != i]
        jac = {j: len(sets[i] & sets[j]) / (len(sets[i] | sets[j]) + EPS) for j in others}
        s = sum(jac.values())
        log_den = lse([zn[i] @ zn[k] / tau for k in others])
        li = 0.0
        for j in others:
            li = li - jac[j] / (s + EPS) * (zn[i] @ zn[j] / tau - log_den)
        total = total + li
        count += int(s > 0)
    return total / (count + EPS)

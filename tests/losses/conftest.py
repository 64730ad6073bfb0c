"""Shared fixtures: float64 batches whose rows have different numbers of labels and positives."""
from __future__ import annotations

import pytest
import torch


def make_batch(b: int = 7, l: int = 5, d: int = 4, seed: int = 0, unlabeled: bool = False):
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(b, d, generator=g, dtype=torch.float64)
    y = (torch.rand(b, l, generator=g) < 0.4).to(torch.float64)
    y[0] = 0
    y[0, :3] = 1          # three labels
    y[1] = 0
    y[1, l - 1] = 1       # single rare label
    if b > 2:
        y[2] = 0
        y[2, 0] = 1       # single head label
    if unlabeled:
        y[-1] = 0
    else:
        empty = y.sum(1) == 0
        y[empty, 0] = 1
    p = torch.randn(l, d, generator=g, dtype=torch.float64)
    return z, y, p


@pytest.fixture
def batch():
    return make_batch()


@pytest.fixture(scope="package", autouse=True)
def _single_thread():
    """Tiny float64 tensors: one intra-op thread avoids oversubscription on shared 2-core runners."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)

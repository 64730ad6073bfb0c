"""``base``: value and gradient against the loop implementation of paper.md §3.4."""
from __future__ import annotations

import pytest
import torch

from mlcl_lab.losses import get_loss

from .conftest import make_batch
from .naive import naive_base


@pytest.mark.parametrize("seed,b,tau,unlabeled", [(0, 7, 0.1, False), (1, 5, 0.5, True), (2, 9, 0.07, False)])
def test_base_matches_loop(seed, b, tau, unlabeled):
    z, y, _ = make_batch(b, 5, seed=seed, unlabeled=unlabeled)
    z.requires_grad_(True)
    ours = get_loss("base", temperature=tau)(z, y)
    ref = naive_base(z, y, tau)
    torch.testing.assert_close(ours, ref, rtol=1e-6, atol=0)
    g1, = torch.autograd.grad(ours, z)
    g2, = torch.autograd.grad(naive_base(z, y, tau), z)
    torch.testing.assert_close(g1, g2, rtol=1e-6, atol=1e-10)

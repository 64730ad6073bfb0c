"""``bce``: value and gradient against a loop implementation."""
from __future__ import annotations

import torch

from mlcl_lab.losses import get_loss

from .conftest import make_batch
from .naive import naive_bce


def test_bce_matches_loop_value_and_grad():
    _, y, _ = make_batch(6, 5)
    x = torch.randn(6, 5, dtype=torch.float64, requires_grad=True)
    ours = get_loss("bce")(x, y)
    ref = naive_bce(x, y)
    torch.testing.assert_close(ours, ref, rtol=1e-6, atol=0)
    g1, = torch.autograd.grad(ours, x)
    g2, = torch.autograd.grad(naive_bce(x, y), x)
    torch.testing.assert_close(g1, g2, rtol=1e-6, atol=1e-12)

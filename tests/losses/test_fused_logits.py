"""The fused ``zlpr`` kernel (``losses/fused_logits.py``) against independent references: a
per-row log-sum-exp written from the formula, ``gradcheck``, and the extreme ranges where a
single shift would fail."""
from __future__ import annotations

import math

import pytest
import torch

from mlcl_lab.losses import get_loss
from mlcl_lab.losses.fused_logits import zlpr_mean


def _labels(b: int, n_lab: int, seed: int, p: float = 0.3) -> torch.Tensor:
    return (torch.rand(b, n_lab, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) < p).double()


def _reference_zlpr(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """mean_i [log(1 + Σ_pos e^{−x}) + log(1 + Σ_neg e^{x})], one log-sum-exp per row and group."""
    rows = []
    for i in range(x.shape[0]):
        terms = []
        for values in (-x[i][y[i] == 1], x[i][y[i] == 0]):
            terms.append(torch.logsumexp(torch.cat([values.new_zeros(1), values]), 0))
        rows.append(terms[0] + terms[1])
    return torch.stack(rows).mean()


@pytest.mark.parametrize("scale", [0.5, 5.0, 80.0])
def test_zlpr_equals_per_row_logsumexp_including_empty_groups(scale):
    y = _labels(12, 6, seed=4, p=0.4)
    y[0] = 0                                          # no positive label
    y[1] = 1                                          # no negative label
    x = (torch.randn(12, 6, generator=torch.Generator().manual_seed(5), dtype=torch.float64) * scale).requires_grad_()
    ours, ref = zlpr_mean(x, y), _reference_zlpr(x, y)
    torch.testing.assert_close(ours, ref, rtol=1e-12, atol=1e-12)
    g1, = torch.autograd.grad(ours, x)
    g2, = torch.autograd.grad(ref, x)
    torch.testing.assert_close(g1, g2, rtol=1e-10, atol=1e-14)
    assert torch.autograd.gradcheck(lambda v: zlpr_mean(v, y), (x.detach().clone().requires_grad_(),))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_zlpr_groups_of_very_different_ranges_stay_exact(dtype):
    """One group at +1e3 (or 1e24) and the other near 0: a shift by the row max would
    underflow the small group's sum to 0 (log 0); each group has its own shift."""
    y = torch.tensor([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]], dtype=dtype)
    for big in (1e3, 1e24):
        x = torch.tensor([[2.0, big, -1.0], [-big, 0.5, -3.0]], dtype=dtype, requires_grad=True)
        value = get_loss("zlpr")(x, y)
        ref = _reference_zlpr(x.detach().double(), y.double())
        assert math.isfinite(float(value.detach()))
        assert math.isclose(float(value.detach()), float(ref), rel_tol=1e-6)
        g, = torch.autograd.grad(value, x)
        assert bool(torch.isfinite(g).all())


def test_non_binary_targets_are_refused_by_both_losses():
    x = torch.randn(3, 4)
    y = torch.tensor([[0.0, 1.0, 0.5, 0.0]] * 3)
    for name in ("bce", "zlpr"):
        with pytest.raises(ValueError, match="must be binary"):
            get_loss(name)(x, y)

"""unit_rows / pow2_rescale / the zero-row policy against float64 references from the formula."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from mlcl_lab.core import NORM_FLOOR, check_nonempty, check_nonzero_rows, pow2_rescale, unit_rows

DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64]


def _z(dtype, n=9, d=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=g, dtype=torch.float64).to(dtype)


def _extreme_scales(dtype):
    """Powers of two putting max|z| near the dtype's max (/4) and near its smallest normal (x 2^10)."""
    fi = torch.finfo(dtype)
    return [2.0 ** (math.floor(math.log2(fi.max)) - 4), 2.0 ** (math.ceil(math.log2(fi.tiny)) + 12)]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_ordinary_rows_are_bit_identical_to_f_normalize_values_and_gradients(dtype):
    z = (_z(dtype, 33, 7) * torch.logspace(-6, 6, 33, dtype=dtype)[:, None]).requires_grad_(True)
    w = torch.randn(33, 7, dtype=dtype)
    ours = unit_rows(z)
    ref = F.normalize(z, dim=1)
    assert torch.equal(ours, ref)
    g1, = torch.autograd.grad((ours * w).sum(), z)
    g2, = torch.autograd.grad((ref * w).sum(), z)
    assert torch.equal(g1, g2)


@pytest.mark.parametrize("dtype", DTYPES)
def test_extreme_magnitudes_give_the_exact_direction_and_gradient(dtype):
    base = _z(dtype)
    ref64 = base.double() / base.double().norm(dim=1, keepdim=True)
    w = torch.randn(*base.shape, dtype=torch.float64)
    tol = 1e-12 if dtype == torch.float64 else 1e-6
    for s in _extreme_scales(dtype):
        z = (base * s)  # power of two: exact in the dtype
        assert bool(torch.isfinite(z).all())
        zc = z.to(torch.float64 if dtype == torch.float64 else torch.float32).requires_grad_(True)
        u = unit_rows(zc)
        torch.testing.assert_close(u.double(), ref64, rtol=0, atol=tol)
        g, = torch.autograd.grad((u * w.to(u.dtype)).sum(), zc)
        assert bool(torch.isfinite(g).all())


@pytest.mark.parametrize("dtype", DTYPES)
def test_gradients_at_extreme_magnitudes_are_the_exact_ones(dtype):
    """d(z/|z|)/dz = (I - u u^T)/|z|; checked where that gradient is itself a normal number."""
    base = _z(dtype)
    u64 = base.double() / base.double().norm(dim=1, keepdim=True)
    w = torch.randn(*base.shape, dtype=torch.float64)
    ref_times_s = (w - (w * u64).sum(1, keepdim=True) * u64) / base.double().norm(dim=1, keepdim=True)
    fi = torch.finfo(dtype)
    cdt = torch.float64 if dtype == torch.float64 else torch.float32
    for s in (2.0 ** max(math.floor(math.log2(fi.max)) - 30, 4), _extreme_scales(dtype)[1]):
        zc = (base * s).to(cdt).requires_grad_(True)
        g, = torch.autograd.grad((unit_rows(zc) * w.to(cdt)).sum(), zc)
        torch.testing.assert_close(g.double() * s, ref_times_s, rtol=1e-10 if cdt == torch.float64 else 2e-5,
                                   atol=1e-10 if cdt == torch.float64 else 2e-5)


def test_the_naive_normalisation_fails_where_ours_does_not():
    z = torch.tensor([[3e19, 4e19], [3e-25, 4e-25]], dtype=torch.float32)
    assert torch.equal(F.normalize(z, dim=1)[0], torch.zeros(2))  # norm overflowed to inf
    assert float(F.normalize(z, dim=1)[1].norm()) < 1e-6  # norm below the 1e-12 clamp
    torch.testing.assert_close(unit_rows(z), torch.tensor([[0.6, 0.8], [0.6, 0.8]]))


@pytest.mark.parametrize("dtype", DTYPES)
def test_all_zero_rows_are_refused_with_the_row(dtype):
    z = _z(dtype)
    z[4] = 0
    z[6] = 0
    with pytest.raises(ValueError, match=r"z has 2 all-zero row\(s\) \(first: row 4\); an all-zero row has no direction"):
        unit_rows(z)
    with pytest.raises(ValueError, match="prototypes has 2 all-zero"):
        check_nonzero_rows(z, "prototypes")
    out = unit_rows(z.float(), check=False)  # caller vouches: the zero rows stay 0, nothing NaN
    assert bool(torch.isfinite(out).all()) and bool((out[4] == 0).all())
    assert NORM_FLOOR == 1e-12


@pytest.mark.parametrize("dtype", DTYPES)
def test_pow2_rescale_is_exact_and_only_outside_the_safe_range(dtype):
    z = _z(dtype)
    same, k = pow2_rescale(z)
    assert k == 0 and same is z
    for s in _extreme_scales(dtype):
        big = z * s
        scaled, k = pow2_rescale(big)
        if dtype == torch.float16:  # max 65504 = 2^16, smallest normal 2^-14: always in range
            assert k == 0 and scaled is big
            continue
        assert k != 0
        amax = float(scaled.abs().max())
        assert 0.5 <= amax < 1.0
        back = scaled.double() * 2.0**k
        assert torch.equal(back, big.double())  # exact: only exponents changed


def test_check_nonempty_messages():
    with pytest.raises(ValueError, match=r"logits needs at least 1 row\(s\), got N=0 \(shape \(0, 5\)\)"):
        check_nonempty(torch.zeros(0, 5), "logits")
    with pytest.raises(ValueError, match=r"z needs at least 2 row\(s\), got N=1"):
        check_nonempty(torch.zeros(1, 5), "z", min_rows=2)
    with pytest.raises(ValueError, match=r"must have at least one column, got shape \(4, 0\)"):
        check_nonempty(torch.zeros(4, 0), "logits")
    check_nonempty(torch.zeros(1, 1), "z")

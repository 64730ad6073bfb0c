"""Closed forms, an external oracle and hypothesis property tests."""
from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mlcl_lab.losses import available_losses, get_loss, loss_kind
from mlcl_lab.losses.gradients import loss_pair_weights

CONTRASTIVE = [n for n in available_losses() if loss_kind(n) == "contrastive"]
PROTO = ("proto", "msc", "mscwrg", "reg")
SETTINGS = settings(max_examples=20, deadline=None, derandomize=True)


def _call(name, z, y, p=None, **hyper):
    loss = get_loss(name, **hyper)
    return loss(z, y, prototypes=p if loss.uses_prototypes else None)


# ---------- closed forms: all embeddings identical -> log(#denominator) per anchor ----------
@pytest.mark.parametrize("name", ["base", "supcon_any", "supcon_all", "mscwrg", "msc", "proto", "mulsupcon"])
@pytest.mark.parametrize("b,l", [(5, 3), (9, 4)])
def test_identical_embeddings_closed_form(name, b, l):
    z = torch.ones(b, 6, dtype=torch.float64)
    p = torch.ones(l, 6, dtype=torch.float64)
    y = torch.zeros(b, l, dtype=torch.float64)
    y[:, 0] = 1                                               # everybody shares label 0
    y[: b // 2, 1] = 1
    y[b // 2:, 2] = 1
    if name == "mulsupcon":
        y = torch.ones(b, l, dtype=torch.float64)             # every sub-anchor has positives
    expected = {"mscwrg": math.log(b + l - 1), "proto": math.log(l),
                "msc": math.log(0.1 * (b - 1) + l)}.get(name, math.log(b - 1))
    torch.testing.assert_close(_call(name, z, y, p).item(), expected, rtol=1e-6, atol=0)


# ---------- external oracle ----------
@pytest.mark.parametrize("tau", [0.07, 0.5])
def test_supcon_any_and_all_equal_pml_supcon_with_one_label(tau):
    pml = pytest.importorskip("pytorch_metric_learning.losses")
    g = torch.Generator().manual_seed(5)
    lab = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1, 3, 3, 0, 4])  # label 4: an anchor without positives
    z = torch.randn(12, 6, generator=g, dtype=torch.float64, requires_grad=True)
    y = torch.nn.functional.one_hot(lab).to(torch.float64)
    ref = pml.SupConLoss(temperature=tau)(z, lab)
    g_ref, = torch.autograd.grad(ref, z)
    for name in ("supcon_any", "supcon_all"):
        ours = get_loss(name, temperature=tau)(z, y)
        g_ours, = torch.autograd.grad(ours, z)
        torch.testing.assert_close(ours, ref, rtol=1e-6, atol=0)
        torch.testing.assert_close(g_ours, g_ref, rtol=1e-6, atol=1e-12)


# ---------- supervised identities ----------
def test_asl_reduces_to_bce_and_focal():
    x = torch.randn(7, 5, dtype=torch.float64) * 4
    y = (torch.rand(7, 5) < 0.4).to(torch.float64)
    asl0 = get_loss("asl", gamma_neg=0.0, gamma_pos=0.0, clip=0.0)(x, y)
    torch.testing.assert_close(asl0, get_loss("bce")(x, y), rtol=1e-12, atol=0)
    for gamma in (0.5, 2.0):
        a = get_loss("asl", gamma_neg=gamma, gamma_pos=gamma, clip=0.0)(x, y)
        torch.testing.assert_close(a, get_loss("focal", gamma=gamma)(x, y), rtol=1e-12, atol=0)


def test_focal_gamma_zero_is_bce():
    x = torch.randn(4, 6, dtype=torch.float64)
    y = (torch.rand(4, 6) < 0.5).to(torch.float64)
    torch.testing.assert_close(get_loss("focal", gamma=0.0)(x, y), get_loss("bce")(x, y))


def test_mscwrg_alpha0_equals_mulsupcon_with_weight_plus_prototypes():
    """paper.md §12: α = 0 mscwrg = MulSupCon(with_weight) on the instance+prototype pool."""
    g = torch.Generator().manual_seed(6)
    z = torch.randn(7, 4, generator=g, dtype=torch.float64)
    p = torch.randn(4, 4, generator=g, dtype=torch.float64)
    y = (torch.rand(7, 4, generator=g) < 0.5).to(torch.float64)
    y[:, 0] = 1
    ours = get_loss("mscwrg", alpha=0.0)(z, y, prototypes=p)
    pool_z, pool_y = torch.cat([z, p]), torch.cat([y, torch.eye(4, dtype=torch.float64)])
    ref = get_loss("mulsupcon", with_weight=True, empty_anchors="skip")(pool_z, pool_y)
    torch.testing.assert_close(ours, ref, rtol=1e-6, atol=0)


# ---------- hypothesis properties ----------
@st.composite
def batches(draw, min_b=2, max_b=9):
    b = draw(st.integers(min_b, max_b))
    l = draw(st.integers(1, 6))
    bits = draw(st.lists(st.lists(st.booleans(), min_size=l, max_size=l), min_size=b, max_size=b))
    seed = draw(st.integers(0, 10_000))
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(b, 5, generator=g, dtype=torch.float64), torch.tensor(bits, dtype=torch.float64),
            torch.randn(l, 5, generator=g, dtype=torch.float64), seed)


@pytest.mark.parametrize("name", CONTRASTIVE)
@SETTINGS
@given(data=batches())
def test_batch_permutation_invariance(name, data):
    z, y, p, seed = data
    perm = torch.randperm(z.shape[0], generator=torch.Generator().manual_seed(seed))
    a, b = _call(name, z, y, p), _call(name, z[perm], y[perm], p)
    torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", CONTRASTIVE)
@SETTINGS
@given(data=batches(), scale=st.floats(1e-3, 1e3))
def test_scale_invariance_of_embeddings(name, data, scale):
    z, y, p, _ = data
    torch.testing.assert_close(_call(name, z, y, p), _call(name, z * scale, y, p * scale), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", ["base", "supcon_any", "supcon_all", "mscwrg", "reg", "msc", "proto"])
@SETTINGS
@given(data=batches(min_b=1))
def test_anchor_weights_sum_to_one(name, data):
    z, y, p, _ = data
    pw = loss_pair_weights(name, y)
    rows = pw.W.sum(1)
    torch.testing.assert_close(rows[pw.valid], torch.ones_like(rows[pw.valid]), rtol=0, atol=1e-6)
    assert bool((rows[~pw.valid] == 0).all())
    assert bool((pw.W >= 0).all())


@SETTINGS
@given(data=batches(min_b=1))
def test_mulsupcon_weights_sum_to_label_count(data):
    z, y, p, _ = data
    pw = loss_pair_weights("mulsupcon", y)
    carriers = y.sum(0, keepdim=True) - y                         # other samples carrying each label
    expected = ((carriers > 0) & (y > 0)).sum(1).to(torch.float64)
    torch.testing.assert_close(pw.W.sum(1), expected, rtol=0, atol=1e-6)

"""Gradient analysis helpers against autograd, and the REG gradient identity."""
from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from mlcl_lab.losses import get_loss
from mlcl_lab.losses._engine import reduce_terms
from mlcl_lab.losses.gradients import gradient_components, loss_pair_weights

from .conftest import make_batch

CONTRASTIVE = ["base", "proto", "mulsupcon", "msc", "mscwrg", "reg", "supcon_any", "supcon_all", "sd"]


def _autograd_anchor_grad(name, z, y, p, hyper):
    loss = get_loss(name, **hyper)
    t = loss.terms(z, y, prototypes=p if loss.uses_prototypes else None)
    a = t.anchor_z.detach().clone().requires_grad_(True)
    t2 = replace(t, logits=a @ t.cand_z.detach().T / loss.temperature)
    g, = torch.autograd.grad(reduce_terms(t2, loss.empty_anchors), a)
    return g


@pytest.mark.parametrize("name", CONTRASTIVE)
@pytest.mark.parametrize("decoupled", [False, True])
def test_components_sum_to_autograd(name, decoupled):
    if decoupled and name == "reg":
        pytest.skip("reg has no decoupled option")
    z, y, p = make_batch(8, 5, seed=21, unlabeled=True)
    y[3] = y[4]
    hyper = {"temperature": 0.3} | ({"decoupled": True} if decoupled else {})
    comp = gradient_components(z, y, name, prototypes=p if name in ("proto", "msc", "mscwrg", "reg") else None,
                               **hyper)
    torch.testing.assert_close(comp.grad, _autograd_anchor_grad(name, z, y, p, hyper), rtol=1e-6, atol=1e-12)
    for part in (comp.attraction, comp.repulsion_neg, comp.repulsion_pos):
        assert bool((part >= 0).all())


def test_reg_positive_logit_gradient_is_min_sigma_minus_w():
    z, y, p = make_batch(9, 6, seed=22, unlabeled=True)
    loss = get_loss("reg", temperature=0.2, alpha=0.5)
    t = loss.terms(z, y, prototypes=p)
    u = t.logits.detach().clone().requires_grad_(True)
    g, = torch.autograd.grad(reduce_terms(replace(t, logits=u), "skip"), u)
    pw = loss_pair_weights(loss, y, z, prototypes=p)
    n_anchors = pw.valid.sum()
    g = g * n_anchors
    pos, neg = pw.W > 0, (pw.W == 0) & pw.denom & pw.valid.unsqueeze(1)
    # rows of W sum to 1 − O(EPS/M) because of the authors' EPS, hence atol 1e-7 on the identity
    torch.testing.assert_close(g[pos], torch.clamp(pw.sigma - pw.W, max=0)[pos], rtol=1e-6, atol=1e-7)
    torch.testing.assert_close(g[neg], pw.sigma[neg], rtol=1e-6, atol=1e-12)
    assert bool((g[pos] <= 0).all())
    assert int(((pw.sigma - pw.W) > 0)[pos].sum()) > 0        # the regulariser is active somewhere


def test_reg_removes_exactly_the_positive_repulsion_of_mscwrg():
    z, y, p = make_batch(9, 6, seed=23, unlabeled=True)
    a = gradient_components(z, y, "mscwrg", prototypes=p, alpha=0.5)
    b = gradient_components(z, y, "reg", prototypes=p, alpha=0.5)
    torch.testing.assert_close(a.attraction, b.attraction)
    torch.testing.assert_close(a.repulsion_neg, b.repulsion_neg)
    assert float(a.repulsion_pos.sum()) > 0 and float(b.repulsion_pos.abs().sum()) == 0


@pytest.mark.parametrize("name", ["base", "mscwrg", "reg", "supcon_any", "supcon_all", "msc"])
def test_loss_pair_weights_without_z_and_row_sums(name):
    _, y, _ = make_batch(8, 5, seed=24)
    pw = loss_pair_weights(name, y)
    assert pw.sigma is None
    rows = pw.W.sum(1)[pw.valid]
    torch.testing.assert_close(rows, torch.ones_like(rows), rtol=1e-6, atol=1e-6)


def test_loss_pair_weights_sigma_rows_sum_to_one_over_denominator():
    z, y, p = make_batch(8, 5, seed=25)
    pw = loss_pair_weights("msc", y, z, prototypes=p, beta=0.3)
    torch.testing.assert_close(pw.sigma.sum(1), torch.ones(8, dtype=torch.float64))


def test_supervised_loss_rejected():
    _, y, _ = make_batch()
    with pytest.raises(ValueError, match="contrastive"):
        loss_pair_weights("bce", y)

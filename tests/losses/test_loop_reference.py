"""Every loss: value and gradients (z, prototypes, ref) equal a naive loop implementation."""
from __future__ import annotations

import pytest
import torch

from mlcl_lab.losses import get_loss

from . import naive as N
from .conftest import make_batch


def _compare(ours, ref, inputs):
    torch.testing.assert_close(ours, ref, rtol=1e-6, atol=1e-12)
    g1 = torch.autograd.grad(ours, inputs, allow_unused=True)
    g2 = torch.autograd.grad(ref, inputs, allow_unused=True)
    for a, b in zip(g1, g2):
        a = torch.zeros_like(b) if a is None else a
        b = torch.zeros_like(a) if b is None else b
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("gamma,alpha", [(0.0, None), (2.0, None), (1.5, 0.25)])
def test_focal(gamma, alpha):
    _, y, _ = make_batch(5, 4, seed=3)
    x = (torch.randn(5, 4, dtype=torch.float64) * 3).requires_grad_(True)
    _compare(get_loss("focal", gamma=gamma, alpha=alpha)(x, y), N.naive_focal(x, y, gamma, alpha), [x])


@pytest.mark.parametrize("gneg,gpos,clip", [(1.0, 0.0, 0.0), (4.0, 1.0, 0.05), (2.0, 2.0, 0.2)])
def test_asl(gneg, gpos, clip):
    _, y, _ = make_batch(5, 4, seed=4)
    x = (torch.randn(5, 4, dtype=torch.float64) * 3).requires_grad_(True)
    ours = get_loss("asl", gamma_neg=gneg, gamma_pos=gpos, clip=clip)(x, y)
    _compare(ours, N.naive_asl(x, y, gneg, gpos, clip), [x])


def test_zlpr_including_rows_without_positives():
    _, y, _ = make_batch(6, 4, seed=5, unlabeled=True)
    x = (torch.randn(6, 4, dtype=torch.float64) * 3).requires_grad_(True)
    _compare(get_loss("zlpr")(x, y), N.naive_zlpr(x, y), [x])


CASES = [(0, 7, 5, 0.1), (1, 9, 6, 0.5), (2, 6, 8, 0.07)]   # seed, B, L, tau (L=8 > labels used)


@pytest.mark.parametrize("seed,b,l,tau", CASES)
@pytest.mark.parametrize("mode", ["any", "all"])
def test_supcon(seed, b, l, tau, mode):
    z, y, _ = make_batch(b, l, seed=seed, unlabeled=True)
    y[3] = y[4]                                              # guarantee an exact-match pair
    z.requires_grad_(True)
    _compare(get_loss(f"supcon_{mode}", temperature=tau)(z, y), N.naive_supcon(z, y, tau, mode), [z])


@pytest.mark.parametrize("seed,b,l,tau", CASES)
def test_sd(seed, b, l, tau):
    z, y, _ = make_batch(b, l, seed=seed, unlabeled=True)
    z.requires_grad_(True)
    _compare(get_loss("sd", temperature=tau)(z, y), N.naive_supcon(z, y, tau, "any", weighting=N.sd_weight), [z])


@pytest.mark.parametrize("seed,b,l,tau", CASES)
def test_proto(seed, b, l, tau):
    z, y, p = make_batch(b, l, seed=seed, unlabeled=True)
    z.requires_grad_(True)
    p.requires_grad_(True)
    _compare(get_loss("proto", temperature=tau)(z, y, prototypes=p), N.naive_proto(z, y, p, tau), [z, p])


@pytest.mark.parametrize("seed,b,l,tau", CASES)
@pytest.mark.parametrize("with_weight", [False, True])
def test_mulsupcon_port(seed, b, l, tau, with_weight):
    z, y, _ = make_batch(b, l, seed=seed, unlabeled=True)
    z.requires_grad_(True)
    ours = get_loss("mulsupcon", temperature=tau, with_weight=with_weight)(z, y)
    _compare(ours, N.naive_mulsupcon_port(z, y, tau, with_weight=with_weight), [z])


def test_mulsupcon_original_with_key_queue():
    q, y, _ = make_batch(6, 5, seed=7)
    kz, ky, _ = make_batch(10, 5, seed=8)
    kz[:6] = q.detach() + 0.1 * torch.randn_like(q)          # batch keys first, then the queue
    ky[:6] = y
    q.requires_grad_(True)
    kz.requires_grad_(True)
    ours = get_loss("mulsupcon", variant="original", temperature=0.2)(q, y, ref_z=kz, ref_y=ky)
    _compare(ours, N.naive_mulsupcon_original(q, y, kz, ky, 0.2), [q, kz])


def test_mulsupcon_original_in_batch_is_self_positive():
    q, y, _ = make_batch(6, 5, seed=9)
    q.requires_grad_(True)
    ours = get_loss("mulsupcon", variant="original", temperature=0.2)(q, y)
    _compare(ours, N.naive_mulsupcon_original(q, y, q, y, 0.2), [q])


@pytest.mark.parametrize("seed,b,l,tau", CASES)
@pytest.mark.parametrize("alpha,beta", [(1.0, 0.1), (0.5, 1.0), (0.0, 0.3)])
def test_msc(seed, b, l, tau, alpha, beta):
    z, y, p = make_batch(b, l, seed=seed, unlabeled=True)
    z.requires_grad_(True)
    p.requires_grad_(True)
    ours = get_loss("msc", temperature=tau, alpha=alpha, beta=beta)(z, y, prototypes=p)
    _compare(ours, N.naive_msc(z, y, p, tau, alpha, beta), [z, p])


@pytest.mark.parametrize("seed,b,l,tau", CASES)
@pytest.mark.parametrize("alpha", [-1.0, 0.0, 0.5, 2.0])
@pytest.mark.parametrize("name", ["mscwrg", "reg"])
def test_pooled(seed, b, l, tau, alpha, name):
    z, y, p = make_batch(b, l, seed=seed, unlabeled=True)
    z.requires_grad_(True)
    p.requires_grad_(True)
    ours = get_loss(name, temperature=tau, alpha=alpha)(z, y, prototypes=p)
    _compare(ours, N.naive_mscwrg(z, y, p, tau, alpha, reg=name == "reg"), [z, p])


def _ref(seed=11, r=5, l=6):
    rz, ry, _ = make_batch(r, l, seed=seed, unlabeled=True)
    return rz.requires_grad_(True), ry


def test_reference_set_base_supcon_mulsupcon():
    z, y, _ = make_batch(7, 6, seed=12, unlabeled=True)
    z.requires_grad_(True)
    rz, ry = _ref()
    kw = dict(ref_z=rz, ref_y=ry)
    _compare(get_loss("base", temperature=0.2)(z, y, **kw), N.naive_base_ref(z, y, 0.2, (rz, ry)), [z, rz])
    _compare(get_loss("supcon_any", temperature=0.2)(z, y, **kw), N.naive_supcon(z, y, 0.2, ref=(rz, ry)), [z, rz])
    _compare(get_loss("mulsupcon", temperature=0.2)(z, y, **kw),
             N.naive_mulsupcon_port(z, y, 0.2, ref=(rz, ry)), [z, rz])


def test_reference_set_msc_queue_and_pooled():
    z, y, p = make_batch(7, 6, seed=13, unlabeled=True)
    z.requires_grad_(True)
    p.requires_grad_(True)
    rz, ry = _ref()
    kw = dict(prototypes=p, ref_z=rz, ref_y=ry)
    _compare(get_loss("msc", temperature=0.2, alpha=1.0, beta=0.2)(z, y, **kw),
             N.naive_msc(z, y, p, 0.2, 1.0, 0.2, ref=(rz, ry)), [z, p, rz])
    _compare(get_loss("reg", temperature=0.2, alpha=0.5)(z, y, **kw),
             N.naive_mscwrg(z, y, p, 0.2, 0.5, ref=(rz, ry), reg=True), [z, p, rz])


@pytest.mark.parametrize("alpha", [0.0, 1.0, -1.0])
def test_decoupled_mscwrg(alpha):
    z, y, p = make_batch(8, 5, seed=15, unlabeled=True)
    z.requires_grad_(True)
    p.requires_grad_(True)
    ours = get_loss("mscwrg", temperature=0.3, alpha=alpha, decoupled=True)(z, y, prototypes=p)
    _compare(ours, N.naive_mscwrg(z, y, p, 0.3, alpha, decoupled=True), [z, p])


@pytest.mark.parametrize("mode", ["any", "all"])
def test_decoupled_supcon(mode):
    z, y, _ = make_batch(8, 5, seed=14, unlabeled=True)
    y[3] = y[4]
    z.requires_grad_(True)
    ours = get_loss(f"supcon_{mode}", temperature=0.2, decoupled=True)(z, y)
    _compare(ours, N.naive_supcon(z, y, 0.2, mode, decoupled=True), [z])

"""Named edge-case policies: empty anchors, unlabelled samples, degenerate batches, B = 1,
absent labels, invalid inputs, mixed precision."""
from __future__ import annotations

import pytest
import torch

from mlcl_lab.losses import available_losses, get_loss, loss_kind

from .conftest import make_batch

CONTRASTIVE = [n for n in available_losses() if loss_kind(n) == "contrastive"]
SUPERVISED = [n for n in available_losses() if loss_kind(n) == "supervised"]


def _call(name, z, y, p, **hyper):
    loss = get_loss(name, **hyper)
    return loss(z, y, prototypes=p if loss.uses_prototypes else None)


def _finite_backward(value, *inputs):
    grads = torch.autograd.grad(value, inputs, allow_unused=True)
    for g in grads:
        assert g is None or bool(torch.isfinite(g).all())
    return grads


@pytest.mark.parametrize("name", CONTRASTIVE)
def test_unlabelled_samples_give_finite_loss_and_grads(name):
    z, y, p = make_batch(8, 5, seed=31, unlabeled=True)
    y[5] = 0
    z.requires_grad_(True)
    p.requires_grad_(True)
    value = _call(name, z, y, p)
    assert bool(torch.isfinite(value))
    _finite_backward(value, z, p)


@pytest.mark.parametrize("name", ["base", "supcon_any", "supcon_all", "sd", "mscwrg", "reg"])
def test_include_policy_rescales_skip_policy(name):
    z, y, p = make_batch(8, 5, seed=32, unlabeled=True)
    skip = _call(name, z, y, p)
    incl = _call(name, z, y, p, empty_anchors="include")
    loss = get_loss(name)
    t = loss.terms(z, y, prototypes=p if loss.uses_prototypes else None)
    n_valid = int((t.weights.sum(1) > 0).sum())
    assert n_valid < t.weights.shape[0]
    torch.testing.assert_close(incl * t.weights.shape[0], skip * n_valid, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["base", "supcon_any", "supcon_all", "sd", "mulsupcon"])
def test_no_positive_pair_gives_connected_zero(name):
    z = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    y = torch.eye(4, dtype=torch.float64)                     # every sample has its own label
    value = _call(name, z, y, None)
    assert value.item() == 0.0 and value.requires_grad
    g, = torch.autograd.grad(value, z)
    assert bool((g == 0).all())


@pytest.mark.parametrize("name", ["base", "supcon_any", "supcon_all", "sd", "mulsupcon"])
def test_every_pair_positive_is_finite_and_decoupled_is_connected_zero(name):
    z = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    y = torch.ones(5, 2, dtype=torch.float64)
    value = _call(name, z, y, None)
    assert bool(torch.isfinite(value)) and value.item() > 0
    dec = _call(name, z, y, None, decoupled=True)             # no negatives: nobody has a denominator
    assert dec.item() == 0.0 and dec.requires_grad


@pytest.mark.parametrize("name", CONTRASTIVE)
def test_batch_of_one(name):
    z, y, p = make_batch(4, 4, seed=33)
    z = z[:1].clone().requires_grad_(True)
    value = _call(name, z, y[:1], p)
    assert bool(torch.isfinite(value))
    if name in ("proto", "msc", "mscwrg", "reg"):              # prototypes are its positives
        assert value.item() != 0.0
    else:
        assert value.item() == 0.0
    _finite_backward(value, z)


@pytest.mark.parametrize("name", ["proto", "msc", "mscwrg", "reg"])
def test_prototypes_of_absent_labels_only_repel(name):
    z, y, p = make_batch(6, 7, seed=34)
    y[:, 5:] = 0                                              # labels 5, 6 absent from the batch
    y[y.sum(1) == 0, 0] = 1
    p.requires_grad_(True)
    value = _call(name, z, y, p)
    g, = torch.autograd.grad(value, p)
    assert bool(torch.isfinite(g).all())
    assert float(g[5:].abs().sum()) > 0                       # still in the denominators
    if name in ("mscwrg", "reg"):
        t = get_loss(name).terms(z, y, prototypes=p)
        assert not bool((t.weights[6 + 5:].sum(1) > 0).any())  # absent prototypes are not anchors


@pytest.mark.parametrize("name", CONTRASTIVE)
@pytest.mark.parametrize("bad", ["nonbinary", "nan_label", "nan_z", "inf_z"])
def test_invalid_inputs_raise_clear_errors(name, bad):
    z, y, p = make_batch(5, 4, seed=35)
    if bad == "nonbinary":
        y[0, 0] = 2
        match = "binary"
    elif bad == "nan_label":
        y[0, 0] = float("nan")
        match = "NaN"
    elif bad == "nan_z":
        z[1, 0] = float("nan")
        match = "NaN or Inf"
    else:
        z[1, 0] = float("inf")
        match = "NaN or Inf"
    with pytest.raises(ValueError, match=match):
        _call(name, z, y, p)


def test_validate_false_skips_checks():
    z, y, _ = make_batch(5, 4, seed=36)
    z[0, 0] = float("nan")
    value = get_loss("base", validate=False)(z, y)            # no error: the caller vouches for inputs
    assert value.shape == ()


@pytest.mark.parametrize("name", SUPERVISED)
def test_supervised_invalid_inputs(name):
    x = torch.randn(3, 4)
    with pytest.raises(ValueError, match="binary"):
        get_loss(name)(x, torch.full((3, 4), 0.5))
    with pytest.raises(ValueError, match="must equal logits shape"):
        get_loss(name)(x, torch.ones(3, 5))
    x[0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        get_loss(name)(x, torch.ones(3, 4))


def test_shape_and_argument_errors():
    z, y, p = make_batch(5, 4, seed=37)
    with pytest.raises(ValueError, match="needs prototypes"):
        get_loss("msc")(z, y)
    with pytest.raises(ValueError, match="does not use prototypes"):
        get_loss("base")(z, y, prototypes=p)
    with pytest.raises(ValueError, match="together"):
        get_loss("base")(z, y, ref_z=z)
    with pytest.raises(ValueError, match="reference set"):
        get_loss("proto")(z, y, prototypes=p, ref_z=z, ref_y=y)
    with pytest.raises(ValueError, match="rows"):
        get_loss("base")(z, y[:3])
    with pytest.raises(ValueError, match="prototypes has"):
        get_loss("msc")(z, y, prototypes=p[:3])
    with pytest.raises(TypeError, match="floating"):
        get_loss("base")(torch.ones(5, 4, dtype=torch.long), y)


@pytest.mark.parametrize("name", CONTRASTIVE)
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_inputs_finite(name, dtype):
    z, y, p = make_batch(16, 6, seed=38, unlabeled=True)
    z = (z * 50).to(dtype).requires_grad_(True)              # large raw norms, tiny temperature
    p = p.to(dtype).requires_grad_(True)
    value = _call(name, z, y, p, temperature=0.01)
    assert value.dtype == torch.float32 and bool(torch.isfinite(value))
    for g in _finite_backward(value, z, p):
        assert g is None or g.dtype == dtype


@pytest.mark.parametrize("name", ["base", "reg", "msc"])
def test_cpu_autocast_bfloat16(name):
    z, y, p = make_batch(16, 6, seed=39)
    lin = torch.nn.Linear(4, 8)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        emb = lin(z.float())
        assert emb.dtype == torch.bfloat16
        value = _call(name, emb, y, torch.randn(6, 8))
    assert value.dtype == torch.float32 and bool(torch.isfinite(value))
    value.backward()
    assert all(bool(torch.isfinite(q.grad).all()) for q in lin.parameters())


@pytest.mark.parametrize("name", SUPERVISED)
def test_supervised_half_precision(name):
    x = (torch.randn(6, 5) * 30).to(torch.float16).requires_grad_(True)
    y = (torch.rand(6, 5) < 0.4).float()
    value = get_loss(name)(x, y)
    assert value.dtype == torch.float32 and bool(torch.isfinite(value))
    g, = torch.autograd.grad(value, x)
    assert bool(torch.isfinite(g).all())


@pytest.mark.parametrize("name", SUPERVISED)
def test_supervised_saturated_logits_have_finite_gradients(name):
    x = torch.tensor([[80.0, -80.0, 0.0], [-80.0, 80.0, 3.0]], requires_grad=True)
    y = torch.tensor([[1.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    value = get_loss(name)(x, y)
    g, = torch.autograd.grad(value, x)
    assert bool(torch.isfinite(value)) and bool(torch.isfinite(g).all())

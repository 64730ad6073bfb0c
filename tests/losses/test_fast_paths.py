"""Fast paths of ``proto`` and ``mulsupcon`` (closed forms + fused softmax) equal the engine form.

The engine form (``ContrastiveLoss.forward``: explicit W through ``pair_terms`` and
``reduce_terms``) is the definition checked against the loops and the authors' numbers;
here the fast ``forward`` of each loss must give the same value and gradients for every
option, edge case and dtype, and the fused primitive must pass ``gradcheck``.
"""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from mlcl_lab.losses import get_loss
from mlcl_lab.losses._module import ContrastiveLoss
from mlcl_lab.losses.fused import weighted_softmax_xent

from . import naive as N
from .conftest import make_batch


def _assert_same(loss, args, inputs, rtol=1e-9, atol=1e-12, **kw):
    fast = loss(*args, **kw)
    slow = ContrastiveLoss.forward(loss, *args, **kw)
    torch.testing.assert_close(fast, slow, rtol=rtol, atol=atol)
    assert fast.requires_grad
    g_fast = torch.autograd.grad(fast, inputs, allow_unused=True)
    g_slow = torch.autograd.grad(slow, inputs, allow_unused=True)
    for a, b in zip(g_fast, g_slow):
        assert (a is None) == (b is None)
        if a is not None:
            torch.testing.assert_close(a, b, rtol=rtol, atol=atol)
    return fast


@pytest.mark.parametrize("policy", ["skip", "include"])
@pytest.mark.parametrize("unlabeled", [False, True])
@pytest.mark.parametrize("tau", [0.07, 0.5])
def test_proto_fast_equals_engine(policy, unlabeled, tau):
    z, y, p = make_batch(11, 6, seed=5, unlabeled=unlabeled)
    y[4] = 0 if unlabeled else y[4]
    z.requires_grad_(True)
    p.requires_grad_(True)
    loss = get_loss("proto", temperature=tau, empty_anchors=policy)
    _assert_same(loss, (z, y), [z, p], prototypes=p)


@pytest.mark.parametrize("variant", ["port", "original"])
@pytest.mark.parametrize("with_weight", [False, True])
@pytest.mark.parametrize("policy", ["skip", "include"])
@pytest.mark.parametrize("unlabeled", [False, True])
@pytest.mark.parametrize("ref", [False, True])
@pytest.mark.parametrize("path", ["explicit", "closed"])
def test_mulsupcon_fast_equals_engine(variant, with_weight, policy, unlabeled, ref, path, monkeypatch):
    if path == "closed":                                      # force the large-batch path at tiny sizes
        monkeypatch.setattr("mlcl_lab.losses.mulsupcon.EXPLICIT_W_MAX", 0)
    z, y, _ = make_batch(10, 6, seed=6, unlabeled=unlabeled)
    y[:, 4] = 0
    y[3, 4] = 1                                               # a label carried by one sample only
    rz, ry, _ = make_batch(5, 6, seed=7, unlabeled=True)
    z.requires_grad_(True)
    rz.requires_grad_(True)
    kw = {"ref_z": rz, "ref_y": ry} if ref else {}
    loss = get_loss("mulsupcon", temperature=0.2, variant=variant, with_weight=with_weight,
                    empty_anchors=policy)
    _assert_same(loss, (z, y), [z, rz], **kw)


@pytest.mark.parametrize("name,path", [("proto", "fused"), ("mulsupcon", "explicit"), ("mulsupcon", "closed")])
def test_degenerate_batches_match_engine(name, path, monkeypatch):
    """B = 1, all samples unlabelled, every sample its own label, every pair positive."""
    if path == "closed":
        monkeypatch.setattr("mlcl_lab.losses.mulsupcon.EXPLICIT_W_MAX", 0)
    _, _, p = make_batch(4, 4, seed=8)
    cases = [torch.tensor([[1.0, 0, 1, 0]], dtype=torch.float64),
             torch.zeros(4, 4, dtype=torch.float64),
             torch.eye(4, dtype=torch.float64),
             torch.ones(4, 4, dtype=torch.float64)]
    for y in cases:
        z = torch.randn(y.shape[0], 4, dtype=torch.float64, requires_grad=True)
        pp = p.clone().requires_grad_(True)
        for policy in ("skip", "include"):
            loss = get_loss(name, empty_anchors=policy)
            kw = {"prototypes": pp} if name == "proto" else {}
            value = _assert_same(loss, (z, y), [z, pp], **kw)
            assert bool(torch.isfinite(value))


def test_mulsupcon_original_queue_and_with_weight_match_loops():
    q, y, _ = make_batch(6, 5, seed=9)
    k, ky, _ = make_batch(9, 5, seed=10)
    q.requires_grad_(True)
    k.requires_grad_(True)
    ours = get_loss("mulsupcon", variant="original", temperature=0.3)(q, y, ref_z=k, ref_y=ky)
    ref = N.naive_mulsupcon_original(q, y, k, ky, 0.3)
    torch.testing.assert_close(ours, ref, rtol=1e-6, atol=1e-12)
    for a, b in zip(torch.autograd.grad(ours, [q, k]), torch.autograd.grad(ref, [q, k])):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("path", ["explicit", "closed"])
def test_mulsupcon_rare_label_float32_has_no_eps_cancellation(path, monkeypatch):
    """A label carried by the anchor alone has 1/(0 + EPS) = 1e8 in the authors' weights; the
    closed form drops it (its sub-anchor has no positive) so float32 stays accurate."""
    if path == "closed":
        monkeypatch.setattr("mlcl_lab.losses.mulsupcon.EXPLICIT_W_MAX", 0)
    z, y, _ = make_batch(12, 6, seed=11)
    y[:, 5] = 0
    y[2, 5] = 1
    z32 = z.float().requires_grad_(True)
    z64 = z.clone().requires_grad_(True)
    v32 = get_loss("mulsupcon")(z32, y.float())
    v64 = get_loss("mulsupcon")(z64, y)
    torch.testing.assert_close(v32.double(), v64, rtol=1e-5, atol=1e-6)
    g32, = torch.autograd.grad(v32, z32)
    g64, = torch.autograd.grad(v64, z64)
    torch.testing.assert_close(g32.double(), g64, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", ["proto", "mulsupcon"])
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32])
def test_low_precision_inputs_give_float32_loss_and_input_dtype_grads(name, dtype):
    z, y, p = make_batch(16, 6, seed=12, unlabeled=True)
    zl = (z * 30).to(dtype).requires_grad_(True)
    pl = p.to(dtype).requires_grad_(True)
    loss = get_loss(name, temperature=0.05)
    kw = {"prototypes": pl} if name == "proto" else {}
    value = loss(zl, y.to(dtype), **kw)
    assert value.dtype == torch.float32 and bool(torch.isfinite(value))
    ref = loss(zl.detach().double(), y, **({"prototypes": pl.detach().double()} if name == "proto" else {}))
    torch.testing.assert_close(value.double(), ref, rtol=2e-2 if dtype != torch.float32 else 1e-5, atol=1e-3)
    grads = torch.autograd.grad(value, [zl, pl] if name == "proto" else [zl])
    assert all(g.dtype == dtype and bool(torch.isfinite(g).all()) for g in grads)


def test_decoupled_uses_the_engine_form():
    z, y, p = make_batch(8, 5, seed=13)
    for name, kw in (("proto", {"prototypes": p}), ("mulsupcon", {})):
        loss = get_loss(name, decoupled=True)
        torch.testing.assert_close(loss(z, y, **kw), ContrastiveLoss.forward(loss, z, y, **kw))


def _primitive_case(n_a: int, n_c: int, seed: int, with_w: bool, exclude_self: bool):
    """Anchors a (n_a, 3), candidates c (n_c, 3) and the constants r, w, k of a primitive test."""
    g = torch.Generator().manual_seed(seed)
    a = torch.randn(n_a, 3, generator=g, dtype=torch.float64, requires_grad=True)
    c = torch.randn(n_c, 3, generator=g, dtype=torch.float64, requires_grad=True)
    r = torch.rand(n_a, generator=g, dtype=torch.float64)
    w = torch.rand(n_a, n_c, generator=g, dtype=torch.float64) if with_w else None
    k = torch.rand(n_a, generator=g, dtype=torch.float64) if with_w else None
    if w is not None and exclude_self:
        w.diagonal().zero_()
    return a, c, r, w, k


def _primitive_formula(a, c, r, w, k, exclude_self, normalize):
    """r_i lse_m(u_im) − k_i Σ_j w_ij u_ij with u = â ĉᵀ / 0.3, written out with autograd ops."""
    an, cn = (F.normalize(a, dim=-1), F.normalize(c, dim=-1)) if normalize else (a, c)
    u = an @ cn.T / 0.3
    lse_in = u.masked_fill(torch.eye(*u.shape, dtype=torch.bool), float("-inf")) if exclude_self else u
    return r * torch.logsumexp(lse_in, 1) - ((w * u).sum(1) * k if w is not None else 0)


@pytest.mark.parametrize("exclude_self", [False, True])
@pytest.mark.parametrize("with_w", [False, True])
@pytest.mark.parametrize("normalize", [False, True])
def test_fused_primitive_gradcheck_and_value(exclude_self, with_w, normalize):
    a, c, r, w, k = _primitive_case(6, 8, 14, with_w, exclude_self)
    expected = _primitive_formula(a, c, r, w, k, exclude_self, normalize)
    kw = {"scale": 1 / 0.3, "exclude_self": exclude_self, "normalize": normalize}
    got = weighted_softmax_xent(a, c, r, w, k, **kw)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)
    for x, y in zip(torch.autograd.grad(got.sum(), [a, c]), torch.autograd.grad(expected.sum(), [a, c])):
        torch.testing.assert_close(x, y, rtol=1e-10, atol=1e-12)
    assert torch.autograd.gradcheck(lambda x, y: weighted_softmax_xent(x, y, r, w, k, **kw), (a, c))


@pytest.mark.parametrize("symmetric_add", [True, False])
@pytest.mark.parametrize("exclude_self", [False, True])
@pytest.mark.parametrize("with_w", [False, True])
@pytest.mark.parametrize("normalize", [False, True])
def test_fused_primitive_with_the_anchors_as_candidates(exclude_self, with_w, normalize, symmetric_add,
                                                         monkeypatch):
    """c=None (in-batch contrast, u = s · â âᵀ): the value and gradient of the formula with the
    anchors in both roles, through the CPU's one-product backward and the two-product one."""
    import mlcl_lab.losses.fused as fused

    monkeypatch.setattr(fused, "SYMMETRIC_ADD_MAX", 10**9 if symmetric_add else 0)
    a, _, r, w, k = _primitive_case(7, 7, 15, with_w, exclude_self)
    expected = _primitive_formula(a, a, r, w, k, exclude_self, normalize)
    kw = {"scale": 1 / 0.3, "exclude_self": exclude_self, "normalize": normalize}
    got = weighted_softmax_xent(a, None, r, w, k, **kw)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(torch.autograd.grad(got.sum(), a)[0], torch.autograd.grad(expected.sum(), a)[0],
                               rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(got, weighted_softmax_xent(a, a, r, w, k, **kw), rtol=1e-12, atol=1e-12)
    assert torch.autograd.gradcheck(lambda x: weighted_softmax_xent(x, None, r, w, k, **kw), (a,))


def test_fused_normalisation_of_a_zero_vector_matches_f_normalize():
    a = torch.zeros(3, 4, dtype=torch.float64)
    a[1] = torch.tensor([1.0, -2.0, 0.5, 3.0], dtype=torch.float64)
    a.requires_grad_(True)
    c = torch.randn(5, 4, dtype=torch.float64, requires_grad=True)
    r = torch.ones(3, dtype=torch.float64)
    got = weighted_softmax_xent(a, c, r, normalize=True).sum()
    ref = torch.logsumexp(F.normalize(a, dim=-1) @ F.normalize(c, dim=-1).T, 1).sum()
    torch.testing.assert_close(got, ref)
    for x, y in zip(torch.autograd.grad(got, [a, c]), torch.autograd.grad(ref, [a, c])):
        torch.testing.assert_close(x, y)


def test_fused_primitive_shape_errors():
    a, c = torch.zeros(3, 2), torch.zeros(4, 2)
    with pytest.raises(ValueError, match="share D"):
        weighted_softmax_xent(a, torch.zeros(4, 3), torch.zeros(3))
    with pytest.raises(ValueError, match="r must have shape"):
        weighted_softmax_xent(a, c, torch.zeros(4))
    with pytest.raises(ValueError, match="w must have shape"):
        weighted_softmax_xent(a, c, torch.zeros(3), torch.zeros(3, 3))
    with pytest.raises(ValueError, match="k needs w"):
        weighted_softmax_xent(a, c, torch.zeros(3), None, torch.zeros(3))
    with pytest.raises(ValueError, match="at least one candidate"):
        weighted_softmax_xent(a, torch.zeros(0, 2), torch.zeros(3))
    with pytest.raises(ValueError, match=r"w must have shape \(3, 3\)"):
        weighted_softmax_xent(a, None, torch.zeros(3), torch.zeros(3, 4))


@pytest.mark.parametrize("port", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ref", [False, True])
def test_mulsupcon_dense_and_pair_label_sums_agree(port, weighted, ref):
    """The CUDA path (dense products) equals the CPU path (pairs), gradients included."""
    from mlcl_lab.losses.mulsupcon import dense_label_sums, pair_label_sums
    z, y, _ = make_batch(9, 7, seed=15, unlabeled=True)
    y[:, 6] = 0
    y[2, 6] = 1
    rz, ry, _ = make_batch(4, 7, seed=16, unlabeled=True)
    zn = F.normalize(z, dim=-1).requires_grad_(True)
    rn = F.normalize(rz, dim=-1).requires_grad_(True)
    cz, cy = (torch.cat([zn, rn]), torch.cat([y, ry])) if ref else (zn, y)
    scale = 1.0 / y.sum(1).clamp_min(1) if weighted else None
    out_d = dense_label_sums(zn, y, cz, cy, port, scale)
    out_p = pair_label_sums(zn, y, cz, cy, port, scale)
    for d, p in zip(out_d, out_p):
        torch.testing.assert_close(d, p, rtol=1e-10, atol=1e-12)
    inputs = [zn, rn] if ref else [zn]
    gd = torch.autograd.grad(out_d[1].sum(), inputs)
    gp = torch.autograd.grad(out_p[1].sum(), inputs)
    for d, p in zip(gd, gp):
        torch.testing.assert_close(d, p, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,path", [("proto", "fused"), ("mulsupcon", "explicit"), ("mulsupcon", "closed")])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_fast_paths_are_scale_invariant_beyond_float_range(name, path, dtype, monkeypatch):
    """|z| ~ 1e30 overflows ‖z‖ in float32 and 1e-200 underflows F.normalize's eps: such rows are
    rescaled by their max-abs entry first (the losses' normalisation policy), so nothing moves."""
    if path == "closed":
        monkeypatch.setattr("mlcl_lab.losses.mulsupcon.EXPLICIT_W_MAX", 0)
    z, y, p = make_batch(9, 5, seed=17)
    z, p = z.to(dtype), p.to(dtype)
    kw = {"prototypes": p} if name == "proto" else {}
    loss = get_loss(name)
    zr = z.clone().requires_grad_(True)
    ref = loss(zr, y, **kw)
    g_ref, = torch.autograd.grad(ref, zr)
    scales = (1e30, 1e-30) if dtype == torch.float32 else (1e200, 1e-200)
    for s in scales:
        zs = (z * s).requires_grad_(True)
        value = loss(zs, y, **({"prototypes": p * s} if name == "proto" else {}))
        g, = torch.autograd.grad(value, zs)
        tol = 1e-12 if dtype == torch.float64 else 2e-5
        torch.testing.assert_close(value, ref, rtol=tol, atol=tol)
        torch.testing.assert_close(g.double() * s, g_ref.double(), rtol=tol, atol=tol * float(g_ref.abs().max()))


def test_fused_normalisation_lazy_and_always_rescaled_agree():
    from mlcl_lab.losses.fused import _normalize
    x = torch.randn(6, 4, dtype=torch.float32)
    x[1] *= 1e30
    x[3] *= 1e-30
    x[4] = 0
    lazy = _normalize(x, always_rescale=False)
    always = _normalize(x, always_rescale=True)
    for a, b in zip(lazy, always):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    plain = torch.randn(5, 4)
    fast = _normalize(plain, always_rescale=False)                # in range: no masks, no scales
    assert fast[2] is None and fast[3] is None
    full = _normalize(plain, always_rescale=True)
    torch.testing.assert_close(fast[0], full[0], rtol=0, atol=0)
    assert bool(full[2].all()) and bool((full[3] == 1).all())
    xd = x.double()
    ref = (xd / xd.norm(dim=1, keepdim=True).clamp_min(1e-300)).float()   # the exact direction (0 for row 4)
    torch.testing.assert_close(lazy[0], ref)
    plain = torch.randn(5, 4)
    torch.testing.assert_close(_normalize(plain, always_rescale=True)[0], F.normalize(plain, dim=-1), rtol=0, atol=0)

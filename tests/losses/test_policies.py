"""Issue 15 part 4 on the losses: refuse what cannot be computed, the same way as the metrics,
over float16 / bfloat16 / float32 / float64; hyper-parameter ranges keep float32 finite."""
from __future__ import annotations

import math

import pytest
import torch

from mlcl_lab.losses import available_losses, get_loss, loss_kind, loss_pair_weights
from mlcl_lab.losses._registry import loss_class

from .conftest import make_batch

CONTRASTIVE = [n for n in available_losses() if loss_kind(n) == "contrastive"]
SUPERVISED = [n for n in available_losses() if loss_kind(n) == "supervised"]
DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64]


def _call(name, z, y, p=None, **hyper):
    loss = get_loss(name, **hyper)
    return loss(z, y, prototypes=p if loss.uses_prototypes else None)


def _batch(dtype, seed=40):
    z, y, p = make_batch(10, 5, 6, seed=seed)
    return z.to(dtype), y, p.to(dtype)


# (a) empty inputs -------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", SUPERVISED)
def test_supervised_loss_refuses_an_empty_batch(name, dtype):
    with pytest.raises(ValueError, match=r"logits needs at least 1 row\(s\), got N=0 \(shape \(0, 4\)\)"):
        get_loss(name)(torch.zeros(0, 4, dtype=dtype), torch.zeros(0, 4))
    with pytest.raises(ValueError, match=r"logits must have at least one column, got shape \(3, 0\)"):
        get_loss(name)(torch.zeros(3, 0, dtype=dtype), torch.zeros(3, 0))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", CONTRASTIVE)
def test_contrastive_loss_refuses_an_empty_batch(name, dtype):
    _, _, p = _batch(dtype)
    with pytest.raises(ValueError, match=r"z needs at least 1 row\(s\), got N=0"):
        _call(name, torch.zeros(0, 6, dtype=dtype), torch.zeros(0, 5), p)
    with pytest.raises(ValueError, match=r"z must have at least one column"):
        _call(name, torch.zeros(3, 0, dtype=dtype), torch.ones(3, 5), p[:, :0])


@pytest.mark.parametrize("name", [n for n in CONTRASTIVE if loss_class(n).supports_ref])
def test_an_empty_reference_set_means_no_extra_candidates(name):
    z, y, p = _batch(torch.float64)
    loss = get_loss(name)
    kw = dict(prototypes=p if loss.uses_prototypes else None)
    empty = loss(z, y, ref_z=z[:0], ref_y=y[:0], **kw)
    torch.testing.assert_close(empty, loss(z, y, **kw), rtol=0, atol=0)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float32, torch.float64])
@pytest.mark.parametrize("name", SUPERVISED)
def test_supervised_losses_refuse_logits_whose_mean_would_overflow(name, dtype):
    y = (torch.rand(6, 5, generator=torch.Generator().manual_seed(3)) < 0.5).float()
    x = torch.full((6, 5), -3e37).to(dtype)  # confidently wrong everywhere: the sum overflows float32
    with pytest.raises(ValueError, match=r"logits has values up to 3(\.\d+)?e\+37 in magnitude; at most 1e\+25 is accepted"):
        get_loss(name)(x, y)
    x = (torch.randn(6, 5, generator=torch.Generator().manual_seed(4)) * 1e24).to(dtype).requires_grad_(True)
    value = get_loss(name)(x, y)  # at the limit: finite value and gradients
    g, = torch.autograd.grad(value, x)
    assert bool(torch.isfinite(value)) and bool(torch.isfinite(g).all())


# (b) all-zero rows ------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", CONTRASTIVE)
def test_all_zero_embedding_rows_are_refused(name, dtype):
    z, y, p = _batch(dtype)
    z[3] = 0
    with pytest.raises(ValueError, match=r"z has 1 all-zero row\(s\) \(first: row 3\); an all-zero row has no "
                                         r"direction and cannot be L2-normalised"):
        _call(name, z, y, p)
    if loss_class(name).uses_prototypes:
        z, y, p = _batch(dtype)
        p[1] = 0
        with pytest.raises(ValueError, match=r"prototypes has 1 all-zero row\(s\) \(first: row 1\)"):
            _call(name, z, y, p)
    if loss_class(name).supports_ref:
        z, y, p = _batch(dtype)
        ref = z.clone()
        ref[0] = 0
        loss = get_loss(name)
        with pytest.raises(ValueError, match=r"ref_z has 1 all-zero row"):
            loss(z, y, prototypes=p if loss.uses_prototypes else None, ref_z=ref, ref_y=y)


def test_zero_rows_with_validate_false_are_the_callers_business():
    z, y, _ = make_batch(6, 4, seed=41)
    z[0] = 0
    value = get_loss("base", validate=False)(z, y)  # no check, no NaN: the zero row stays 0
    assert bool(torch.isfinite(value))


def test_tiny_but_nonzero_rows_are_normalised_not_refused():
    z, y, _ = make_batch(6, 4, seed=42)
    tiny = z.clone()
    tiny[2] *= 1e-200  # ||z_2|| ~ 1e-200 < 1e-12: F.normalize would have shrunk it to ~1e-188
    torch.testing.assert_close(get_loss("supcon_any")(tiny, y), get_loss("supcon_any")(z, y), rtol=1e-12, atol=0)


# (c) scale invariance up to the dtype's max ------------------------------------------------

def _scales(dtype):
    """Powers of two (exact in the dtype) to max|z| ~ max/16 and ~ smallest normal x 2^12."""
    fi = torch.finfo(dtype)
    amax = 4.0  # make_batch's normal entries stay below 4 in magnitude
    return [2.0 ** (math.floor(math.log2(fi.max / amax)) - 4), 2.0 ** (math.ceil(math.log2(fi.tiny)) + 12)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", CONTRASTIVE)
def test_contrastive_losses_are_scale_invariant_up_to_the_dtype_max(name, dtype):
    z, y, p = _batch(dtype)
    z.requires_grad_(True)
    ref = _call(name, z, y, p)
    g_ref, = torch.autograd.grad(ref, z)
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == torch.float64 else dict(rtol=2e-5, atol=2e-5)
    # gradients come back in the input dtype: compare to within two of its ulps
    eps = torch.finfo(dtype).eps
    gtol = dict(rtol=1e-12, atol=1e-12) if dtype == torch.float64 else dict(
        rtol=max(2 * eps, 2e-5), atol=max(2 * eps, 2e-5) * float(g_ref.abs().max()))
    for s in _scales(dtype):
        zs = (z.detach() * s).requires_grad_(True)
        assert bool(torch.isfinite(zs).all())
        ps = p * s
        value = _call(name, zs, y, ps)
        g, = torch.autograd.grad(value, zs)
        torch.testing.assert_close(value, ref, **tol)
        assert bool(torch.isfinite(g).all())
        # the loss is 0-homogeneous in z, so its gradient scales as 1/s
        torch.testing.assert_close(g.double() * s, g_ref.double(), **gtol)


def test_large_float32_embeddings_used_to_change_the_loss():
    """The issue's example: |z| ~ 1e20 overflows ||z|| in float32; the value must not move."""
    z, y, _ = make_batch(8, 4, seed=43)
    z32 = z.float()
    for s in (1e20, 1e30, 3e37):
        torch.testing.assert_close(get_loss("base")(z32 * s, y), get_loss("base")(z32, y), rtol=2e-5, atol=2e-5)


# hyper-parameter ranges --------------------------------------------------------------------

def _numeric_ranges():
    out = []
    for name in available_losses():
        for key, h in loss_class(name).HYPER.items():
            if h.valid.startswith("a finite float in") or "finite float" in h.valid:
                text = h.valid.split("[", 1)[1]
                low, high = (float(v) for v in text[:-1].split(", "))
                out.append((name, key, low, high, text.endswith(")")))
    return out


RANGES = _numeric_ranges()


def test_every_numeric_hyper_parameter_has_a_range():
    keys = {(n, k) for n, k, *_ in RANGES}
    assert ("base", "temperature") in keys and ("msc", "beta") in keys and ("asl", "gamma_neg") in keys
    for name in available_losses():
        for key, h in loss_class(name).HYPER.items():
            if isinstance(h.default, (int, float)) and not isinstance(h.default, bool):
                assert (name, key) in keys, (name, key, h.valid)


@pytest.mark.parametrize(("name", "key", "low", "high", "open_high"), RANGES)
def test_values_outside_the_range_or_not_finite_are_refused(name, key, low, high, open_high):
    for bad in (float("nan"), float("inf"), -float("inf"), True, "0.1", low - max(abs(low), 1e-3) * 0.5,
                high if open_high else high * 1.5 + 1):
        with pytest.raises(ValueError, match=rf"loss {name!r}: hyper-parameter {key}=.* is invalid; expected (None or )?a finite float in"):
            get_loss(name, **{key: bad})


def _adversarial_float32_batch():
    z, y, p = make_batch(12, 5, 6, seed=44, unlabeled=True)
    z[5] = z[4]  # identical embeddings (cosine exactly 1)
    z[6] = -z[4]  # opposite ones
    return (z * 1e3).float(), y.float(), p.float()


@pytest.mark.parametrize(("name", "key", "low", "high", "open_high"), RANGES)
def test_losses_and_gradients_are_finite_in_float32_at_the_range_ends(name, key, low, high, open_high):
    z, y, p = _adversarial_float32_batch()
    logits = torch.cat([z[:, :5] * 1e30, torch.zeros(12, 0)], 1)  # saturated logits
    ends = [low, high * (1 - 1e-9) if open_high else high]
    for value in ends:
        loss = get_loss(name, **{key: value})
        for dtype in (torch.float16, torch.bfloat16, torch.float32):
            if loss.kind == "supervised":
                x = logits.clamp(-6e4, 6e4).to(dtype).requires_grad_(True)
                out = loss(x, y)
                grads = torch.autograd.grad(out, x)
            else:
                zz = z.to(dtype).requires_grad_(True)
                pp = p.to(dtype).requires_grad_(True)
                out = loss(zz, y, prototypes=pp if loss.uses_prototypes else None)
                grads = torch.autograd.grad(out, [zz, pp] if loss.uses_prototypes else [zz])
            assert bool(torch.isfinite(out)), (name, key, value, dtype, out)
            assert all(bool(torch.isfinite(g).all()) for g in grads), (name, key, value, dtype)


def test_reg_at_a_small_temperature_is_finite():
    """Regression: the REG term took exp(log σ) on the anchor's own column (log σ up to 2/τ),
    which overflowed float32 below τ ≈ 0.023 and gave NaN (inf · 0)."""
    z, y, p = _adversarial_float32_batch()
    z.requires_grad_(True)
    value = get_loss("reg", temperature=1e-3)(z, y, prototypes=p)
    g, = torch.autograd.grad(value, z)
    assert bool(torch.isfinite(value)) and bool(torch.isfinite(g).all())
    pw = loss_pair_weights("reg", y, z.detach(), prototypes=p, temperature=1e-3)
    assert bool(torch.isfinite(pw.sigma).all())
    # rows sum to 1 up to the float32 rounding of logits of size 1/τ = 1e3 (≈ 6e-5)
    torch.testing.assert_close(pw.sigma.sum(1), torch.ones(pw.sigma.shape[0]), rtol=2e-4, atol=2e-4)

"""Fused weighted softmax cross-entropy over scaled dot products: the fast paths of ``proto`` and ``mulsupcon``.

For anchors a (A, D), candidates c (C, D), logits u = s · a cᵀ (s = 1/τ), per-anchor masses
r (A,) and optional positive weights W_ij = w_ij · k_i (w (A, C), k (A,)), all constants:

    ℓ_i = r_i · log Σ_{m ∈ D(i)} exp(u_im) − Σ_j W_ij u_ij        (paper.md §3, engine form)

D(i) = every candidate, or every candidate but the anchor itself (m ≠ i) with
``exclude_self``. This is −Σ_j W_ij log σ_ij whenever r_i = Σ_j W_ij; callers that know the
linear term in closed form (MulSupCon) pass w=None and subtract it themselves. With
``normalize=True`` a and c are raw embeddings, L2-normalised inside like ``F.normalize``
(eps 1e-12; rows beyond float range rescaled first, see :func:`_normalize`), gradients included.

Why a custom autograd function: ∂ℓ_i/∂u_ij = r_i σ_ij − W_ij and σ = exp(u − max)/Σ is the
one (A, C) buffer the forward pass already fills (in place of u), so the backward pass is a
single scaled pass plus the two products; the temperature rides in the matrix products'
scaling, the normalisation backward is one (N, D) projection. Autograd would record 3–6 more
full passes (measured in ``benchmarks/bench_losses.py``). Only first derivatives
(no double backward). Rows whose denominator is empty (C = 1 with ``exclude_self``) get a
finite ``≈ finfo.min · r_i``: callers give such anchors r_i = 0.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor

from ._validation import diagnose_embeddings

#: Largest A for which the in-batch backward adds ∂u + ∂uᵀ (A, A) before one product; a
#: transposed add stops fitting the CPU caches beyond (measured: 0.55 ms vs a 1.5 ms product at
#: A = 768, 3.5 ms vs 2.8 ms at A = 1024), so larger batches (and CUDA) take the two products.
SYMMETRIC_ADD_MAX = 768
NORM_EPS = 1e-12  # F.normalize's eps; rows with a norm below it (or an infinite norm) are rescaled first


def _normalize(x: Tensor, always_rescale: bool | None = None, check_name: str | None = None
               ) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
    """(x̂, den (N, 1), unclamped (N, 1) | None, scale (N, 1) | None): x̂ = F.normalize(x / scale),
    den = ‖x/scale‖ ∨ eps; None stands for "every row" / "scale 1" (the common case, no work).

    Overflow/underflow policy (the losses' normalisation, issue 15 part 4): a row whose norm is
    < eps or overflows to inf (|x| ≳ 1.8e19 in float32) is first divided by its max-abs entry
    (a constant: the direction is scale-invariant), every other row gets scale 1 and exactly
    ``F.normalize``'s value. All-zero rows stay 0 (the losses' input checks refuse them with ``validate=True``).
    ``always_rescale`` (default: on CUDA) computes the scales without a host synchronisation;
    otherwise one (min, max) of the norms decides on the host whether any row needs one.
    ``check_name`` (the input's name; forces the host read): that read also validates x —
    a NaN, an infinite entry or an all-zero row raises the losses' error
    (:func:`~mlcl_lab.losses._validation.diagnose_embeddings`), at no extra pass.
    """
    norm = torch.linalg.vector_norm(x, dim=1, keepdim=True)
    if always_rescale is None:
        always_rescale = x.device.type != "cpu" and check_name is None
    if not always_rescale:
        if x.shape[0] == 0:
            return x, norm, None, None
        lo, hi = torch.stack(torch.aminmax(norm)).tolist()
        if lo >= NORM_EPS and hi < math.inf:                   # every row in range: plain F.normalize
            return x / norm, norm, None, None
        if check_name is not None:                             # NaN, inf or zero rows raise here
            diagnose_embeddings(x, check_name, True, None)
    outside = (norm < NORM_EPS) | torch.isinf(norm)
    amax = x.abs().amax(dim=1, keepdim=True)
    scale = torch.where(outside & (amax > 0), amax, torch.ones_like(amax))
    x = x / scale
    norm = torch.linalg.vector_norm(x, dim=1, keepdim=True)
    den = norm.clamp_min(NORM_EPS)
    return x / den, den, norm > NORM_EPS, scale


def _normalize_backward(g: Tensor, xn: Tensor, den: Tensor, unclamped: Tensor | None,
                        scale: Tensor | None) -> Tensor:
    """Gradient of F.normalize(x / scale): (g − x̂ (x̂·g)) / ‖x/scale‖ / scale (g / eps / scale where clamped)."""
    radial = (xn * g).sum(1, keepdim=True)
    if unclamped is not None:
        radial = radial * unclamped
    grad = (g - xn * radial) / den
    return grad if scale is None else grad / scale


class _UnitRows(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: Tensor, check_name: str | None) -> Tensor:
        xn, den, unclamped, scale = _normalize(x, check_name=check_name)
        ctx.save_for_backward(xn, den, unclamped, scale)
        return xn

    @staticmethod
    def backward(ctx, g: Tensor) -> Tensor:
        return _normalize_backward(g, *ctx.saved_tensors), None


def unit_rows(x: Tensor, check_name: str | None = None) -> Tensor:
    """Rows of x (N, D) scaled to unit L2 norm with the policy of :func:`_normalize`, differentiable
    (``check_name``: validate x's values on the way, see :func:`_normalize`)."""
    return _UnitRows.apply(x, check_name)


def _softmax_xent_forward(a: Tensor, c: Tensor, scale: float, r: Tensor, w: Tensor | None, k: Tensor | None,
                          exclude_self: bool) -> tuple[Tensor, Tensor, Tensor]:
    """(ℓ (A,), e = exp(u − max) (A, C), Σ_m e (A, 1)) of the module docstring's formula."""
    u = torch.addmm(a.new_zeros(()), a, c.T, beta=0, alpha=scale)   # s · a cᵀ in one product
    if exclude_self:
        u.diagonal().fill_(torch.finfo(u.dtype).min)
    linear = None
    if w is not None:
        linear = (w * u).sum(1)
        if k is not None:
            linear = linear * k
    m = u.amax(1, keepdim=True)
    e = u.sub_(m).exp_()                                       # in place: u is not needed any more
    s = e.sum(1, keepdim=True)
    out = r * (s.log() + m).squeeze(1)
    if linear is not None:
        out = out - linear
    return out, e, s


def _grad_logits(gs: Tensor, r: Tensor, w: Tensor | None, k: Tensor | None, e: Tensor, s: Tensor) -> Tensor:
    """∂ℓ/∂(a cᵀ) (A, C) given gs = g · scale (A,): s · (r_i σ_ij − W_ij) g_i (the temperature
    folded into O(A) factors)."""
    grad_u = e * ((r * gs).unsqueeze(1) / s)                   # s · r_i σ_ij g_i
    if w is not None:
        grad_u.sub_(w * (gs if k is None else gs * k).unsqueeze(1))   # − s · W_ij g_i
    return grad_u


class _WeightedSoftmaxXent(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a: Tensor, c: Tensor, scale: float, r: Tensor, w: Tensor | None, k: Tensor | None,
                exclude_self: bool, normalize: bool, check_names: tuple[str, str] | None) -> Tensor:
        if normalize:
            a, *a_norm = _normalize(a, check_name=check_names and check_names[0])
            c, *c_norm = _normalize(c, check_name=check_names and check_names[1])
        out, e, s = _softmax_xent_forward(a, c, scale, r, w, k, exclude_self)
        ctx.scale, ctx.normalize = scale, normalize
        saved = [a, c, r, w, k, e, s]
        if normalize:
            saved += a_norm + c_norm
        ctx.save_for_backward(*saved)
        return out

    @staticmethod
    def backward(ctx, g: Tensor):
        a, c, r, w, k, e, s, *norm = ctx.saved_tensors
        grad_u = _grad_logits(g * ctx.scale, r, w, k, e, s)
        grad_a = grad_u @ c if ctx.needs_input_grad[0] else None
        grad_c = grad_u.T @ a if ctx.needs_input_grad[1] else None
        if ctx.normalize:
            grad_a = None if grad_a is None else _normalize_backward(grad_a, a, *norm[:3])
            grad_c = None if grad_c is None else _normalize_backward(grad_c, c, *norm[3:])
        return grad_a, grad_c, None, None, None, None, None, None, None


class _SharedSoftmaxXent(torch.autograd.Function):
    """:class:`_WeightedSoftmaxXent` with the anchors as candidates (c = a): one normalisation
    and, up to :data:`SYMMETRIC_ADD_MAX` anchors on the CPU, one backward product ∂a = (∂u + ∂uᵀ) a."""

    @staticmethod
    def forward(ctx, a: Tensor, scale: float, r: Tensor, w: Tensor | None, k: Tensor | None,
                exclude_self: bool, normalize: bool, check_name: str | None) -> Tensor:
        if normalize:
            a, *a_norm = _normalize(a, check_name=check_name)
        out, e, s = _softmax_xent_forward(a, a, scale, r, w, k, exclude_self)
        ctx.scale, ctx.normalize = scale, normalize
        ctx.save_for_backward(a, r, w, k, e, s, *(a_norm if normalize else []))
        return out

    @staticmethod
    def backward(ctx, g: Tensor):
        a, r, w, k, e, s, *norm = ctx.saved_tensors
        grad_u = _grad_logits(g * ctx.scale, r, w, k, e, s)
        if a.device.type == "cpu" and a.shape[0] <= SYMMETRIC_ADD_MAX:
            grad_a = (grad_u + grad_u.T) @ a                   # both roles of a in u = s · a aᵀ
        else:
            grad_a = torch.addmm(grad_u @ a, grad_u.T, a)
        if ctx.normalize:
            grad_a = _normalize_backward(grad_a, a, *norm)
        return grad_a, None, None, None, None, None, None, None


def weighted_softmax_xent(a: Tensor, c: Tensor | None, r: Tensor, w: Tensor | None = None, k: Tensor | None = None, *,
                          scale: float = 1.0, exclude_self: bool = False, normalize: bool = False,
                          check_names: tuple[str, str] | None = None) -> Tensor:
    """Per-anchor ℓ (A,) = r_i lse_{m∈D(i)}(u_im) − k_i Σ_j w_ij u_ij, u = scale · â ĉᵀ (module docstring).

    a (A, D), c (C, D) differentiable (raw if ``normalize``, else used as given); ``c=None``:
    the candidates are the anchors themselves (C = A, in-batch contrast), normalised once
    (and, for small batches on the CPU, one backward product (∂u + ∂uᵀ) â instead of two). r (A,),
    w (A, C), k (A,) are constants (detached; w=None: no linear term, k=None: k_i = 1).
    With ``exclude_self`` candidate i is anchor i (i < min(A, C)) and leaves the denominator
    (w_ii must then be 0). ``check_names`` (with ``normalize``): validate a and c's values
    during their normalisation, naming them so in errors (:func:`_normalize`).
    """
    shared = c is None
    c_shape = a.shape if c is None else c.shape
    if a.dim() != 2 or len(c_shape) != 2 or a.shape[1] != c_shape[1]:
        raise ValueError(f"a (A, D) and c (C, D) must share D, got {tuple(a.shape)} and {tuple(c_shape)}")
    if r.shape != (a.shape[0],):
        raise ValueError(f"r must have shape ({a.shape[0]},), got {tuple(r.shape)}")
    if w is not None and w.shape != (a.shape[0], c_shape[0]):
        raise ValueError(f"w must have shape ({a.shape[0]}, {c_shape[0]}), got {tuple(w.shape)}")
    if k is not None and (w is None or k.shape != (a.shape[0],)):
        raise ValueError(f"k needs w and shape ({a.shape[0]},), got {tuple(k.shape)}")
    if c_shape[0] == 0:
        raise ValueError("weighted_softmax_xent needs at least one candidate")
    w = None if w is None else w.detach()
    k = None if k is None else k.detach()
    if shared:
        return _SharedSoftmaxXent.apply(a, float(scale), r.detach(), w, k, exclude_self, normalize,
                                        check_names and check_names[0])
    return _WeightedSoftmaxXent.apply(a, c, float(scale), r.detach(), w, k, exclude_self, normalize, check_names)


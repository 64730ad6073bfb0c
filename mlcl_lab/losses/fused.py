"""Fused weighted softmax cross-entropy over dot products, used by the fast paths of ``proto`` and ``mulsupcon``.

For anchors a (A, D), candidates c (C, D), logits u = a cᵀ (temperature already folded into a),
per-anchor masses r (A,) and optional positive weights W (A, C), all without gradient:

    ℓ_i = r_i · log Σ_{k ∈ D(i)} exp(u_ik) − Σ_j W_ij u_ij        (paper.md §3, engine form)

where D(i) is every candidate, or every candidate except the anchor itself (k ≠ i) when
``exclude_self``. This equals −Σ_j W_ij log σ_ij whenever r_i = Σ_j W_ij; callers that know the
linear term in closed form (MulSupCon) pass W=None and subtract it themselves.

Why a custom autograd function: the gradient is ∂ℓ_i/∂u_ij = r_i σ_ij − W_ij, and σ is
exp(u − max) / Σ already computed in the forward pass; keeping that one (A, C) buffer avoids
the extra exp, subtraction and masking passes autograd would record (2–3 fewer full passes
over the (A, C) matrix; measured in ``benchmarks/bench_losses.py``). Only first derivatives
are provided (no double backward). Rows whose denominator is empty (A = 1 = C with
``exclude_self``) get a finite ``≈ finfo.min · r_i``: callers give such anchors r_i = 0.
"""
from __future__ import annotations

import torch
from torch import Tensor


class _WeightedSoftmaxXent(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a: Tensor, c: Tensor, r: Tensor, w: Tensor | None, exclude_self: bool) -> Tensor:
        u = a @ c.T
        if exclude_self:
            u.diagonal().fill_(torch.finfo(u.dtype).min)
        linear = (w * u).sum(1) if w is not None else None
        m = u.amax(1, keepdim=True)
        e = u.sub_(m).exp_()                                   # in place: u is not needed any more
        s = e.sum(1, keepdim=True)
        out = r * (s.log() + m).squeeze(1)
        if linear is not None:
            out = out - linear
        ctx.save_for_backward(a, c, r, w, e, s)
        return out

    @staticmethod
    def backward(ctx, g: Tensor):
        a, c, r, w, e, s = ctx.saved_tensors
        grad_u = e * ((r * g).unsqueeze(1) / s)                # r_i σ_ij g_i
        if w is not None:
            grad_u.sub_(w * g.unsqueeze(1))                    # − W_ij g_i
        grad_a = grad_u @ c if ctx.needs_input_grad[0] else None
        grad_c = grad_u.T @ a if ctx.needs_input_grad[1] else None
        return grad_a, grad_c, None, None, None


def weighted_softmax_xent(a: Tensor, c: Tensor, r: Tensor, w: Tensor | None = None, *,
                          exclude_self: bool = False) -> Tensor:
    """Per-anchor ℓ (A,) = r_i lse_{k∈D(i)}(a_i·c_k) − Σ_j W_ij a_i·c_j (see the module docstring).

    a (A, D), c (C, D) differentiable; r (A,), w (A, C) or None are treated as constants.
    With ``exclude_self`` candidate i is anchor i (i < min(A, C)) and leaves the denominator
    (W_ii must then be 0).
    """
    if a.dim() != 2 or c.dim() != 2 or a.shape[1] != c.shape[1]:
        raise ValueError(f"a (A, D) and c (C, D) must share D, got {tuple(a.shape)} and {tuple(c.shape)}")
    if r.shape != (a.shape[0],):
        raise ValueError(f"r must have shape ({a.shape[0]},), got {tuple(r.shape)}")
    if w is not None and w.shape != (a.shape[0], c.shape[0]):
        raise ValueError(f"w must have shape ({a.shape[0]}, {c.shape[0]}), got {tuple(w.shape)}")
    if c.shape[0] == 0:
        raise ValueError("weighted_softmax_xent needs at least one candidate")
    return _WeightedSoftmaxXent.apply(a, c, r.detach(), None if w is None else w.detach(), exclude_self)

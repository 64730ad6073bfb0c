"""Fused forward/backward of the ``zlpr`` loss on logits (Su et al. 2022).

For binary targets y (B, L) ZLPR depends on the logits only through the signed logit
s = x (1 − 2y) (−x on the positives, x on the negatives), computed in one pass
(``addcmul(x, x, y, value=-2)``, exact: 2xy and x − 2x are exact in floating point). Per row,
log(1 + Σ_{pos} e^{s}) + log(1 + Σ_{neg} e^{s}), each group shifted by its own detached max
m ∨ 0 (so neither sum over- nor underflows, whatever the other group's range), one
exponential per cell; ∂/∂x_l = ∓ e^{s_l − m}/(e^{−m} + Σ).

Why a custom autograd function: autograd would record every intermediate pass and a
log-sum-exp backward per group; here the forward keeps only the two masked exponentials the
gradient needs and the backward is two element-wise passes (1.4–2× faster than the authors'
formulation on CPU, ``benchmarks/bench_losses.py``). First derivatives only. Targets must be
binary (the loss validates them; ``validate=False`` trusts the caller).

``bce`` keeps torch's ``binary_cross_entropy_with_logits``: a fused BCE measured here was
only faster from ~1M cells on, and it would change bce runs' rounding (bit-identity with the
authors' loss and earlier versions is tested).
"""
from __future__ import annotations

import torch
from torch import Tensor



class _ZlprMean(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: Tensor, y: Tensor) -> Tensor:
        s = torch.addcmul(x, x, y, value=-2.0)
        s_pos = s * y                                             # s on the positives, 0 elsewhere
        s_neg = s - s_pos                                         # s on the negatives, 0 elsewhere
        m_pos = s_pos.amax(1).clamp_min_(0)                       # group max ∨ 0 (the "1" term)
        m_neg = s_neg.amax(1).clamp_min_(0)
        # each cell's group max; lerp is exact at weights 0 and 1 (a + y (b − a) is not: at
        # |m| ~ 1e24 its rounding would shift the group's largest term off 0 and overflow exp)
        shift = torch.lerp(m_neg.unsqueeze(1).expand_as(y), m_pos.unsqueeze(1).expand_as(y), y)
        e = s.sub_(shift).exp_()                                  # <= 1 everywhere
        e_pos = e * y
        e_neg = e.sub_(e_pos)
        d_pos = e_pos.sum(1) + (-m_pos).exp()                     # e^{−m} (1 + Σ_pos e^{s})
        d_neg = e_neg.sum(1) + (-m_neg).exp()
        rows = m_pos + d_pos.log() + m_neg + d_neg.log()
        ctx.save_for_backward(e_pos, e_neg, d_pos, d_neg)
        return rows.mean()

    @staticmethod
    def backward(ctx, g: Tensor):
        e_pos, e_neg, d_pos, d_neg = ctx.saved_tensors
        per_row = g / e_pos.shape[0]
        grad = e_pos * (-per_row / d_pos).unsqueeze(1)
        return grad.addcmul_(e_neg, (per_row / d_neg).unsqueeze(1)), None


def zlpr_mean(x: Tensor, y: Tensor) -> Tensor:
    """mean over rows of the ZLPR loss of x (B, L) against binary y (B, L) (module docstring)."""
    return _ZlprMean.apply(x, y.detach())

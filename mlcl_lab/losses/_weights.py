"""Positive-weight matrices built from multi-hot labels with matrix products, O(A·C + (A+C)·L) memory.

Conventions: ``ya`` (A, L) anchor labels, ``yc`` (C, L) candidate labels, float;
``self_mask`` (A, C) bool marks the candidate that *is* the anchor (excluded everywhere).
The positive rules (any / all / Jaccard) live in :mod:`mlcl_lab.core.positives`, shared
with the alignment metric; the loss-specific weightings are here.
"""
from __future__ import annotations

import torch
from torch import Tensor

from ..core.positives import all_positive, any_positive, intersections, jaccard, unions
from ._engine import EPS

__all__ = ["all_positive", "any_positive", "intersections", "jaccard_weights", "overlap_factor",
           "per_label_normalised", "safe_div", "uniform_over", "unions"]


def safe_div(num: Tensor, den: Tensor) -> Tensor:
    """num / den with 0 where den == 0 (used for samples without labels)."""
    return torch.where(den > 0, num / torch.where(den > 0, den, torch.ones_like(den)), torch.zeros_like(num))


def jaccard_weights(ya: Tensor, yc: Tensor, self_mask: Tensor) -> Tensor:
    """``base``: J_ij = |∩|/(|∪| + EPS), W_ij = J_ij / (Σ_k J_ik + EPS) (authors' EPS placement)."""
    jac = jaccard(ya, yc, eps=EPS) * (~self_mask).to(ya.dtype)
    return jac / (jac.sum(1, keepdim=True) + EPS)


def uniform_over(pos: Tensor, dtype: torch.dtype) -> Tensor:
    """W_ij = 1[pos_ij] / |P_i| (0 for rows without positives)."""
    p = pos.to(dtype)
    return safe_div(p, p.sum(1, keepdim=True))


def overlap_factor(ya: Tensor, yc: Tensor, self_mask: Tensor, alpha: float) -> Tensor:
    """f_ij = (|Y_i ∩ Y_j| / |Y_j|)^α, α < 0 → 1[Y_j ⊆ Y_i] (hard threshold); 0 on self pairs.

    The authors' docstring says (1 − x)^α; their code (and this function) computes x^α.
    Candidates without labels get x = 0 instead of the code's 0/0 = NaN.
    """
    x = safe_div(intersections(ya, yc), yc.sum(1).unsqueeze(0).expand(ya.shape[0], -1))
    if alpha < 0:
        f = (x >= 1 - EPS).to(x.dtype)
    else:
        f = x**alpha
    return f * (~self_mask).to(x.dtype)


def per_label_normalised(ya: Tensor, yc: Tensor, f: Tensor) -> Tensor:
    """``mscwrg``: M_il = Σ_j f_ij y_il y_jl,  W_ij = (1/|Y_i|) Σ_l f_ij y_il y_jl / (M_il + EPS).

    Written as M = Y_a ⊙ (F Y_c) and W = F ⊙ ((Y_a ⊘ (M + EPS)) Y_cᵀ): no (A, C, L) tensor.
    """
    m = ya * (f @ yc)
    w = f * ((ya / (m + EPS)) @ yc.T)
    return safe_div(w, ya.sum(1, keepdim=True))

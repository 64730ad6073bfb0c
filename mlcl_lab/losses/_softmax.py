"""Masked log-softmax over candidates (logsumexp with dtype-aware masking, never log(softmax))."""
from __future__ import annotations

import torch
from torch import Tensor


def masked_logsumexp(logits: Tensor, member: Tensor, log_weight: Tensor | None = None) -> Tensor:
    """log Σ_{k: member[i,k]} ω_ik exp(logits[i,k]) per row; shape (A, 1).

    Non-members are filled with ``finfo(dtype).min`` so a row without members gives
    ``≈ finfo.min`` (finite); callers mark such rows invalid.
    """
    x = logits if log_weight is None else logits + log_weight
    x = x.masked_fill(~member, torch.finfo(x.dtype).min)
    return torch.logsumexp(x, dim=1, keepdim=True)


def masked_log_softmax(logits: Tensor, member: Tensor, log_weight: Tensor | None = None) -> Tensor:
    """log σ_ij = u_ij − log Σ_{k ∈ denominator(i)} ω_ik exp(u_ik); shape (A, C).

    The numerator is the un-weighted logit (as in ABALONE's β-weighted denominator);
    entries outside the denominator still get a finite value (they carry zero weight).
    """
    return logits - masked_logsumexp(logits, member, log_weight)

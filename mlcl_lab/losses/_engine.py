"""Weighted multi-positive contrastive objective shared by every contrastive loss.

For anchors i (rows) and candidates j (columns) with logits u_ij = s_ij / τ, a
positive-weight matrix W (no gradient), a denominator membership mask D and optional
repulsion weights ω (ABALONE's β):

    log σ_ij = u_ij − log Σ_{k: D_ik} ω_ik exp(u_ik)
    ℓ_i      = −Σ_j W_ij log σ_ij                       (per-anchor loss)
    ℓ_i^REG  = ℓ_i − Σ_{j: W_ij>0} sg[(σ_ij − W_ij)_+] u_ij   (paper.md §3.10)
    L        = Σ_{i counted} ℓ_i / divisor

Memory: O(A·C); every weight matrix is built with matrix products (no (A, C, L) tensor).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from ._softmax import masked_log_softmax

EPS = 1e-8  # the authors' epsilon (paper.md §3.0), used exactly where their code puts it
POLICIES = ("skip", "include")


@dataclass
class PairTerms:
    """Everything a loss contributes; shapes (A, C) unless noted.

    logits:     u_ij = s_ij/τ (differentiable).
    weights:    W_ij ≥ 0 positive weights (detached, float of the logits' dtype).
    denom:      bool, candidates inside anchor i's softmax denominator.
    log_omega:  additive log-weights of the denominator, (A, C) or (1, C), or None.
    unit:       (A,) how much each counted anchor adds to the divisor (1, or |Y_i| for MulSupCon).
    divisor_eps: constant added to the divisor (the authors' EPS for ``base``).
    reg:        add the REG stop-gradient term.
    anchor_z, cand_z: normalised anchor (A, D) / candidate (C, D) embeddings with
                logits = anchor_z @ cand_zᵀ / τ (used by the gradient analysis).
    """

    logits: Tensor
    weights: Tensor
    denom: Tensor
    log_omega: Tensor | None
    unit: Tensor
    divisor_eps: float = 0.0
    reg: bool = False
    anchor_z: Tensor | None = None
    cand_z: Tensor | None = None


def apply_decoupled(terms: PairTerms) -> PairTerms:
    """DCL-style variant: every positive (W_ij > 0) is removed from anchor i's denominator."""
    terms.denom = terms.denom & ~(terms.weights > 0)
    return terms


def valid_anchors(terms: PairTerms) -> Tensor:
    """(A,) bool: anchors with ≥1 positive and a non-empty denominator."""
    return (terms.weights.sum(dim=1) > 0) & terms.denom.any(dim=1)


def counted_anchors(terms: PairTerms, policy: str) -> Tensor:
    """(A,) bool: anchors that count in the divisor under ``policy`` ('skip' | 'include')."""
    if policy == "skip":
        return valid_anchors(terms)
    return torch.ones_like(terms.unit, dtype=torch.bool)


def per_anchor_loss(terms: PairTerms) -> tuple[Tensor, Tensor, Tensor]:
    """Return (ℓ (A,), log σ (A, C), valid (A,)); invalid anchors get ℓ_i = 0 (still in the graph)."""
    valid = valid_anchors(terms)
    w = terms.weights * valid.unsqueeze(1).to(terms.weights.dtype)
    log_sigma = masked_log_softmax(terms.logits, terms.denom, terms.log_omega)
    loss = -(w * log_sigma).sum(dim=1)
    if terms.reg:
        # σ only on positives: outside the denominator (the anchor's own column) log σ can
        # reach 2/τ, and exp would overflow in float32 for τ < 0.023 (then inf · 0 = NaN)
        pos = w > 0
        sigma = torch.where(pos, log_sigma.detach(), torch.zeros_like(log_sigma)).exp()
        r = torch.where(pos, torch.clamp(sigma - w, min=0.0), torch.zeros_like(w))
        loss = loss - (r * terms.logits).sum(dim=1)
    return loss, log_sigma, valid


def reduce_terms(terms: PairTerms, policy: str) -> Tensor:
    """Scalar loss Σ_{counted} ℓ_i / (Σ_{counted} unit_i + divisor_eps).

    The divisor is an integer count (≥ 1 whenever some anchor counts); it is clamped at 1
    so that when no anchor counts the result is Σ 0·ℓ_i: an exact zero still connected to
    the graph (zero gradients, never NaN), without a host–device synchronisation.
    """
    loss, _, _ = per_anchor_loss(terms)
    counted = counted_anchors(terms, policy).to(loss.dtype)
    divisor = (terms.unit * counted).sum() + terms.divisor_eps
    return (loss * counted).sum() / divisor.clamp_min(1.0)


def make_terms(anchor_z: Tensor, cand_z: Tensor, temperature: float, weights: Tensor, denom: Tensor,
               log_omega: Tensor | None = None, unit: Tensor | None = None, **kw: object) -> PairTerms:
    """Build :class:`PairTerms` with logits u = anchor_z cand_zᵀ / τ (unit defaults to 1 per anchor)."""
    if unit is None:
        unit = torch.ones(anchor_z.shape[0], dtype=anchor_z.dtype, device=anchor_z.device)
    return PairTerms(logits=anchor_z @ cand_z.T / temperature, weights=weights, denom=denom,
                     log_omega=log_omega, unit=unit, anchor_z=anchor_z, cand_z=cand_z, **kw)

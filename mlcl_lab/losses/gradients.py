"""Gradient analysis (paper.md §4): positive weights W, softmax σ and the three gradient components.

For anchor i with weights W_ij (row sum r_i) and denominator softmax mass p_ij
(= ω_ij e^{u_ij} / Σ_k ω_ik e^{u_ik} on denominator members, 0 elsewhere), the gradient of
ℓ_i w.r.t. the logit u_ij = ẑ_i·c_j/τ is r_i p_ij − W_ij. Split over candidates:
  attraction to positives       a_ij = (W_ij − r_i p_ij)_+        (W_ij > 0)
  repulsion from negatives      n_ij = r_i p_ij                   (W_ij = 0)
  repulsion between positives   q_ij = (r_i p_ij − W_ij)_+        (W_ij > 0; 0 for ``reg``)
and ∂L/∂ẑ_i = (1/τ) Σ_j (−a_ij + n_ij + q_ij) c_j / divisor, taken w.r.t. the normalised
anchor embedding with candidates held fixed (the anchor role only; candidates that are
batch samples get the symmetric terms through their own rows).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from ._engine import PairTerms, counted_anchors, valid_anchors
from ._module import ContrastiveLoss
from ._registry import get_loss
from ._softmax import masked_log_softmax


@dataclass
class PairWeights:
    """W (A, C) positive weights, sigma (A, C) denominator softmax mass ω_ij e^{u_ij}/Σ_k ω_ik e^{u_ik}
    (rows sum to 1 over the denominator, 0 outside; = the plain softmax when ω = 1; None without z),
    denom (A, C) bool, valid (A,) anchors with positives, counted (A,) anchors in the divisor,
    divisor (scalar, clamped at 1 as in the loss), anchor_z (A, D) / cand_z (C, D) normalised embeddings (None without z)."""

    W: Tensor
    sigma: Tensor | None
    denom: Tensor
    valid: Tensor
    counted: Tensor
    divisor: Tensor
    anchor_z: Tensor | None
    cand_z: Tensor | None
    temperature: float
    reg: bool


@dataclass
class GradientComponents:
    """Coefficients (A, C), already divided by the divisor; ``*_norm`` = coefficient/τ
    (norm of each pair's gradient vector, candidates are unit vectors); ``*_vec`` (A, D)
    per-anchor summed gradient contributions; ``grad`` = their sum (∂L/∂ẑ_i)."""

    weights: PairWeights
    attraction: Tensor
    repulsion_neg: Tensor
    repulsion_pos: Tensor
    attraction_norm: Tensor
    repulsion_neg_norm: Tensor
    repulsion_pos_norm: Tensor
    attraction_vec: Tensor
    repulsion_neg_vec: Tensor
    repulsion_pos_vec: Tensor
    grad: Tensor


def _loss(loss: str | ContrastiveLoss, hyper: dict) -> ContrastiveLoss:
    obj = get_loss(loss, **hyper) if isinstance(loss, str) else loss
    if getattr(obj, "kind", None) != "contrastive":
        raise ValueError(f"gradient analysis needs a contrastive loss, got {loss!r}")
    return obj


def _terms(obj: ContrastiveLoss, y: Tensor, z: Tensor | None, prototypes: Tensor | None,
           ref_z: Tensor | None, ref_y: Tensor | None) -> tuple[PairTerms, bool]:
    have_z = z is not None
    if not have_z:                       # weights only: dummy embeddings of dimension 1
        z = torch.ones(y.shape[0], 1, dtype=torch.float64, device=y.device)
        prototypes = torch.ones(y.shape[1], 1, dtype=torch.float64, device=y.device) if obj.uses_prototypes else None
        ref_z = torch.ones(ref_y.shape[0], 1, dtype=torch.float64, device=y.device) if ref_y is not None else None
    return obj.terms(z, y, prototypes=prototypes, ref_z=ref_z, ref_y=ref_y), have_z


def loss_pair_weights(loss: str | ContrastiveLoss, y: Tensor, z: Tensor | None = None, *,
                 prototypes: Tensor | None = None, ref_z: Tensor | None = None,
                 ref_y: Tensor | None = None, **hyper: object) -> PairWeights:
    """Positive-weight matrix W and softmax σ of a contrastive loss for one batch (a loss's view).

    Not to be confused with :func:`mlcl_lab.core.positive_weights`, the plain label rule
    (any / all / Jaccard) between two label matrices: here W is the loss's own weighting
    (normalised per anchor, prototypes, EPS placements) with its masks and divisor.

    Rows are anchors (instances, then prototypes for ``mscwrg``/``reg``), columns are
    candidates (in the loss's own order: batch, reference set, prototypes for ``msc``).
    Without ``z`` only W (and masks) are returned.
    """
    obj = _loss(loss, hyper)
    with torch.no_grad():
        t, have_z = _terms(obj, y, z, prototypes, ref_z, ref_y)
        sigma = None
        if have_z:
            lw = t.log_omega if t.log_omega is not None else torch.zeros_like(t.logits[:1])
            log_sigma = masked_log_softmax(t.logits, t.denom, t.log_omega) + lw
            # exp only inside the denominator: outside it log σ can exceed float32's exp range
            sigma = torch.where(t.denom, log_sigma, torch.full_like(log_sigma, float("-inf"))).exp()
        counted = counted_anchors(t, obj.hp["empty_anchors"])
        divisor = ((t.unit * counted.to(t.unit.dtype)).sum() + t.divisor_eps).clamp_min(1.0)
    return PairWeights(W=t.weights, sigma=sigma, denom=t.denom, valid=valid_anchors(t), counted=counted,
                       divisor=divisor, anchor_z=t.anchor_z if have_z else None,
                       cand_z=t.cand_z if have_z else None, temperature=obj.hp["temperature"], reg=t.reg)


def gradient_components(z: Tensor, y: Tensor, loss: str | ContrastiveLoss = "base", *,
                        prototypes: Tensor | None = None, ref_z: Tensor | None = None,
                        ref_y: Tensor | None = None, **hyper: object) -> GradientComponents:
    """The three gradient components of paper.md §4 for every anchor–candidate pair.

    ``loss`` is a name (with ``hyper``, e.g. ``temperature=0.1, alpha=0.5``) or a loss module.
    """
    pw = loss_pair_weights(loss, y, z, prototypes=prototypes, ref_z=ref_z, ref_y=ref_y, **hyper)
    w, p = pw.W, pw.sigma
    scale = (pw.counted.to(w.dtype) * pw.valid.to(w.dtype) / pw.divisor).unsqueeze(1)
    w = w * pw.valid.unsqueeze(1).to(w.dtype)
    rp = w.sum(1, keepdim=True) * p
    pos = w > 0
    zero = torch.zeros_like(w)
    att = torch.where(pos, (w - rp).clamp_min(0), zero) * scale
    neg = torch.where(pos, zero, rp) * scale
    rep = zero if pw.reg else torch.where(pos, (rp - w).clamp_min(0), zero) * scale
    tau, c = pw.temperature, pw.cand_z
    vecs = [-(att @ c) / tau, (neg @ c) / tau, (rep @ c) / tau]
    return GradientComponents(pw, att, neg, rep, att / tau, neg / tau, rep / tau, *vecs, grad=sum(vecs))

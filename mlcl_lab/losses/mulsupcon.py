"""``mulsupcon``: MulSupCon (Zhang & Wu, AAAI 2024; paper.md §3.6).

Every (anchor i, label l ∈ Y_i) is a sub-anchor with positives P_il = candidates carrying l:
    ℓ_il = −(1/(|P_il| + EPS)) Σ_{p∈P_il} log softmax_p(s_ip/τ),
written as one weight matrix W_ij = Σ_{l∈Y_i∩Y_j} 1/(|P_il| + EPS) = ((Y ⊘ (|P|+EPS)) Yᵀ)_ij.

variant="port" (default, the authors' in-batch port): candidates = batch \\ {i} (+ ``ref_z``),
  a sub-anchor without positives contributes 0 but still counts; L = Σ ℓ_il / Σ_i |Y_i|
  (``empty_anchors='include'`` by default, exactly their reduction).
variant="original" (MulSupCon repo): candidates = ``ref_z`` (the batch's keys from the
  momentum encoder in batch order, followed by the queue; without ref_z the batch itself)
  and the anchor's own column is *not* removed: its own key is a positive.
with_weight=True: the original's alternative reduction (1/n) Σ_i (1/|Y_i|) Σ_l ℓ_il.
Shapes: z (B, D), y (B, L), ref_z (R, D), ref_y (R, L). Example::

    get_loss("mulsupcon")(z, y); get_loss("mulsupcon", variant="original")(q, y, ref_z=k, ref_y=y)
"""
from __future__ import annotations

import torch
from torch import Tensor

from . import _hyper as H
from ._engine import EPS, POLICIES, PairTerms, make_terms
from ._module import ContrastiveLoss, contrastive_hyper
from ._pool import instance_candidates
from ._registry import register
from ._weights import safe_div


@register
class MulSupConLoss(ContrastiveLoss):
    name = "mulsupcon"
    description = "MulSupCon: one sub-anchor per (sample, label), mean over sub-anchors"
    HYPER = contrastive_hyper(
        variant=H.choice("port", "original", doc="authors' in-batch port or original MulSupCon")("port"),
        with_weight=H.boolean("average per anchor over its labels (original option)")(False),
    )
    HYPER["empty_anchors"] = H.choice(*POLICIES)("include")

    def pair_terms(self, zn: Tensor, y: Tensor, pn: Tensor | None, rz: Tensor | None,
                   ry: Tensor | None) -> PairTerms:
        if self.variant == "port":
            cz, cy, self_mask = instance_candidates(zn, y, rz, ry)
            count = y.new_ones(1, cy.shape[0]) @ cy - y            # |P_il| over k ≠ i (label l)
            w = ((y / (count * y + EPS)) @ cy.T) * (~self_mask).to(zn.dtype)
            denom = ~self_mask
        else:
            cz, cy = (zn, y) if rz is None else (rz, ry)
            count = y.new_ones(1, cy.shape[0]) @ cy
            w = safe_div(y, count.expand_as(y)) @ cy.T
            denom = torch.ones(zn.shape[0], cz.shape[0], dtype=torch.bool, device=zn.device)
        n_labels = y.sum(1)
        if self.with_weight:
            w = safe_div(w, n_labels.unsqueeze(1).expand_as(w))
            unit = (n_labels > 0).to(zn.dtype)
        else:
            unit = n_labels
        return make_terms(zn, cz, self.temperature, w, denom, unit=unit)

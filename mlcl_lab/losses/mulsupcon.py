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
Shapes: z (B, D), y (B, L), ref_z (R, D), ref_y (R, L).

Fast path (``decoupled=False``), no (B, C) weight matrix and no (Σ|Y|, C) sub-anchor rows:
with a_il = y_il / (|P_il| + EPS) (0 where |P_il| = 0; W = A Y_cᵀ, minus the self column for the port),
    Σ_j W_ij          = r_i = Σ_l a_il |P_il|
    Σ_j W_ij u_ij     = z_i·(A (Y_cᵀ Z_c))_i / τ − (Σ_l a_il y_il) z_i·z_i / τ   (port; the
                        last term removes the anchor's own column)
so ℓ_i = r_i logsumexp_{k∈D(i)} u_ik − Σ_j W_ij u_ij costs one (B, C) log-sum-exp
(:func:`~mlcl_lab.losses.fused.weighted_softmax_xent`) plus O((B + C)·L·D) products.
``pair_terms`` (the explicit W) stays the definition for the gradient analysis and for
``decoupled=True``; the tests check both paths agree. Example::

    get_loss("mulsupcon")(z, y); get_loss("mulsupcon", variant="original")(q, y, ref_z=k, ref_y=y)
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from . import _hyper as H
from ._engine import EPS, POLICIES, PairTerms, make_terms
from ._module import ContrastiveLoss, contrastive_hyper
from ._pool import instance_candidates
from ._registry import register
from ._validation import compute_dtype
from ._weights import safe_div
from .fused import weighted_softmax_xent


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

    def forward(self, z: Tensor, y: Tensor, *, prototypes: Tensor | None = None,
                ref_z: Tensor | None = None, ref_y: Tensor | None = None) -> Tensor:
        """Scalar loss; same value and gradients as the engine form (closed-form fast path)."""
        if self.decoupled:
            return super().forward(z, y, prototypes=prototypes, ref_z=ref_z, ref_y=ref_y)
        self._check(z, y, prototypes, ref_z, ref_y)
        dt = compute_dtype(z)
        with torch.autocast(device_type=z.device.type, enabled=False):
            zn = F.normalize(z.to(dt), dim=-1)
            yf = y.to(dt)
            rz = F.normalize(ref_z.to(dt), dim=-1) if ref_z is not None else None
            ry = ref_y.to(dt) if ref_y is not None else None
            return self._closed_form(zn, yf, rz, ry)

    def _closed_form(self, zn: Tensor, y: Tensor, rz: Tensor | None, ry: Tensor | None) -> Tensor:
        """Σ_counted ℓ_i / Σ_counted unit_i from label sums (module docstring)."""
        port = self.variant == "port"
        if port:
            cz, cy = (zn, y) if rz is None else (torch.cat([zn, rz]), torch.cat([y, ry]))
            count = cy.sum(0, keepdim=True) - y                  # |P_il| over candidates k ≠ i
            # a_il = y_il/(|P_il| + EPS) as the authors; 0 where |P_il| = 0 (that sub-anchor has no
            # positive, so W is unchanged) which keeps the self-column removal below free of
            # the 1/EPS = 1e8 cancellation
            a = torch.where(count > 0, y / (count * y + EPS), torch.zeros_like(y))
        else:
            cz, cy = (zn, y) if rz is None else (rz, ry)
            count = cy.sum(0, keepdim=True).expand_as(y)         # |P_il| over all candidates
            a = safe_div(y, count)
        n_labels = y.sum(1)
        if self.with_weight:
            a = safe_div(a, n_labels.unsqueeze(1).expand_as(a))
            unit = (n_labels > 0).to(zn.dtype)
        else:
            unit = n_labels
        r = (a * count).sum(1)                                   # Σ_j W_ij
        has_denominator = cz.shape[0] > (1 if port else 0)
        valid = (r > 0) & has_denominator
        linear = (zn * (a @ (cy.T @ cz))).sum(1)                 # τ Σ_j W_ij u_ij incl. the self column
        if port:
            linear = linear - (a * y).sum(1) * (zn * zn).sum(1)
        linear = linear / self.temperature
        vf = valid.to(zn.dtype)
        if has_denominator:
            lse = weighted_softmax_xent(zn, cz, r * vf, scale=1.0 / self.temperature, exclude_self=port)
            loss = (lse - linear) * vf
        else:                                                    # B = 1, no candidate: connected zero
            loss = zn.sum(1) * 0.0
        counted = vf if self.empty_anchors == "skip" else torch.ones_like(vf)
        return loss.sum() / (unit * counted).sum().clamp_min(1.0)

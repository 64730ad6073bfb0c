"""``proto``: prototype-only contrastive loss (paper.md §3.5, authors' ``proto``).

ℓ_i = −(1/|Y_i|) Σ_{l∈Y_i} log softmax_l(z_i·p_l/τ) over all L prototypes (cosine
similarities of normalised z and P); L = mean over anchors. No instance–instance term,
so ``ref_z`` is not supported. Shapes: z (B, D), y (B, L), prototypes (L, D). Edge cases:
samples without labels have no positive (skipped by default; the authors' code gives
NaN); prototypes of labels absent from the batch only appear in denominators.

Fast path (``decoupled=False``): with W = Y ⊘ |Y| the per-anchor loss is
ℓ_i = r_i·logsumexp_l(u_il) − Σ_l W_il u_il (r_i = 1 for labelled anchors, 0 otherwise),
computed by :func:`~mlcl_lab.losses.fused.weighted_softmax_xent` (normalisation, temperature
and softmax fused: one (B, L) buffer, no masking since every prototype is a candidate). ``pair_terms`` (the generic engine form)
stays the definition used by the gradient analysis and ``decoupled=True``; the tests check
both paths agree. Example::

    get_loss("proto")(z, y, prototypes=P)
"""
from __future__ import annotations

import torch
from torch import Tensor

from ._engine import PairTerms, make_terms
from ._module import ContrastiveLoss, autocast_off, compute_dtype, contrastive_hyper
from ._registry import register
from ._weights import safe_div
from .fused import weighted_softmax_xent


@register
class ProtoLoss(ContrastiveLoss):
    name = "proto"
    description = "prototype-only loss: softmax of z over label prototypes, averaged over labels"
    uses_prototypes = True
    supports_ref = False
    HYPER = contrastive_hyper()

    def pair_terms(self, zn: Tensor, y: Tensor, pn: Tensor | None, rz: Tensor | None,
                   ry: Tensor | None) -> PairTerms:
        w = safe_div(y, y.sum(1, keepdim=True))
        ones = torch.ones_like(y, dtype=torch.bool)
        return make_terms(zn, pn, self.temperature, w, ones)

    def forward(self, z: Tensor, y: Tensor, *, prototypes: Tensor | None = None,
                ref_z: Tensor | None = None, ref_y: Tensor | None = None) -> Tensor:
        """Scalar loss; same value and gradients as the engine form (fused fast path)."""
        if self.decoupled:
            return super().forward(z, y, prototypes=prototypes, ref_z=ref_z, ref_y=ref_y)
        self._check(z, y, prototypes, ref_z, ref_y, deferred=("z", "prototypes"))
        dt = compute_dtype(z)
        with autocast_off(z.device.type):
            yf = y.to(dt)
            n_labels = yf.sum(1)
            valid = (n_labels > 0).to(dt)                       # anchors with ≥ 1 positive
            inv_n = 1.0 / n_labels.clamp_min(1)                  # W = Y ⊘ |Y| (0 rows stay 0)
            loss = weighted_softmax_xent(z.to(dt), prototypes.to(dt), valid, yf, inv_n,
                                         scale=1.0 / self.temperature, normalize=True,
                                         check_names=("z", "prototypes") if self.validate else None)
            divisor = valid.sum() if self.empty_anchors == "skip" else n_labels.new_tensor(float(len(yf)))
            return loss.sum() / divisor.clamp_min(1.0)

"""``proto``: prototype-only contrastive loss (paper.md §3.5, authors' ``proto``).

ℓ_i = −(1/|Y_i|) Σ_{l∈Y_i} log softmax_l(z_i·p_l/τ) over all L prototypes (cosine
similarities of normalised z and P); L = mean over anchors. No instance–instance term,
so ``ref_z`` is not supported. Shapes: z (B, D), y (B, L), prototypes (L, D). Edge cases:
samples without labels have no positive (skipped by default; the authors' code gives
NaN); prototypes of labels absent from the batch only appear in denominators.
Example::

    get_loss("proto")(z, y, prototypes=P)
"""
from __future__ import annotations

import torch
from torch import Tensor

from ._engine import PairTerms, make_terms
from ._module import ContrastiveLoss, contrastive_hyper
from ._registry import register
from ._weights import safe_div


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

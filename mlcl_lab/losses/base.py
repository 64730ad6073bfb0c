"""``base``: Jaccard-weighted SupCon (L_base of arXiv 2404.08720; paper.md §3.4).

For anchor i and every other sample j: J_ij = |Y_i∩Y_j| / (|Y_i∪Y_j| + EPS),
W_ij = J_ij / (Σ_k J_ik + EPS), log σ_ij = s_ij/τ − log Σ_{k≠i} exp(s_ik/τ),
L = Σ_i −Σ_j W_ij log σ_ij / (#anchors with positives + EPS)   (authors' code exactly).

Shapes: z (B, D) raw, y (B, L); optional ``ref_z`` (R, D), ``ref_y`` (R, L) are extra
candidates (numerator and denominator), not anchors. Edge cases: anchors without
positives are skipped (``empty_anchors='skip'``) or counted as 0 (``'include'``); if none
has a positive the result is a graph-connected zero. ``decoupled=True`` removes positives
from the denominator. Example::

    get_loss("base", temperature=0.1)(z, y)
"""
from __future__ import annotations

from torch import Tensor

from ._engine import EPS, PairTerms, make_terms
from ._module import ContrastiveLoss, contrastive_hyper
from ._pool import instance_candidates
from ._registry import register
from ._weights import jaccard_weights


@register
class BaseLoss(ContrastiveLoss):
    name = "base"
    description = "Jaccard-weighted SupCon over the batch (L_base, arXiv 2404.08720)"
    HYPER = contrastive_hyper()

    def pair_terms(self, zn: Tensor, y: Tensor, pn: Tensor | None, rz: Tensor | None,
                   ry: Tensor | None) -> PairTerms:
        cz, cy, self_mask = instance_candidates(zn, y, rz, ry)
        w = jaccard_weights(y, cy, self_mask)
        return make_terms(zn, cz, self.temperature, w, ~self_mask, divisor_eps=EPS)

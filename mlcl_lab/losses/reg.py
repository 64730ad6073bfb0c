"""``reg`` (= the authors' ``mscrg``): mscwrg plus the REG stop-gradient regulariser.

L_REG = L_mscwrg − (1/|A|) Σ_i Σ_{j: W_ij>0} sg[(σ_ij − W_ij)_+] · u_ij   (paper.md §3.10)
so ∂L/∂u_ij = min(σ_ij − W_ij, 0)/|A| for positives (the repulsion between positives is
removed) and σ_ij/|A| for negatives. The added term changes the *value* too (it is
reported by the authors' code; we match it). ``decoupled`` is not offered: REG already
removes the positive repulsion. Shapes: z (B, D), y (B, L), prototypes (L, D), optional
``ref_z``/``ref_y`` extra candidates. Edge cases as ``mscwrg`` (anchors without positives
skipped by default, unlabelled samples only negatives, absent-label prototypes repelled).
Note: rows of W sum to 1 − O(EPS/M) because of the authors' EPS, so the identity above
holds to ~1e-9. Example::

    get_loss("reg", temperature=0.1, alpha=0.5)(z, y, prototypes=P)
"""
from __future__ import annotations

from torch import Tensor

from . import _hyper as H
from ._engine import PairTerms
from ._module import ContrastiveLoss, contrastive_hyper
from ._registry import register
from .mscwrg import pooled_terms


@register
class REGLoss(ContrastiveLoss):
    name = "reg"
    description = "REG (authors' mscrg): mscwrg with the stop-gradient term removing positive-positive repulsion"
    uses_prototypes = True
    HYPER = contrastive_hyper(alpha=H.in_range(-1e6, 1e6, "overlap exponent; < 0 means hard subset threshold")(0.0))
    del HYPER["decoupled"]

    def pair_terms(self, zn: Tensor, y: Tensor, pn: Tensor | None, rz: Tensor | None,
                   ry: Tensor | None) -> PairTerms:
        return pooled_terms(zn, y, pn, rz, ry, self.alpha, self.temperature, reg=True)

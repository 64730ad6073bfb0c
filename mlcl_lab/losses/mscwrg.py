"""``mscwrg``: prototype-pooled, per-label-normalised loss (paper.md §3.9, authors' ``mscwrg``).

Pool = B instances then L prototypes (prototype l carries {l}); every pool point is an
anchor and a candidate (``ref_z`` adds candidates only). For i ≠ j:
  f_ij = (|Y_i∩Y_j| / |Y_j|)^α   (α < 0: hard threshold 1[Y_j ⊆ Y_i]; α = 0: 1)
  M_il = Σ_{j≠i} f_ij y_il y_jl,   W_ij = (1/|Y_i|) Σ_{l∈Y_i∩Y_j} f_ij / (M_il + EPS)
  log σ_ij = u_ij − log Σ_{k≠i} e^{u_ik}   (unit weights, no β)
  L = −Σ_i Σ_j W_ij log σ_ij / #(points with ≥ 1 positive).
Quirk: the authors' docstring says f = (1 − x)^α but their code computes x^α; we follow
the code (the maths that was actually run). Built with matrix products (O((B+L)²) memory)
instead of their (B+L)×(B+L)×L tensor. Prototypes of labels absent from the batch are
anchors without positives (skipped) but still repel others through the denominator.
Example::

    get_loss("mscwrg", alpha=0.5)(z, y, prototypes=P)
"""
from __future__ import annotations

from torch import Tensor

from . import _hyper as H
from ._engine import PairTerms, make_terms
from ._module import ContrastiveLoss, contrastive_hyper
from ._pool import instance_candidates, prototype_pool
from ._registry import register
from ._weights import overlap_factor, per_label_normalised


def pooled_terms(zn: Tensor, y: Tensor, pn: Tensor, rz: Tensor | None, ry: Tensor | None,
                 alpha: float, temperature: float, reg: bool) -> PairTerms:
    """Shared by ``mscwrg`` and ``reg``: pool anchors, overlap-weighted per-label W."""
    az, ay = prototype_pool(zn, y, pn)
    cz, cy, self_mask = instance_candidates(az, ay, rz, ry)
    w = per_label_normalised(ay, cy, overlap_factor(ay, cy, self_mask, alpha))
    return make_terms(az, cz, temperature, w, ~self_mask, reg=reg)


@register
class MSCWRGLoss(ContrastiveLoss):
    name = "mscwrg"
    description = "instances + prototypes pool, per-label normalised overlap^alpha weights (no REG term)"
    uses_prototypes = True
    HYPER = contrastive_hyper(alpha=H.in_range(-1e6, 1e6, "overlap exponent; < 0 means hard subset threshold")(0.0))

    def pair_terms(self, zn: Tensor, y: Tensor, pn: Tensor | None, rz: Tensor | None,
                   ry: Tensor | None) -> PairTerms:
        return pooled_terms(zn, y, pn, rz, ry, self.alpha, self.temperature, reg=False)

"""``supcon_any`` / ``supcon_all``: SupCon (Khosla et al. 2020) with multi-label positives.

Positives of anchor i: ``any`` — every other sample sharing ≥ 1 label; ``all`` — every
other sample with exactly the same non-empty label set (paper.md §3.7).
ℓ_i = −(1/|P_i|) Σ_{p∈P_i} log softmax_p(s_ip/τ) over all k ≠ i (batch + ``ref_z``);
L = mean over anchors with ≥ 1 positive (policy ``empty_anchors``). With one label per
sample both equal ``pytorch_metric_learning.losses.SupConLoss``. Unlabelled samples are
nobody's positive. Example::

    get_loss("supcon_any", temperature=0.1)(z, y)
"""
from __future__ import annotations

from torch import Tensor

from ._engine import PairTerms, make_terms
from ._module import ContrastiveLoss, contrastive_hyper
from ._pool import instance_candidates
from ._registry import register
from ._weights import all_positive, any_positive, uniform_over


class _SupCon(ContrastiveLoss):
    HYPER = contrastive_hyper()
    positive_fn = staticmethod(any_positive)

    def pair_terms(self, zn: Tensor, y: Tensor, pn: Tensor | None, rz: Tensor | None,
                   ry: Tensor | None) -> PairTerms:
        cz, cy, self_mask = instance_candidates(zn, y, rz, ry)
        w = uniform_over(self.positive_fn(y, cy, self_mask), zn.dtype)
        return make_terms(zn, cz, self.temperature, w, ~self_mask)


@register
class SupConAny(_SupCon):
    name = "supcon_any"
    description = "SupCon, positives share >= 1 label (uniform weights)"
    positive_fn = staticmethod(any_positive)


@register
class SupConAll(_SupCon):
    name = "supcon_all"
    description = "SupCon, positives have the identical label set"
    positive_fn = staticmethod(all_positive)

"""``zlpr``: zero-bounded log-sum-exp & pairwise rank-based loss (Su et al. 2022; paper.md §3.2).

L = mean_i [ log(1 + Σ_{l: y=1} e^{−x_il}) + log(1 + Σ_{l: y=0} e^{x_il}) ], each term
shifted by its group's own max (:func:`~mlcl_lab.losses.fused_logits.zlpr_mean`). Quirk of the authors' code (paper.md §11.9): their
value is offset by the detached maxima −(m₊ + m₋); the gradient is identical. We return
the true ZLPR value. Rows without positive (or negative) labels give a 0 term instead of
their NaN. Shapes: logits (B, L), y (B, L). Example::

    get_loss("zlpr")(logits, y)    # decision threshold: logit 0
"""
from __future__ import annotations

from torch import Tensor

from . import _hyper as H
from ._module import SupervisedLoss
from ._registry import register
from .fused_logits import zlpr_mean



@register
class ZLPRLoss(SupervisedLoss):
    name = "zlpr"
    description = "ZLPR multi-label softmax loss (threshold-free log-sum-exp ranking)"
    HYPER = {"validate": H.boolean()(True)}

    def compute(self, x: Tensor, y: Tensor) -> Tensor:
        return zlpr_mean(x, y)

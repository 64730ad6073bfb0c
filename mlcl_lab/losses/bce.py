"""``bce``: binary cross-entropy on logits (paper.md §3.1).

L = −mean_{i,l} [ y_il log σ(x_il) + (1 − y_il) log(1 − σ(x_il)) ], via torch's
``binary_cross_entropy_with_logits`` (stable log-sigmoid; the authors' loss itself, so runs
stay bit-identical to theirs and to earlier versions of this package). Shapes: logits (B, L), y (B, L).
Samples without labels are ordinary all-negative rows. Example::

    get_loss("bce")(torch.randn(4, 3), torch.tensor([[1, 0, 1]] * 4))
"""
from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from . import _hyper as H
from ._module import SupervisedLoss
from ._registry import register


@register
class BCELoss(SupervisedLoss):
    name = "bce"
    description = "binary cross-entropy on logits (mean over batch x labels)"
    HYPER = {"validate": H.boolean()(True)}

    def compute(self, x: Tensor, y: Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(x, y)

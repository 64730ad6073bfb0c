"""``zlpr``: zero-bounded log-sum-exp & pairwise rank-based loss (Su et al. 2022; paper.md §3.2).

L = mean_i [ log(1 + Σ_{l: y=1} e^{−x_il}) + log(1 + Σ_{l: y=0} e^{x_il}) ], each term a
logsumexp over {0} ∪ masked logits. Quirk of the authors' code (paper.md §11.9): their
value is offset by the detached maxima −(m₊ + m₋); the gradient is identical. We return
the true ZLPR value. Rows without positive (or negative) labels give a 0 term instead of
their NaN. Shapes: logits (B, L), y (B, L). Example::

    get_loss("zlpr")(logits, y)    # decision threshold: logit 0
"""
from __future__ import annotations

import torch
from torch import Tensor

from . import _hyper as H
from ._module import SupervisedLoss
from ._registry import register


def _log1p_sum_exp(v: Tensor, member: Tensor) -> Tensor:
    """log(1 + Σ_{member} e^v) per row, stable."""
    v = v.masked_fill(~member, torch.finfo(v.dtype).min)
    zero = torch.zeros_like(v[:, :1])
    return torch.logsumexp(torch.cat([zero, v], dim=1), dim=1)


@register
class ZLPRLoss(SupervisedLoss):
    name = "zlpr"
    description = "ZLPR multi-label softmax loss (threshold-free log-sum-exp ranking)"
    HYPER = {"validate": H.boolean()(True)}

    def compute(self, x: Tensor, y: Tensor) -> Tensor:
        pos = y > 0
        return (_log1p_sum_exp(-x, pos) + _log1p_sum_exp(x, ~pos)).mean()

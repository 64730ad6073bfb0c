"""``focal``: focal loss on logits (Lin et al. 2017; used as a baseline in arXiv 2404.08720).

FL = −mean_{i,l} α_t (1 − p_t)^γ log p_t with p_t = σ(x) for y = 1 and 1 − σ(x) for y = 0,
α_t = α·y + (1 − α)(1 − y) when ``alpha`` is given (``None``: no class weighting).
Computed in log space — log p_t = logsigmoid(±x), (1 − p_t)^γ = exp(γ·logsigmoid(∓x)) —
so saturated logits keep finite gradients. γ = 0 and alpha=None gives BCE.
Shapes: logits (B, L), y (B, L); rows without labels are ordinary all-negative rows;
reduction: mean over batch × labels. Example::

    get_loss("focal", gamma=2.0, alpha=0.25)(logits, y)
"""
from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from . import _hyper as H
from ._module import SupervisedLoss
from ._registry import register


@register
class FocalLoss(SupervisedLoss):
    name = "focal"
    description = "focal loss (gamma, optional alpha balancing) on logits"
    HYPER = {
        "gamma": H.focusing("focusing exponent")(2.0),
        "alpha": H.optional(H.in_range(0.0, 1.0), "positive-class weight")(None),
        "validate": H.boolean()(True),
    }

    def compute(self, x: Tensor, y: Tensor) -> Tensor:
        xt = x * (2 * y - 1)                      # logit of the true class
        loss = -F.logsigmoid(xt) * (self.gamma * F.logsigmoid(-xt)).exp()
        if self.alpha is not None:
            loss = loss * (self.alpha * y + (1 - self.alpha) * (1 - y))
        return loss.mean()

"""``asl``: asymmetric loss (Ridnik et al. 2021; paper.md §3.3).

p = σ(x); q = min(1 − p + clip, 1) (q = 1 − p when clip = 0);
e = y·log p + (1 − y)·log q, weighted by (1 − p_t)^γ with p_t = p·y + q·(1 − y) and
γ = γ+·y + γ−·(1 − y); L = −mean(e). Defaults are the authors' trainer values
(gamma_neg=1, gamma_pos=0, clip=0). Difference from the authors' code: they clamp
probabilities at eps=1e-5 before the log (kills gradients of saturated logits); we use
log-sigmoid, so gamma_neg=gamma_pos=clip=0 equals BCE and gamma_neg=gamma_pos=γ, clip=0
equals focal *exactly*. ``eps > 0`` reproduces their clamp (golden-tested).
Shapes: logits (B, L), y (B, L); mean over batch × labels. Example::

    get_loss("asl", gamma_neg=4.0, gamma_pos=1.0, clip=0.05)(logits, y)
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from . import _hyper as H
from ._module import SupervisedLoss
from ._registry import register


@register
class AsymmetricLoss(SupervisedLoss):
    name = "asl"
    description = "asymmetric loss (gamma_neg, gamma_pos, probability clip) on logits"
    HYPER = {
        "gamma_neg": H.focusing("focusing exponent of negatives")(1.0),
        "gamma_pos": H.focusing("focusing exponent of positives")(0.0),
        "clip": H.in_range(0.0, 1.0, "probability margin", high_open=True)(0.0),
        "eps": H.in_range(0.0, 0.5, "authors' clamp", high_open=True)(0.0),
        "validate": H.boolean()(True),
    }

    def compute(self, x: Tensor, y: Tensor) -> Tensor:
        if self.eps > 0:
            p = torch.sigmoid(x)
            q = (1 - p + self.clip).clamp(max=1) if self.clip > 0 else 1 - p
            log_p, log_q = p.clamp(min=self.eps).log(), q.clamp(min=self.eps).log()
            w_pos, w_neg = (1 - p).pow(self.gamma_pos), (1 - q).pow(self.gamma_neg)
        else:
            log_p = F.logsigmoid(x)
            w_pos = (self.gamma_pos * F.logsigmoid(-x)).exp()          # (1 − p)^γ+
            if self.clip > 0:
                p = torch.sigmoid(x)
                q = (1 - p + self.clip).clamp(max=1)
                log_q = q.log()
                w_neg = (p - self.clip).clamp(min=0).pow(self.gamma_neg)   # (1 − q)^γ−
            else:
                log_q = F.logsigmoid(-x)
                w_neg = (self.gamma_neg * F.logsigmoid(x)).exp()       # p^γ−
        e = y * log_p * w_pos + (1 - y) * log_q * w_neg
        return -e.mean()

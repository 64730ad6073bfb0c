"""Loss zoo of mlcl-lab: supervised baselines and multi-label contrastive losses.

Public API: :func:`get_loss`, :func:`available_losses`, :func:`loss_kind`, and the
gradient-analysis helpers :func:`pair_weights`, :func:`gradient_components`.
See paper.md §3–§4 for the formulas; each loss lives in its own module.
"""
from __future__ import annotations

from . import asl, base, bce, focal, msc, mscwrg, mulsupcon, proto, reg, sd, supcon, zlpr  # noqa: F401
from ._registry import available_losses, get_loss, loss_kind
from .gradients import GradientComponents, PairWeights, gradient_components, pair_weights

__all__ = ["get_loss", "available_losses", "loss_kind", "pair_weights", "gradient_components",
           "PairWeights", "GradientComponents"]

"""Loss zoo of mlcl-lab: supervised baselines and multi-label contrastive losses.

Public API: :func:`get_loss`, :func:`available_losses`, :func:`loss_kind`.
See paper.md §3 for the formulas; each loss lives in its own module.
"""
from __future__ import annotations

from . import base, bce  # noqa: F401  (registration)
from ._registry import available_losses, get_loss, loss_kind

__all__ = ["get_loss", "available_losses", "loss_kind"]

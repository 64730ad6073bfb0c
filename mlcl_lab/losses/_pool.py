"""Candidate sets: batch (+ reference set) and the instance + prototype pool."""
from __future__ import annotations

import torch
from torch import Tensor


def self_mask_for(n_anchor: int, n_cand: int, device: torch.device) -> Tensor:
    """bool (A, C) with True at (i, i) for i < min(A, C): candidate i is anchor i itself."""
    return torch.eye(n_anchor, n_cand, dtype=torch.bool, device=device)


def instance_candidates(zn: Tensor, y: Tensor, rz: Tensor | None, ry: Tensor | None
                        ) -> tuple[Tensor, Tensor, Tensor]:
    """Candidates = batch followed by the reference set; returns (cz (C, D), cy (C, L), self_mask)."""
    if rz is None:
        cz, cy = zn, y
    else:
        cz, cy = torch.cat([zn, rz]), torch.cat([y, ry])
    return cz, cy, self_mask_for(zn.shape[0], cz.shape[0], zn.device)


def prototype_pool(zn: Tensor, y: Tensor, pn: Tensor) -> tuple[Tensor, Tensor]:
    """Pool of B instances then L prototypes (prototype l has label set {l}): (N, D), (N, L)."""
    eye = torch.eye(pn.shape[0], dtype=y.dtype, device=y.device)
    return torch.cat([zn, pn]), torch.cat([y, eye])

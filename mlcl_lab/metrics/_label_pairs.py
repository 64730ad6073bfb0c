"""Pair weights from multi-hot labels: who is a positive of whom (blocks, vectorised)."""

from __future__ import annotations

import torch

POSITIVE_MODES = ("any", "all", "jaccard")


def pair_weights(ya: torch.Tensor, yb: torch.Tensor, mode: str) -> torch.Tensor:
    """(B, M) float64 positive weights between label rows ``ya`` (B, L) and ``yb`` (M, L).

    * ``"any"``: 1 if the two samples share at least one label.
    * ``"all"``: 1 if their label sets are identical and non-empty.
    * ``"jaccard"``: |Y_a ∩ Y_b| / |Y_a ∪ Y_b| (0 when both are empty).

    Samples without any label are never positives.
    """
    fa = ya.to(torch.float64)
    fb = yb.to(torch.float64)
    inter = fa @ fb.T
    if mode == "any":
        return (inter > 0).to(torch.float64)
    ca = fa.sum(1)[:, None]
    cb = fb.sum(1)[None, :]
    if mode == "all":
        return ((inter == ca) & (inter == cb) & (inter > 0)).to(torch.float64)
    if mode == "jaccard":
        union = ca + cb - inter
        return torch.where(union > 0, inter / union.clamp_min(1.0), torch.zeros_like(inter))
    raise ValueError(f"positives={mode!r} is not valid; choose one of {list(POSITIVE_MODES)}")

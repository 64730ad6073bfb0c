"""Pair weights from multi-hot labels: who is a positive of whom (blocks, vectorised)."""

from __future__ import annotations

import torch

POSITIVE_MODES = ("any", "all", "jaccard")


def pair_weights(
    ya: torch.Tensor, yb: torch.Tensor, mode: str, dtype: torch.dtype = torch.float64
) -> torch.Tensor:
    """(B, M) positive weights between label rows ``ya`` (B, L) and ``yb`` (M, L).

    * ``"any"``: 1 if the two samples share at least one label.
    * ``"all"``: 1 if their label sets are identical and non-empty.
    * ``"jaccard"``: |Y_a ∩ Y_b| / |Y_a ∪ Y_b| (0 when both are empty).

    Samples without any label are never positives. Counts are exact integers in
    float32 up to 2^24 labels; ``dtype`` is the result dtype.
    """
    fa = ya.to(dtype)
    fb = yb.to(dtype)
    inter = fa @ fb.T
    if mode == "any":
        return (inter > 0).to(dtype)
    ca = fa.sum(1)[:, None]
    cb = fb.sum(1)[None, :]
    if mode == "all":
        return ((inter == ca) & (inter == cb) & (inter > 0)).to(dtype)
    if mode == "jaccard":
        union = ca + cb - inter
        return torch.where(union > 0, inter / union.clamp_min(1.0), torch.zeros_like(inter))
    raise ValueError(f"positives={mode!r} is not valid; choose one of {list(POSITIVE_MODES)}")

"""Who is a positive of whom, from multi-hot labels (paper 1 §8; paper.md §3.4, §3.7).

For label rows ``ya`` (A, L) and ``yb`` (B, L), float, with matrix products only
(O(A·B + (A+B)·L) memory, no (A, B, L) tensor):

* ``"any"``: positive if the two samples share at least one label (SupCon-any);
* ``"all"``: positive if their label sets are identical and non-empty (SupCon-all);
* ``"jaccard"``: weight |Y_a ∩ Y_b| / |Y_a ∪ Y_b| (L_base's weight; 0 when both are empty).

Samples without labels are never positives. Counts are exact integers in float32 up to
2^24 labels. Used by the contrastive losses (``losses._weights``, with the anchor's own
column excluded) and by the alignment metric.
"""

from __future__ import annotations

import torch
from torch import Tensor

POSITIVE_RULES = ("any", "all", "jaccard")


def intersections(ya: Tensor, yb: Tensor) -> Tensor:
    """|Y_a ∩ Y_b|, (A, B)."""
    return ya @ yb.T


def unions(ya: Tensor, yb: Tensor, inter: Tensor) -> Tensor:
    """|Y_a ∪ Y_b| = |Y_a| + |Y_b| − |Y_a ∩ Y_b|, (A, B)."""
    return ya.sum(1, keepdim=True) + yb.sum(1).unsqueeze(0) - inter


def any_positive(ya: Tensor, yb: Tensor, exclude: Tensor | None = None) -> Tensor:
    """bool (A, B): the samples share at least one label (``exclude``d pairs are False)."""
    pos = intersections(ya, yb) > 0
    return pos if exclude is None else pos & ~exclude


def all_positive(ya: Tensor, yb: Tensor, exclude: Tensor | None = None) -> Tensor:
    """bool (A, B): identical non-empty label sets (``exclude``d pairs are False)."""
    inter = intersections(ya, yb)
    na, nb = ya.sum(1, keepdim=True), yb.sum(1).unsqueeze(0)
    pos = (inter == na) & (inter == nb) & (na > 0)
    return pos if exclude is None else pos & ~exclude


def jaccard(ya: Tensor, yb: Tensor, eps: float = 0.0) -> Tensor:
    """|Y_a ∩ Y_b| / |Y_a ∪ Y_b|, (A, B); 0 where both sets are empty.

    ``eps > 0`` gives the authors' ``|∩| / (|∪| + eps)`` of L_base (paper.md §3.4).
    """
    inter = intersections(ya, yb)
    union = unions(ya, yb, inter)
    if eps > 0:
        return inter / (union + eps)
    return torch.where(union > 0, inter / union.clamp_min(1.0), torch.zeros_like(inter))


def jaccard_paired(ya: Tensor, yb: Tensor) -> Tensor:
    """Jaccard index of row-aligned label pairs (ya[k], yb[k]), (P,) for (P, L) inputs; 0 if both empty."""
    inter = (ya * yb).sum(1)
    union = ya.sum(1) + yb.sum(1) - inter
    return torch.where(union > 0, inter / union.clamp_min(1.0), torch.zeros_like(inter))


def positive_weights(ya: Tensor, yb: Tensor, rule: str, dtype: torch.dtype = torch.float64) -> Tensor:
    """(A, B) positive weights of label rows ``ya`` (A, L), ``yb`` (B, L) under ``rule``.

    ``"any"`` / ``"all"``: 0/1; ``"jaccard"``: the Jaccard index. ``dtype`` is the
    dtype of the counts and of the result.
    """
    fa, fb = ya.to(dtype), yb.to(dtype)
    if rule == "any":
        return any_positive(fa, fb).to(dtype)
    if rule == "all":
        return all_positive(fa, fb).to(dtype)
    if rule == "jaccard":
        return jaccard(fa, fb)
    raise ValueError(f"positives={rule!r} is not valid; choose one of {list(POSITIVE_RULES)}")

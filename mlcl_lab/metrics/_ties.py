"""Tie-aware sorted views used by the ranking metrics (vectorised, no Python loops).

All helpers work row-wise on a (R, C) score matrix: each row is ranked on its own
(a label's column for average precision, a sample's row for LRAP / ranking loss /
precision@k / nDCG@k). Tied scores form *groups* of consecutive positions in the
descending order; ``start``/``end`` give, for every sorted position, the first and last
position of its group. Treating a whole tie group at once is what makes the results
independent of the order of tied items (and match scikit-learn exactly).
"""

from __future__ import annotations

import torch


def tie_bounds(s: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """First and last position of each position's tie group in rows ``s`` (R, C) that are
    already sorted (either direction): (start, end), both (R, C) int64."""
    n_cols = s.shape[1]
    idx = torch.arange(n_cols, device=s.device).expand_as(s)
    differs = s[:, 1:] != s[:, :-1]
    is_end = torch.ones_like(s, dtype=torch.bool)
    is_end[:, :-1] = differs
    is_start = torch.ones_like(s, dtype=torch.bool)
    is_start[:, 1:] = differs
    end = torch.where(is_end, idx, torch.full_like(idx, n_cols)).flip(1).cummin(dim=1).values.flip(1)
    start = torch.where(is_start, idx, torch.full_like(idx, -1)).cummax(dim=1).values
    return start, end


def sorted_tie_groups(
    scores: torch.Tensor, relevant: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Sort each row by descending score and locate tie groups.

    Args:
        scores: (R, C) float scores.
        relevant: (R, C) bool relevance.

    Returns:
        rel_sorted: (R, C) float64 relevance in sorted order.
        start: (R, C) int64 first position of each position's tie group.
        end: (R, C) int64 last position of each position's tie group.
        tp: (R, C) float64 number of relevant items at positions <= p (inclusive cumsum).
    """
    s, order = torch.sort(scores, dim=1, descending=True, stable=True)
    rel_sorted = torch.gather(relevant, 1, order).to(torch.float64)
    start, end = tie_bounds(s)
    tp = rel_sorted.cumsum(dim=1)
    return rel_sorted, start, end, tp


def rowwise_average_precision(
    scores: torch.Tensor, relevant: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Average precision of every row, ties handled as one threshold step.

    AP = (1/P) * sum over relevant items j of precision at the *end* of j's tie group,
    i.e. sum_n (R_n - R_{n-1}) P_n over distinct thresholds, exactly scikit-learn's
    ``average_precision_score``. The same quantity per sample is the label-ranking
    average precision (LRAP).

    Returns:
        ap: (R,) float64, 0 where a row has no relevant item.
        n_pos: (R,) float64 number of relevant items per row.
    """
    rel_sorted, _, end, tp = sorted_tie_groups(scores, relevant)
    prec_at_group_end = torch.gather(tp, 1, end) / (end + 1).to(torch.float64)
    n_pos = rel_sorted.sum(dim=1)
    num = (rel_sorted * prec_at_group_end).sum(dim=1)
    ap = torch.where(n_pos > 0, num / n_pos.clamp_min(1.0), torch.zeros_like(num))
    return ap, n_pos


def rowwise_tie_averaged_gain(
    scores: torch.Tensor, relevant: torch.Tensor, discount: torch.Tensor
) -> torch.Tensor:
    """sum_p rel_p * d_p with the discount averaged over each tie group.

    Args:
        scores: (R, C); relevant: (R, C) bool.
        discount: (C,) float64 discount for positions 0..C-1 (zero beyond the cut-off k).

    Returns:
        (R,) float64. Equals the expected gain over uniformly random orderings of ties
        (scikit-learn's ``ndcg_score`` with ``ignore_ties=False``).
    """
    rel_sorted, start, end, _ = sorted_tie_groups(scores, relevant)
    cum = torch.zeros(discount.shape[0] + 1, dtype=torch.float64, device=scores.device)
    cum[1:] = discount.cumsum(dim=0)
    group_sum = cum[end + 1] - cum[start]
    group_size = (end - start + 1).to(torch.float64)
    return (rel_sorted * group_sum / group_size).sum(dim=1)

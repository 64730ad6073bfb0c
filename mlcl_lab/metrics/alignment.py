"""Alignment of positive pairs (Wang & Isola, ICML 2020), with explicit multi-label
positives (paper 1 §8: the positive definition for multi-label data is our choice)."""

from __future__ import annotations

import math

import torch

from mlcl_lab.metrics._chunks import chunk_rows, compute_dtype, l2_normalize, sq_dists
from mlcl_lab.metrics._label_pairs import POSITIVE_MODES, pair_weights
from mlcl_lab.metrics._validation import ArrayLike, as_embeddings, as_multihot, check_choice


def alignment(
    z: ArrayLike,
    y: ArrayLike,
    alpha: float = 2.0,
    positives: str = "any",
    *,
    normalize: bool = True,
    max_memory: int | None = None,
    chunk_size: int | None = None,
) -> float:
    """Weighted mean of ||z_i - z_j||^alpha over positive pairs i < j.

    sum_{i<j} w_ij ||z_i - z_j||^alpha / sum_{i<j} w_ij, with w from ``positives``:
    ``"any"`` (share >= 1 label), ``"all"`` (identical non-empty label set) or
    ``"jaccard"`` (w = Jaccard of the label sets). Samples without labels are never
    positives. Computed exactly in row blocks (float64 sums), never N x N at once.

    Args:
        z: (N, D) embeddings (numpy / torch CPU or CUDA), N >= 2.
        y: (N, L) multi-hot labels.
        alpha: exponent > 0 (2 in Wang & Isola).
        normalize: L2-normalise z first (default, as in Wang & Isola); then the value
            lies in [0, 2^alpha].
        max_memory / chunk_size: block size in bytes / rows.

    Returns:
        float. All embeddings identical -> 0.0. Raises ValueError if there is no
        positive pair at all (the mean would be undefined).
    """
    check_choice(positives, "positives", POSITIVE_MODES)
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not math.isfinite(alpha) or alpha <= 0:
        raise ValueError(f"alpha must be a finite float > 0, got {alpha!r}")
    x = as_embeddings(z, "z", min_rows=2)
    labels = as_multihot(y, "y", device=x.device)
    if labels.shape[0] != x.shape[0]:
        raise ValueError(f"z has N={x.shape[0]} rows but y has {labels.shape[0]}")
    x = x.to(compute_dtype(x))
    if normalize:
        x = l2_normalize(x)
    n = x.shape[0]
    sq = (x * x).sum(1).to(torch.float64)
    rows = chunk_rows(n, n, max_memory, chunk_size)
    num = torch.zeros((), dtype=torch.float64, device=x.device)
    den = torch.zeros((), dtype=torch.float64, device=x.device)
    col_idx = torch.arange(n, device=x.device)
    for a in range(0, n - 1, rows):
        b = min(a + rows, n)
        w = pair_weights(labels[a:b], labels[a:], positives)
        w = w * (col_idx[a:][None, :] > col_idx[a:b][:, None])
        d2 = sq_dists(x[a:b], x[a:], sq[a:b], sq[a:])
        dist_a = d2 if alpha == 2 else d2.pow(alpha / 2.0)
        num += (w * dist_a).sum()
        den += w.sum()
    if float(den) == 0.0:
        raise ValueError(
            f"no positive pair under positives={positives!r}; alignment is undefined"
        )
    return float(num / den)

"""Uniformity of L2-normalised embeddings (Wang & Isola, ICML 2020; paper 1 §8)."""

from __future__ import annotations

import math

import torch

from mlcl_lab.metrics._chunks import chunk_rows, compute_dtype, l2_normalize, sq_dists
from mlcl_lab.metrics._validation import ArrayLike, as_embeddings


def uniformity(
    z: ArrayLike,
    t: float = 2.0,
    *,
    max_memory: int | None = None,
    chunk_size: int | None = None,
) -> float:
    """log E_{i<j} exp(-t ||z_i - z_j||^2) over all distinct pairs, z L2-normalised.

    Exact and memory-bounded: rows are processed in blocks against the columns to
    their right (each unordered pair once, never an N x N matrix), with a float64
    log-sum-exp accumulation, so the value neither underflows (large t) nor loses
    precision for N = 10^5..10^6 (where ``torch.pdist`` is silently wrong).

    Args:
        z: (N, D) embeddings, N >= 2, numpy or torch (CPU/CUDA: computed on its device).
        t: temperature > 0.
        max_memory: bytes for one pairwise block (default 256 MiB).
        chunk_size: rows per block (overrides ``max_memory``).

    Returns:
        float in [-4t, 0]. All embeddings identical -> 0.0 (up to float rounding).
        Points uniform on S^{d-1}
        give approximately -2t + 2t^2/d for large d.
    """
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t) or t <= 0:
        raise ValueError(f"t must be a finite float > 0, got {t!r}")
    x = as_embeddings(z, "z", min_rows=2)
    x = l2_normalize(x.to(compute_dtype(x)))
    n = x.shape[0]
    sq = (x * x).sum(1).to(torch.float64)
    rows = chunk_rows(n, n, max_memory, chunk_size)
    total = torch.tensor(-math.inf, dtype=torch.float64, device=x.device)
    col_idx = torch.arange(n, device=x.device)
    for a in range(0, n - 1, rows):
        b = min(a + rows, n)
        d2 = sq_dists(x[a:b], x[a:], sq[a:b], sq[a:])  # (B, N - a)
        keep = col_idx[a:][None, :] > col_idx[a:b][:, None]  # strict upper triangle
        logits = torch.where(keep, -t * d2, torch.full_like(d2, -math.inf))
        total = torch.logaddexp(total, torch.logsumexp(logits.flatten(), dim=0))
    n_pairs = n * (n - 1) / 2.0
    return float(total - math.log(n_pairs))

"""Clustering quality of embeddings w.r.t. label sets (paper 2, Table 4) and kNN label
precision. Both are exact, chunked over rows, and run on the embeddings' device."""

from __future__ import annotations

import math

import torch

from mlcl_lab.core.normalize import pow2_rescale, unit_rows
from mlcl_lab.core.precision import compute_dtype
from mlcl_lab.metrics._chunks import chunk_rows, sq_dists
from mlcl_lab.metrics._validation import ArrayLike, as_embeddings, as_multihot


def _inputs(z: ArrayLike, y: ArrayLike, normalize: bool) -> tuple[torch.Tensor, torch.Tensor]:
    x = as_embeddings(z, "z", min_rows=2)
    labels = as_multihot(y, "y", device=x.device)
    if labels.shape[0] != x.shape[0]:
        raise ValueError(f"z has N={x.shape[0]} rows but y has {labels.shape[0]}")
    if not isinstance(normalize, bool):
        raise TypeError(f"normalize must be a bool, got {type(normalize).__name__}")
    x = x.to(compute_dtype(x))
    # raw geometry: an exact power-of-two rescale keeps squared distances finite and leaves
    # silhouette, Davies-Bouldin and neighbour rankings unchanged (scale-invariant)
    return (unit_rows(x) if normalize else pow2_rescale(x)[0]), labels


def frequent_label_sets(
    y: torch.Tensor, keep_fraction: float = 0.5, include_empty: bool = True
) -> tuple[torch.Tensor, int]:
    """Class index per sample (-1 = dropped) keeping the most frequent label sets.

    Each distinct label set is a class; classes are ranked by size (ties: lexicographic
    order of the multi-hot row, as ``torch.unique`` sorts) and the first
    ``max(2, ceil(keep_fraction * K))`` are kept (so two classes survive when K <= 3).

    Returns:
        (N,) int64 class ids in 0..n_kept-1 or -1, and the number K of label sets.
    """
    rows = y.to(torch.int64)
    if not include_empty:
        nonempty = rows.sum(1) > 0
    else:
        nonempty = torch.ones(rows.shape[0], dtype=torch.bool, device=rows.device)
    uniq, inverse, counts = torch.unique(rows, dim=0, return_inverse=True, return_counts=True)
    if not include_empty:
        counts = torch.where(uniq.sum(1) > 0, counts, torch.zeros_like(counts))
    n_sets = int((counts > 0).sum())
    n_keep = min(n_sets, max(2, math.ceil(keep_fraction * n_sets)))
    order = torch.sort(counts, descending=True, stable=True).indices
    new_id = torch.full_like(counts, -1)
    new_id[order[:n_keep]] = torch.arange(n_keep, device=counts.device)
    cls = new_id[inverse]
    cls = torch.where(nonempty, cls, torch.full_like(cls, -1))
    return cls, n_sets


def _silhouette(x: torch.Tensor, cls: torch.Tensor, k: int, rows: int) -> float:
    n = x.shape[0]
    onehot = torch.zeros(n, k, dtype=torch.float64, device=x.device)
    onehot[torch.arange(n, device=x.device), cls] = 1.0
    sizes = onehot.sum(0)
    sq = (x * x).sum(1).to(torch.float64)
    total = torch.zeros((), dtype=torch.float64, device=x.device)
    for a in range(0, n, rows):
        b = min(a + rows, n)
        d = sq_dists(x[a:b], x, sq[a:b], sq).sqrt_()
        r = torch.arange(b - a, device=x.device)
        d[r, r + a] = 0.0
        sums = d @ onehot  # (B, K) distance sums to each class
        own = cls[a:b]
        own_size = sizes[own]
        intra = sums[r, own] / (own_size - 1).clamp_min(1.0)
        mean_other = sums / sizes[None, :]
        mean_other[r, own] = float("inf")
        inter = mean_other.min(dim=1).values
        den = torch.maximum(intra, inter)
        s = torch.where(den > 0, (inter - intra) / den.clamp_min(1e-300), torch.zeros_like(den))
        s = torch.where(own_size > 1, s, torch.zeros_like(s))
        total += s.sum()
    return float(total / n)


def _davies_bouldin(x: torch.Tensor, cls: torch.Tensor, k: int) -> float:
    xf = x.to(torch.float64)
    n = xf.shape[0]
    sizes = torch.zeros(k, dtype=torch.float64, device=x.device).index_add_(
        0, cls, torch.ones(n, dtype=torch.float64, device=x.device)
    )
    cent = torch.zeros(k, xf.shape[1], dtype=torch.float64, device=x.device).index_add_(0, cls, xf)
    cent = cent / sizes[:, None]
    dist_to_c = torch.linalg.vector_norm(xf - cent[cls], dim=1)
    intra = (
        torch.zeros(k, dtype=torch.float64, device=x.device).index_add_(0, cls, dist_to_c) / sizes
    )
    csq = (cent * cent).sum(1)
    cd = sq_dists(cent, cent, csq, csq).sqrt_()
    cd.fill_diagonal_(0.0)
    if bool((intra.abs() <= 1e-8).all()) or bool((cd.abs() <= 1e-8).all()):
        return 0.0  # scikit-learn's convention for degenerate clusterings
    cd = torch.where(cd == 0, torch.full_like(cd, float("inf")), cd)
    ratio = (intra[:, None] + intra[None, :]) / cd
    return float(ratio.max(dim=1).values.mean())


def label_set_clustering(
    z: ArrayLike,
    y: ArrayLike,
    *,
    keep_fraction: float = 0.5,
    include_empty: bool = True,
    normalize: bool = True,
    max_memory: int | None = None,
    chunk_size: int | None = None,
) -> dict:
    """Silhouette and Davies–Bouldin with each frequent label set as a class.

    Paper 2 (2404.08720) Table 4: "each unique label combination is treated as a class,
    keeping only the most frequent half of the combinations"; only samples of the kept
    classes enter the scores (see :func:`frequent_label_sets`). Euclidean distance on
    L2-normalised embeddings by default (``normalize=False``: raw embeddings, after an exact
    power-of-two rescale that leaves both scores unchanged and keeps squared distances finite
    at any magnitude, :func:`mlcl_lab.core.pow2_rescale`).
    Conventions follow scikit-learn: a singleton class scores silhouette 0, and
    Davies–Bouldin is 0 when all clusters are points or all centroids coincide
    (e.g. all embeddings identical -> silhouette 0.0, davies_bouldin 0.0).

    Args:
        z: (N, D) embeddings (numpy / torch CPU or CUDA); y: (N, L) multi-hot.
        keep_fraction: fraction of label sets kept, in (0, 1].
        include_empty: whether the empty label set counts as a combination.

    Returns:
        dict: silhouette (float, higher is better), davies_bouldin (float, lower is
        better), n_classes (kept), n_label_sets (all), n_samples (used).
    """
    if (
        isinstance(keep_fraction, bool)
        or not isinstance(keep_fraction, (int, float))
        or not 0 < keep_fraction <= 1
    ):
        raise ValueError(f"keep_fraction must be in (0, 1], got {keep_fraction!r}")
    x, labels = _inputs(z, y, normalize)
    cls, n_sets = frequent_label_sets(labels, keep_fraction, include_empty)
    if n_sets < 2:
        raise ValueError(
            f"need at least 2 distinct label sets for clustering scores, found {n_sets}"
        )
    keep = cls >= 0
    xk, ck = x[keep], cls[keep]
    k = int(ck.max()) + 1
    rows = chunk_rows(xk.shape[0], xk.shape[0], max_memory, chunk_size)
    return {
        "silhouette": _silhouette(xk, ck, k, rows),
        "davies_bouldin": _davies_bouldin(xk, ck, k),
        "n_classes": k,
        "n_label_sets": n_sets,
        "n_samples": int(xk.shape[0]),
    }


def knn_label_precision(
    z: ArrayLike,
    y: ArrayLike,
    k: int = 10,
    *,
    normalize: bool = True,
    zero_division: float = 0.0,
    max_memory: int | None = None,
    chunk_size: int | None = None,
) -> float:
    """Mean fraction of the labels carried by a sample's k nearest neighbours that the
    sample itself has.

    For each sample i with neighbour set N_k(i) (the k other samples with the highest
    cosine similarity, or smallest Euclidean distance if ``normalize=False``; the
    sample itself is excluded; ties in similarity are broken arbitrarily by
    ``torch.topk``)::

        prec_i = sum_{j in N_k(i)} |Y_i ∩ Y_j| / sum_{j in N_k(i)} |Y_j|

    and the result is mean_i prec_i. When the neighbours carry no label at all
    (0/0), prec_i = ``zero_division`` (default 0.0). Computed in row blocks.

    Args:
        z: (N, D) embeddings; y: (N, L) multi-hot; k: 1 <= k < N.

    Returns:
        float in [0, 1].
    """
    x, labels = _inputs(z, y, normalize)
    n = x.shape[0]
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k < n:
        raise ValueError(f"k must be an int with 1 <= k < N={n}, got {k!r}")
    if zero_division not in (0.0, 1.0):
        raise ValueError(f"zero_division must be 0.0 or 1.0, got {zero_division!r}")
    f = labels.to(torch.float64)
    sq = (x * x).sum(1).to(torch.float64)
    rows = chunk_rows(n, n, max_memory, chunk_size)
    total = torch.zeros((), dtype=torch.float64, device=x.device)
    for a in range(0, n, rows):
        b = min(a + rows, n)
        if normalize:
            sim = (x[a:b] @ x.T).to(torch.float64)
        else:
            sim = -sq_dists(x[a:b], x, sq[a:b], sq)
        r = torch.arange(b - a, device=x.device)
        sim[r, r + a] = float("-inf")
        idx = sim.topk(k, dim=1).indices  # (B, k)
        ny = f[idx]  # (B, k, L)
        inter = (ny * f[a:b, None, :]).sum(dim=(1, 2))
        card = ny.sum(dim=(1, 2))
        prec = torch.where(
            card > 0, inter / card.clamp_min(1.0), torch.full_like(card, float(zero_division))
        )
        total += prec.sum()
    return float(total / n)

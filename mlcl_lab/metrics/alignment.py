"""Alignment of positive pairs (Wang & Isola, ICML 2020), with explicit multi-label
positives (paper 1 §8: the positive definition for multi-label data is our choice)."""

from __future__ import annotations

import math

import torch

from mlcl_lab.core.normalize import pow2_rescale, unit_rows
from mlcl_lab.core.positives import POSITIVE_RULES, positive_weights
from mlcl_lab.core.precision import compute_dtype
from mlcl_lab.metrics._chunks import chunk_rows, upper_triangle_blocks
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
    positives. Computed exactly in row blocks over i < j (block arithmetic in the
    input precision, row sums accumulated in float64), never N x N at once; for
    ``alpha != 2`` the power is taken in float64 (4^(alpha/2) overflows float32 beyond
    alpha = 128), and a value beyond float64's range is refused, never inf or NaN.

    Args:
        z: (N, D) embeddings (numpy / torch CPU or CUDA), N >= 2.
        y: (N, L) multi-hot labels.
        alpha: exponent > 0 (2 in Wang & Isola).
        normalize: L2-normalise z first (default, as in Wang & Isola); then the value
            lies in [0, 2^alpha]. Raw embeddings (``False``) are computed after an exact
            power-of-two rescale (:func:`mlcl_lab.core.pow2_rescale`), so magnitudes up to
            the dtype's max neither overflow nor underflow.
        max_memory / chunk_size: block size in bytes / rows.

    Returns:
        float. All embeddings identical -> 0.0. Raises ValueError if there is no
        positive pair at all (the mean would be undefined).
    """
    check_choice(positives, "positives", POSITIVE_RULES)
    if (
        isinstance(alpha, bool)
        or not isinstance(alpha, (int, float))
        or not math.isfinite(alpha)
        or alpha <= 0
    ):
        raise ValueError(f"alpha must be a finite float > 0, got {alpha!r}")
    x = as_embeddings(z, "z", min_rows=2)
    labels = as_multihot(y, "y", device=x.device)
    if labels.shape[0] != x.shape[0]:
        raise ValueError(f"z has N={x.shape[0]} rows but y has {labels.shape[0]}")
    x = x.to(compute_dtype(x))
    exponent = 0  # raw embeddings: distances of x are 2^exponent times those computed
    if normalize:
        x = unit_rows(x)
    else:
        x, exponent = pow2_rescale(x)
    n = x.shape[0]
    dt = x.dtype
    sq = (x * x).sum(1, keepdim=True)
    ones = torch.ones_like(sq)
    # ||a - b||^2 = [a, |a|^2, 1] . [-2b, 1, |b|^2]: one matmul per block, no extra passes
    left = torch.cat([x, sq, ones], dim=1)
    right = torch.cat([-2.0 * x, ones, sq], dim=1)
    per_pair = 3 * x.element_size() + (16 if alpha != 2 else 0)  # float64 power blocks
    rows = chunk_rows(n, n, max_memory, chunk_size, bytes_per_pair=per_pair)
    num = torch.zeros((), dtype=torch.float64, device=x.device)
    den = torch.zeros((), dtype=torch.float64, device=x.device)

    def accumulate(r: slice, c: slice, mask: torch.Tensor | None) -> None:
        nonlocal num, den
        w = positive_weights(labels[r], labels[c], positives, dtype=dt)
        if mask is not None:
            w.mul_(mask)
        d2 = (left[r] @ right[c].T).clamp_min_(0.0)
        if alpha != 2:
            d2 = d2.to(torch.float64).pow_(alpha / 2.0)
            d2 = torch.where(w > 0, d2, torch.zeros_like(d2))  # an overflowed non-pair: no inf * 0
        num = num + d2.mul_(w).sum(dim=1).sum(dtype=torch.float64)
        den = den + w.sum(dim=1).sum(dtype=torch.float64)

    for a, b, square_mask in upper_triangle_blocks(n, rows, x.device):
        accumulate(slice(a, b), slice(a, b), square_mask)
        if b < n:
            accumulate(slice(a, b), slice(b, n), None)
    if float(den) == 0.0:
        raise ValueError(f"no positive pair under positives={positives!r}; alignment is undefined")
    value = float(num / den)
    if exponent:
        value = _scale_back(value, exponent * alpha)
    if not math.isfinite(value):
        raise ValueError(f"alignment with alpha={alpha!r} exceeds the float64 range (distances^alpha "
                         "overflow); use a smaller alpha")
    return value


def _scale_back(value: float, log2_factor: float) -> float:
    """value · 2^log2_factor in float64; refuse a result beyond float64's range."""
    try:
        out = value * 2.0**log2_factor
    except OverflowError:
        out = math.inf
    if math.isinf(out):
        raise ValueError(
            f"the raw alignment ({value:g} · 2^{log2_factor:g}) exceeds the float64 range; "
            "use normalize=True or smaller embeddings"
        )
    return out

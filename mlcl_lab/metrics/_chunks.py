"""Memory-bounded row chunking for O(N^2) pairwise computations."""

from __future__ import annotations

import torch

DEFAULT_MAX_MEMORY = 256 * 2**20  # bytes for the temporaries of one pairwise block


def chunk_rows(
    n_rows: int,
    n_cols: int,
    max_memory: int | None = None,
    chunk_size: int | None = None,
    bytes_per_pair: int = 48,
) -> int:
    """Rows per block so that a (rows, n_cols) block's temporaries fit in max_memory.

    ``bytes_per_pair`` is the caller's estimate of the bytes its block temporaries
    take per pair (e.g. 6 float64 arrays = 48). ``chunk_size`` (rows) overrides
    ``max_memory`` (bytes, default 256 MiB) when given.
    """
    if chunk_size is not None:
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            raise ValueError(f"chunk_size must be a positive int, got {chunk_size!r}")
        return min(chunk_size, max(n_rows, 1))
    budget = DEFAULT_MAX_MEMORY if max_memory is None else max_memory
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
        raise ValueError(f"max_memory must be a positive int (bytes), got {max_memory!r}")
    rows = budget // (bytes_per_pair * max(n_cols, 1))
    return int(min(max(rows, 1), max(n_rows, 1)))


def sq_dists(
    a: torch.Tensor, b: torch.Tensor, a_sq: torch.Tensor, b_sq: torch.Tensor
) -> torch.Tensor:
    """(B, M) squared Euclidean distances from a Gram block, clamped at 0, in float64."""
    g = (a @ b.T).to(torch.float64)
    d2 = a_sq[:, None] + b_sq[None, :] - 2.0 * g
    return d2.clamp_min_(0.0)


def upper_triangle_blocks(n: int, rows: int, device: torch.device):
    """Yield (a, b, square_mask) so that every pair i < j is visited exactly once.

    For the row chunk [a, b) the square block against columns [a, b) is restricted
    to its strict upper triangle by the (B, B) bool ``square_mask``; the rectangle
    against columns [b, n) needs no mask.
    """
    for a in range(0, n - 1, rows):
        b = min(a + rows, n)
        mask = torch.ones(b - a, b - a, dtype=torch.bool, device=device).triu_(diagonal=1)
        yield a, b, mask

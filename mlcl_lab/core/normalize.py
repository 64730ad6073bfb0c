"""Row-wise L2 normalisation that is exact at every finite scale, and the zero-row policy.

Policy (losses and metrics alike; issue 15 part 4):

* **All-zero rows are refused.** A row whose entries are all exactly 0 has no direction;
  ``F.normalize`` would map it to 0 with gradients of order 1/eps (~1e12) on that row.
  Every function that L2-normalises raises ``ValueError``:
  ``"z has 1 all-zero row(s) (first: row 3); an all-zero row has no direction and cannot
  be L2-normalised"``. (A loss with ``validate=False`` skips the check; the caller vouches.)
* **No overflow, no underflow.** The naive ``z / ||z||`` overflows in float32 once
  |z| reaches ~1.8e19 (the squares exceed float32 max) and is distorted below
  ||z|| < 1e-12 (``F.normalize`` clamps the norm at eps = 1e-12). Rows outside
  [``NORM_FLOOR``, inf) are first divided by their max-abs entry (then
  1 <= ||z|| <= sqrt(D)), which changes nothing mathematically: the direction is
  scale-invariant. Rows inside the range are normalised exactly as ``F.normalize`` does
  (bit for bit, values and gradients), so results in the ordinary range are unchanged.
* **Raw (un-normalised) geometry** (Euclidean silhouette, Davies–Bouldin, kNN, raw
  alignment) uses :func:`pow2_rescale`: the whole matrix is multiplied by an exact power of
  two when its max-abs entry is outside [2^-50, 2^50], so squared distances neither
  overflow nor underflow; ratios and rankings are unchanged (bit for bit), and a distance
  is scaled back exactly.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

NORM_FLOOR = 1e-12  # F.normalize's eps: below it the clamped norm would distort the row
SAFE_EXPONENT = 50  # raw matrices with max-abs in [2^-50, 2^50] are used as they are


def check_nonzero_rows(z: torch.Tensor, name: str = "z") -> None:
    """Raise ``ValueError`` if a row of the (N, D) tensor ``z`` is entirely zero."""
    zero = (z.detach() == 0).all(dim=1)
    n_zero = int(zero.sum())
    if n_zero:
        first = int(zero.nonzero()[0, 0])
        raise ValueError(
            f"{name} has {n_zero} all-zero row(s) (first: row {first}); an all-zero row has no "
            "direction and cannot be L2-normalised"
        )


def unit_rows(z: torch.Tensor, name: str = "z", *, check: bool = True) -> torch.Tensor:
    """(N, D) rows of ``z`` scaled to unit L2 norm, differentiable, in ``z``'s dtype.

    Args:
        z: (N, D) finite floating tensor (call in the compute dtype, see
            :func:`mlcl_lab.core.compute_dtype`).
        name: used in the error message.
        check: refuse all-zero rows (see module docstring); ``False`` leaves them 0.

    Rows with ``NORM_FLOOR <= ||z_i|| < inf`` give exactly ``F.normalize(z)``; other
    non-zero rows are divided by max_j |z_ij| (a detached scale: the direction does not
    depend on it, so the gradient is the exact one) before the normalisation.
    """
    if check:
        check_nonzero_rows(z, name)
    with torch.no_grad():
        amax = z.abs().amax(dim=1, keepdim=True)
        norm = torch.linalg.vector_norm(z, dim=1, keepdim=True)
        outside = ((norm < NORM_FLOOR) | torch.isinf(norm)) & (amax > 0)
        scale = torch.where(outside, amax, torch.ones_like(amax))
    return F.normalize(z / scale, dim=1)


def pow2_rescale(x: torch.Tensor) -> tuple[torch.Tensor, int]:
    """``(x · 2^-k, k)``: ``k = 0`` when max|x| lies in [2^-SAFE_EXPONENT, 2^SAFE_EXPONENT]
    (``x`` returned as is), otherwise k puts max|x| in [0.5, 1).

    Multiplying by a power of two only changes exponents, so it is exact (up to entries
    that become subnormal, i.e. below 2^-126 of the largest one in float32); distances of
    the result times 2^k are the distances of ``x``. The factor is applied in two halves so
    that neither half over- or underflows the dtype (2^-128 is not a normal float32).
    """
    amax = float(x.detach().abs().max()) if x.numel() else 0.0
    if amax == 0.0 or 2.0**-SAFE_EXPONENT <= amax <= 2.0**SAFE_EXPONENT:
        return x, 0
    _, k = math.frexp(amax)  # amax = m · 2^k, m in [0.5, 1)
    half = k // 2
    return x * 2.0 ** (-half) * 2.0 ** (half - k), k

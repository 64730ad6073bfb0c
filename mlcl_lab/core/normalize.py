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
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

NORM_FLOOR = 1e-12  # F.normalize's eps: below it the clamped norm would distort the row


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

"""Input validation shared by all losses: shapes, dtypes, binary labels, finite values,
non-empty batches and (for embeddings that are L2-normalised) no all-zero rows.

The empty-input and zero-row policies and their messages are those of the metrics
(:mod:`mlcl_lab.core.checks`, :mod:`mlcl_lab.core.normalize`).
"""
from __future__ import annotations

import torch
from torch import Tensor

from ..core.checks import check_nonempty
from ..core.normalize import check_nonzero_rows

# Supervised losses grow like |logit| for a confidently wrong logit; the mean over a batch of
# B·L cells is summed first, so |logit| <= 1e25 keeps that sum finite in float32 (3.4e38) for
# batches of up to 3e13 cells. A larger logit means the model has diverged.
LOGIT_LIMIT = 1e25


def check_embeddings(x: Tensor, name: str, dim: int | None = None, *, normalised: bool = False,
                     min_rows: int = 1, max_abs: float | None = None) -> None:
    """``x`` must be a floating (N, D) tensor, N >= min_rows, D >= 1 (== dim if given), with finite entries.

    ``normalised=True`` (embeddings the loss L2-normalises) also refuses all-zero rows. The
    finiteness and zero-row flags are read back in one host-device synchronisation.
    ``min_rows=0`` is for a reference set, which may be empty (no extra candidates).
    ``max_abs`` refuses entries larger in magnitude (logits: :data:`LOGIT_LIMIT`).
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {x.dtype}")
    if x.dim() != 2:
        raise ValueError(f"{name} must have shape (N, D), got {tuple(x.shape)}")
    check_nonempty(x, name, min_rows)
    if dim is not None and x.shape[1] != dim:
        raise ValueError(f"{name} has feature dimension {x.shape[1]}, expected {dim}")
    # One row reduction answers all three questions: amax propagates NaN, |inf| = inf, an
    # all-zero row has max 0 (cheaper than isfinite over every entry).
    row_max = x.detach().abs().amax(dim=1)
    false = torch.zeros((), dtype=torch.bool, device=x.device)
    flags = [~torch.isfinite(row_max).all(),
             (row_max == 0).any() if normalised else false,
             (row_max > max_abs).any() if max_abs is not None else false]
    not_finite, zero_rows, too_large = torch.stack(flags).tolist()  # one synchronisation
    if not_finite:
        raise ValueError(f"{name} contains NaN or Inf values (pass validate=False to skip this check)")
    if zero_rows:
        check_nonzero_rows(x, name)
    if too_large:
        raise ValueError(
            f"{name} has values up to {float(x.abs().max()):.3g} in magnitude; at most {max_abs:g} is accepted "
            "(beyond, the loss's mean over the batch can overflow float32: the model has diverged)"
        )


def check_labels(y: Tensor, name: str, n_rows: int, n_labels: int | None = None) -> None:
    """``y`` must be an (n_rows, L) multi-hot tensor whose entries are exactly 0 or 1."""
    if not isinstance(y, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(y).__name__}")
    if y.dim() != 2:
        raise ValueError(f"{name} must have shape (N, L) multi-hot, got {tuple(y.shape)}")
    if y.shape[0] != n_rows:
        raise ValueError(f"{name} has {y.shape[0]} rows, expected {n_rows}")
    if n_labels is not None and y.shape[1] != n_labels:
        raise ValueError(f"{name} has {y.shape[1]} labels, expected {n_labels}")
    if y.dtype == torch.bool:
        return
    binary = y.clamp(0, 1).round() if y.is_floating_point() else y.clamp(0, 1)
    if torch.equal(y, binary):  # one cheap pass on the valid path; NaN never equals itself
        return
    if y.is_floating_point() and not bool(torch.isfinite(y).all()):
        raise ValueError(f"{name} contains NaN or Inf values; labels must be 0/1 multi-hot")
    raise ValueError(f"{name} must be binary (0/1 multi-hot); found other values")

"""Input validation shared by all losses: shapes, dtypes, binary labels, finite values,
non-empty batches and (for embeddings that are L2-normalised) no all-zero rows.

Two layers, so that a valid call costs a few reductions and one host read:

* structural checks (type, dtype, shape, emptiness) run in Python and raise at once;
* value checks (finite, in range, binary, no zero row) each reduce to one 0-dim boolean
  :class:`Flag`; :func:`read_flags` reads every flag of a call in a single host-device
  synchronisation and, for a flag that fails, runs that input's precise diagnosis, which
  raises the error naming the problem (or returns on a false alarm: a norm that underflows
  or overflows for finite, non-zero rows).

The empty-input and zero-row policies and their messages are those of the metrics
(:mod:`mlcl_lab.core.checks`, :mod:`mlcl_lab.core.normalize`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor

from ..core.checks import check_nonempty
from ..core.normalize import check_nonzero_rows
from ..core.precision import compute_dtype

# Supervised losses grow like |logit| for a confidently wrong logit; the mean over a batch of
# B·L cells is summed first, so |logit| <= 1e25 keeps that sum finite in float32 (3.4e38) for
# batches of up to 3e13 cells. A larger logit means the model has diverged.
LOGIT_LIMIT = 1e25


@dataclass
class Flag:
    """Reductions of one input (0-dim tensors, not yet read), the host-side test of their
    values, and the precise check to run when the test fails."""

    values: list[Tensor]
    passes: Callable[[list[float]], bool]
    diagnose: Callable[[], None]


def read_flags(flags: list[Flag | None]) -> None:
    """Read every flag's values in one synchronisation; diagnose (and raise for) the failing ones."""
    flags = [f for f in flags if f is not None]
    if not flags:
        return
    read = torch.stack([v for f in flags for v in f.values]).tolist()
    start = 0
    for flag in flags:
        values, start = read[start:start + len(flag.values)], start + len(flag.values)
        if not flag.passes(values):
            flag.diagnose()


def embedding_flag(x: Tensor, name: str, dim: int | None = None, *, normalised: bool = False,
                   min_rows: int = 1, max_abs: float | None = None, values: bool = True) -> Flag | None:
    """Structural checks of an (N, D) floating tensor (raised now) and the flag of its values.

    N >= min_rows, D >= 1 (== dim if given); entries finite; ``normalised=True`` (embeddings
    the loss L2-normalises) also refuses all-zero rows; ``max_abs`` refuses entries larger in
    magnitude (logits: :data:`LOGIT_LIMIT`). ``min_rows=0`` is for a reference set, which may
    be empty (no extra candidates: no flag). The reductions: the (min, max) row norm
    (finite, non-zero rows have a norm in (0, inf)) or the (min, max) entry; NaN fails every
    comparison. ``values=False``: structural checks only (a fused normalisation checks the
    values on its own host read, :func:`diagnose_embeddings`).
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
    if x.numel() == 0 or not values:
        return None
    xd = x.detach()
    diagnose = lambda: diagnose_embeddings(x, name, normalised, max_abs)  # noqa: E731
    if normalised:
        lo, hi = torch.aminmax(torch.linalg.vector_norm(xd, dim=1, dtype=compute_dtype(xd)))
        return Flag([lo, hi], lambda v: v[0] > 0 and v[1] < math.inf, diagnose)
    bound = math.inf if max_abs is None else max_abs
    lo, hi = torch.aminmax(xd)            # (a full-tensor vector_norm is several times slower on CPU)
    return Flag([lo, hi], lambda v: -bound <= v[0] and v[1] <= bound and -math.inf < v[0] and v[1] < math.inf,
                diagnose)


def diagnose_embeddings(x: Tensor, name: str, normalised: bool, max_abs: float | None) -> None:
    """The precise value checks of :func:`embedding_flag`: raise on the first problem found, return if none."""
    xd = x.detach()
    if not bool(torch.isfinite(xd).all()):
        raise ValueError(f"{name} contains NaN or Inf values (pass validate=False to skip this check)")
    if normalised:
        check_nonzero_rows(xd, name)
    if max_abs is not None and bool(xd.abs().max() > max_abs):
        raise ValueError(
            f"{name} has values up to {float(xd.abs().max()):.3g} in magnitude; at most {max_abs:g} is accepted "
            "(beyond, the loss's mean over the batch can overflow float32: the model has diverged)"
        )


def label_flag(y: Tensor, name: str, n_rows: int, n_labels: int | None = None, *,
               values: bool = True) -> Flag | None:
    """Structural checks of an (n_rows, L) multi-hot tensor (raised now) and the flag of its values.

    Entries must be exactly 0 or 1 (bool needs no value check; integers: min >= 0, max <= 1).
    ``values=False``: structural checks only (the caller checks the values its own way, e.g.
    :func:`check_nonzero_entries_are_one` on the nonzero entries it extracts anyway).
    """
    if not isinstance(y, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(y).__name__}")
    if y.dim() != 2:
        raise ValueError(f"{name} must have shape (N, L) multi-hot, got {tuple(y.shape)}")
    if y.shape[0] != n_rows:
        raise ValueError(f"{name} has {y.shape[0]} rows, expected {n_rows}")
    if n_labels is not None and y.shape[1] != n_labels:
        raise ValueError(f"{name} has {y.shape[1]} labels, expected {n_labels}")
    if y.dtype == torch.bool or y.numel() == 0 or not values:
        return None
    diagnose = lambda: _diagnose_labels(y, name)  # noqa: E731
    if y.is_floating_point():
        lo, hi = torch.aminmax(torch.addcmul(y, y, y, value=-1))   # y − y² is 0 only at 0 and 1 (NaN: not 0)
        return Flag([lo, hi], lambda v: v[0] == 0 and v[1] == 0, diagnose)
    lo, hi = torch.aminmax(y)
    return Flag([lo, hi], lambda v: v[0] >= 0 and v[1] <= 1, diagnose)


def check_logits_and_labels(x: Tensor, y: Tensor) -> None:
    """A supervised loss's checks: logits (B, L) finite within ±:data:`LOGIT_LIMIT`, y (B, L) binary.

    The same checks and messages as :func:`embedding_flag` + :func:`label_flag`, written out
    for the hot path whose whole cost is a few passes (supervised losses on small batches):
    two (min, max) reductions and one host read on a valid call.
    """
    usual = (isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor) and x.is_floating_point()
             and y.is_floating_point() and x.dim() == 2 and x.numel() > 0 and y.shape == x.shape)
    if not usual:   # the general checks raise the precise structural error (or accept, e.g. bool labels)
        read_flags([embedding_flag(x, "logits", max_abs=LOGIT_LIMIT), label_flag(y, "y", x.shape[0], None)])
        if y.shape != x.shape:
            raise ValueError(f"y shape {tuple(y.shape)} must equal logits shape {tuple(x.shape)}")
        return
    reductions = [*torch.aminmax(x.detach()), *torch.aminmax(torch.addcmul(y, y, y, value=-1))]
    lo, hi, y_lo, y_hi = torch.stack(reductions).tolist()
    if not -LOGIT_LIMIT <= lo <= hi <= LOGIT_LIMIT:          # NaN fails too
        diagnose_embeddings(x, "logits", False, LOGIT_LIMIT)
    if not y_lo == y_hi == 0:                                 # y − y² is 0 only at 0 and 1
        _diagnose_labels(y, "y")


def check_nonzero_entries_are_one(y: Tensor, nonzero_values: Tensor, name: str) -> None:
    """Labels y are binary iff every entry that is not 0 equals 1: a check over the Σ|Y|
    ``nonzero_values`` (y at its ``nonzero()`` positions) instead of all B·L cells."""
    if bool((nonzero_values != 1).any()):
        _diagnose_labels(y, name)


def _diagnose_labels(y: Tensor, name: str) -> None:
    if y.is_floating_point() and not bool(torch.isfinite(y).all()):
        raise ValueError(f"{name} contains NaN or Inf values; labels must be 0/1 multi-hot")
    binary = y.clamp(0, 1).round() if y.is_floating_point() else y.clamp(0, 1)
    if not torch.equal(y, binary):
        raise ValueError(f"{name} must be binary (0/1 multi-hot); found other values")

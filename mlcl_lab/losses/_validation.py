"""Input validation shared by all losses: shapes, dtypes, binary labels, finite values."""
from __future__ import annotations

import torch
from torch import Tensor


def check_embeddings(x: Tensor, name: str, dim: int | None = None) -> None:
    """``x`` must be a floating (N, D) tensor with finite entries (and D == dim if given)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {x.dtype}")
    if x.dim() != 2:
        raise ValueError(f"{name} must have shape (N, D), got {tuple(x.shape)}")
    if dim is not None and x.shape[1] != dim:
        raise ValueError(f"{name} has feature dimension {x.shape[1]}, expected {dim}")
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} contains NaN or Inf values (pass validate=False to skip this check)")


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
    if y.is_floating_point() and not bool(torch.isfinite(y).all()):
        raise ValueError(f"{name} contains NaN or Inf values; labels must be 0/1 multi-hot")
    if not bool(((y == 0) | (y == 1)).all()):
        raise ValueError(f"{name} must be binary (0/1 multi-hot); found other values")


def compute_dtype(x: Tensor) -> torch.dtype:
    """Internal precision: float64 stays float64; float16/bfloat16/float32 are computed in float32."""
    return torch.float64 if x.dtype == torch.float64 else torch.float32

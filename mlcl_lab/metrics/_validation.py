"""Input conversion and validation shared by the metric functions.

Every public metric accepts numpy arrays or torch tensors (CPU or CUDA). Inputs are
converted to torch tensors on the input's device (numpy -> CPU) and validated here, so
that bad input fails with a ``ValueError``/``TypeError`` naming the problem.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from mlcl_lab.core.checks import check_nonempty

ArrayLike = Any  # numpy.ndarray | torch.Tensor | nested sequences


def as_tensor(x: ArrayLike, name: str, device: torch.device | None = None) -> torch.Tensor:
    """Convert ``x`` to a torch tensor without copying when possible.

    numpy arrays and sequences land on the CPU (or on ``device`` when given); tensors
    keep their device unless ``device`` is given.
    """
    if isinstance(x, torch.Tensor):
        t = x.detach()
    elif isinstance(x, np.ndarray):
        if x.dtype == object:
            raise TypeError(f"{name} has dtype object; pass a numeric numpy array or tensor")
        t = torch.from_numpy(np.ascontiguousarray(x))
    elif isinstance(x, (list, tuple)):
        t = torch.as_tensor(np.asarray(x))
    else:
        raise TypeError(f"{name} must be a numpy array or torch tensor, got {type(x).__name__}")
    if t.dtype.is_complex:
        raise TypeError(f"{name} must be real-valued, got dtype {t.dtype}")
    if device is not None:
        t = t.to(device)
    return t


def check_2d(t: torch.Tensor, name: str, min_rows: int = 1) -> None:
    """Require a 2-D tensor with at least ``min_rows`` rows and one column."""
    if t.ndim != 2:
        raise ValueError(f"{name} must be 2-D (N, *), got shape {tuple(t.shape)}")
    check_nonempty(t, name, min_rows)


def check_finite(t: torch.Tensor, name: str) -> None:
    """Raise if ``t`` contains NaN or +-Inf."""
    if t.is_floating_point() and not bool(torch.isfinite(t).all()):
        n_bad = int((~torch.isfinite(t)).sum())
        raise ValueError(f"{name} contains {n_bad} NaN/Inf value(s)")


def as_multihot(y: ArrayLike, name: str, device: torch.device | None = None) -> torch.Tensor:
    """Validate a (N, L) multi-hot matrix with values in {0, 1}; return it as bool."""
    t = as_tensor(y, name, device)
    check_2d(t, name)
    if t.dtype == torch.bool:
        return t
    if t.is_floating_point():
        check_finite(t, name)
    ok = (t == 0) | (t == 1)
    if not bool(ok.all()):
        bad = t[~ok].flatten()[:5].tolist()
        raise ValueError(f"{name} must be multi-hot with values in {{0, 1}}; found e.g. {bad}")
    return t != 0


def as_embeddings(z: ArrayLike, name: str = "z", min_rows: int = 1) -> torch.Tensor:
    """Validate (N, D) finite real embeddings; return a floating tensor (device kept)."""
    t = as_tensor(z, name)
    check_2d(t, name, min_rows=min_rows)
    if not t.is_floating_point():
        t = t.to(torch.float64)
    check_finite(t, name)
    return t


def check_choice(value: Any, name: str, choices: tuple[Any, ...]) -> None:
    """Raise a ValueError listing ``choices`` when ``value`` is not one of them."""
    if value not in choices:
        raise ValueError(f"{name}={value!r} is not valid; choose one of {list(choices)}")

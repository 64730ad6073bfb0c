"""Empty-input policy shared by losses and metrics: refuse, never return NaN.

A mean over an empty batch (or over zero labels / features) is undefined; every loss and
metric raises ``ValueError`` naming the input and its shape instead of returning NaN.
"""

from __future__ import annotations

import torch


def check_nonempty(t: torch.Tensor, name: str, min_rows: int = 1) -> None:
    """Require a 2-D ``t`` with at least ``min_rows`` rows and at least one column.

    Messages (``name="logits"``): ``"logits needs at least 1 row(s), got N=0 (shape (0, 5))"``
    and ``"logits must have at least one column, got shape (4, 0)"``.
    """
    if t.shape[0] < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} row(s), got N={t.shape[0]} (shape {tuple(t.shape)})")
    if t.shape[1] < 1:
        raise ValueError(f"{name} must have at least one column, got shape {tuple(t.shape)}")

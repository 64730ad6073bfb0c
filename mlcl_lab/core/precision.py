"""The compute dtype of every loss and metric (one rule, used everywhere)."""

from __future__ import annotations

import torch


def compute_dtype(x: torch.Tensor) -> torch.dtype:
    """float64 stays float64; float16 / bfloat16 / float32 (and non-float inputs) compute in float32.

    Half precisions are raised because their exponent range (float16: max 65504) or their
    8-bit mantissa (bfloat16) cannot carry a softmax over a batch or a sum of squares.
    """
    return torch.float64 if x.dtype == torch.float64 else torch.float32

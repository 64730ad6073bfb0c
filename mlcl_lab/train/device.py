"""Seeding shared by every training entry point (devices: :mod:`mlcl_lab.runtime`)."""

from __future__ import annotations

import random

import numpy as np
import torch

from ..runtime import VALID_DEVICES, resolve_device

__all__ = ["VALID_DEVICES", "resolve_device", "seed_everything"]


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch; return a CPU generator for data order."""
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    random.seed(int(seed))
    np.random.seed(int(seed) % (2**32))
    torch.manual_seed(int(seed))
    return torch.Generator().manual_seed(int(seed))

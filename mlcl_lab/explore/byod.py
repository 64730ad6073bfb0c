"""Demo files for the bring-your-own-data notebook."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..data import load_dataset

__all__ = ["write_demo_svmlight"]


def write_demo_svmlight(path: str | Path, n_samples: int = 600, seed: int = 0) -> Path:
    """Write ``n_samples`` random rows of the built-in yeast data as a multi-label svmlight file
    (``l1,l2 idx:val ...``, 1-based feature indices); rows without labels are kept out. Returns the path."""
    if n_samples < 2:
        raise ValueError(f"n_samples must be >= 2, got {n_samples}")
    from sklearn.datasets import dump_svmlight_file

    ds = load_dataset("yeast")
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(ds.labels.shape[0], size=min(n_samples, ds.labels.shape[0]), replace=False))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    dump_svmlight_file(ds.features[idx], ds.labels[idx], str(path), multilabel=True, zero_based=False)
    return path

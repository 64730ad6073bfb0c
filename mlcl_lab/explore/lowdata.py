"""Low-data regime: every loss at several training fractions of one dataset (paper.md §5, §10)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..data import MultiLabelDataset
from ..train import TrainConfig, run_study

__all__ = ["low_data_study"]


def low_data_study(dataset: MultiLabelDataset, losses: Sequence[str], fractions: Sequence[float],
                   seeds: Sequence[int] = (0,), config: TrainConfig = TrainConfig(), progress: bool = False
                   ) -> pd.DataFrame:
    """One row per (fraction, loss, seed) with every test metric and a ``fraction`` column.

    Fractions are nested subsets of the same training split (``training_subset``), so a
    smaller fraction's samples are inside every larger one. ValueError for a fraction
    outside (0, 1] or an empty list.
    """
    if not fractions:
        raise ValueError("low_data_study needs at least one training fraction")
    bad = [f for f in fractions if not 0.0 < f <= 1.0]
    if bad:
        raise ValueError(f"training fractions must be in (0, 1], got {bad}")
    frames = []
    for fraction in sorted(fractions):
        study = run_study(dataset, losses, seeds, config, train_fraction=fraction, progress=progress, geometry=False)
        frames.append(study.results.assign(fraction=fraction))
    return pd.concat(frames, ignore_index=True)

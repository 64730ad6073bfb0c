"""One study: a dataset x losses x seeds, each run trained, probed and evaluated.

This is the function the study notebook calls; every number in a report comes from here.
The pieces: :mod:`.prepared` (split + inputs, once per study), :mod:`.runs` (one run,
by kind), :mod:`.contrastive` / :mod:`.supervised` / :mod:`.probe` (the stages).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..data import MultiLabelDataset
from ..runtime import environment_info, resolve_device
from .config import TrainConfig
from .loss_spec import parse_loss_spec
from .prepared import PreparedData, prepare_inputs
from .runs import RunResult, run_one

__all__ = ["PreparedData", "RunResult", "StudyResult", "environment_info", "prepare_inputs", "run_one", "run_prepared", "run_study"]


@dataclass
class StudyResult:
    """All runs of a study, with tidy tables."""

    dataset: str
    runs: list[RunResult]
    test_labels: np.ndarray
    label_names: list[str]
    input_shape: tuple[int, ...] = ()
    test_indices: np.ndarray | None = None
    split_info: dict[str, Any] = field(default_factory=dict)  # where the split came from
    input_info: dict[str, Any] = field(default_factory=dict)  # which inputs were chosen

    @property
    def results(self) -> pd.DataFrame:
        """One row per loss x seed: loss, kind, seed, seconds, then every metric."""
        rows = [{"loss": r.loss, "kind": r.kind, "seed": r.seed, "seconds": r.seconds, **r.metrics} for r in self.runs]
        return pd.DataFrame(rows)

    @property
    def histories(self) -> pd.DataFrame:
        """Per-epoch history of every run, with loss and seed columns."""
        frames = [r.history.assign(loss=r.loss, seed=r.seed) for r in self.runs]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def run_study(
    dataset: MultiLabelDataset,
    losses: Sequence[str],
    seeds: Sequence[int],
    config: TrainConfig | None = None,
    split_seed: int = 0,
    train_fraction: float = 1.0,
    progress: bool = True,
    cache_dir: str | None = None,
    geometry: bool = True,
) -> StudyResult:
    """Run every loss with every seed on one split of ``dataset``.

    Unknown loss names are rejected before anything trains; ``config`` defaults to ``TrainConfig()``. The split and the inputs
    are prepared once; each run's ``timings["split"]`` and ``timings["inputs"]`` are its
    even share of that preparation (they sum to its cost over the study's runs).
    """
    config = TrainConfig() if config is None else config
    for name in losses:
        parse_loss_spec(name)  # rejects unknown names before anything trains
    if not losses or not seeds:
        raise ValueError("run_study needs at least one loss and one seed")
    device = resolve_device(config.device)
    data = prepare_inputs(dataset, device, split_seed=split_seed, train_fraction=train_fraction, cache_dir=cache_dir,
                          config=config)
    return run_prepared(dataset, data, losses, seeds, config, progress=progress, geometry=geometry)


def run_prepared(dataset: MultiLabelDataset, data: PreparedData, losses: Sequence[str], seeds: Sequence[int],
                 config: TrainConfig, *, progress: bool = True, geometry: bool = True,
                 shared_by: int | None = None) -> StudyResult:
    """The runs of :func:`run_study` on inputs already prepared (``data``, reused by a batch
    of studies on one split). ``shared_by`` (default: this study's runs) is the number of
    runs over which the preparation's ``split``/``inputs`` seconds are shared evenly."""
    jobs = [(name, seed) for name in losses for seed in seeds]
    shared = {phase: seconds / (shared_by or len(jobs)) for phase, seconds in data.timings.items()}
    from tqdm.auto import tqdm

    runs = []
    for name, seed in tqdm(jobs, desc=f"study on {dataset.name}", disable=not progress):
        run = run_one(data, name, seed, config, progress=progress, geometry=geometry)
        run.timings.update(shared)
        runs.append(run)
    te = data.split.test
    return StudyResult(dataset.name, runs, np.asarray(dataset.labels)[te], list(dataset.label_names),
                       data.input_shape, np.asarray(te), dict(data.split_info), dict(data.input_info))

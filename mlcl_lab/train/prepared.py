"""The inputs of a study: one split and one batch source of the whole dataset, on the device.

:func:`prepare_inputs` obtains the split through exactly one call (:func:`resolve_split`,
CONTRACT interface 4) and the input tensors through one call (:func:`make_source`,
interface 3); the runs then read sources cut from the whole-dataset one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..data import (
    MultiLabelDataset,
    Split,
    encoder_inputs,
    split_indices,
    training_subset,
)
from .config import TrainConfig
from .sources import BatchSource, TensorSource
from .timings import Timings

__all__ = ["PreparedData", "make_source", "prepare_inputs", "resolve_split"]


@dataclass
class PreparedData:
    """The whole dataset as a source on the device, the split it is cut by, the training
    rows actually used (after the low-data fraction) and the seconds the preparation took.

    ``labels`` (N, L) are the dataset's labels as loaded (metrics read them); ``split_info``
    and ``input_info`` say where the split came from and which inputs were chosen.
    """

    source: BatchSource
    labels: np.ndarray
    split: Split
    train: np.ndarray  # training indices actually used (after the fraction)
    split_info: dict[str, Any] = field(default_factory=dict)
    input_info: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    _parts: dict[str, BatchSource] = field(default_factory=dict, repr=False)

    def part(self, name: str) -> BatchSource:
        """The ``"train"`` (after the fraction), ``"val"`` or ``"test"`` rows as a source (cut once)."""
        if name not in self._parts:
            self._parts[name] = self.source.subset(self._rows(name))
        return self._parts[name]

    def labels_of(self, name: str) -> np.ndarray:
        """(n, L) labels of a part, as loaded."""
        return self.labels[self._rows(name)]

    def _rows(self, name: str) -> np.ndarray:
        rows = {"train": self.train, "val": self.split.val, "test": self.split.test}
        if name not in rows:
            raise ValueError(f"part must be one of train, val, test; got {name!r}")
        return np.asarray(rows[name])

    def label_tensor(self, name: str) -> torch.Tensor:
        """(n, L) labels of a part as loaded, as a tensor on the source's device."""
        return torch.as_tensor(self.labels_of(name), device=getattr(self.source, "device", None))

    @property
    def x(self) -> torch.Tensor:
        """All inputs as one tensor (in-memory sources only)."""
        return _tensor_source(self.source).x

    @property
    def y(self) -> torch.Tensor:
        """All labels as a float tensor on the device (in-memory sources only)."""
        return _tensor_source(self.source).y

    @property
    def input_shape(self) -> tuple[int, ...]:
        from .models import input_shape_of

        return input_shape_of(self.source) or ()


def _tensor_source(source: BatchSource) -> TensorSource:
    if not isinstance(source, TensorSource):
        raise TypeError(f"this needs in-memory inputs (a TensorSource), the data is a {type(source).__name__}")
    return source


def resolve_split(dataset: MultiLabelDataset, *, seed: int, val_fraction: float, test_fraction: float,
                  cache_dir: str | Path | None = None) -> tuple[Split, dict[str, Any]]:
    """The split of ``dataset`` and where it came from (today: a seeded stratified split).

    The one place :func:`prepare_inputs` gets its split from; ``mlcl_lab.data.splits.resolve_split``
    (official / user / cached stratified splits) replaces this body.
    """
    split = split_indices(dataset.labels, val_fraction=val_fraction, test_fraction=test_fraction, seed=seed)
    return split, {"source": f"stratified (iterative, seed {seed})", "seed": int(seed),
                   "val_fraction": float(val_fraction), "test_fraction": float(test_fraction)}


def make_source(dataset: MultiLabelDataset, config: TrainConfig | None, device: torch.device, *,
                cache_dir: str | Path | None = None, train_positions: np.ndarray | None = None
                ) -> tuple[BatchSource, dict[str, Any]]:
    """The encoder inputs of the whole dataset as a source on ``device``, and what was chosen.

    Today: in-memory tensors of :func:`~mlcl_lab.data.encoder_inputs`; vector inputs
    (features, sentence embeddings) standardised with the mean and standard deviation
    of the rows ``train_positions`` (constant features get std 1).
    ``mlcl_lab.data.inputs.make_source`` (streaming for data that does not fit) replaces this body.
    """
    x = np.asarray(encoder_inputs(dataset, cache_dir=cache_dir), dtype=np.float32)
    standardised = x.ndim == 2
    if standardised:
        rows = np.arange(len(x)) if train_positions is None else np.asarray(train_positions)
        mean = x[rows].mean(0)
        std = x[rows].std(0)
        std[std < 1e-12] = 1.0
        x = (x - mean) / std
    source = TensorSource(torch.from_numpy(x).to(device), torch.from_numpy(np.asarray(dataset.labels)).to(device))
    return source, {"inputs": "in-memory tensors", "shape": list(x.shape[1:]), "standardised": bool(standardised)}


def prepare_inputs(
    dataset: MultiLabelDataset,
    device: torch.device,
    split_seed: int = 0,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
    train_fraction: float = 1.0,
    cache_dir: str | None = None,
    config: TrainConfig | None = None,
) -> PreparedData:
    """Split ``dataset`` (one call), sub-sample its training part, and make its inputs (one call).

    ``train_fraction < 1`` keeps a nested label-stratified subset of the training rows
    (:func:`~mlcl_lab.data.training_subset`, seeded by ``split_seed``). Records the
    seconds of the ``split`` and ``inputs`` phases in ``timings``.
    """
    timings = Timings(device)
    with timings.phase("split"):
        split, split_info = resolve_split(dataset, seed=split_seed, val_fraction=val_fraction,
                                          test_fraction=test_fraction, cache_dir=cache_dir)
        train = split.train if train_fraction >= 1.0 else training_subset(split.train, dataset.labels, train_fraction,
                                                                          seed=split_seed)
    with timings.phase("inputs"):
        source, input_info = make_source(dataset, config, device, cache_dir=cache_dir, train_positions=train)
    return PreparedData(source, np.asarray(dataset.labels), split, np.asarray(train), split_info,
                        {**input_info, "train_fraction": float(train_fraction)}, dict(timings))

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

from ..data import MultiLabelDataset, Split, training_subset
from ..data import resolve_split as data_resolve_split
from ..data.inputs import make_source as data_make_source
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
    """The split of ``dataset`` and its record (:func:`mlcl_lab.data.resolve_split`): the
    dataset's own split (official / user) when it has one, else the seeded stratified
    split, through the split cache. The one place :func:`prepare_inputs` gets its split from.
    """
    record = data_resolve_split(dataset, seed=seed, val_fraction=val_fraction, test_fraction=test_fraction,
                                cache_dir=cache_dir)
    return record.split, record.to_json()


def make_source(dataset: MultiLabelDataset, config: TrainConfig | None, device: torch.device, *,
                cache_dir: str | Path | None = None, train_positions: np.ndarray | None = None
                ) -> tuple[BatchSource, dict[str, Any]]:
    """The encoder inputs of the whole dataset as a source on ``device``, and what was chosen
    (:func:`mlcl_lab.data.inputs.make_source`: in-memory tensors for vectors and small
    images, vector inputs standardised on the rows ``train_positions``; streaming for image
    files and fine-tuned text). The one place :func:`prepare_inputs` gets its inputs from.
    """
    return data_make_source(dataset, config, device, cache_dir=cache_dir, train_positions=train_positions)


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

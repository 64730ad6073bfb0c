"""Batch sources: what the training stages, the probe's feature extraction and the evaluation read.

A :class:`BatchSource` yields :class:`Batch` es on the training device. The in-memory
:class:`TensorSource` is the fast path for vector data and small images (tensors put on
the device once); ``mlcl_lab.data.streaming.StreamingSource`` yields the same batches
from a ``torch.utils.data`` loader for data that does not fit in memory.
Models are called as ``model(batch.x)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import torch

from .batching import batch_indices

__all__ = ["Batch", "BatchSource", "TensorSource"]


@dataclass
class Batch:
    """One mini-batch on the device.

    ``x`` (B, ...) inputs, or a dict of (B, T) tensors for tokenised text; ``y`` (B, L)
    float multi-hot; ``index`` (B,) long positions of the rows within their source.
    """

    x: torch.Tensor | dict[str, torch.Tensor]
    y: torch.Tensor
    index: torch.Tensor

    def __len__(self) -> int:
        return int(self.index.shape[0])


@runtime_checkable
class BatchSource(Protocol):
    """``n`` samples with ``n_labels`` labels, read in batches."""

    n: int
    n_labels: int

    def batches(self, batch_size: int, *, shuffle: bool, drop_last: bool,
                generator: torch.Generator | None) -> Iterator[Batch]:
        """One pass: shuffled by ``generator`` when ``shuffle``, else in order.

        With ``drop_last`` the incomplete last batch is skipped unless it is the only one.
        """
        ...

    def subset(self, positions: np.ndarray) -> BatchSource:
        """The rows at ``positions`` (in that order) as a new source."""
        ...


class TensorSource:
    """In-memory source: ``x`` (N, ...) and ``y`` (N, L) tensors, both on the same device.

    ``y`` is stored as float32. The batch order of a shuffled pass is exactly
    :func:`~mlcl_lab.train.batching.batch_indices` (``torch.randperm(n, generator)`` on
    the CPU, cut into consecutive batches), so a seed gives the same batches as before
    sources existed. Rows are gathered with one index per batch (no Python loop per row).
    """

    def __init__(self, x: torch.Tensor, y: torch.Tensor) -> None:
        if not isinstance(x, torch.Tensor) or not isinstance(y, torch.Tensor):
            raise TypeError(f"TensorSource needs tensors x and y, got {type(x).__name__} and {type(y).__name__}")
        if y.dim() != 2 or x.dim() < 1 or x.shape[0] != y.shape[0]:
            raise ValueError(f"TensorSource needs x (N, ...) and y (N, L) with the same N, got "
                             f"{tuple(x.shape)} and {tuple(y.shape)}")
        if x.device != y.device:
            raise ValueError(f"TensorSource: x is on {x.device} but y on {y.device}")
        self.x = x
        self.y = y if y.dtype == torch.float32 else y.float()
        self.n = int(x.shape[0])
        self.n_labels = int(y.shape[1])

    @property
    def device(self) -> torch.device:
        return self.x.device

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one input, without the batch axis."""
        return tuple(self.x.shape[1:])

    def batches(self, batch_size: int, *, shuffle: bool, drop_last: bool,
                generator: torch.Generator | None) -> Iterator[Batch]:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if shuffle and generator is None:
            raise ValueError("a shuffled pass needs a generator (the seeded data order)")
        if self.n == 0:
            return
        for idx in batch_indices(self.n, batch_size, generator if shuffle else None, drop_last, self.device):
            yield Batch(self.x[idx], self.y[idx], idx)

    def subset(self, positions: np.ndarray | torch.Tensor) -> TensorSource:
        idx = torch.as_tensor(np.asarray(positions, dtype=np.int64) if not isinstance(positions, torch.Tensor)
                              else positions, device=self.device)
        if idx.dim() != 1:
            raise ValueError(f"subset positions must be 1-D, got shape {tuple(idx.shape)}")
        if idx.numel() and (int(idx.min()) < 0 or int(idx.max()) >= self.n):
            raise IndexError(f"subset positions out of range for a source of {self.n} rows")
        return TensorSource(self.x[idx], self.y[idx])

    def __len__(self) -> int:
        return self.n

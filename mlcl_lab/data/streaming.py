"""Streaming batch sources: inputs decoded per batch by ``torch.utils.data`` workers.

For datasets that do not fit in memory as one tensor (image files: COCO at 224 px would
be ~50 GB; fine-tuned text: token ids per batch). A :class:`StreamingSource` implements
the ``BatchSource`` protocol of ``mlcl_lab.train.sources`` (CONTRACT interface 1):
``batches(batch_size, shuffle=, drop_last=, generator=)`` yields :class:`Batch` objects
with inputs and labels on the training device and ``index`` = positions within the
source; ``subset(positions)`` restricts it.

Determinism: the batch order is ``torch.randperm(n, generator=generator)`` (exactly the
order of ``train.batching.batch_indices``, so a streaming and an in-memory source give
the same batches for the same generator); with augmentation, each shuffled pass then
draws one epoch seed from the same generator, and every image's augmentation is seeded
by ``(epoch seed, dataset row)`` (without augmentation nothing more is drawn, so the
generator advances exactly as with an in-memory source). The result does not depend on the number of worker
processes or on which worker decodes which batch. Augmentation applies to shuffled
passes (training epochs) only; ordered passes (feature extraction, validation, test)
use the deterministic evaluation transform. Pinned host memory and non-blocking copies
on CUDA; uint8 pixels are normalised on the device.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch

from .errors import DatasetNotFoundError
from .images import ImageTransform, load_rgb, normalise

__all__ = ["Batch", "BatchFetcher", "ImageFiles", "StreamingSource", "TokenRows", "batch_cuts"]


@dataclass
class Batch:
    """One mini-batch (structurally identical to ``mlcl_lab.train.sources.Batch``).

    ``x``: inputs on the device ((B, ...) tensor, or the tokenised dict of (B, T) tensors);
    ``y``: (B, L) float multi-hot on the device; ``index``: (B,) long positions within the source.
    """

    x: torch.Tensor | dict[str, torch.Tensor]
    y: torch.Tensor
    index: torch.Tensor

    def __len__(self) -> int:
        return int(self.index.shape[0])


class BatchFetcher(Protocol):
    """What a :class:`StreamingSource` decodes rows with (picklable: it runs in workers).

    ``fetch(rows, seed, train)`` -> CPU inputs of the rows (tensor or dict of tensors);
    ``to_device(x, device)`` -> the inputs the model takes; ``random``: whether training
    fetches draw random numbers; ``input_shape``: one input's shape (without batch axis;
    None for tokenised text, whose inputs are dicts).
    """

    random: bool
    input_shape: tuple[int, ...] | None

    def fetch(self, rows: np.ndarray, seed: int, train: bool) -> torch.Tensor | dict[str, torch.Tensor]: ...

    def to_device(self, x, device: torch.device): ...


class ImageFiles:
    """Image files decoded with PIL and transformed (:class:`~mlcl_lab.data.images.ImageTransform`).

    With ``check`` every file's existence is verified at construction (missing files are
    listed); a corrupt file is named when it is decoded.

    ``fetch`` -> uint8 (B, 3, S, S); ``to_device`` -> float32 ImageNet-normalised on the device.
    """

    def __init__(self, paths: list[str], transform: ImageTransform, *, check: bool = True) -> None:
        self.paths = list(paths)
        if check:  # before any run starts, not at the first epoch that reaches the file
            missing = [p for p in self.paths if not os.path.isfile(p)]
            if missing:
                raise DatasetNotFoundError(f"{len(missing)} of {len(self.paths)} image files do not exist, "
                                           f"e.g. {', '.join(missing[:3])}")
        self.transform = transform
        self.random = transform.random
        self.input_shape = (3, transform.size, transform.size)

    def fetch(self, rows: np.ndarray, seed: int, train: bool) -> torch.Tensor:
        out = np.empty((len(rows), *self.input_shape), dtype=np.uint8)
        for k, row in enumerate(rows.tolist()):  # decoding is per file by nature; runs in the workers
            image_seed = int(np.random.SeedSequence([seed, row]).generate_state(1)[0])
            out[k] = self.transform(load_rgb(self.paths[row]), image_seed, train)
        return torch.from_numpy(out)

    def to_device(self, x: torch.Tensor, device: torch.device) -> torch.Tensor:
        return normalise(x.to(device, non_blocking=True))


class TokenRows:
    """Pre-tokenised texts ((N, T) int32 ids, int8 mask; :mod:`mlcl_lab.models.tokens`).

    A batch is trimmed to its longest text (columns where every mask is 0 are dropped:
    the encoder's output at real tokens and its pooling do not depend on trailing
    padding) and converted to int64.
    """

    random = False

    def __init__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> None:
        if input_ids.shape != attention_mask.shape or input_ids.dim() != 2:
            raise ValueError(f"token arrays must both be (N, T), got {tuple(input_ids.shape)} and {tuple(attention_mask.shape)}")
        if attention_mask.shape[1] > 1 and bool((attention_mask[:, 1:] > attention_mask[:, :-1]).any()):
            raise ValueError("attention masks must be right-padded (ones, then zeros): tokenise with padding on the right")
        self.input_ids = input_ids
        self.attention_mask = attention_mask
        self.input_shape = None  # dict inputs (as train.models.input_shape_of expects)
        self.max_len = int(input_ids.shape[1])

    def fetch(self, rows: np.ndarray, seed: int, train: bool) -> dict[str, torch.Tensor]:
        idx = torch.from_numpy(rows)
        mask = self.attention_mask[idx]
        width = max(int(mask.sum(1).max()), 1) if len(rows) else 1
        return {"input_ids": self.input_ids[idx, :width].long(), "attention_mask": mask[:, :width].long()}

    def to_device(self, x: dict[str, torch.Tensor], device: torch.device) -> dict[str, torch.Tensor]:
        return {k: v.to(device, non_blocking=True) for k, v in x.items()}


@dataclass(frozen=True)
class _Request:
    rows: np.ndarray      # dataset rows of the batch
    positions: np.ndarray  # their positions within the source
    seed: int
    train: bool


class _RequestDataset(torch.utils.data.Dataset):
    """Map-style dataset whose "index" is a whole batch request (the loader does not re-batch)."""

    def __init__(self, fetcher: BatchFetcher, labels: torch.Tensor) -> None:
        self.fetcher = fetcher
        self.labels = labels

    def __getitem__(self, request: _Request):  # type: ignore[override]
        x = self.fetcher.fetch(request.rows, request.seed, request.train)
        return x, self.labels[torch.from_numpy(request.rows)], torch.from_numpy(request.positions)


def batch_cuts(n: int, batch_size: int, *, shuffle: bool, drop_last: bool,
               generator: torch.Generator | None) -> list[np.ndarray]:
    """The positions of each batch of one pass over ``n`` items, as int64 arrays.

    Order: ``torch.randperm(n, generator=generator)`` when ``shuffle`` (a shuffled pass
    needs the generator: the seeded data order), else 0..n-1; consecutive ``batch_size``
    slices of it. With ``drop_last`` the incomplete last batch is skipped unless it is the
    only one (a set smaller than one batch still trains on all of it), as
    ``train.batching.batch_indices``.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if shuffle and generator is None:
        raise ValueError("a shuffled pass needs a generator (the seeded data order)")
    order = (torch.randperm(n, generator=generator) if shuffle else torch.arange(n)).numpy()
    full = n // batch_size
    cuts = [order[s * batch_size:(s + 1) * batch_size] for s in range(full)]
    if n - full * batch_size and (not drop_last or full == 0):
        cuts.append(order[full * batch_size:])
    return cuts


def _identity(item):
    return item


def _worker_init(_: int) -> None:
    torch.set_num_threads(1)  # decoding workers must not oversubscribe the training process's cores


class StreamingSource:
    """A ``BatchSource`` that decodes its rows per batch, in ``num_workers`` processes.

    ``fetcher`` decodes dataset rows; ``labels`` (N_all, L) multi-hot; ``rows`` the dataset
    rows this source covers (default all); ``device`` where batches go.
    """

    def __init__(self, fetcher: BatchFetcher, labels: np.ndarray | torch.Tensor, device: torch.device | str,
                 *, rows: np.ndarray | None = None, num_workers: int = 0) -> None:
        if num_workers < 0:
            raise ValueError(f"num_workers must be >= 0, got {num_workers}")
        self.fetcher = fetcher
        self.labels = torch.as_tensor(np.asarray(labels), dtype=torch.float32)
        if self.labels.dim() != 2:
            raise ValueError(f"labels must be (N, L), got shape {tuple(self.labels.shape)}")
        self.rows = np.arange(self.labels.shape[0], dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)
        if self.rows.size and (self.rows.min() < 0 or self.rows.max() >= self.labels.shape[0]):
            raise IndexError(f"source rows must lie in [0, {self.labels.shape[0]}), got {self.rows.min()}..{self.rows.max()}")
        self.device = torch.device(device)
        self.num_workers = int(num_workers)
        self.n = int(self.rows.size)
        self.n_labels = int(self.labels.shape[1])
        self.input_shape = None if fetcher.input_shape is None else tuple(fetcher.input_shape)

    def subset(self, positions: np.ndarray) -> StreamingSource:
        """The source restricted to ``positions`` (int positions within this source)."""
        positions = np.asarray(positions, dtype=np.int64)
        if positions.size and (positions.min() < 0 or positions.max() >= self.n):
            raise IndexError(f"subset positions must lie in [0, {self.n}), got {positions.min()}..{positions.max()}")
        return StreamingSource(self.fetcher, self.labels, self.device, rows=self.rows[positions], num_workers=self.num_workers)

    def _requests(self, batch_size: int, shuffle: bool, drop_last: bool,
                  generator: torch.Generator | None) -> list[_Request]:
        cuts = batch_cuts(self.n, batch_size, shuffle=shuffle, drop_last=drop_last, generator=generator)
        train = shuffle and self.fetcher.random
        seed = int(torch.randint(0, 2**62, (1,), generator=generator)) if train else 0
        return [_Request(self.rows[c], c, seed, train) for c in cuts]

    def batches(self, batch_size: int, *, shuffle: bool, drop_last: bool,
                generator: torch.Generator | None) -> Iterator[Batch]:
        """One pass in ``batch_size`` batches (shuffled by ``generator`` when ``shuffle``). With
        ``drop_last`` the incomplete last batch is skipped unless it is the only one (as
        ``train.batching.batch_indices``)."""
        requests = self._requests(batch_size, shuffle, drop_last, generator)
        if not requests:
            return
        loader = torch.utils.data.DataLoader(
            _RequestDataset(self.fetcher, self.labels), sampler=requests, batch_size=None, collate_fn=_identity,
            num_workers=self.num_workers, pin_memory=self.device.type == "cuda",
            worker_init_fn=_worker_init if self.num_workers else None,
            generator=torch.Generator())  # its base seed would otherwise be drawn from the global RNG (dropout's)
        for x, y, index in loader:
            yield Batch(self.fetcher.to_device(x, self.device), y.to(self.device, non_blocking=True),
                        index.to(self.device, non_blocking=True))

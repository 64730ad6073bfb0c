"""What an encoder consumes, per modality: arrays (``encoder_inputs``) or batch sources (``make_source``).

``make_source`` (CONTRACT interface 3) chooses, from the dataset and the run's
``TrainConfig``, between the in-memory fast path and the streaming pipeline
(:mod:`mlcl_lab.data.streaming`) and says what it chose (recorded in the run folder):

=================================  ==========================================================
dataset / config                   source
=================================  ==========================================================
vector features                    in memory, standardised with the training rows' mean/std
image pixels already decoded       in memory, as stored (float32 in [0, 1]); RGB pixels for a
                                   ResNet ImageNet-normalised, as the streamed ones
image file paths                   streaming: PIL decode, resize/augment, ImageNet normalise
  (also with decoded pixels when ``augment`` is not "none": augmentations need the files)
text, ``encoder="hf:<dir>"``       streaming token rows (tokenised once, cached; fine-tuning)
text, any other encoder            in memory: frozen all-MiniLM-L6-v2 sentence embeddings
                                   (cached), standardised (the fast path)
=================================  ==========================================================
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..models.encoders import RESNET_NAMES
from .dataset import MultiLabelDataset
from .images import IMAGENET_MEAN, IMAGENET_STD, ImageTransform
from .streaming import Batch, ImageFiles, StreamingSource, TokenRows, batch_cuts
from .text_encoders import MiniLMEncoder, TextEncoder, cached_encode, default_cache_dir

__all__ = ["TensorSource", "encoder_inputs", "in_memory_source", "make_source", "standardise"]


def encoder_inputs(ds: MultiLabelDataset, cache_dir: str | Path | None = None, *,
                   encoder: TextEncoder | None = None) -> np.ndarray:
    """The in-memory encoder input array of ``ds``.

    - vector: ``features`` (N, F) float32;
    - image: ``features`` (N, C, H, W) float32 in [0, 1]; image-path datasets
      (``features is None``) are not supported here: they stream (:func:`make_source`);
    - text: frozen sentence embeddings (N, 384) float32 from all-MiniLM-L6-v2
      (or ``encoder``), cached per text under ``cache_dir`` (default
      ``$MLCL_LAB_CACHE_DIR`` or ``~/.cache/mlcl_lab``).
    """
    if ds.modality in ("vector", "image"):
        if ds.features is None:
            raise ValueError(
                f"dataset {ds.name!r} holds image file paths only; in-memory arrays are not "
                "supported for it: stream the files with mlcl_lab.data.inputs.make_source"
            )
        return ds.features
    if ds.modality == "text":
        enc = encoder if encoder is not None else MiniLMEncoder()
        emb, _ = cached_encode(list(ds.texts or []), enc, ds.name, cache_dir)
        return emb
    raise ValueError(f"unknown modality {ds.modality!r}; valid: vector, text, image")


def standardise(x: np.ndarray, train_positions: np.ndarray | None) -> np.ndarray:
    """(N, F) float32 -> (x - mean) / std over the training rows (all rows when None); std < 1e-12 -> 1."""
    ref = x if train_positions is None else x[np.asarray(train_positions, dtype=np.int64)]
    if ref.shape[0] == 0:
        raise ValueError("cannot standardise inputs on an empty set of training rows")
    mean = ref.mean(0)
    std = ref.std(0)
    std[std < 1e-12] = 1.0
    return (x - mean) / std


class TensorSource:
    """In-memory ``BatchSource``: inputs ``x`` (N, ...) and labels ``y`` (N, L) on one device.

    Interim twin of ``mlcl_lab.train.sources.TensorSource`` (CONTRACT interface 1) with the
    same batch order (:func:`~mlcl_lab.data.streaming.batch_cuts`); the lead replaces it by
    that class at merge.
    """

    def __init__(self, x: torch.Tensor, y: torch.Tensor) -> None:
        if x.shape[0] != y.shape[0]:
            raise ValueError(f"x has {x.shape[0]} rows but y has {y.shape[0]}")
        self.x = x
        self.y = y.float()
        self.n = int(x.shape[0])
        self.n_labels = int(y.shape[1])
        self.input_shape = tuple(x.shape[1:])
        self.device = x.device

    def batches(self, batch_size: int, *, shuffle: bool, drop_last: bool,
                generator: torch.Generator | None) -> Iterator[Batch]:
        for cut in batch_cuts(self.n, batch_size, shuffle=shuffle, drop_last=drop_last, generator=generator):
            idx = torch.from_numpy(cut).to(self.x.device)
            yield Batch(self.x[idx], self.y[idx], idx)

    def subset(self, positions: np.ndarray) -> TensorSource:
        idx = torch.as_tensor(np.asarray(positions, dtype=np.int64), device=self.x.device)
        return TensorSource(self.x[idx], self.y[idx])


def in_memory_source(x: torch.Tensor, y: torch.Tensor) -> TensorSource:
    """The in-memory fast path: ``mlcl_lab.train.sources.TensorSource(x, y)``
    (imported inside the function: ``mlcl_lab.train`` imports ``mlcl_lab.data``)."""
    from ..train.sources import TensorSource as TrainTensorSource

    return TrainTensorSource(x, y)  # type: ignore[return-value]


def make_source(dataset: MultiLabelDataset, config: Any, device: torch.device | str, *,
                cache_dir: str | Path | None = None,
                train_positions: np.ndarray | None = None) -> tuple[TensorSource | StreamingSource, dict[str, Any]]:
    """The batch source of ``dataset`` for a run with ``config`` (a ``TrainConfig``), and what was chosen.

    ``train_positions`` (rows of the training set) give the standardisation statistics of
    in-memory vectors (all rows when None); ``config`` None means ``TrainConfig()``.
    Returns ``(source, choice)``; ``choice`` is a JSON-able dict with ``kind`` ("tensor" |
    "streaming"), ``inputs``, ``reason``, ``shape`` (one input; None for token dicts),
    ``standardised`` and the path's own details (bytes in memory, workers, augmentation,
    token cache file ...).
    """
    if config is None:  # imported here: mlcl_lab.train imports mlcl_lab.data
        from ..train.config import TrainConfig

        config = TrainConfig()
    device = torch.device(device)
    encoder, workers, augment = str(config.encoder), int(config.num_workers), str(config.augment)
    loader = {"num_workers": workers, "pin_memory": device.type == "cuda"}
    if dataset.modality == "image" and dataset.paths is not None and (dataset.features is None or augment != "none"):
        transform = ImageTransform(int(config.image_size), augment)
        source = StreamingSource(ImageFiles(list(dataset.paths), transform), dataset.labels, device, num_workers=workers)
        reason = ("an image-path dataset is decoded per batch (pixels never all in memory)" if dataset.features is None
                  else f"augment={augment!r} needs the image files decoded per epoch (the decoded pixels are not used)")
        return source, {"kind": "streaming", "inputs": "image files", "shape": list(source.input_shape),
                        "standardised": False, "reason": reason, "image_size": transform.size,
                        "augment": transform.augment, "backend": transform.backend, **loader}
    if dataset.modality == "text" and encoder.startswith("hf:"):
        from ..models.hf_text import hf_model_dir
        from ..models.tokens import cached_tokenize

        model_dir = hf_model_dir(encoder)
        cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        tokens, path, hit = cached_tokenize(list(dataset.texts or []), model_dir, int(config.max_len), cache)
        source = StreamingSource(TokenRows(tokens["input_ids"], tokens["attention_mask"]), dataset.labels, device,
                                 num_workers=workers)
        mode = "frozen" if config.freeze_backbone else "fine-tuned"
        return source, {"kind": "streaming", "inputs": "token ids", "shape": None, "standardised": False,
                        "reason": f"encoder {encoder} ({mode}) reads tokenised text", "max_len": int(config.max_len),
                        "token_cache": str(path), "token_cache_hit": hit, **loader}
    x = np.asarray(encoder_inputs(dataset, cache_dir=cache_dir), dtype=np.float32)
    inputs = {"vector": "feature vectors", "image": "decoded pixels",
              "text": "frozen sentence embeddings (all-MiniLM-L6-v2)"}[dataset.modality]
    standardised = x.ndim == 2
    if standardised:
        x = standardise(x, train_positions)
        inputs += ", standardised on the training rows" if train_positions is not None else ", standardised"
    elif x.ndim == 4 and x.shape[1] == 3 and encoder in RESNET_NAMES:  # as the streamed pixels
        x = (x - np.asarray(IMAGENET_MEAN, np.float32)[:, None, None]) / np.asarray(IMAGENET_STD, np.float32)[:, None, None]
        inputs += ", ImageNet-normalised for the ResNet"
    source = in_memory_source(torch.from_numpy(x).to(device), torch.from_numpy(np.asarray(dataset.labels)).to(device))
    return source, {"kind": "tensor", "inputs": inputs, "shape": list(source.input_shape), "standardised": standardised,
                    "reason": "the inputs fit in memory as one tensor (the fast path)", "bytes": int(x.nbytes)}

"""``encoder_inputs``: the array an encoder consumes for each modality."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .dataset import MultiLabelDataset
from .text_encoders import MiniLMEncoder, TextEncoder, cached_encode


def encoder_inputs(ds: MultiLabelDataset, cache_dir: str | Path | None = None, *,
                   encoder: TextEncoder | None = None) -> np.ndarray:
    """The encoder input array of ``ds``.

    - vector: ``features`` (N, F) float32;
    - image: ``features`` (N, C, H, W) float32 in [0, 1]; image-path datasets
      (``features is None``) are not supported here: decode the files first;
    - text: frozen sentence embeddings (N, 384) float32 from all-MiniLM-L6-v2
      (or ``encoder``), cached per text under ``cache_dir`` (default
      ``$MLCL_LAB_CACHE_DIR`` or ``~/.cache/mlcl_lab``).
    """
    if ds.modality in ("vector", "image"):
        if ds.features is None:
            raise ValueError(
                f"dataset {ds.name!r} holds image file paths only; decoding images is not "
                "supported by mlcl_lab.data (load pixels yourself, e.g. with Pillow)"
            )
        return ds.features
    if ds.modality == "text":
        enc = encoder if encoder is not None else MiniLMEncoder()
        emb, _ = cached_encode(list(ds.texts or []), enc, ds.name, cache_dir)
        return emb
    raise ValueError(f"unknown modality {ds.modality!r}; valid: vector, text, image")

"""Optional decoding of image files into (N, 3, S, S) float32 arrays in [0, 1]."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import DatasetNotFoundError, MalformedFileError


def decode_images(paths: list[str], size: int) -> np.ndarray:
    """Decode, convert to RGB and resize (bilinear, to ``size x size``) every image.

    Needs Pillow (``pip install pillow``; it ships with matplotlib). Loads
    everything into memory: N * 3 * size^2 * 4 bytes.
    """
    if size < 1:
        raise ValueError(f"image_size must be >= 1, got {size}")
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError as err:
        raise ValueError("decoding images needs Pillow: pip install pillow") from err
    out = np.empty((len(paths), 3, size, size), dtype=np.float32)
    for i, p in enumerate(paths):
        if not Path(p).is_file():
            raise DatasetNotFoundError(f"image file {p} does not exist")
        try:
            with Image.open(p) as im:
                arr = np.asarray(im.convert("RGB").resize((size, size), Image.BILINEAR))
        except (UnidentifiedImageError, OSError) as err:
            raise MalformedFileError(f"{p}: cannot decode image ({err})") from err
        out[i] = arr.transpose(2, 0, 1) / 255.0
    return out

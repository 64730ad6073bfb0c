"""Image decoding and the training-time image transforms (paper.md §5.1).

The official code resizes to ``(img_size, img_size)``, normalises with the ImageNet
mean/std and optionally applies RandAugment (``randaugment``: 2 ops, magnitude 9;
``randaugment_strong``: 3 ops, magnitude 15; 31 magnitude bins). Here:

* ``augment="none"``: ``Resize((S, S))`` only (the authors' ``basic``), in training too;
* ``"randaugment"`` / ``"strong"``: in training, random resized crop (scale 0.08-1,
  aspect 3/4-4/3, torchvision's algorithm) to S x S, horizontal flip (p = 0.5), then
  RandAugment(2, 9) / RandAugment(3, 15) over torchvision's 14 operations and magnitude
  table. Crop and flip are our addition (the authors' code only resizes), the issue's
  "random resized crop + flip at least";
* evaluation (feature extraction, validation, test) always uses ``Resize((S, S))``.

Transforms return uint8 (3, S, S) arrays; the ImageNet normalisation is applied on the
training device (:func:`normalise`), so the worker -> device copy moves a quarter of
the bytes. Randomness comes only from a per-image integer seed, so an image's
augmentation does not depend on which worker process decodes it. torchvision's
transforms are used where torchvision imports (``backend="auto"``); otherwise the
PIL implementation below (``backend="pil"``), which follows the same definitions.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from .errors import DatasetNotFoundError, MalformedFileError

__all__ = ["AUGMENT_SETTINGS", "IMAGENET_MEAN", "IMAGENET_STD", "RANDAUGMENT_BINS", "RANDAUGMENT_OPS",
           "ImageTransform", "apply_op", "crop_and_flip", "crop_box", "decode_images", "load_rgb", "normalise",
           "op_magnitude", "randaugment_plan", "torchvision_available"]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
AUGMENT_SETTINGS: dict[str, tuple[int, int] | None] = {"none": None, "randaugment": (2, 9), "strong": (3, 15)}
RANDAUGMENT_BINS = 31
CROP_SCALE = (0.08, 1.0)
CROP_RATIO = (3 / 4, 4 / 3)
# torchvision's RandAugment operations; "signed" ones take a random sign (p = 0.5)
RANDAUGMENT_OPS = ("Identity", "ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate", "Brightness",
                   "Color", "Contrast", "Sharpness", "Posterize", "Solarize", "AutoContrast", "Equalize")
_SIGNED = {"ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate", "Brightness", "Color", "Contrast", "Sharpness"}


def _pil():
    try:
        from PIL import Image
    except ImportError as err:
        raise ValueError("decoding images needs Pillow: pip install pillow") from err
    return Image


def load_rgb(path: str | Path):
    """Decode one image file to an RGB PIL image; a missing or corrupt file is named."""
    Image = _pil()
    from PIL import UnidentifiedImageError

    if not Path(path).is_file():
        raise DatasetNotFoundError(f"image file {path} does not exist")
    try:
        with Image.open(path) as im:
            return im.convert("RGB")  # convert() decodes the whole file: truncation is caught here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise MalformedFileError(f"{path}: cannot decode image ({err})") from err


def decode_images(paths: list[str], size: int) -> np.ndarray:
    """Decode, convert to RGB and resize (bilinear, to ``size x size``) every image.

    Loads everything into memory: (N, 3, size, size) float32 in [0, 1],
    N * 3 * size^2 * 4 bytes (the streaming pipeline avoids this).
    """
    if size < 1:
        raise ValueError(f"image_size must be >= 1, got {size}")
    Image = _pil()
    out = np.empty((len(paths), 3, size, size), dtype=np.float32)
    for i, p in enumerate(paths):
        arr = np.asarray(load_rgb(p).resize((size, size), Image.BILINEAR))
        out[i] = arr.transpose(2, 0, 1) / 255.0
    return out


def normalise(x: torch.Tensor) -> torch.Tensor:
    """uint8 (B, 3, S, S) -> float32 ImageNet-normalised ((x / 255 - mean) / std), on x's device."""
    mean = torch.tensor(IMAGENET_MEAN, device=x.device).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, device=x.device).view(1, 3, 1, 1)
    return (x.float() / 255.0 - mean) / std


def crop_box(width: int, height: int, rng: np.random.Generator) -> tuple[int, int, int, int]:
    """torchvision's ``RandomResizedCrop.get_params``: (top, left, h, w).

    Up to 10 draws of an area fraction in ``CROP_SCALE`` and a log-uniform aspect ratio
    in ``CROP_RATIO``; the first box that fits is taken, else the central box with the
    ratio clamped to the range (the whole image when its ratio is inside it).
    """
    area = width * height
    log_ratio = (math.log(CROP_RATIO[0]), math.log(CROP_RATIO[1]))
    for _ in range(10):
        target = area * rng.uniform(*CROP_SCALE)
        ratio = math.exp(rng.uniform(*log_ratio))
        w = round(math.sqrt(target * ratio))
        h = round(math.sqrt(target / ratio))
        if 0 < w <= width and 0 < h <= height:
            top = int(rng.integers(0, height - h + 1))
            left = int(rng.integers(0, width - w + 1))
            return top, left, h, w
    in_ratio = width / height
    if in_ratio < CROP_RATIO[0]:
        w, h = width, round(width / CROP_RATIO[0])
    elif in_ratio > CROP_RATIO[1]:
        h, w = height, round(height * CROP_RATIO[1])
    else:
        w, h = width, height
    return (height - h) // 2, (width - w) // 2, h, w


def crop_and_flip(img, size: int, rng: np.random.Generator):
    """Random resized crop (:func:`crop_box`, bilinear to ``size`` x ``size``), then a horizontal
    flip with p = 0.5. Returns (image, (top, left, h, w), flipped)."""
    Image = _pil()
    top, left, h, w = crop_box(img.width, img.height, rng)
    out = img.resize((size, size), Image.BILINEAR, box=(left, top, left + w, top + h))
    flipped = bool(rng.random() < 0.5)
    if flipped:
        out = out.transpose(Image.FLIP_LEFT_RIGHT)
    return out, (top, left, h, w), flipped


def op_magnitude(name: str, magnitude: int, size: tuple[int, int], bins: int = RANDAUGMENT_BINS) -> float:
    """Unsigned strength of RandAugment op ``name`` at ``magnitude`` (torchvision's table).

    ``size`` = (width, height). Shear 0-0.3, translate 0-150/331 of the side (pixels),
    rotate 0-30 degrees, enhancements 0-0.9, posterize 8 -> 4 bits, solarize threshold
    255 -> 0; Identity / AutoContrast / Equalize have none (0).
    """
    if not 0 <= magnitude < bins:
        raise ValueError(f"RandAugment magnitude must be in [0, {bins - 1}], got {magnitude}")
    t = magnitude / (bins - 1)
    if name in ("ShearX", "ShearY"):
        return 0.3 * t
    if name == "TranslateX":
        return 150.0 / 331.0 * size[0] * t
    if name == "TranslateY":
        return 150.0 / 331.0 * size[1] * t
    if name == "Rotate":
        return 30.0 * t
    if name in ("Brightness", "Color", "Contrast", "Sharpness"):
        return 0.9 * t
    if name == "Posterize":
        return float(8 - round(magnitude / ((bins - 1) / 4)))
    if name == "Solarize":
        return 255.0 * (1.0 - t)
    if name in ("Identity", "AutoContrast", "Equalize"):
        return 0.0
    raise ValueError(f"unknown RandAugment op {name!r}; valid ops: {', '.join(RANDAUGMENT_OPS)}")


def randaugment_plan(rng: np.random.Generator, n_ops: int, magnitude: int,
                     size: tuple[int, int]) -> list[tuple[str, float]]:
    """The ``n_ops`` (op, signed value) pairs RandAugment applies: ops uniform with replacement."""
    plan = []
    for k in rng.integers(0, len(RANDAUGMENT_OPS), size=n_ops):
        name = RANDAUGMENT_OPS[int(k)]
        value = op_magnitude(name, magnitude, size)
        if name in _SIGNED and rng.random() < 0.5:
            value = -value
        plan.append((name, value))
    return plan


def apply_op(img, name: str, value: float):
    """Apply one RandAugment op to an RGB PIL image (fill 0, nearest for geometry).

    Geometry is in continuous pixel coordinates with the origin at the top-left corner
    (torchvision's ``center=[0, 0]`` for shear): ShearX samples the input at
    (x + value * y, y), TranslateX at (x + value, y); Rotate turns counter-clockwise by
    ``value`` degrees about the centre. Brightness / Color / Contrast / Sharpness blend
    with a degenerate image by factor 1 + value; Posterize keeps ``value`` bits; Solarize
    inverts pixels >= ``value``.
    """
    from PIL import Image, ImageEnhance, ImageOps

    ops: dict[str, Callable] = {
        "Identity": lambda im: im,
        "ShearX": lambda im: im.transform(im.size, Image.AFFINE, (1, value, 0, 0, 1, 0), Image.NEAREST, fillcolor=0),
        "ShearY": lambda im: im.transform(im.size, Image.AFFINE, (1, 0, 0, value, 1, 0), Image.NEAREST, fillcolor=0),
        "TranslateX": lambda im: im.transform(im.size, Image.AFFINE, (1, 0, value, 0, 1, 0), Image.NEAREST, fillcolor=0),
        "TranslateY": lambda im: im.transform(im.size, Image.AFFINE, (1, 0, 0, 0, 1, value), Image.NEAREST, fillcolor=0),
        "Rotate": lambda im: im.rotate(value, resample=Image.NEAREST, fillcolor=0),
        "Brightness": lambda im: ImageEnhance.Brightness(im).enhance(1.0 + value),
        "Color": lambda im: ImageEnhance.Color(im).enhance(1.0 + value),
        "Contrast": lambda im: ImageEnhance.Contrast(im).enhance(1.0 + value),
        "Sharpness": lambda im: ImageEnhance.Sharpness(im).enhance(1.0 + value),
        "Posterize": lambda im: ImageOps.posterize(im, int(value)),
        "Solarize": lambda im: ImageOps.solarize(im, value),
        "AutoContrast": ImageOps.autocontrast,
        "Equalize": ImageOps.equalize,
    }
    if name not in ops:
        raise ValueError(f"unknown RandAugment op {name!r}; valid ops: {', '.join(RANDAUGMENT_OPS)}")
    return ops[name](img)


def torchvision_available() -> bool:
    """True when ``torchvision.transforms`` imports beside this torch."""
    try:
        import torchvision.transforms  # noqa: F401
    except Exception:  # noqa: BLE001 -- a wheel built for another torch raises RuntimeError/OSError, not only ImportError
        return False
    return True


class ImageTransform:
    """PIL image + integer seed -> uint8 (3, S, S) array, for training or evaluation.

    ``augment`` is one of :data:`AUGMENT_SETTINGS`; ``backend`` "auto" (torchvision if it
    imports, else PIL), "torchvision" or "pil". Picklable (sent to DataLoader workers).
    """

    def __init__(self, size: int, augment: str = "none", backend: str = "auto") -> None:
        if size < 1:
            raise ValueError(f"image_size must be >= 1, got {size}")
        if augment not in AUGMENT_SETTINGS:
            raise ValueError(f"unknown augment {augment!r}; valid augmentations: {', '.join(AUGMENT_SETTINGS)}")
        if backend not in ("auto", "torchvision", "pil"):
            raise ValueError(f"unknown image backend {backend!r}; valid: auto, torchvision, pil")
        if backend == "auto":
            backend = "torchvision" if torchvision_available() else "pil"
        elif backend == "torchvision" and not torchvision_available():
            raise ValueError("backend 'torchvision' requested but torchvision does not import here")
        self.size = int(size)
        self.augment = augment
        self.backend = backend

    @property
    def random(self) -> bool:
        """Whether training transforms draw random numbers (False for ``augment="none"``)."""
        return AUGMENT_SETTINGS[self.augment] is not None

    def __call__(self, img, seed: int, train: bool) -> np.ndarray:
        Image = _pil()
        settings = AUGMENT_SETTINGS[self.augment]
        if not train or settings is None:
            out = img.resize((self.size, self.size), Image.BILINEAR)
        elif self.backend == "torchvision":
            out = self._torchvision_train(img, seed, settings)
        else:
            rng = np.random.default_rng(seed)
            out, _, _ = crop_and_flip(img, self.size, rng)
            for name, value in randaugment_plan(rng, settings[0], settings[1], out.size):
                out = apply_op(out, name, value)
        return np.ascontiguousarray(np.asarray(out, dtype=np.uint8).transpose(2, 0, 1))

    def _torchvision_train(self, img, seed: int, settings: tuple[int, int]):
        from torchvision import transforms as T

        pipeline = T.Compose([T.RandomResizedCrop(self.size, scale=CROP_SCALE, ratio=CROP_RATIO),
                              T.RandomHorizontalFlip(),
                              T.RandAugment(num_ops=settings[0], magnitude=settings[1], num_magnitude_bins=RANDAUGMENT_BINS)])
        with torch.random.fork_rng(devices=[]):  # torchvision draws from torch's global RNG
            torch.manual_seed(seed)
            return pipeline(img)

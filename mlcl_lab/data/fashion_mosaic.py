"""``fashion-mosaic``: multi-label images built from Fashion-MNIST items.

Each image is a ``g x g`` grid of 28x28 cells (``g = ceil(sqrt(k_max))``);
``k`` items (``k`` uniform in ``[k_min, k_max]``) are pasted into random
distinct cells, the other cells stay black. Labels = the set of Fashion-MNIST
classes present (10 labels). Items are drawn *without replacement* from the
chosen Fashion-MNIST split, so no item appears in two mosaics (stratified
splits of the mosaics therefore never share an item). Class frequencies follow
``p_c ∝ (c + 1)^(-imbalance)`` over the class index ``c`` (0 = uniform).

Fashion-MNIST (Xiao, Rasul & Vollgraf 2017; Zalando SE, MIT/Expat) is read
from the IDX files of Debian's ``dataset-fashion-mnist`` package
(``/usr/share/datasets/fashion-mnist``) or any folder holding the four
``*-ubyte.gz`` files.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from .dataset import MultiLabelDataset
from .errors import malformed, require_path

FASHION_DEFAULT_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_CLASSES = ["t-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
                   "sneaker", "bag", "ankle-boot"]
FASHION_HOWTO = ("Install Fashion-MNIST with `sudo apt-get install dataset-fashion-mnist` "
                 "(Debian/Ubuntu, MIT/Expat, ~30 MB; files in /usr/share/datasets/fashion-mnist) "
                 "or download train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
                 "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz from "
                 "https://github.com/zalandoresearch/fashion-mnist into a folder and pass "
                 "root=<folder> (or set $MLCL_LAB_FASHION_MNIST_DIR)")
_PREFIX = {"train": "train", "test": "t10k"}


def fashion_root(root: str | Path | None = None) -> Path | None:
    """The Fashion-MNIST folder: ``root``, ``$MLCL_LAB_FASHION_MNIST_DIR`` or the Debian path."""
    if root is not None:
        return Path(root)
    env = os.environ.get("MLCL_LAB_FASHION_MNIST_DIR")
    return Path(env) if env else FASHION_DEFAULT_DIR


def read_idx(path: Path) -> np.ndarray:
    """Read a (gzipped) IDX file of unsigned bytes (magic 2049 labels / 2051 images)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise malformed(path, None, "file too short for an IDX header")
    magic = int.from_bytes(raw[:4], "big")
    if magic not in (2049, 2051):
        raise malformed(path, None, f"bad IDX magic {magic} (expected 2049 or 2051)")
    ndim = magic & 0xFF
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    offset = 4 + 4 * ndim
    expected = int(np.prod(dims))
    if len(raw) - offset != expected:
        raise malformed(path, None, f"IDX payload has {len(raw) - offset} bytes, "
                        f"header says {expected}")
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(dims)


def load_fashion_mnist(split: str = "train", root: str | Path | None = None):
    """(images (n, 28, 28) uint8, labels (n,) uint8) of a Fashion-MNIST split."""
    if split not in _PREFIX:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    pre = _PREFIX[split]
    files = (f"{pre}-images-idx3-ubyte.gz", f"{pre}-labels-idx1-ubyte.gz")
    base = require_path(fashion_root(root), "fashion-mosaic", FASHION_HOWTO, must_contain=files)
    images, labels = read_idx(base / files[0]), read_idx(base / files[1])
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise malformed(base / files[0], None, f"images {images.shape} / labels {labels.shape}")
    if labels.size and labels.max() >= 10:
        raise malformed(base / files[1], None, f"class id {labels.max()} >= 10")
    return images, labels


def make_fashion_mosaic(n_samples: int = 6000, k: int | tuple[int, int] = (1, 4),
                        imbalance: float = 0.0, seed: int = 0, split: str = "train",
                        root: str | Path | None = None) -> MultiLabelDataset:
    """Seeded Fashion-MNIST mosaics.

    Args:
        n_samples: number of mosaics N.
        k: items per mosaic, an int or an inclusive range ``(k_min, k_max)``, 1 <= k.
        imbalance: class-frequency exponent (>= 0).
        seed: random seed.
        split: Fashion-MNIST split the items come from ("train" 60k or "test" 10k).
        root: folder with the IDX files (see :data:`FASHION_HOWTO`).

    Returns:
        image dataset, features (N, 1, 28 g, 28 g) float32 in [0, 1], labels (N, 10).
        ``extra["items"]`` holds the (N, k_max) source item indices (-1 = empty cell),
        ``extra["source_split"]`` the Fashion-MNIST split they come from (the mosaics have no
        split of their own: runs use the stratified split, :mod:`mlcl_lab.data.split_resolve`).
    """
    k_min, k_max = (k, k) if isinstance(k, (int, np.integer)) else tuple(k)
    if not 1 <= k_min <= k_max:
        raise ValueError(f"k must satisfy 1 <= k_min <= k_max, got {k!r}")
    if n_samples < 1:
        raise ValueError(f"n_samples must be >= 1, got {n_samples}")
    if imbalance < 0:
        raise ValueError(f"imbalance must be >= 0, got {imbalance}")
    images, classes = load_fashion_mnist(split, root)
    rng = np.random.default_rng(seed)
    g = int(np.ceil(np.sqrt(k_max)))
    n_items = rng.integers(k_min, k_max + 1, size=n_samples)
    total = int(n_items.sum())
    p = np.arange(1, 11, dtype=np.float64) ** (-float(imbalance))
    item_class = rng.choice(10, size=total, p=p / p.sum())

    # Without replacement: the j-th draw of class c takes the j-th item of a
    # seeded permutation of class c's pool.
    item_idx = np.empty(total, dtype=np.int64)
    for c in range(10):
        pool = rng.permutation(np.flatnonzero(classes == c))
        where = np.flatnonzero(item_class == c)
        if len(where) > len(pool):
            raise ValueError(
                f"fashion-mosaic needs {len(where)} items of class {c} but split {split!r} has "
                f"{len(pool)}; lower n_samples, k or imbalance"
            )
        item_idx[where] = pool[: len(where)]

    # Cells: for each mosaic, a random permutation of the g*g cells; the first
    # n_items cells get the items.
    cell_rank = rng.random((n_samples, g * g)).argsort(axis=1)
    slot = np.arange(k_max)[None, :] < n_items[:, None]           # (N, k_max)
    items = np.full((n_samples, k_max), -1, dtype=np.int64)
    items[slot] = item_idx
    cells = cell_rank[:, :k_max]
    canvas = np.zeros((n_samples, g * g, 28, 28), dtype=np.uint8)
    rows = np.repeat(np.arange(n_samples), k_max).reshape(n_samples, k_max)
    canvas[rows[slot], cells[slot]] = images[items[slot]]
    pixels = canvas.reshape(n_samples, g, g, 28, 28).transpose(0, 1, 3, 2, 4)
    pixels = pixels.reshape(n_samples, 1, 28 * g, 28 * g).astype(np.float32) / 255.0
    labels = np.zeros((n_samples, 10), dtype=np.uint8)
    labels[rows[slot], classes[items[slot]]] = 1
    return MultiLabelDataset(
        name="fashion-mosaic",
        labels=labels,
        label_names=list(FASHION_CLASSES),
        modality="image",
        features=pixels,
        description=(f"Fashion-MNIST mosaics: N={n_samples}, k={k_min}..{k_max} items on a "
                     f"{g}x{g} grid, imbalance={imbalance}, seed={seed}, split={split}"),
        source=("Fashion-MNIST (Xiao et al. 2017) IDX files, Debian package "
                "dataset-fashion-mnist; mosaics by mlcl_lab.data.make_fashion_mosaic"),
        license="MIT/Expat (Fashion-MNIST, Zalando SE)",
        extra={"items": items, "grid": g, "source_split": split},  # not "split": that key is an own Split
    )

"""MIRFLICKR-25k (23 labels: the 24 "potential" labels minus "food").

Expected files (https://press.liacs.nl/mirflickr/: mirflickr25k.zip and
mirflickr25k_annotations_v080.zip)::

    <path>/mirflickr/im1.jpg ... im25000.jpg
    <path>/mirflickr25k_annotations_v080/<label>.txt   (image numbers, one per line)

Only the potential-label files (no ``_r1`` suffix, no README) are used.
Split (paper.md §6, first-commit code): image numbers 1..N in order,
``train_test_split(train_size=20000, random_state=42)`` -> (train, rest), then
the rest halved with ``random_state=42`` -> (validation, test); unlabeled
images are dropped afterwards. With fewer than 25,000 images (fixtures), train
gets 80% of them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..dataset import MultiLabelDataset
from ..errors import malformed, require_path
from ..formats.validate import read_lines
from .common import PAPER_SEED, halve, image_dataset, make_split

MIR_HOWTO = ("Download mirflickr25k.zip and mirflickr25k_annotations_v080.zip from "
             "https://press.liacs.nl/mirflickr/, extract both into one folder (giving mirflickr/ "
             "and mirflickr25k_annotations_v080/) and pass path=<that folder>")
MIR_DROPPED = ("food",)


def check_mirflickr25k(path) -> Path:
    """The dataset folder, after checking the annotation folder exists (no parsing)."""
    return require_path(path, "mirflickr25k", MIR_HOWTO,
                        must_contain=("mirflickr25k_annotations_v080",))


def load_mirflickr25k(path=None, image_size: int | None = None,
                      n_images: int = 25000) -> MultiLabelDataset:
    """MIRFLICKR-25k; ``n_images`` is the number of images (25,000 in the release)."""
    base = check_mirflickr25k(path)
    ann = base / "mirflickr25k_annotations_v080"
    files = sorted(f for f in ann.glob("*.txt")
                   if not f.stem.endswith("_r1") and f.stem.lower() != "readme")
    names = [f.stem for f in files if f.stem not in MIR_DROPPED]
    y = np.zeros((n_images, len(names)), dtype=np.uint8)
    for j, name in enumerate(names):
        f = ann / f"{name}.txt"
        for lineno, line in enumerate(read_lines(f), 1):
            s = line.strip()
            if not s:
                continue
            if not s.isdigit() or not 1 <= int(s) <= n_images:
                raise malformed(f, lineno, f"expected an image number in 1..{n_images}, "
                                f"got {s[:20]!r}")
            y[int(s) - 1, j] = 1
    ids = np.arange(n_images)
    from sklearn.model_selection import train_test_split  # lazy, as in common.halve

    train, rest = train_test_split(ids, train_size=20000 if n_images == 25000 else 0.8,
                                   random_state=PAPER_SEED)
    val, test = halve(rest)
    labelled = y.any(axis=1)
    new_index = np.cumsum(labelled) - 1

    def pick(a: np.ndarray) -> np.ndarray:
        a = np.sort(a)
        return new_index[a[labelled[a]]]

    split = make_split(pick(train), pick(val), pick(test))
    paths = [str(base / "mirflickr" / f"im{i + 1}.jpg") for i in ids[labelled]]
    return image_dataset(
        "mirflickr25k", paths, y[labelled], names, split, image_size,
        "MIRFLICKR-25k (23 potential labels, food excluded), unlabeled images dropped",
        f"MIRFLICKR-25k at {base}", "MIRFLICKR: images under Creative Commons licenses (Flickr)",
        split_source="official (mirflickr25k: random 20,000 / 2,500 / 2,500, random_state=42)")

"""NUS-WIDE (81 concepts) from the official NUS-WIDE ground-truth layout.

Expected files (https://lms.comp.nus.edu.sg/wp-content/uploads/2019/research/nuswide/NUS-WIDE.html:
"Groundtruth", "Image List", "Concept List" and the image archive)::

    <path>/Concepts81.txt
    <path>/ImageList/TrainImagelist.txt, TestImagelist.txt   (paths like actor\\0001_2124494179.jpg)
    <path>/TrainTestLabels/Labels_<concept>_Train.txt, Labels_<concept>_Test.txt  (one 0/1 per line)
    <path>/Flickr/<subfolder>/<file>.jpg  (images, optional)

The official code used the Kaggle re-distribution ``xinleili/nuswide`` whose
exact file layout we could not inspect; this loader reads the official layout
and applies the same rules (paper.md §6): images without any label are
removed; train = official train; the official test set is split with
``train_test_split(test_size=0.5, random_state=42)`` into validation / test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..dataset import MultiLabelDataset
from ..errors import malformed, require_path
from ..formats.validate import read_lines
from .common import halve, image_dataset, make_split, require_part

NUS_HOWTO = ("Download the NUS-WIDE ground truth (Groundtruth/TrainTestLabels), ImageList and "
             "Concepts81.txt from https://lms.comp.nus.edu.sg/wp-content/uploads/2019/research/"
             "nuswide/NUS-WIDE.html (images under Flickr/), put them in one folder and pass "
             "path=<that folder>")


def _read_column(f: Path, n: int | None) -> np.ndarray:
    if not f.is_file():
        raise malformed(f, None, f"missing label file. {NUS_HOWTO}")
    vals = []
    for lineno, line in enumerate(read_lines(f), 1):
        s = line.strip()
        if not s:
            continue
        if s not in ("0", "1"):
            raise malformed(f, lineno, f"expected 0 or 1, got {s[:20]!r}")
        vals.append(s == "1")
    if n is not None and len(vals) != n:
        raise malformed(f, None, f"{len(vals)} lines, expected {n} (one per image)")
    return np.asarray(vals, dtype=np.uint8)


def check_nuswide(path) -> Path:
    """The dataset folder, after checking the ground-truth files exist (no parsing)."""
    return require_path(path, "nuswide", NUS_HOWTO,
                        must_contain=("Concepts81.txt", "ImageList/TrainImagelist.txt",
                                      "ImageList/TestImagelist.txt", "TrainTestLabels"))


def load_nuswide(path=None, image_size: int | None = None) -> MultiLabelDataset:
    """NUS-WIDE with the 81 concepts; image paths, or pixels with ``image_size``."""
    base = check_nuswide(path)
    concepts = [c.strip() for c in read_lines(base / "Concepts81.txt") if c.strip()]
    paths, labels, part_of = [], [], []
    for part in ("Train", "Test"):
        lst = [s.strip().replace("\\", "/") for s in
               read_lines(base / "ImageList" / f"{part}Imagelist.txt") if s.strip()]
        y = np.stack([_read_column(base / "TrainTestLabels" / f"Labels_{c}_{part}.txt", len(lst))
                      for c in concepts], axis=1) if concepts else np.zeros((len(lst), 0), np.uint8)
        keep = y.any(axis=1)
        paths += [str(base / "Flickr" / p) for p, k in zip(lst, keep, strict=False) if k]
        labels.append(y[keep])
        part_of += [part] * int(keep.sum())
    y = np.concatenate(labels)
    n_tr = part_of.count("Train")
    require_part(base / "ImageList" / "TrainImagelist.txt", "train", n_tr)
    val, test = halve(np.arange(n_tr, len(paths)),
                      source=base / "ImageList" / "TestImagelist.txt")
    return image_dataset(
        "nuswide", paths, y, concepts, make_split(np.arange(n_tr), val, test), image_size,
        "NUS-WIDE (81 concepts), unlabeled images removed", f"NUS-WIDE at {base}",
        "NUS-WIDE: research use; images under their Flickr licenses",
        split_source="official (nuswide: TrainImagelist / TestImagelist halves, random_state=42)")

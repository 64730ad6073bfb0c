"""AAPD, Arxiv Academic Paper Dataset (Yang et al., COLING 2018; 54 labels).

Expected files (the SGM release, https://github.com/lancopku/SGM, "AAPD")::

    <path>/text_train, label_train, text_val, label_val, text_test, label_test

one abstract (pre-tokenised) per line in ``text_*`` and its space-separated
subject codes (e.g. ``cs.IT math.IT``) on the same line of ``label_*``.
Split: the official train / validation / test files (53,840 / 1,000 / 1,000).
Paper 2 re-split AAPD to enlarge validation and test; its proportions are not
published (paper.md §6), so the official split is used.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..dataset import MultiLabelDataset
from ..errors import labels_from_lists, malformed, require_path
from ..formats.validate import read_lines
from .common import make_split, require_part, text_dataset

AAPD_HOWTO = ("Download the AAPD data of the SGM release (https://github.com/lancopku/SGM, "
              "files text_train, label_train, text_val, label_val, text_test, label_test), "
              "put them in one folder and pass path=<that folder>")
AAPD_PARTS = ("train", "val", "test")


def _lines(f: Path) -> list[str]:
    return read_lines(f)


def check_aapd(path) -> Path:
    """The dataset folder, after checking the six SGM files exist (no parsing)."""
    files = tuple(f"{k}_{p}" for p in AAPD_PARTS for k in ("text", "label"))
    return require_path(path, "aapd", AAPD_HOWTO, must_contain=files)


def load_aapd(path=None) -> MultiLabelDataset:
    """AAPD with its official split in ``extra["split"]``."""
    base = check_aapd(path)
    texts, label_lists, sizes = [], [], []
    for part in AAPD_PARTS:
        t, lab = _lines(base / f"text_{part}"), _lines(base / f"label_{part}")
        if len(t) != len(lab):
            raise malformed(base / f"label_{part}", min(len(t), len(lab)) + 1,
                            f"{len(lab)} label lines for {len(t)} text lines")
        for lineno, labs in enumerate(lab, 1):
            if not labs.split():
                raise malformed(base / f"label_{part}", lineno, "empty label line")
        if part != "val":
            require_part(base / f"text_{part}", part, len(t))
        texts += t
        label_lists += [s.split() for s in lab]
        sizes.append(len(t))
    y, names = labels_from_lists(label_lists)
    b = np.cumsum([0] + sizes)
    split = make_split(np.arange(b[0], b[1]), np.arange(b[1], b[2]), np.arange(b[2], b[3]))
    return text_dataset("aapd", texts, y, names, split,
                        f"AAPD arXiv abstracts ({len(names)} subject labels)", f"AAPD at {base}",
                        "AAPD (SGM release): research use",
                        split_source="official (aapd: SGM text/label_train, _val, _test files)")

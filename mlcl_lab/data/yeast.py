"""The built-in yeast dataset (MULAN; Elisseeff & Weston 2001), ``data/yeast.npz``.

2,417 yeast genes, 103 micro-array/phylogenetic features, 14 functional
classes; built by ``data/scripts/build_yeast.py`` from Debian's
``r-cran-mlr`` 2.19.1+dfsg-1. The file's SHA-256 is pinned here and verified on
every load; the data card is ``data/README.md``.

``split="mulan"`` attaches MULAN's standard split (paper.md §6, yeast row): train = the
first 1,500 rows, test = the last 917, in the shipped order (the split of MulSupCon's
``yeast_official_*`` files; its validation file is a part of those 1,500 rows). The
dataset then has no validation part of its own:
:func:`~mlcl_lab.data.splits.resolve_split` carves a stratified ``val_fraction`` of the
1,500 training rows (the run's split seed); the 917 test rows are never touched.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from .dataset import MultiLabelDataset
from .storage import DataIntegrityError, data_dir, load_npz_verified

YEAST_FILE = "yeast.npz"
YEAST_SHA256 = "06b013fe6bc3e56c3b6e09891cebd357aa17d9a795947d745c3eefe76ed8dbc9"
YEAST_SHAPES = {"features": (2417, 103), "labels": (2417, 14), "label_names": (14,),
                "feature_names": (103,)}
MULAN_TRAIN_ROWS = 1500  # MULAN yeast-train.arff; the remaining 917 rows are yeast-test.arff
YEAST_SPLITS = (None, "mulan")
YEAST_SOURCE = ("MULAN yeast (Elisseeff & Weston, NIPS 2001) as shipped in Debian package "
                "r-cran-mlr 2.19.1+dfsg-1 (mlr::yeast.task); converted by "
                "data/scripts/build_yeast.py")
YEAST_LICENSE = ("BSD-2-clause (Debian r-cran-mlr copyright file, covering the mlr package "
                 "and its bundled data); original data by Elisseeff & Weston, "
                 "distributed by MULAN/LIBSVM for research use")


def load_yeast(path: str | Path | None = None, split: str | None = None) -> MultiLabelDataset:
    """Load ``data/yeast.npz`` after checking its SHA-256 and array shapes.

    ``split``: ``None`` (no split of its own: runs draw a stratified one) or ``"mulan"``
    (the standard MULAN train/test split, see the module docstring).

    Raises:
        DataIntegrityError (a ValueError): missing/corrupt/tampered file or bad shapes.
        ValueError: an unknown ``split``.
    """
    if split not in YEAST_SPLITS:
        raise ValueError(f"yeast split must be one of {list(YEAST_SPLITS)}, got {split!r}")
    p = Path(path) if path is not None else data_dir() / YEAST_FILE
    arrays = load_npz_verified(p, YEAST_SHA256)
    for key, shape in YEAST_SHAPES.items():
        got = arrays[key].shape if key in arrays else None
        if got != shape:
            raise DataIntegrityError(f"{p}: array {key!r} has shape {got}, expected {shape}")
    ds = MultiLabelDataset(
        name="yeast",
        labels=arrays["labels"].astype(np.uint8),
        label_names=[str(s) for s in arrays["label_names"]],
        modality="vector",
        features=arrays["features"].astype(np.float32),
        description="Yeast gene functional classes: 2,417 genes x 103 features, 14 labels",
        source=YEAST_SOURCE,
        license=YEAST_LICENSE,
        extra={"feature_names": [str(s) for s in arrays["feature_names"]]},
    )
    if split is None:
        return ds
    from .user_split import attach_split

    n = ds.n_samples
    ds = attach_split(ds, np.arange(MULAN_TRAIN_ROWS), np.zeros(0, np.int64),
                      np.arange(MULAN_TRAIN_ROWS, n),
                      source=f"official (yeast: MULAN train = first {MULAN_TRAIN_ROWS:,} rows, "
                             f"test = last {n - MULAN_TRAIN_ROWS} rows)")
    return dataclasses.replace(ds, extra={**ds.extra, "split_kind": "official"})

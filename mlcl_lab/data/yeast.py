"""The built-in yeast dataset (MULAN; Elisseeff & Weston 2001), ``data/yeast.npz``.

2,417 yeast genes, 103 micro-array/phylogenetic features, 14 functional
classes; built by ``data/scripts/build_yeast.py`` from Debian's
``r-cran-mlr`` 2.19.1+dfsg-1. The file's SHA-256 is pinned here and verified on
every load; the data card is ``data/README.md``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .dataset import MultiLabelDataset
from .storage import DataIntegrityError, data_dir, load_npz_verified

YEAST_FILE = "yeast.npz"
YEAST_SHA256 = "06b013fe6bc3e56c3b6e09891cebd357aa17d9a795947d745c3eefe76ed8dbc9"
YEAST_SHAPES = {"features": (2417, 103), "labels": (2417, 14), "label_names": (14,),
                "feature_names": (103,)}
YEAST_SOURCE = ("MULAN yeast (Elisseeff & Weston, NIPS 2001) as shipped in Debian package "
                "r-cran-mlr 2.19.1+dfsg-1 (mlr::yeast.task); converted by "
                "data/scripts/build_yeast.py")
YEAST_LICENSE = ("BSD-2-clause (Debian r-cran-mlr copyright file, covering the mlr package "
                 "and its bundled data); original data by Elisseeff & Weston, "
                 "distributed by MULAN/LIBSVM for research use")


def load_yeast(path: str | Path | None = None) -> MultiLabelDataset:
    """Load ``data/yeast.npz`` after checking its SHA-256 and array shapes.

    Raises:
        DataIntegrityError (a ValueError): missing/corrupt/tampered file or bad shapes.
    """
    p = Path(path) if path is not None else data_dir() / YEAST_FILE
    arrays = load_npz_verified(p, YEAST_SHA256)
    for key, shape in YEAST_SHAPES.items():
        got = arrays[key].shape if key in arrays else None
        if got != shape:
            raise DataIntegrityError(f"{p}: array {key!r} has shape {got}, expected {shape}")
    return MultiLabelDataset(
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

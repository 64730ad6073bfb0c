"""Registration of every dataset known to :func:`mlcl_lab.data.load_dataset`."""

from __future__ import annotations

from .registry import DatasetEntry, register
from .synthetic import make_synthetic
from .yeast import load_yeast

register(DatasetEntry(
    name="yeast",
    description="built-in MULAN yeast: 2,417 genes x 103 features, 14 labels (vector)",
    loader=load_yeast,
    kind="builtin",
))
register(DatasetEntry(
    name="synthetic",
    description="seeded synthetic multi-label vectors (make_synthetic kwargs)",
    loader=make_synthetic,
    kind="generated",
))

from .debtags import load_debtags  # noqa: E402

register(DatasetEntry(
    name="debtags",
    description="built-in Debian package descriptions -> debtags (text, 378 labels, long tail)",
    loader=load_debtags,
    kind="builtin",
))

from .fashion_mosaic import FASHION_HOWTO, fashion_root, make_fashion_mosaic  # noqa: E402


def _fashion_available() -> bool:
    root = fashion_root()
    return root is not None and (root / "train-labels-idx1-ubyte.gz").is_file()


register(DatasetEntry(
    name="fashion-mosaic",
    description="Fashion-MNIST mosaics, k items per image, labels = classes present (image, 10)",
    loader=make_fashion_mosaic,
    kind="installable",
    how_to_get=FASHION_HOWTO,
    is_available=_fashion_available,
))

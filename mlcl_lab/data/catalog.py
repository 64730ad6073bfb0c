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

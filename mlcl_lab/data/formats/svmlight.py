"""svmlight / LIBSVM multi-label files: ``l1,l2,... idx:val idx:val ...`` per line.

A line may start with whitespace (no labels). ``#`` starts a comment. Labels
are integer or string tokens; the label order is sorted numerically when all
are integers. Feature indices are 1-based (LIBSVM) unless ``zero_based=True``;
``zero_based="auto"`` treats the file as 0-based only when index 0 occurs.
Features are returned dense float32 (N, F), so this loader targets small and
medium files: more than :data:`MAX_DENSE_CELLS` cells is refused.

Validation (each a :class:`~mlcl_lab.data.errors.MalformedFileError` naming file and
line): UTF-8 text, ``idx:value`` tokens with a non-negative integer index, an index at
most once per line, finite values within float32 range, >= 1 sample, >= 1 label, >= 1
feature.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..dataset import MultiLabelDataset
from ..errors import DatasetNotFoundError, labels_from_lists, malformed
from .validate import check_nonempty, read_text

MAX_DENSE_CELLS = 2**28  # 1 GiB of float32
_F32_MAX = float(np.finfo(np.float32).max)


def load_svmlight(path: str | Path, *, n_features: int | None = None,
                  zero_based: bool | str = "auto", label_names: list[str] | None = None,
                  name: str | None = None) -> MultiLabelDataset:
    """Read a multi-label svmlight file into a vector :class:`MultiLabelDataset`."""
    p = Path(path)
    if not p.is_file():
        raise DatasetNotFoundError(f"svmlight file {p} does not exist")
    if zero_based not in (True, False, "auto"):
        raise ValueError(f"zero_based must be True, False or 'auto', got {zero_based!r}")
    label_lists: list[list[str]] = []
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    max_line = {}  # largest index -> its line, for error messages
    for lineno, raw in enumerate(read_text(p).split("\n"), 1):
        line = raw.split("#", 1)[0].rstrip("\r")
        if not line.strip():
            continue
        tokens = line.split()
        if line[0].isspace() or ":" in tokens[0]:
            labs, feats = [], tokens
        else:
            labs = [t for t in tokens[0].split(",") if t]
            feats = tokens[1:]
        i = len(label_lists)
        label_lists.append(labs)
        seen: set[int] = set()
        for tok in feats:
            idx_s, sep, val_s = tok.partition(":")
            try:
                if not sep or not idx_s.isdigit():
                    raise ValueError
                idx, val = int(idx_s), float(val_s)
            except ValueError:
                raise malformed(p, lineno, f"bad feature token {tok[:40]!r} (want idx:value, "
                                "idx a non-negative integer)") from None
            if idx >= MAX_DENSE_CELLS:
                raise malformed(p, lineno, f"feature index {idx_s[:30]} exceeds the dense "
                                f"layout's limit of {MAX_DENSE_CELLS:,} features")
            if idx in seen:
                raise malformed(p, lineno, f"feature index {idx} given twice")
            if not math.isfinite(val) or abs(val) > _F32_MAX:
                raise malformed(p, lineno, f"feature {idx} value {val_s[:20]!r} is not a "
                                "finite float32")
            seen.add(idx)
            if idx > max(max_line, default=-1):
                max_line = {idx: lineno}
            rows.append(i)
            cols.append(idx)
            vals.append(val)
    col = np.asarray(cols, dtype=np.int64)
    base0 = zero_based is True or (zero_based == "auto" and col.size and col.min() == 0)
    if not base0:
        if col.size and col.min() < 1:
            raise malformed(p, None, "index 0 in a 1-based file (pass zero_based=True)")
        col = col - 1
    width = int(col.max()) + 1 if col.size else 0
    if n_features is not None:
        if width > n_features:
            raise malformed(p, next(iter(max_line.values()), None),
                            f"feature index {width} exceeds n_features={n_features}")
        width = n_features
    if label_names is None:
        found = {lab for labs in label_lists for lab in labs}
        try:
            label_names = sorted(found, key=int)
        except ValueError:
            label_names = sorted(found)
    check_nonempty(p, n_samples=len(label_lists), n_labels=len(label_names), n_features=width)
    if len(label_lists) * width > MAX_DENSE_CELLS:
        raise malformed(p, next(iter(max_line.values()), None),
                        f"{len(label_lists)} rows x {width} features would not fit the dense "
                        f"in-memory layout (limit {MAX_DENSE_CELLS:,} cells)")
    x = np.zeros((len(label_lists), width), dtype=np.float32)
    x[np.asarray(rows, dtype=np.int64), col] = np.asarray(vals, dtype=np.float32)
    y, names = labels_from_lists(label_lists, label_names)
    return MultiLabelDataset(
        name=name or p.stem, labels=y, label_names=names, modality="vector", features=x,
        description=f"svmlight file {p.name}", source=str(p),
    )

"""svmlight / LIBSVM multi-label files: ``l1,l2,... idx:val idx:val ...`` per line.

A line may start with whitespace (no labels). ``#`` starts a comment. Labels
are integer or string tokens; the label order is sorted numerically when all
are integers. Feature indices are 1-based (LIBSVM) unless ``zero_based=True``;
``zero_based="auto"`` treats the file as 0-based only when index 0 occurs.
Features are returned dense float32 (N, F), so this loader targets small and
medium files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..dataset import MultiLabelDataset
from ..errors import DatasetNotFoundError, labels_from_lists, malformed


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
    with open(p, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].rstrip("\n")
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
            for tok in feats:
                idx_s, sep, val_s = tok.partition(":")
                try:
                    if not sep:
                        raise ValueError
                    idx, val = int(idx_s), float(val_s)
                except ValueError:
                    raise malformed(p, lineno, f"bad feature token {tok!r} (want idx:value)") \
                        from None
                if idx < 0:
                    raise malformed(p, lineno, f"negative feature index {idx}")
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
            raise ValueError(f"{p}: feature index {width} exceeds n_features={n_features}")
        width = n_features
    x = np.zeros((len(label_lists), width), dtype=np.float32)
    x[np.asarray(rows, dtype=np.int64), col] = np.asarray(vals, dtype=np.float32)
    if label_names is None:
        found = {lab for labs in label_lists for lab in labs}
        try:
            label_names = sorted(found, key=int)
        except ValueError:
            label_names = sorted(found)
    y, names = labels_from_lists(label_lists, label_names)
    return MultiLabelDataset(
        name=name or p.stem, labels=y, label_names=names, modality="vector", features=x,
        description=f"svmlight file {p.name}", source=str(p),
    )

"""A split the user gives: explicit index arrays, index files, or a split column.

Such a split travels with the dataset (``extra["split"]``, like the paper datasets'
official ones, with ``extra["split_source"]`` saying where it came from and
``extra["split_kind"] = "user"``) and :func:`mlcl_lab.data.splits.resolve_split` uses it
for every run (paper.md §5–§6: official splits are honoured, not re-drawn).

Index files: one 0-based row index per line; blank lines and ``#`` comments are ignored.
Split columns: the values ``train``; ``val`` / ``valid`` / ``validation`` / ``dev``;
``test`` (case-insensitive). Rows listed in no part are not used.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from .dataset import MultiLabelDataset
from .errors import DatasetNotFoundError, malformed
from .splits import Split, validate_split

PART_NAMES = {"train": "train", "val": "val", "valid": "val", "validation": "val",
              "dev": "val", "test": "test"}
PARTS = ("train", "val", "test")


def attach_split(ds: MultiLabelDataset, train: Sequence[int] | np.ndarray,
                 val: Sequence[int] | np.ndarray, test: Sequence[int] | np.ndarray, *,
                 source: str = "user (index arrays)") -> MultiLabelDataset:
    """``ds`` carrying the split ``train``/``val``/``test`` (indices into ``ds``).

    Raises ValueError (naming ``source``) for indices out of range, repeated, or shared
    by two parts, and for an empty train or test part.
    """
    split = Split(*(np.sort(np.asarray(p, dtype=np.int64).reshape(-1)) if len(p) else
                    np.zeros(0, np.int64) for p in (train, val, test)))
    for part, given in zip(PARTS, (train, val, test), strict=True):
        arr = np.asarray(given)
        if arr.size and not np.issubdtype(arr.dtype, np.integer):
            raise TypeError(f"{source}: {part} indices must be integers, got {arr.dtype}")
    validate_split(split, ds.n_samples, source)
    return dataclasses.replace(ds, extra={**ds.extra, "split": split, "split_source": source,
                                          "split_kind": "user"})


def read_index_file(path: str | Path) -> np.ndarray:
    """The int64 row indices listed in ``path`` (one per line); errors name file and line."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise DatasetNotFoundError(f"split index file {p} does not exist")
    from .formats.validate import decode_utf8

    out: list[int] = []
    seen: dict[int, int] = {}
    for lineno, line in enumerate(decode_utf8(p.read_bytes(), p).splitlines(), 1):
        tok = line.split("#", 1)[0].strip()
        if not tok:
            continue
        try:
            idx = int(tok)
        except ValueError:
            raise malformed(p, lineno, f"not a row index: {tok[:40]!r}") from None
        if idx < 0:
            raise malformed(p, lineno, f"negative row index {idx}")
        if idx >= 2**62:
            raise malformed(p, lineno, f"row index {tok[:30]} is beyond any dataset size")
        if idx in seen:
            raise malformed(p, lineno, f"row index {idx} repeated (first on line {seen[idx]})")
        seen[idx] = lineno
        out.append(idx)
    if not out:
        raise malformed(p, None, "lists no row index")
    return np.asarray(out, dtype=np.int64)


def with_split_files(ds: MultiLabelDataset, files: Mapping[str, str | Path]) -> MultiLabelDataset:
    """``ds`` with the split read from index files ``{"train": f, "val": f, "test": f}``.

    ``val`` may be omitted (then :func:`~mlcl_lab.data.splits.resolve_split` carves it from
    the training part); unknown part names are a ValueError.
    """
    unknown = sorted(set(files) - set(PARTS))
    if unknown:
        raise ValueError(f"split_files: unknown part(s) {unknown}; valid: {list(PARTS)}")
    missing = [p for p in ("train", "test") if p not in files]
    if missing:
        raise ValueError(f"split_files needs index files for {missing}")
    parts = {p: read_index_file(files[p]) if p in files else np.zeros(0, np.int64) for p in PARTS}
    names = ", ".join(f"{p}={Path(files[p]).name}" for p in PARTS if p in files)
    return attach_split(ds, parts["train"], parts["val"], parts["test"],
                        source=f"user (index files {names})")


def split_from_column(values: Sequence[str], lines: Sequence[int], path: Path,
                      column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(train, val, test) row indices from a split column's values; bad values name the line."""
    part = np.empty(len(values), dtype=object)
    for i, (value, lineno) in enumerate(zip(values, lines, strict=True)):
        name = PART_NAMES.get(str(value).strip().lower())
        if name is None:
            raise malformed(path, lineno, f"split {column!r} value {str(value)[:40]!r} is not "
                            f"one of {sorted(PART_NAMES)}")
        part[i] = name
    return tuple(np.flatnonzero(part == p).astype(np.int64) for p in PARTS)  # type: ignore

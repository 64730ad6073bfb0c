"""Error types and message helpers shared by the file loaders."""

from __future__ import annotations

from pathlib import Path


class DatasetUnavailable(ValueError):
    """A dataset cannot be loaded here (files or package missing); the message says how to get it."""


class DatasetNotFoundError(FileNotFoundError, DatasetUnavailable):
    """A dataset's files are missing; the message says what to get and where to put it."""


class MalformedFileError(ValueError):
    """A data file does not follow its format; the message names the file and line."""


def malformed(path: str | Path, line: int | None, problem: str) -> MalformedFileError:
    """``MalformedFileError('<path>:<line>: <problem>')`` (line is 1-based)."""
    where = f"{path}:{line}" if line is not None else str(path)
    return MalformedFileError(f"{where}: {problem}")


def require_path(path: str | Path | None, dataset: str, instructions: str,
                 must_contain: tuple[str, ...] = ()) -> Path:
    """Check that ``path`` (and the files/folders ``must_contain`` under it) exist.

    Raises:
        DatasetNotFoundError with ``instructions`` (what to download, where to put it).
    """
    if path is None:
        raise DatasetNotFoundError(
            f"dataset {dataset!r} needs local files: pass path=... . {instructions}"
        )
    p = Path(path).expanduser()
    if not p.exists():
        raise DatasetNotFoundError(f"dataset {dataset!r}: {p} does not exist. {instructions}")
    missing = [m for m in must_contain if not (p / m).exists()]
    if missing:
        raise DatasetNotFoundError(
            f"dataset {dataset!r}: {p} lacks {', '.join(missing)}. {instructions}"
        )
    return p


def labels_from_lists(label_lists: list[list[str]], label_names: list[str] | None = None):
    """(N, L) uint8 multi-hot and names from per-sample label lists.

    ``label_names`` fixes the label order (labels not in it are dropped); by default
    names are sorted.
    """
    import numpy as np

    names = sorted({lab for labs in label_lists for lab in labs}) if label_names is None \
        else list(label_names)
    if len(set(names)) != len(names):
        raise ValueError(f"label_names repeat a name: {names}")
    col = {name: j for j, name in enumerate(names)}
    rows = [i for i, labs in enumerate(label_lists) for lab in labs if lab in col]
    cols = [col[lab] for labs in label_lists for lab in labs if lab in col]
    y = np.zeros((len(label_lists), len(names)), dtype=np.uint8)
    y[rows, cols] = 1
    return y, names

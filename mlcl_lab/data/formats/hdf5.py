"""HDF5 files in MulSupCon's layout (Zhang & Wu, AAAI 2024; paper.md §6, yeast row).

One file holds two datasets of equal length ``B``:

* ``feature`` ``(B, D)`` numeric (vector data), or ``Image`` ``(B, H, W, 3)`` (image data;
  uint8 0..255 is scaled to [0, 1], floats must already lie in [0, 1]; converted to the
  container's ``(N, 3, H, W)`` layout);
* ``target`` ``(B, C)`` 0/1 labels.

``path`` is either one such file (no split of its own) or a folder holding one file per
part, named ``<prefix>_train``, ``<prefix>_val`` (optional) and ``<prefix>_test`` with
suffix ``.hdf5`` or ``.h5`` (MulSupCon ships ``yeast_official_{train,val,test}.hdf5``;
``<prefix>_trainval`` files are ignored). The parts are concatenated in train, val, test
order and their split is the dataset's own (``extra["split"]``, a *user* split).

Needs the optional package ``h5py`` (``pip install h5py``, extra ``mlcl-lab[hdf5]``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..dataset import MultiLabelDataset
from ..errors import DatasetNotFoundError, DatasetUnavailable, malformed
from ..user_split import attach_split
from .validate import check_labels_matrix, check_nonempty

HDF5_HOWTO = ("pass path=<file.hdf5> (datasets 'feature' or 'Image', and 'target'), or "
              "path=<folder> with <prefix>_train/_val/_test.hdf5 files (MulSupCon's data/ "
              "layout; prefix= chooses among several); needs `pip install h5py`")
_SUFFIXES = (".hdf5", ".h5")
_PARTS = ("train", "val", "test")


def _h5py():
    try:
        import h5py
    except ImportError:
        raise DatasetUnavailable("reading HDF5 files needs h5py: pip install h5py "
                                 "(or pip install 'mlcl-lab[hdf5]')") from None
    return h5py


def read_hdf5_arrays(path: Path, feature_key: str | None = None,
                     target_key: str = "target") -> tuple[np.ndarray, np.ndarray, str]:
    """(features, labels uint8, modality) of one MulSupCon-layout file; errors name it."""
    h5py = _h5py()
    try:
        f = h5py.File(path, "r")
    except OSError as err:
        raise malformed(path, None, f"not a readable HDF5 file ({err})") from err
    with f:
        keys = sorted(f.keys())
        if feature_key is None:
            found = [k for k in ("feature", "Image") if k in f]
            if len(found) != 1:
                raise malformed(path, None, "needs exactly one of the datasets 'feature' "
                                f"(vectors) or 'Image' (images); it has {keys}")
            feature_key = found[0]
        for key in (feature_key, target_key):
            if key not in f or not isinstance(f[key], h5py.Dataset):
                raise malformed(path, None, f"no dataset {key!r}; it has {keys}")
        try:
            x, y = np.asarray(f[feature_key][()]), np.asarray(f[target_key][()])
        except (OSError, ValueError, TypeError) as err:
            raise malformed(path, None, f"cannot read its datasets ({err})") from err
    if y.ndim != 2:
        raise malformed(path, None, f"{target_key!r} must be 2-D (B, C), got shape {y.shape}")
    if x.shape[:1] != y.shape[:1]:
        raise malformed(path, None, f"{feature_key!r} has {x.shape[0] if x.ndim else 0} rows, "
                        f"{target_key!r} has {y.shape[0]}")
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise malformed(path, None, f"{feature_key!r} is not numeric (dtype {x.dtype})")
    labels = check_labels_matrix(y, path, target_key)
    if feature_key == "Image" or x.ndim == 4:
        if x.ndim != 4 or x.shape[3] not in (1, 3):
            raise malformed(path, None, f"{feature_key!r} must be (B, H, W, 3), got {x.shape}")
        pix = x.astype(np.float32) / 255.0 if x.dtype == np.uint8 else x.astype(np.float32)
        if pix.size and (not np.isfinite(pix).all() or pix.min() < 0 or pix.max() > 1):
            raise malformed(path, None, f"{feature_key!r}: float pixels must lie in [0, 1]")
        return np.ascontiguousarray(pix.transpose(0, 3, 1, 2)), labels, "image"
    if x.ndim != 2:
        raise malformed(path, None, f"{feature_key!r} must be 2-D (B, D), got shape {x.shape}")
    feats = x.astype(np.float32)
    if feats.size and not np.isfinite(feats).all():
        row = int(np.flatnonzero(~np.isfinite(feats).all(axis=1))[0])
        raise malformed(path, None, f"{feature_key!r} row {row} holds NaN/inf (or a value "
                        "beyond float32)")
    return feats, labels, "vector"


def _part_files(folder: Path, prefix: str | None) -> dict[str, Path]:
    found: dict[str, list[Path]] = {p: [] for p in _PARTS}
    for f in sorted(folder.iterdir()):
        if f.suffix not in _SUFFIXES or not f.is_file():
            continue
        stem = f.stem
        for part in _PARTS:
            if stem.endswith(f"_{part}") and (prefix is None or stem == f"{prefix}_{part}"):
                found[part].append(f)
    for part in ("train", "test"):
        if not found[part]:
            raise DatasetNotFoundError(f"HDF5 folder {folder}: no {prefix or '<prefix>'}_{part}"
                                       f"{'/'.join(_SUFFIXES)} file. {HDF5_HOWTO}")
    many = {p: [f.name for f in fs] for p, fs in found.items() if len(fs) > 1}
    if many:
        raise ValueError(f"HDF5 folder {folder}: several files per part {many}; pass prefix=")
    return {p: fs[0] for p, fs in found.items() if fs}


def load_hdf5(path: str | Path, *, prefix: str | None = None, feature_key: str | None = None,
              target_key: str = "target", name: str | None = None) -> MultiLabelDataset:
    """A MulSupCon-layout HDF5 file, or a folder of per-part files (with their split)."""
    p = Path(path).expanduser()
    if not p.exists():
        raise DatasetNotFoundError(f"HDF5 path {p} does not exist. {HDF5_HOWTO}")
    if p.is_file():
        x, y, modality = read_hdf5_arrays(p, feature_key, target_key)
        check_nonempty(p, n_samples=len(y), n_labels=y.shape[1], n_features=x[0].size
                       if len(x) else x.shape[1] if x.ndim == 2 else 1)
        return MultiLabelDataset(name=name or p.stem, labels=y,
                                 label_names=[f"label{j + 1}" for j in range(y.shape[1])],
                                 modality=modality, features=x, description=f"HDF5 file {p.name}",
                                 source=str(p))
    files = _part_files(p, prefix)
    parts = {part: read_hdf5_arrays(f, feature_key, target_key) for part, f in files.items()}
    widths = {part: (a[0].shape[1:], a[1].shape[1], a[2]) for part, a in parts.items()}
    if len(set(widths.values())) != 1:
        raise malformed(p, None, f"the part files disagree in feature/label shape: {widths}")
    for part, (x, y, _) in parts.items():
        check_nonempty(files[part], n_samples=len(y), n_labels=y.shape[1],
                       n_features=int(np.prod(x.shape[1:])))
    x = np.concatenate([a[0] for a in parts.values()])
    y = np.concatenate([a[1] for a in parts.values()])
    bounds = np.cumsum([0] + [len(a[1]) for a in parts.values()])
    index = {part: np.arange(bounds[k], bounds[k + 1]) for k, part in enumerate(parts)}
    ds = MultiLabelDataset(
        name=name or (prefix or files["train"].stem[: -len("_train")]),
        labels=y, label_names=[f"label{j + 1}" for j in range(y.shape[1])],
        modality=next(iter(parts.values()))[2], features=x,
        description=f"HDF5 parts {', '.join(f.name for f in files.values())}", source=str(p))
    return attach_split(ds, index["train"], index.get("val", np.zeros(0, np.int64)),
                        index["test"], source="user (HDF5 part files "
                        + ", ".join(f.name for f in files.values()) + ")")

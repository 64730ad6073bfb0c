"""Byte-reproducible array files and checksum verification.

``numpy.savez_compressed`` stamps the current time into the zip entries, so the
same arrays give different bytes (and checksums) on every run. The writer here
fixes the timestamps and entry order so a builder script re-creates the exact
committed file.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path

import numpy as np

from ..resources import builtin_data_dir

_FIXED_DATE = (1980, 1, 1, 0, 0, 0)


class DataIntegrityError(ValueError):
    """A data file is missing, corrupt, tampered with or has wrong shapes."""


def data_dir() -> Path:
    """Folder holding the built-in data files.

    ``$MLCL_LAB_DATA_DIR`` when set, otherwise the wheel's copy or the clone's ``data/``
    (:func:`mlcl_lab.resources.builtin_data_dir`).
    """
    env = os.environ.get("MLCL_LAB_DATA_DIR")
    if env:
        return Path(env)
    return builtin_data_dir()


def sha256_file(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify_checksum(path: Path, expected: str) -> None:
    """Raise :class:`DataIntegrityError` unless ``path`` exists with SHA-256 ``expected``."""
    if not path.is_file():
        raise DataIntegrityError(f"data file {path} is missing (expected SHA-256 {expected})")
    actual = sha256_file(path)
    if actual != expected:
        raise DataIntegrityError(
            f"checksum mismatch for {path}: expected SHA-256 {expected}, got {actual}; "
            "the file is corrupt or was modified (restore it with `git checkout -- data/` "
            "or rebuild it with the script in data/scripts/)"
        )


def save_npz_reproducible(path: str | os.PathLike, arrays: dict[str, np.ndarray], compresslevel: int = 9) -> None:
    """Write ``arrays`` as a deflate-compressed ``.npz`` with fixed zip metadata.

    Object arrays are refused (files must load with ``allow_pickle=False``).
    ``compresslevel`` (zlib, 1–9): 9 for committed data files (smallest); a run's
    embeddings use 1 (measured on yeast's 368 × 256 test features: 7.6 ms and 243 kB at
    level 1, 18 ms and 228 kB with numpy's ``savez_compressed``, 1.0 ms and 431 kB
    uncompressed); the arrays read back are the same either way.
    """
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zf:
        for key in sorted(arrays):
            arr = np.asarray(arrays[key])
            if arr.dtype == object:
                raise TypeError(f"array {key!r} has dtype object; use a fixed-width dtype")
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arr), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue(), compresslevel=compresslevel)


def load_npz_verified(path: Path, expected_sha256: str) -> dict[str, np.ndarray]:
    """Verify the checksum of ``path`` then load all its arrays (no pickle)."""
    verify_checksum(path, expected_sha256)
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise DataIntegrityError(f"cannot read {path}: {err}") from err

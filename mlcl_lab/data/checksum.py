"""A cheap, cached checksum of a dataset's files (what a run's identity records, not its path).

``data_checksum(path)``:

* a **file**: SHA-256 of its bytes (cached like a folder's files);
* a **folder**: SHA-256 over the sorted list of its files (relative path, size) — every
  file, recursively, names starting with ``.`` skipped — plus the SHA-256 of the *content*
  of every file that is not an image (``IMAGE_SUFFIXES``: annotations, label lists, split
  lists, token files, JSON, HDF5, …). Image files enter by name and size only: a 20 GB
  image folder costs a directory walk, not a read. Consequence (documented choice): an
  image replaced by another of exactly the same size and name is not detected.

Content digests are cached per file, keyed by (size, mtime_ns), in
``<cache root>/checksums/<sha256 of the folder's real path>.json`` (cache root as in
:func:`mlcl_lab.data.split_cache.cache_root`), so a second call only stats the files.
A damaged cache file is ignored and rewritten (it only ever saves time). Moving the
folder changes the cache file (the path is its key) but not the checksum.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..files import CorruptFileError, read_json, write_json

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp",
                            ".ppm", ".pgm"})
CHECKSUM_VERSION = 1


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _walk(root: Path) -> list[tuple[str, Path]]:
    out = []
    for folder, dirs, files in os.walk(root, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            if not name.startswith("."):
                full = Path(folder) / name
                out.append((full.relative_to(root).as_posix(), full))
    return sorted(out)


def _cache_file(root: Path, cache_dir: Path | None) -> Path:
    from .split_cache import cache_root

    base = cache_dir if cache_dir is not None else cache_root() / "checksums"
    return base / f"{hashlib.sha256(str(root.resolve()).encode()).hexdigest()}.json"


def _load_cache(path: Path) -> dict:
    try:
        payload = read_json(path)
    except (FileNotFoundError, CorruptFileError, OSError):
        return {}
    if not isinstance(payload, dict) or payload.get("version") != CHECKSUM_VERSION \
            or not isinstance(payload.get("files"), dict):
        return {}
    return payload["files"]


def data_checksum(path: str | Path, *, cache_dir: str | Path | None = None) -> str:
    """``"sha256:<hex>"`` of a data file or folder (see the module docstring).

    Raises:
        FileNotFoundError: ``path`` does not exist.
    """
    p = Path(path).expanduser()
    if not p.exists():
        raise FileNotFoundError(f"data path {p} does not exist")
    cache_path = _cache_file(p, Path(cache_dir) if cache_dir is not None else None)
    cached = _load_cache(cache_path)
    fresh: dict[str, list] = {}

    def content(rel: str, full: Path, st: os.stat_result) -> str:
        old = cached.get(rel)
        if isinstance(old, list) and len(old) == 3 and old[:2] == [st.st_size, st.st_mtime_ns]:
            digest = str(old[2])
        else:
            digest = _file_sha256(full)
        fresh[rel] = [st.st_size, st.st_mtime_ns, digest]
        return digest

    if p.is_file():
        result = content("", p, p.stat())
    else:
        h = hashlib.sha256(f"mlcl-lab data folder v{CHECKSUM_VERSION}\n".encode())
        for rel, full in _walk(p):
            st = full.stat()
            entry = f"{rel}\t{st.st_size}"
            if full.suffix.lower() not in IMAGE_SUFFIXES:
                entry += "\t" + content(rel, full, st)
            h.update(entry.encode() + b"\n")
        result = h.hexdigest()
    if fresh != cached:
        try:
            write_json(cache_path, {"version": CHECKSUM_VERSION, "root": str(p.resolve()),
                                    "files": fresh}, overwrite=True)
        except OSError:
            pass  # the cache only saves time; an unwritable cache folder costs a re-read
    return "sha256:" + result

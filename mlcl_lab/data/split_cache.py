"""Stratified splits computed once: a content-addressed, verified cache (issue 13 item 2).

:func:`~mlcl_lab.data.splits.split_indices` (iterstrat, best of 8 draws per holdout) costs
seconds to a minute per call (80 s of a 162 s imdb run); its result depends only on the
label matrix, the fractions, the seed, the number of draws and the algorithm. The cache
key is exactly that:

* ``labels_sha256``: SHA-256 of the label matrix's shape and bit-packed rows (the
  *content* of what is split — moving, renaming or re-encoding the data files does not
  change it, changing one label does);
* ``val_fraction``, ``test_fraction`` (``repr`` of the floats), ``seed``, ``n_draws``;
* ``algorithm`` + ``algorithm_version`` (bumped whenever :func:`split_indices` changes
  its output) + the installed ``iterative-stratification`` version.

One JSON file per key, ``<cache_dir>/<sha256 of the key>.json``, holding the key, the
three index lists, the coverage warnings and a SHA-256 of the indices. On read everything
is verified (key equal, indices a sorted partition of ``range(N)``, digest equal); a
corrupt, truncated or mismatching file is never trusted: a :class:`SplitCacheWarning`
names it and the split is recomputed and written over it atomically
(:func:`mlcl_lab.files.write_text`, compact JSON). A cache that cannot be written (read-only folder)
costs only the recomputation. A hit gives bit-identical indices to a fresh
:func:`split_indices` call, and re-emits its :class:`CoverageWarning`.

The nested low-data ordering behind :func:`~mlcl_lab.data.splits.training_subset`
(iterstrat k-fold over the training rows: 18 s on debtags) is cached the same way
(:func:`cached_stratified_order`; key: the training rows' label digest, seed, chunks).

Location: ``cache_dir`` argument, else ``$MLCL_LAB_SPLIT_CACHE``, else
``$MLCL_LAB_CACHE_DIR/splits``, else ``~/.cache/mlcl_lab/splits`` (the root the text
embeddings use). Shared by every run of a grid and by later grids.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import warnings
from pathlib import Path

import numpy as np

from ..files import CorruptFileError, read_json, write_text
from .splits import CoverageWarning, Split, resolve_n_draws, split_indices

ALGORITHM = "iterstrat-best-of-draws"
ORDER_ALGORITHM = "cover-set-then-iterstrat-folds"
ALGORITHM_VERSION = 1
FORMAT = "mlcl-lab split cache"


class SplitCacheWarning(UserWarning):
    """A split cache file was unreadable or did not match, and was recomputed."""


def cache_root() -> Path:
    """``$MLCL_LAB_CACHE_DIR``, else ``~/.cache/mlcl_lab`` (the text-embedding cache's root)."""
    return Path(os.environ.get("MLCL_LAB_CACHE_DIR", Path.home() / ".cache" / "mlcl_lab"))


def default_split_cache_dir() -> Path:
    """``$MLCL_LAB_SPLIT_CACHE``, else ``cache_root() / "splits"``."""
    env = os.environ.get("MLCL_LAB_SPLIT_CACHE")
    return Path(env).expanduser() if env else cache_root() / "splits"


def labels_digest(labels: np.ndarray) -> str:
    """SHA-256 of an (N, L) 0/1 matrix: its shape and its bit-packed rows."""
    y = np.ascontiguousarray(np.asarray(labels).astype(bool))
    h = hashlib.sha256(f"multi-hot {y.shape[0]}x{y.shape[1]}\n".encode())
    h.update(np.packbits(y, axis=1).tobytes())
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def _iterstrat_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("iterative-stratification")
    except PackageNotFoundError:
        return "unknown"


def split_key(labels: np.ndarray, val_fraction: float, test_fraction: float, seed: int,
              n_draws: int | None = None) -> dict:
    """Everything the split depends on (see the module docstring)."""
    return {"labels_sha256": labels_digest(labels), "n": len(labels),
            "val_fraction": repr(float(val_fraction)), "test_fraction": repr(float(test_fraction)),
            "seed": int(seed), "n_draws": resolve_n_draws(labels, n_draws),
            "algorithm": ALGORITHM, "algorithm_version": ALGORITHM_VERSION,
            "iterstrat": _iterstrat_version()}


def _digest(key: dict) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def _indices_digest(*lists: list) -> str:
    return hashlib.sha256(json.dumps(list(lists)).encode()).hexdigest()


def _check_partition(arrays: list[np.ndarray], n: int) -> None:
    if any(np.any(np.diff(a) <= 0) for a in arrays) or \
            not np.array_equal(np.sort(np.concatenate(arrays)), np.arange(n)):
        raise ValueError(f"indices are not a sorted partition of range({n})")


def _check_permutation(arrays: list[np.ndarray], n: int) -> None:
    if not np.array_equal(np.sort(arrays[0]), np.arange(n)):
        raise ValueError(f"the order is not a permutation of range({n})")


def _verified(payload: object, key: dict, names: tuple[str, ...] = ("train", "val", "test"),
              check=_check_partition) -> tuple[list[np.ndarray], tuple[str, ...]]:
    """The index arrays and warnings stored in ``payload``; ValueError saying what is wrong."""
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError("not a split cache file")
    if payload.get("key") != key:
        raise ValueError("its key does not match (another dataset, seed or algorithm)")
    parts = [payload.get(p) for p in names]
    if not all(isinstance(p, list) and all(type(i) is int for i in p) for p in parts):
        raise ValueError("index lists are missing or not integers")
    if payload.get("indices_sha256") != _indices_digest(*parts):
        raise ValueError("index digest mismatch (modified or damaged)")
    arrays = [np.asarray(p, dtype=np.int64) for p in parts]
    check(arrays, key["n"])
    msgs = payload.get("warnings", [])
    if not isinstance(msgs, list) or not all(isinstance(m, str) for m in msgs):
        raise ValueError("warnings are not a list of strings")
    return arrays, tuple(msgs)


def _folder(cache_dir: str | Path | None) -> Path:
    return Path(cache_dir).expanduser() if cache_dir is not None else default_split_cache_dir()


def _through_cache(path: Path, key: dict, names: tuple[str, ...], check, compute
                   ) -> tuple[list[np.ndarray], tuple[str, ...], str]:
    """Stored arrays when ``path`` holds a verified entry for ``key``, else ``compute()``
    (-> arrays, warnings) stored atomically; returns (arrays, warnings, status)."""
    status = "miss"
    if path.exists():
        try:
            arrays, msgs = _verified(read_json(path), key, names, check)
        except (CorruptFileError, ValueError, OSError) as err:
            reason = err.reason if isinstance(err, CorruptFileError) else str(err)
            warnings.warn(f"split cache {path}: {reason}; recomputing and replacing it",
                          SplitCacheWarning, stacklevel=3)
            status = "recomputed"
        else:
            return arrays, msgs, "hit"
    arrays, msgs = compute()
    lists = [np.asarray(a, dtype=np.int64).tolist() for a in arrays]
    payload = {"format": FORMAT, "key": key, **dict(zip(names, lists, strict=True)),
               "warnings": list(msgs), "indices_sha256": _indices_digest(*lists)}
    try:
        write_text(path, json.dumps(payload, sort_keys=True, separators=(",", ":")) + "\n",
                   overwrite=True)
    except OSError as err:
        warnings.warn(f"split cache {path} cannot be written ({err}); the split is not cached",
                      SplitCacheWarning, stacklevel=3)
        status = "unwritable"
    return arrays, msgs, status


def cached_split_indices(labels: np.ndarray, val_fraction: float = 0.15,
                         test_fraction: float = 0.15, seed: int = 0, *,
                         cache_dir: str | Path | None = None,
                         n_draws: int | None = None) -> tuple[Split, str]:
    """:func:`split_indices` through the cache; returns ``(split, status)``.

    ``status``: ``"hit"``, ``"miss"`` (computed and stored), ``"recomputed"`` (a bad file
    was replaced; a :class:`SplitCacheWarning` says why) or ``"unwritable"`` (computed,
    the cache could not be written; warned).
    """
    key = split_key(labels, val_fraction, test_fraction, seed, n_draws)

    def compute():
        split = split_indices(labels, val_fraction, test_fraction, seed, n_draws=key["n_draws"])
        return [split.train, split.val, split.test], split.warnings

    arrays, msgs, status = _through_cache(_folder(cache_dir) / f"{_digest(key)}.json", key,
                                          ("train", "val", "test"), _check_partition, compute)
    if status == "hit" and msgs:
        warnings.warn("; ".join(msgs), CoverageWarning, stacklevel=2)
    return Split(*arrays, warnings=msgs), status


def cached_stratified_order(labels: np.ndarray, seed: int = 0, n_chunks: int = 100, *,
                            cache_dir: str | Path | None = None) -> tuple[np.ndarray, str]:
    """:func:`~mlcl_lab.data.splits.stratified_order` (the nested low-data ordering)
    through the same cache; returns ``(order, status)``. Key: the labels' digest, ``seed``,
    ``n_chunks``, the algorithm version and the iterstrat version."""
    from .splits import stratified_order

    key = {"labels_sha256": labels_digest(labels), "n": len(labels), "seed": int(seed),
           "n_chunks": int(n_chunks), "algorithm": ORDER_ALGORITHM,
           "algorithm_version": ALGORITHM_VERSION, "iterstrat": _iterstrat_version()}
    arrays, _, status = _through_cache(
        _folder(cache_dir) / f"{_digest(key)}.json", key, ("order",), _check_permutation,
        lambda: ([stratified_order(labels, seed=seed, n_chunks=n_chunks)], ()))
    return arrays[0], status

"""The split a run uses, and where it came from (CONTRACT interface 4; paper.md §5–§6).

:func:`resolve_split` is the one place a run's train/validation/test rows are chosen:

1. the dataset's **own split** (``ds.extra["split"]``): the paper datasets' official splits
   (paper.md §6), a user's (split column, index files, index arrays — see
   :mod:`mlcl_lab.data.user_split`), yeast's MULAN split (``load_yeast(split="mulan")``).
   ``test_fraction`` is then ignored. When that split has no validation part and
   ``val_fraction > 0``, validation is carved from its training part: a label-stratified
   ``val_fraction`` *of the training rows* (:func:`split_indices` on the training rows'
   labels with ``test_fraction=0`` and the run's ``seed``, through the cache); the test
   rows are never touched;
2. otherwise a **stratified split**, exactly ``split_indices(labels, val_fraction,
   test_fraction, seed)`` (iterative stratification), computed once through the verified
   cache of :mod:`mlcl_lab.data.split_cache`.

Low-data fractions (:func:`training_subset`) are drawn from ``record.split.train``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .splits import Split, validate_split


@dataclass(frozen=True)
class SplitRecord:
    """A split with its provenance.

    Attributes:
        split: sorted int64 index arrays into the dataset.
        source: human-readable origin, e.g. ``"official (voc2007: ...)"``,
            ``"user (split column 'split' of x.csv)"``,
            ``"stratified (iterative, seed 0, val 0.15, test 0.15, algorithm v1)"``.
        kind: ``"official"`` | ``"user"`` | ``"stratified"``.
        cache: split-cache status of the stratified part (``"hit"``, ``"miss"``,
            ``"recomputed"``, ``"unwritable"``), ``None`` when nothing was stratified or
            the cache was off. Not part of :meth:`to_json` (the record of a run must not
            depend on whether an earlier run filled the cache).
    """

    split: Split
    source: str
    kind: str
    cache: str | None = None

    def to_json(self) -> dict:
        """JSON-ready record for the run folder: origin, sizes, indices and their digest."""
        parts = {p: np.asarray(getattr(self.split, p), dtype=np.int64).tolist()
                 for p in ("train", "val", "test")}
        digest = hashlib.sha256(repr([parts[p] for p in ("train", "val", "test")]).encode())
        return {"kind": self.kind, "source": self.source,
                **{f"n_{p}": len(v) for p, v in parts.items()},
                **parts, "indices_sha256": digest.hexdigest(),
                "warnings": list(self.split.warnings)}


def _stratified(labels: np.ndarray, val_fraction: float, test_fraction: float, seed: int,
                cache_dir: str | Path | None | bool) -> tuple[Split, str | None]:
    from .splits import split_indices

    if cache_dir is False:
        return split_indices(labels, val_fraction, test_fraction, seed), None
    from .split_cache import cached_split_indices

    return cached_split_indices(labels, val_fraction, test_fraction, seed,
                                cache_dir=None if cache_dir in (None, True) else cache_dir)


def carve_validation(labels: np.ndarray, train: np.ndarray, test: np.ndarray,
                     val_fraction: float, seed: int, cache_dir: str | Path | None | bool = False
                     ) -> tuple[Split, str | None]:
    """Given train/test rows, validation = a stratified ``val_fraction`` of the train rows.

    ``split_indices(labels[train], val_fraction, 0.0, seed)`` mapped back to dataset rows
    (through the cache unless ``cache_dir`` is False); the test rows are kept as they are.
    Returns the split and the cache status.
    """
    train = np.asarray(train, dtype=np.int64)
    if not val_fraction:
        return Split(np.sort(train), np.zeros(0, np.int64), np.sort(np.asarray(test, np.int64))), None
    inner, cache = _stratified(np.asarray(labels)[train], val_fraction, 0.0, int(seed), cache_dir)
    return Split(train=np.sort(train[inner.train]), val=np.sort(train[inner.val]),
                 test=np.sort(np.asarray(test, dtype=np.int64)), warnings=inner.warnings), cache


def resolve_split(dataset, *, seed: int, val_fraction: float, test_fraction: float,
                  cache_dir: str | Path | None | bool = None) -> SplitRecord:
    """The split every run, probe, threshold tuning and test metric of ``dataset`` uses.

    Args:
        dataset: a :class:`~mlcl_lab.data.MultiLabelDataset`.
        seed: the split seed (stratified split; validation carved from an own split).
        val_fraction, test_fraction: as in :func:`split_indices` (``test_fraction`` is
            ignored for a dataset with its own split).
        cache_dir: split-cache folder; ``None`` the default location (see
            :mod:`mlcl_lab.data.split_cache`); ``False`` no cache.

    Raises:
        ValueError: an own split that is not valid for the dataset (see
        :func:`validate_split`), or fractions/sizes :func:`split_indices` refuses.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    own = getattr(dataset, "extra", {}).get("split")
    if own is None:
        split, cache = _stratified(dataset.labels, val_fraction, test_fraction, int(seed),
                                   cache_dir)
        return SplitRecord(split, f"stratified (iterative, seed {int(seed)}, val {val_fraction}"
                           f", test {test_fraction}, algorithm v1)", "stratified", cache)
    if not isinstance(own, Split):
        raise TypeError(f"dataset {dataset.name!r}: extra['split'] must be a Split, "
                        f"got {type(own).__name__}")
    kind = dataset.extra.get("split_kind", "official")
    source = dataset.extra.get("split_source") or f"official ({dataset.name})"
    where = f"dataset {dataset.name!r} {kind} split"
    validate_split(own, dataset.n_samples, where)
    if len(own.val) or not val_fraction:
        return SplitRecord(own, source, kind)
    split, cache = carve_validation(dataset.labels, own.train, own.test, val_fraction,
                                    int(seed), cache_dir)
    return SplitRecord(split, f"{source}; validation = stratified {val_fraction} of its training "
                       f"part (seed {int(seed)}, algorithm v1)", kind, cache)


def warm_split_cache(dataset, *, seeds, val_fraction: float, test_fraction: float,
                     train_fractions=(1.0,), cache_dir: str | Path | None = None
                     ) -> list[SplitRecord]:
    """Compute (or verify) every split and low-data ordering a grid on ``dataset`` needs.

    Call once in the parent process before runs start in parallel: otherwise the first
    runs of a grid, started together, would each compute the same split. For each seed:
    :func:`resolve_split` and, for each fraction < 1, :func:`training_subset` of its
    training part, all through the cache. Returns the split records (one per seed).
    """
    from .splits import training_subset

    records = []
    for seed in seeds:
        rec = resolve_split(dataset, seed=int(seed), val_fraction=val_fraction,
                            test_fraction=test_fraction, cache_dir=cache_dir)
        for fraction in train_fractions:
            if fraction < 1.0:
                training_subset(rec.split.train, dataset.labels, fraction, seed=int(seed),
                                cache_dir=cache_dir)
        records.append(rec)
    return records

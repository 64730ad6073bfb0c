"""Deterministic, label-stratified splits and nested low-data training subsets.

Stratification uses iterative stratification (Sechidis et al., ECML PKDD 2011)
from the ``iterative-stratification`` package (``iterstrat.ml_stratifiers``).

Determinism: iterstrat draws from one ``numpy.random.RandomState`` for both the
row shuffle and the tie-breaking inside the algorithm. We always pass an
*integer* seed (never ``None`` or a shared RandomState), so the same
``(labels, fractions, seed)`` always gives the same indices, independent of any
global numpy state. ``MultilabelStratifiedShuffleSplit`` always shuffles;
``MultilabelStratifiedKFold`` is used with ``shuffle=True`` (its
``random_state`` is used for tie-breaking either way).

Label coverage policy (named choice, see :func:`split_indices`): a label that
appears in validation/test but has no training example is repaired by moving
one of its samples into train when the label has >= 2 positives; otherwise a
warning is recorded in ``Split.warnings`` and emitted as :class:`CoverageWarning`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

AUTO_DRAWS_MAX_CELLS = 2_000_000
# Training fractions of the low-data regime (our default grid; paper 1's are NOT FOUND).
TRAINING_FRACTIONS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0)


class CoverageWarning(UserWarning):
    """Some label has no training example although it occurs in evaluation data."""


@dataclass(frozen=True)
class Split:
    """Index arrays (int64, sorted, disjoint) of a train/validation/test split.

    ``warnings`` lists label-coverage problems that could not be repaired.
    """

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    warnings: tuple[str, ...] = ()


def _check_labels(labels: np.ndarray) -> np.ndarray:
    y = np.asarray(labels)
    if y.ndim != 2:
        raise ValueError(f"labels must be a 2-D (N, L) multi-hot array, got shape {y.shape}")
    if y.size and not np.isin(y, (0, 1)).all():
        raise ValueError("labels must be multi-hot with values in {0, 1}")
    return y.astype(bool)


def _for_iterstrat(y: np.ndarray) -> np.ndarray:
    """The target passed to iterstrat: labels + an "no label" column + an all-ones column.

    The extra columns make any (N, L >= 0) input a valid 'multilabel-indicator'
    target, stratify label-less rows explicitly, and (all-ones column) make the
    algorithm balance the number of rows per part, which keeps sizes closer to
    the requested ones than iterstrat's plain fallback.
    """
    return np.concatenate([y, ~y.any(axis=1, keepdims=True), np.ones((len(y), 1), bool)], axis=1)


def _draw_seed(seed: int, k: int) -> int:
    """Independent 32-bit RandomState seed for draw ``k`` of ``seed``."""
    return int(np.random.SeedSequence([int(seed), int(k)]).generate_state(1)[0])


def _holdout_score(y: np.ndarray, mask: np.ndarray, n_target: int) -> float:
    """Max label-proportion deviation of the holdout plus its relative size error."""
    dev = np.abs(y[mask].mean(axis=0) - y.mean(axis=0)).max() if y.shape[1] else 0.0
    return float(dev + abs(int(mask.sum()) - n_target) / len(y))


def _stratified_holdout(y: np.ndarray, fraction: float, seed: int, n_draws: int) -> np.ndarray:
    """Boolean mask of a label-stratified holdout of about ``fraction`` of the rows.

    Iterative stratification is greedy (rarest label first) and its quality on
    frequent labels varies with the random tie-breaking, so ``n_draws``
    iterstrat draws with seeds derived from ``seed`` are made and the one with
    the lowest :func:`_holdout_score` is kept (first one on ties).
    """
    from iterstrat.ml_stratifiers import MultilabelStratifiedShuffleSplit

    n = len(y)
    mask = np.zeros(n, dtype=bool)
    if fraction <= 0 or n == 0:
        return mask
    n_hold = int(round(fraction * n))
    if n_hold == 0:
        return mask
    if n_hold >= n:
        raise ValueError(f"holdout of {n_hold} samples leaves no training data (N={n})")
    target = _for_iterstrat(y)
    best, best_score = mask, np.inf
    for k in range(n_draws):
        splitter = MultilabelStratifiedShuffleSplit(
            n_splits=1, test_size=n_hold, random_state=_draw_seed(seed, k))
        _, hold = next(splitter.split(np.zeros((n, 1)), target))
        cand = np.zeros(n, dtype=bool)
        cand[hold] = True
        score = _holdout_score(y, cand, n_hold)
        if score < best_score:
            best, best_score = cand, score
    return best


def coverage_report(labels: np.ndarray, train_idx: np.ndarray, eval_idx: np.ndarray,
                    label_names: list[str] | None = None) -> list[str]:
    """Messages for labels positive in ``eval_idx`` but absent from ``train_idx``."""
    y = _check_labels(labels)
    in_train = y[np.asarray(train_idx, dtype=np.int64)].any(axis=0)
    in_eval = y[np.asarray(eval_idx, dtype=np.int64)].any(axis=0)
    names = label_names or [f"label {j}" for j in range(y.shape[1])]
    return [
        f"{names[j]} has {int(y[np.asarray(eval_idx, dtype=np.int64), j].sum())} evaluation "
        f"example(s) but no training example"
        for j in np.flatnonzero(in_eval & ~in_train)
    ]


def resolve_n_draws(labels: np.ndarray, n_draws: int | None = None) -> int:
    """The iterstrat draws per holdout: ``n_draws``, or 8 when ``N * L <= 2e6`` else 1."""
    if n_draws is None:
        return 8 if np.asarray(labels).size <= AUTO_DRAWS_MAX_CELLS else 1
    if not isinstance(n_draws, (int, np.integer)) or n_draws < 1:
        raise ValueError(f"n_draws must be an int >= 1, got {n_draws!r}")
    return int(n_draws)


def check_split_sizes(n: int, val_fraction: float, test_fraction: float) -> None:
    """Refuse inputs too small for the requested parts (named choice: no empty part).

    A part with a non-zero fraction must get >= 1 row (``round(fraction * N) >= 1``) and
    training keeps >= 1 row; otherwise a ValueError says how many samples are needed.
    """
    if n < 1:
        raise ValueError("cannot split 0 samples: the dataset is empty")
    n_test = int(round(test_fraction * n))
    n_val = int(round(val_fraction * n))
    for part, f, k in (("test", test_fraction, n_test), ("validation", val_fraction, n_val)):
        if f > 0 and k == 0:
            need = int(np.ceil(0.5 / f))
            raise ValueError(f"{part} fraction {f} of {n} sample(s) gives an empty {part} set; "
                             f"it needs at least {need} samples (or a {part} fraction of 0)")
    if n - n_test - n_val < 1:
        raise ValueError(f"{n} sample(s) leave no training row after {n_test} test and "
                         f"{n_val} validation rows")


def validate_split(split: Split, n: int, where: str = "split") -> None:
    """Raise ValueError unless ``split`` indexes ``n`` rows properly.

    Each part: 1-D integer indices in ``[0, n)`` without repeats; parts disjoint; train and
    test non-empty (validation may be empty). Rows in no part are allowed (unused rows,
    e.g. COCO's unused half of val2014, paper.md §6).
    """
    parts = {"train": split.train, "val": split.val, "test": split.test}
    for name, idx in parts.items():
        idx = np.asarray(idx)
        if idx.ndim != 1 or (idx.size and not np.issubdtype(idx.dtype, np.integer)):
            raise ValueError(f"{where}: {name} must be a 1-D integer index array")
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            bad = int(idx[(idx < 0) | (idx >= n)][0])
            raise ValueError(f"{where}: {name} index {bad} is out of range for {n} rows")
        if np.unique(idx).size != idx.size:
            vals, counts = np.unique(idx, return_counts=True)
            raise ValueError(f"{where}: {name} repeats row(s) {vals[counts > 1][:10].tolist()}")
    for a, b in (("train", "val"), ("train", "test"), ("val", "test")):
        both = np.intersect1d(parts[a], parts[b])
        if both.size:
            raise ValueError(f"{where}: rows {both[:10].tolist()} are in both {a} and {b}")
    for name in ("train", "test"):
        if len(parts[name]) == 0:
            raise ValueError(f"{where}: the {name} part is empty")


def split_indices(labels: np.ndarray, val_fraction: float = 0.15, test_fraction: float = 0.15,
                  seed: int = 0, *, n_draws: int | None = None) -> Split:
    """Seeded, label-stratified train/validation/test split.

    The test set (``round(test_fraction * N)`` rows) is drawn first from all rows,
    then the validation set (``round(val_fraction * N)`` rows) from the rest,
    both with iterative stratification (best of ``n_draws`` seeded iterstrat
    draws, see :func:`_stratified_holdout`). Iterative stratification may
    deviate by a few rows from the requested sizes. Labels that would have no training
    example are repaired when possible (see module docstring).

    Args:
        labels: (N, L) multi-hot.
        val_fraction, test_fraction: in [0, 1) with sum < 1.
        seed: integer seed.
        n_draws: iterstrat draws per holdout (>= 1); more is better stratified but
            slower. ``None`` (default): 8 when ``N * L <= 2e6`` (e.g. yeast), else 1
            (iterstrat's per-sample loop costs ~3 s per draw on debtags).

    Raises:
        ValueError: bad fractions/labels, or inputs too small for the requested parts
        (see :func:`check_split_sizes`).

    Returns:
        Split with sorted int64 index arrays partitioning ``range(N)``.
    """
    y = _check_labels(labels)
    for name, f in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0.0 <= f < 1.0:
            raise ValueError(f"{name} must be in [0, 1), got {f}")
    if val_fraction + test_fraction >= 1.0:
        raise ValueError(
            f"val_fraction + test_fraction must be < 1, got {val_fraction + test_fraction}"
        )
    if not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    n_draws = resolve_n_draws(y, n_draws)
    n = len(y)
    check_split_sizes(n, val_fraction, test_fraction)
    test_mask = _stratified_holdout(y, test_fraction, 2 * int(seed), n_draws)
    rest = np.flatnonzero(~test_mask)
    val_frac_rest = val_fraction * n / len(rest) if len(rest) else 0.0
    val_mask = np.zeros(n, dtype=bool)
    val_mask[rest[_stratified_holdout(y[rest], val_frac_rest, 2 * int(seed) + 1, n_draws)]] = True
    train_mask = ~(test_mask | val_mask)

    # Coverage repair: labels with evaluation examples but none in train.
    messages: list[str] = []
    counts = y.sum(axis=0)
    for j in np.flatnonzero(~y[train_mask].any(axis=0) & (counts > 0)):
        if counts[j] >= 2:
            donors = np.flatnonzero(y[:, j] & ~train_mask)
            pick = donors[0]
            test_mask[pick] = val_mask[pick] = False
            train_mask[pick] = True
        else:
            messages.append(f"label {j} has a single positive example, which is not in train")
    messages += [f"label {j} has no positive example at all" for j in np.flatnonzero(counts == 0)]
    if messages:
        warnings.warn("; ".join(messages), CoverageWarning, stacklevel=2)
    return Split(
        train=np.flatnonzero(train_mask).astype(np.int64),
        val=np.flatnonzero(val_mask).astype(np.int64),
        test=np.flatnonzero(test_mask).astype(np.int64),
        warnings=tuple(messages),
    )


def stratified_order(labels: np.ndarray, seed: int = 0, n_chunks: int = 100) -> np.ndarray:
    """A permutation of ``range(N)`` whose prefixes are label-stratified.

    Construction: (1) a greedy cover set: for labels in increasing frequency,
    one sample of each not-yet-covered label; (2) the remaining rows cut into
    ``min(n_chunks, N)`` iteratively stratified folds (MultilabelStratifiedKFold),
    concatenated fold by fold, each fold in seeded random order. Any prefix of
    length >= |cover set| therefore contains every label present.
    """
    y = _check_labels(labels)
    n = len(y)
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n)
    chosen = np.zeros(n, dtype=bool)
    cover: list[int] = []
    covered = np.zeros(y.shape[1], dtype=bool)
    counts = y.sum(axis=0)
    for j in np.argsort(counts, kind="stable"):
        if counts[j] == 0 or covered[j]:
            continue
        cand = perm[y[perm, j]][0]
        cover.append(int(cand))
        chosen[cand] = True
        covered |= y[cand]
    rest = np.flatnonzero(~chosen)
    k = min(n_chunks, len(rest))
    if k >= 2:
        from iterstrat.ml_stratifiers import MultilabelStratifiedKFold

        kf = MultilabelStratifiedKFold(n_splits=k, shuffle=True, random_state=int(seed))
        fold = np.empty(len(rest), dtype=np.int64)
        for f, (_, test) in enumerate(kf.split(np.zeros((len(rest), 1)), _for_iterstrat(y[rest]))):
            fold[test] = f
        tie = rng.permutation(len(rest))
        rest = rest[np.lexsort((tie, fold))]
    else:
        rest = rest[rng.permutation(len(rest))]
    return np.concatenate([np.asarray(cover, dtype=np.int64), rest.astype(np.int64)])


def training_subset(train_idx: np.ndarray, labels: np.ndarray, fraction: float,
                    seed: int = 0, *, cache_dir=None) -> np.ndarray:
    """Label-stratified subset of ``train_idx`` holding ``fraction`` of it (nested).

    The subset is the first ``max(1, round(fraction * n_train))`` entries of
    :func:`stratified_order` of the training rows, so for a fixed ``seed`` the
    5% subset is contained in the 10% subset, etc. Every label present in
    ``train_idx`` is kept when the subset is large enough to hold the greedy
    cover set; otherwise a :class:`CoverageWarning` names the missing labels.

    Args:
        train_idx: int indices into ``labels`` (the training rows).
        labels: (N, L) multi-hot of the whole dataset.
        fraction: in (0, 1]; 1.0 returns all of ``train_idx`` (sorted).
        seed: integer seed.
        cache_dir: the ordering goes through the split cache
            (:func:`mlcl_lab.data.split_cache.cached_stratified_order`, same result):
            ``None`` its default location, a folder, or ``False`` for no cache.

    Returns:
        Sorted int64 array, a subset of ``train_idx``.
    """
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    y = _check_labels(labels)
    train_idx = np.sort(np.asarray(train_idx, dtype=np.int64))
    if train_idx.ndim != 1 or len(np.unique(train_idx)) != len(train_idx):
        raise ValueError("train_idx must be a 1-D array of unique indices")
    if len(train_idx) and (train_idx.min() < 0 or train_idx.max() >= len(y)):
        raise ValueError(f"train_idx out of range for {len(y)} samples")
    if fraction == 1.0 or len(train_idx) == 0:
        return np.sort(train_idx)
    if cache_dir is False:
        local = stratified_order(y[train_idx], seed=seed)
    else:
        from .split_cache import cached_stratified_order

        local, _ = cached_stratified_order(y[train_idx], seed=seed, cache_dir=cache_dir)
    order = train_idx[local]
    m = max(1, int(round(fraction * len(train_idx))))
    subset = np.sort(order[:m])
    missing = np.flatnonzero(y[train_idx].any(axis=0) & ~y[subset].any(axis=0))
    if missing.size:
        warnings.warn(
            f"training fraction {fraction} ({m} samples) misses {missing.size} label(s) "
            f"present in the training set: {missing.tolist()[:20]}",
            CoverageWarning, stacklevel=2,
        )
    return subset


def dataset_split(ds, val_fraction: float = 0.15, test_fraction: float = 0.15,
                  seed: int = 0) -> Split:
    """The split to use for ``ds``: ``resolve_split(...).split`` without the cache.

    A dataset with its own split (paper.md §6 official splits, user splits) gets it (its
    validation carved from the training part when it has none); otherwise
    :func:`split_indices` on ``ds.labels``. See :func:`resolve_split` for the provenance.
    """
    return resolve_split(ds, seed=seed, val_fraction=val_fraction, test_fraction=test_fraction,
                         cache_dir=False).split


from .split_resolve import SplitRecord, resolve_split, warm_split_cache  # noqa: E402, F401  (re-exported; uses the names above)

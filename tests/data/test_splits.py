"""split_indices / training_subset: partition, determinism, stratification, nesting."""

import warnings

import numpy as np
import pytest

from mlcl_lab.data import (
    CoverageWarning,
    Split,
    coverage_report,
    make_synthetic,
    split_indices,
    training_subset,
)


def test_partition_and_types(yeast):
    s = split_indices(yeast.labels, 0.15, 0.15, seed=0)
    assert isinstance(s, Split)
    allidx = np.concatenate([s.train, s.val, s.test])
    assert allidx.dtype == np.int64 and np.array_equal(np.sort(allidx), np.arange(2417))
    for part in (s.train, s.val, s.test):
        assert np.all(np.diff(part) > 0)
    # sizes within a few percent of requested (iterative stratification drifts a little)
    assert abs(len(s.test) - 363) < 30 and abs(len(s.val) - 363) < 30


def test_deterministic_and_seed_dependent(yeast):
    a, b = split_indices(yeast.labels, seed=3), split_indices(yeast.labels, seed=3)
    np.random.seed(123)  # global numpy state must not matter
    c = split_indices(yeast.labels, seed=3)
    d = split_indices(yeast.labels, seed=4)
    for x in (b, c):
        assert all(np.array_equal(getattr(a, k), getattr(x, k)) for k in ("train", "val", "test"))
    assert not np.array_equal(a.test, d.test)


def test_stratified_proportions(yeast):
    y = yeast.labels
    s = split_indices(y, seed=0)
    overall = y.mean(0)
    for part in (s.train, s.val, s.test):
        assert np.abs(y[part].mean(0) - overall).max() < 0.02


def test_zero_val_fraction(yeast):
    s = split_indices(yeast.labels, val_fraction=0.0, test_fraction=0.2)
    assert len(s.val) == 0 and len(s.train) + len(s.test) == 2417


@pytest.mark.parametrize("kw", [dict(val_fraction=-0.1), dict(test_fraction=1.0),
                                dict(val_fraction=0.5, test_fraction=0.5)])
def test_bad_fractions(kw):
    with pytest.raises(ValueError):
        split_indices(np.eye(10, dtype=np.uint8), **kw)


def test_bad_labels():
    with pytest.raises(ValueError):
        split_indices(np.zeros(10))
    with pytest.raises(ValueError):
        split_indices(np.full((4, 2), 3))


def test_coverage_repair_and_report():
    rng = np.random.default_rng(0)
    y = (rng.random((100, 4)) < 0.3).astype(np.uint8)
    y[:, 3] = 0
    y[[10, 20], 3] = 1  # rare label: 2 positives -> must keep one in train
    y[:, 2] = 0
    y[5, 2] = 1  # singleton label: cannot be both in train and elsewhere
    for seed in range(5):
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            s = split_indices(y, 0.3, 0.3, seed=seed)
        assert y[s.train, 3].sum() >= 1
        assert not any("label 3" in w for w in s.warnings)
    y[:, 1] = 0
    with pytest.warns(CoverageWarning, match="label 1 has no positive"):
        s = split_indices(y, 0.3, 0.3, seed=0)
    assert any("label 1" in w for w in s.warnings)


def test_coverage_report_function():
    y = np.array([[1, 0], [1, 0], [0, 1]], dtype=np.uint8)
    msgs = coverage_report(y, np.array([0, 1]), np.array([2]), label_names=["a", "b"])
    assert msgs == ["b has 1 evaluation example(s) but no training example"]


def test_training_subset_nested_and_sized(yeast):
    y = yeast.labels
    s = split_indices(y, seed=0)
    from mlcl_lab.data import TRAINING_FRACTIONS

    fractions = list(TRAINING_FRACTIONS)
    subsets = [training_subset(s.train, y, f, seed=0) for f in fractions]
    for f, sub in zip(fractions, subsets):
        assert len(sub) == max(1, round(f * len(s.train)))
        assert np.isin(sub, s.train).all()
    for small, big in zip(subsets, subsets[1:]):
        assert np.isin(small, big).all()
    # independent of train_idx order; seed-dependent
    shuffled = np.random.default_rng(1).permutation(s.train)
    assert np.array_equal(training_subset(shuffled, y, 0.1, seed=0), subsets[2])
    assert not np.array_equal(training_subset(s.train, y, 0.1, seed=1), subsets[2])


def test_training_subset_covers_labels_and_is_stratified(yeast):
    y = yeast.labels
    s = split_indices(y, seed=0)
    sub1 = training_subset(s.train, y, 0.01)  # 17 samples, still every label
    assert (y[sub1].sum(0) >= 1).all()
    sub = training_subset(s.train, y, 0.25)
    assert np.abs(y[sub].mean(0) - y[s.train].mean(0)).max() < 0.03


def test_training_subset_warns_when_too_small():
    ds = make_synthetic(n_samples=400, n_labels=30, cardinality=1.0, tail_exponent=1.5)
    with pytest.warns(CoverageWarning, match="misses"):
        training_subset(np.arange(400), ds.labels, 0.01)


@pytest.mark.parametrize("f", [0.0, 1.5, -0.2])
def test_training_subset_bad_fraction(f):
    with pytest.raises(ValueError):
        training_subset(np.arange(10), np.eye(10, dtype=np.uint8), f)


def test_more_stratified_than_random(yeast):
    y = yeast.labels
    rng = np.random.default_rng(0)
    strat, rand = [], []
    for seed in range(3):
        s = split_indices(y, seed=seed)
        strat.append(np.abs(y[s.test].mean(0) - y.mean(0)).max())
        perm = rng.permutation(len(y))[: len(s.test)]
        rand.append(np.abs(y[perm].mean(0) - y.mean(0)).max())
    assert np.mean(strat) < 0.5 * np.mean(rand)


def test_single_draw_is_plain_iterstrat(yeast):
    from iterstrat.ml_stratifiers import MultilabelStratifiedShuffleSplit

    from mlcl_lab.data.splits import _draw_seed, _for_iterstrat

    y = yeast.labels
    s = split_indices(y, val_fraction=0.0, test_fraction=0.2, seed=5, n_draws=1)
    ref = MultilabelStratifiedShuffleSplit(n_splits=1, test_size=round(0.2 * len(y)),
                                           random_state=_draw_seed(10, 0))
    _, test = next(ref.split(np.zeros((len(y), 1)), _for_iterstrat(y.astype(bool))))
    assert np.array_equal(s.test, np.sort(test))


def test_dataset_split_prefers_official(yeast):
    from mlcl_lab.data import MultiLabelDataset, dataset_split

    s = dataset_split(yeast, seed=2)
    ref = split_indices(yeast.labels, seed=2)
    assert np.array_equal(s.test, ref.test)
    official = Split(np.array([0]), np.array([1]), np.array([2]))
    ds = MultiLabelDataset(name="t", labels=np.eye(3, dtype=np.uint8), label_names=list("abc"),
                           modality="vector", features=np.zeros((3, 1), np.float32),
                           extra={"split": official})
    assert dataset_split(ds) is official

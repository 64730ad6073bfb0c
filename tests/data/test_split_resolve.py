"""resolve_split: own (official / user) splits honoured, stratified ones equal split_indices."""

import json

import numpy as np
import pytest

from mlcl_lab.data import (
    Split,
    SplitRecord,
    attach_split,
    load_dataset,
    make_synthetic,
    resolve_split,
    split_indices,
    training_subset,
)
from mlcl_lab.data.yeast import MULAN_TRAIN_ROWS

PARTS = ("train", "val", "test")


def _same(a: Split, b: Split) -> bool:
    return all(np.array_equal(getattr(a, p), getattr(b, p)) for p in PARTS)


def test_stratified_equals_split_indices(yeast, tmp_path):
    rec = resolve_split(yeast, seed=3, val_fraction=0.15, test_fraction=0.2, cache_dir=tmp_path)
    assert isinstance(rec, SplitRecord) and rec.kind == "stratified"
    assert _same(rec.split, split_indices(yeast.labels, 0.15, 0.2, seed=3))
    assert "seed 3" in rec.source and "iterative" in rec.source and rec.cache == "miss"


def test_no_cache_option(yeast):
    rec = resolve_split(yeast, seed=0, val_fraction=0.1, test_fraction=0.1, cache_dir=False)
    assert rec.cache is None and _same(rec.split, split_indices(yeast.labels, 0.1, 0.1, 0))


def test_user_split_rows_exactly(tmp_path):
    ds = make_synthetic(n_samples=120, n_labels=5, seed=1)
    rng = np.random.default_rng(0)
    perm = rng.permutation(120)
    train, val, test = perm[:70], perm[70:90], perm[90:]
    rec = resolve_split(attach_split(ds, train, val, test), seed=0, val_fraction=0.15,
                        test_fraction=0.15, cache_dir=tmp_path)
    assert rec.kind == "user" and rec.source == "user (index arrays)" and rec.cache is None
    for part, given in zip(PARTS, (train, val, test), strict=True):
        assert np.array_equal(getattr(rec.split, part), np.sort(given))
    sub = training_subset(rec.split.train, ds.labels, 0.25, seed=0)
    assert set(sub) <= set(train)


def test_validation_carved_from_training_part(tmp_path):
    ds = make_synthetic(n_samples=200, n_labels=6, seed=2)
    train, test = np.arange(0, 150), np.arange(150, 200)
    rec = resolve_split(attach_split(ds, train, [], test), seed=4, val_fraction=0.2,
                        test_fraction=0.3, cache_dir=tmp_path)
    inner = split_indices(ds.labels[train], val_fraction=0.2, test_fraction=0.0, seed=4)
    assert np.array_equal(rec.split.test, test)
    assert np.array_equal(rec.split.val, train[inner.val])
    assert np.array_equal(rec.split.train, train[inner.train])
    assert len(rec.split.val) == 30 and "validation = stratified 0.2 of its training part" \
        in rec.source
    no_val = resolve_split(attach_split(ds, train, [], test), seed=4, val_fraction=0.0,
                           test_fraction=0.3, cache_dir=tmp_path)
    assert len(no_val.split.val) == 0 and np.array_equal(no_val.split.train, train)


def test_yeast_mulan_split(tmp_path):
    ds = load_dataset("yeast", split="mulan")
    rec = resolve_split(ds, seed=0, val_fraction=0.15, test_fraction=0.15, cache_dir=tmp_path)
    assert rec.kind == "official" and "MULAN" in rec.source
    assert np.array_equal(rec.split.test, np.arange(MULAN_TRAIN_ROWS, 2417))
    assert np.array_equal(np.sort(np.concatenate([rec.split.train, rec.split.val])),
                          np.arange(MULAN_TRAIN_ROWS))
    assert len(rec.split.val) == round(0.15 * MULAN_TRAIN_ROWS)
    # the shipped order is MULAN's: yeast-train.arff's 1,500 rows come first
    plain = load_dataset("yeast")
    assert np.array_equal(plain.features, ds.features) and "split" not in plain.extra
    with pytest.raises(ValueError, match="yeast split must be one of"):
        load_dataset("yeast", split="random")


def test_record_to_json(tmp_path):
    ds = load_dataset("yeast", split="mulan")
    rec = resolve_split(ds, seed=1, val_fraction=0.1, test_fraction=0.15, cache_dir=tmp_path)
    js = json.loads(json.dumps(rec.to_json()))
    assert js["kind"] == "official" and js["source"] == rec.source
    assert js["n_test"] == 917 and js["test"] == list(range(1500, 2417))
    assert js["n_train"] + js["n_val"] == 1500 and "cache" not in js
    again = resolve_split(ds, seed=1, val_fraction=0.1, test_fraction=0.15, cache_dir=tmp_path)
    assert again.cache == "hit" and again.to_json() == rec.to_json()


@pytest.mark.parametrize("bad, match", [
    ((np.arange(0, 60), np.arange(50, 70), np.arange(70, 100)), "in both train and val"),
    ((np.arange(0, 60), [], np.arange(60, 101)), "out of range"),
    ((np.array([0, 0, 1]), [], np.arange(60, 100)), "repeats"),
    (([], [], np.arange(60, 100)), "train part is empty"),
    ((np.arange(60), [], []), "test part is empty"),
])
def test_invalid_own_split_refused(bad, match):
    ds = make_synthetic(n_samples=100, n_labels=4, seed=0)
    with pytest.raises(ValueError, match=match):
        attach_split(ds, *bad)


def test_invalid_official_split_refused_at_resolve():
    import dataclasses

    ds = make_synthetic(n_samples=50, n_labels=4, seed=0)
    bad = dataclasses.replace(ds, extra={"split": Split(np.arange(30), np.zeros(0, np.int64),
                                                        np.arange(25, 50))})
    with pytest.raises(ValueError, match="official split: rows .* in both train and test"):
        resolve_split(bad, seed=0, val_fraction=0.1, test_fraction=0.1, cache_dir=False)


def test_subset_drops_own_split():
    ds = attach_split(make_synthetic(n_samples=40, n_labels=3, seed=0), np.arange(30), [],
                      np.arange(30, 40))
    assert "split" not in ds.subset(np.arange(10)).extra

"""The split cache: hits are bit-identical, bad files are never trusted, location rules."""

import json
import warnings

import numpy as np
import pytest

from mlcl_lab.data import CoverageWarning, make_synthetic, split_indices
from mlcl_lab.data.split_cache import (
    SplitCacheWarning,
    cached_split_indices,
    default_split_cache_dir,
    labels_digest,
)

PARTS = ("train", "val", "test")


def _same(a, b) -> bool:
    return all(np.array_equal(getattr(a, p), getattr(b, p)) for p in PARTS)


@pytest.fixture(scope="module")
def labels():
    return make_synthetic(n_samples=300, n_labels=6, seed=5).labels


def test_miss_then_hit_identical(labels, tmp_path):
    ref = split_indices(labels, 0.2, 0.1, seed=7)
    first, s1 = cached_split_indices(labels, 0.2, 0.1, 7, cache_dir=tmp_path)
    second, s2 = cached_split_indices(labels, 0.2, 0.1, 7, cache_dir=tmp_path)
    assert (s1, s2) == ("miss", "hit") and _same(first, ref) and _same(second, ref)
    assert len(list(tmp_path.glob("*.json"))) == 1
    for part in PARTS:
        assert getattr(second, part).dtype == np.int64


def test_key_separates_seed_fractions_and_labels(labels, tmp_path):
    cached_split_indices(labels, 0.2, 0.1, 7, cache_dir=tmp_path)
    _, s_seed = cached_split_indices(labels, 0.2, 0.1, 8, cache_dir=tmp_path)
    _, s_frac = cached_split_indices(labels, 0.2, 0.15, 7, cache_dir=tmp_path)
    flipped = labels.copy()
    flipped[0, 0] ^= 1
    got, s_lab = cached_split_indices(flipped, 0.2, 0.1, 7, cache_dir=tmp_path)
    assert (s_seed, s_frac, s_lab) == ("miss", "miss", "miss")
    assert _same(got, split_indices(flipped, 0.2, 0.1, seed=7))
    assert labels_digest(flipped) != labels_digest(labels)
    # the digest depends on content, not on dtype or memory layout
    assert labels_digest(np.asfortranarray(labels.astype(np.int64))) == labels_digest(labels)


def _only_file(folder):
    files = list(folder.glob("*.json"))
    assert len(files) == 1
    return files[0]


@pytest.mark.parametrize("damage", ["truncate", "not-json", "swap-index", "drop-row", "key"])
def test_bad_file_recomputed_and_replaced(labels, tmp_path, damage):
    ref, _ = cached_split_indices(labels, 0.2, 0.1, 7, cache_dir=tmp_path)
    f = _only_file(tmp_path)
    raw = f.read_text()
    payload = json.loads(raw)
    if damage == "truncate":
        f.write_text(raw[: len(raw) // 2])
    elif damage == "not-json":
        f.write_bytes(b"\x00\xff garbage")
    elif damage == "swap-index":  # valid JSON, digest no longer matches
        payload["test"][0], payload["train"][0] = payload["train"][0], payload["test"][0]
        f.write_text(json.dumps(payload))
    elif damage == "drop-row":  # digest recomputed by the tamperer: partition check catches it
        from mlcl_lab.data.split_cache import _indices_digest

        payload["test"] = payload["test"][1:]
        payload["indices_sha256"] = _indices_digest(payload["train"], payload["val"],
                                                    payload["test"])
        f.write_text(json.dumps(payload))
    else:
        payload["key"]["seed"] = 8
        f.write_text(json.dumps(payload))
    with pytest.warns(SplitCacheWarning, match=str(f.name)):
        got, status = cached_split_indices(labels, 0.2, 0.1, 7, cache_dir=tmp_path)
    assert status == "recomputed" and _same(got, ref)
    again, status = cached_split_indices(labels, 0.2, 0.1, 7, cache_dir=tmp_path)
    assert status == "hit" and _same(again, ref)
    assert not list(tmp_path.glob(".tmp-*"))


def test_unwritable_cache_still_splits(labels, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.warns(SplitCacheWarning, match="cannot be written"):
        got, status = cached_split_indices(labels, 0.2, 0.1, 7, cache_dir=blocker / "sub")
    assert status == "unwritable" and _same(got, split_indices(labels, 0.2, 0.1, seed=7))


def test_coverage_warning_reemitted_on_hit(tmp_path):
    y = np.zeros((40, 3), dtype=np.uint8)
    y[:, 0] = 1
    y[::2, 2] = 1  # label 1 has no positive at all: split_indices always warns
    for expected in ("miss", "hit"):
        with pytest.warns(CoverageWarning, match="label 1 has no positive example"):
            got, status = cached_split_indices(y, 0.2, 0.2, 0, cache_dir=tmp_path, n_draws=1)
        assert status == expected and got.warnings


def test_default_location_env(monkeypatch, tmp_path, labels):
    monkeypatch.setenv("MLCL_LAB_SPLIT_CACHE", str(tmp_path / "splits"))
    assert default_split_cache_dir() == tmp_path / "splits"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cached_split_indices(labels, 0.2, 0.1, 1)
    assert len(list((tmp_path / "splits").glob("*.json"))) == 1
    monkeypatch.delenv("MLCL_LAB_SPLIT_CACHE")
    monkeypatch.setenv("MLCL_LAB_CACHE_DIR", str(tmp_path / "root"))
    assert default_split_cache_dir() == tmp_path / "root" / "splits"


def test_training_subset_order_cached(labels, tmp_path):
    from mlcl_lab.data import training_subset
    from mlcl_lab.data.split_cache import cached_stratified_order
    from mlcl_lab.data.splits import stratified_order

    train = np.arange(0, 300, 3)
    ref = training_subset(train, labels, 0.3, seed=2, cache_dir=False)
    first = training_subset(train, labels, 0.3, seed=2, cache_dir=tmp_path)
    again = training_subset(train, labels, 0.3, seed=2, cache_dir=tmp_path)
    assert np.array_equal(ref, first) and np.array_equal(ref, again)
    order, status = cached_stratified_order(labels[train], seed=2, cache_dir=tmp_path)
    assert status == "hit" and np.array_equal(order, stratified_order(labels[train], seed=2))
    f = _only_file(tmp_path)
    payload = json.loads(f.read_text())
    payload["order"][0] = payload["order"][1]
    from mlcl_lab.data.split_cache import _indices_digest

    payload["indices_sha256"] = _indices_digest(payload["order"])
    f.write_text(json.dumps(payload))
    with pytest.warns(SplitCacheWarning, match="not a permutation"):
        order, status = cached_stratified_order(labels[train], seed=2, cache_dir=tmp_path)
    assert status == "recomputed" and np.array_equal(order, stratified_order(labels[train], 2))


def test_warm_split_cache_makes_every_run_a_hit(tmp_path):
    from mlcl_lab.data import make_synthetic, resolve_split, training_subset
    from mlcl_lab.data.splits import warm_split_cache

    ds = make_synthetic(n_samples=200, n_labels=5, seed=3)
    recs = warm_split_cache(ds, seeds=[0, 1], val_fraction=0.15, test_fraction=0.15,
                            train_fractions=[0.1, 1.0], cache_dir=tmp_path)
    assert [r.cache for r in recs] == ["miss", "miss"]
    assert len(list(tmp_path.glob("*.json"))) == 4  # 2 splits + 2 low-data orderings
    for seed, rec in zip((0, 1), recs, strict=True):
        again = resolve_split(ds, seed=seed, val_fraction=0.15, test_fraction=0.15,
                              cache_dir=tmp_path)
        assert again.cache == "hit" and np.array_equal(again.split.test, rec.split.test)
        before = len(list(tmp_path.glob("*.json")))
        training_subset(again.split.train, ds.labels, 0.1, seed=seed, cache_dir=tmp_path)
        assert len(list(tmp_path.glob("*.json"))) == before

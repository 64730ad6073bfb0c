"""HDF5 files in MulSupCon's layout: one file, or per-part files carrying their split."""

import os
from pathlib import Path

import numpy as np
import pytest

from mlcl_lab.data import (
    DatasetNotFoundError,
    MalformedFileError,
    load_dataset,
    resolve_split,
)

h5py = pytest.importorskip("h5py")


def _write(path, **arrays):
    with h5py.File(path, "w") as f:
        for k, v in arrays.items():
            f[k] = v
    return path


def _toy(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5))
    y = (rng.random((n, 3)) < 0.4).astype(np.int64)
    y[0] = 1
    return x, y


def test_single_file_vectors(tmp_path):
    x, y = _toy(20, 0)
    f = _write(tmp_path / "toy.hdf5", feature=x, target=y)
    ds = load_dataset("hdf5", path=f)
    assert ds.modality == "vector" and ds.name == "toy" and "split" not in ds.extra
    assert np.array_equal(ds.features, x.astype(np.float32)) and np.array_equal(ds.labels, y)
    assert ds.labels.dtype == np.uint8 and ds.label_names == ["label1", "label2", "label3"]


def test_part_files_give_their_split(tmp_path):
    parts = {p: _toy(n, k) for k, (p, n) in enumerate((("train", 12), ("val", 4), ("test", 6)))}
    for p, (x, y) in parts.items():
        _write(tmp_path / f"toy_official_{p}.hdf5", feature=x, target=y)
    _write(tmp_path / "toy_official_trainval.hdf5", feature=np.zeros((2, 5)),
           target=np.ones((2, 3)))  # ignored, as in MulSupCon's data/
    ds = load_dataset("hdf5", path=tmp_path)
    rec = resolve_split(ds, seed=0, val_fraction=0.2, test_fraction=0.2, cache_dir=False)
    assert rec.kind == "user" and "toy_official_test.hdf5" in rec.source
    assert rec.split.train.tolist() == list(range(12))
    assert rec.split.val.tolist() == list(range(12, 16))
    assert rec.split.test.tolist() == list(range(16, 22))
    assert np.array_equal(ds.features[rec.split.test], parts["test"][0].astype(np.float32))
    assert np.array_equal(ds.labels[rec.split.val], parts["val"][1])


def test_images_are_channels_first_in_unit_range(tmp_path):
    img = np.random.default_rng(0).integers(0, 256, size=(4, 6, 7, 3), dtype=np.uint8)
    f = _write(tmp_path / "img.h5", Image=img, target=np.eye(4, 2, dtype=np.int64))
    ds = load_dataset("hdf5", path=f)
    assert ds.modality == "image" and ds.features.shape == (4, 3, 6, 7)
    assert np.allclose(ds.features[1, 2], img[1, :, :, 2] / 255.0)


@pytest.mark.parametrize("arrays, match", [
    ({"feature": np.zeros((3, 2))}, "no dataset 'target'"),
    ({"data": np.zeros((3, 2)), "target": np.ones((3, 1))}, "exactly one of"),
    ({"feature": np.zeros((3, 2)), "target": np.ones((4, 1))}, "has 3 rows"),
    ({"feature": np.zeros((3, 2)), "target": np.full((3, 1), 2)}, "0/1 labels; row 0"),
    ({"feature": np.full((3, 2), np.nan), "target": np.ones((3, 1))}, "NaN/inf"),
    ({"feature": np.zeros((0, 2)), "target": np.ones((0, 1))}, "holds no sample"),
    ({"feature": np.zeros((3, 0)), "target": np.ones((3, 1))}, "no feature"),
    ({"feature": np.zeros((3, 2)), "target": np.ones((3, 0))}, "carry no label"),
])
def test_bad_files_name_the_file(tmp_path, arrays, match):
    f = _write(tmp_path / "bad.hdf5", **arrays)
    with pytest.raises(MalformedFileError, match=match) as err:
        load_dataset("hdf5", path=f)
    assert str(f) in str(err.value)


def test_folder_errors(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="no <prefix>_train"):
        load_dataset("hdf5", path=tmp_path)
    for prefix in ("a", "b"):
        for p in ("train", "test"):
            x, y = _toy(5, 0)
            _write(tmp_path / f"{prefix}_{p}.hdf5", feature=x, target=y)
    with pytest.raises(ValueError, match="several files per part"):
        load_dataset("hdf5", path=tmp_path)
    assert load_dataset("hdf5", path=tmp_path, prefix="b").n_samples == 10
    x, y = _toy(5, 0)
    _write(tmp_path / "c_train.hdf5", feature=x, target=y)
    _write(tmp_path / "c_test.hdf5", feature=x[:, :3], target=y)
    with pytest.raises(MalformedFileError, match="disagree"):
        load_dataset("hdf5", path=tmp_path, prefix="c")


MSC = os.environ.get("MLCL_LAB_MULSUPCON_DATA")


@pytest.mark.skipif(not MSC, reason="set MLCL_LAB_MULSUPCON_DATA to MulSupCon's data/ folder")
def test_mulsupcon_yeast_files_are_the_mulan_split(yeast):
    """MulSupCon's official yeast files: train + val = our first 1,500 rows, test = the last
    917 in order (their label columns are a permutation of ours)."""
    ds = load_dataset("hdf5", path=Path(MSC), prefix="yeast_official")
    split = ds.extra["split"]
    assert np.array_equal(ds.features[split.test], yeast.features[1500:])
    first = np.concatenate([split.train, split.val])
    d = np.abs(ds.features[first][:, None, :] - yeast.features[None, :1500]).max(axis=-1)
    assert np.all(d.min(axis=1) == 0)
    assert np.array_equal(np.sort(d.argmin(axis=1)), np.arange(1500))
    perm = [int(np.flatnonzero((ds.labels[split.test] == yeast.labels[1500:, [j]]).all(0))[0])
            for j in range(14)]
    assert sorted(perm) == list(range(14))

"""fashion-mosaic on a tiny IDX fixture (real on-disk format) and the installed data."""

import gzip

import numpy as np
import pytest

from tests.requirements_marks import needs

from mlcl_lab.data import encoder_inputs, load_dataset
from mlcl_lab.data.errors import DatasetNotFoundError, MalformedFileError
from mlcl_lab.data.fashion_mosaic import FASHION_DEFAULT_DIR, make_fashion_mosaic, read_idx


def _write_idx(path, arr):
    magic = (2051 if arr.ndim == 3 else 2049).to_bytes(4, "big")
    dims = b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    with gzip.open(path, "wb") as f:
        f.write(magic + dims + arr.astype(np.uint8).tobytes())


@pytest.fixture()
def fm_root(tmp_path):
    n = 200
    classes = np.arange(n) % 10
    # each item is a constant image whose value encodes its index (1..200)
    images = np.broadcast_to((np.arange(n) + 1)[:, None, None], (n, 28, 28)).astype(np.uint8)
    for pre in ("train", "t10k"):
        _write_idx(tmp_path / f"{pre}-images-idx3-ubyte.gz", images)
        _write_idx(tmp_path / f"{pre}-labels-idx1-ubyte.gz", classes)
    return tmp_path


def test_labels_are_classes_present(fm_root):
    ds = make_fashion_mosaic(n_samples=30, k=(1, 4), seed=1, root=fm_root)
    assert ds.features.shape == (30, 1, 56, 56) and ds.features.dtype == np.float32
    assert ds.features.min() >= 0 and ds.features.max() <= 1
    items = ds.extra["items"]
    for i in range(30):
        used = items[i][items[i] >= 0]
        assert 1 <= len(used) <= 4
        assert set(np.flatnonzero(ds.labels[i])) == set(used % 10)
        # the pixels hold exactly the used items (value = index + 1)
        vals = set(np.unique(np.round(ds.features[i] * 255).astype(int))) - {0}
        assert vals == set(used + 1)
    used_all = items[items >= 0]
    assert len(np.unique(used_all)) == len(used_all)  # without replacement


def test_seeded_k_and_imbalance(fm_root):
    a = make_fashion_mosaic(n_samples=20, k=2, seed=3, root=fm_root)
    b = make_fashion_mosaic(n_samples=20, k=2, seed=3, root=fm_root)
    assert np.array_equal(a.features, b.features) and np.array_equal(a.labels, b.labels)
    assert ((a.extra["items"] >= 0).sum(1) == 2).all()
    with pytest.raises(ValueError, match="class"):
        make_fashion_mosaic(n_samples=200, k=4, root=fm_root)  # more items than the pool
    with pytest.raises(ValueError):
        make_fashion_mosaic(k=(3, 2), root=fm_root)


def test_missing_and_corrupt(tmp_path, fm_root):
    with pytest.raises(DatasetNotFoundError, match="apt-get install dataset-fashion-mnist"):
        make_fashion_mosaic(root=tmp_path / "nowhere")
    f = fm_root / "train-labels-idx1-ubyte.gz"
    with gzip.open(f, "wb") as g:
        g.write(b"\x00\x00\x08\x01\x00\x00\x00\x05abc")
    with pytest.raises(MalformedFileError, match="train-labels-idx1-ubyte.gz"):
        read_idx(f)


@needs((FASHION_DEFAULT_DIR / "t10k-images-idx3-ubyte.gz").is_file(),
       "dataset-fashion-mnist not installed (apt-get install dataset-fashion-mnist)")
def test_installed_fashion_mnist():
    ds = load_dataset("fashion-mosaic", n_samples=500, k=(2, 3), split="test", seed=0)
    assert ds.labels.shape == (500, 10) and encoder_inputs(ds).shape == (500, 1, 56, 56)
    assert 1.5 < ds.labels.sum(1).mean() <= 3
    lab = ds.labels.sum(0)
    imb = load_dataset("fashion-mosaic", n_samples=500, imbalance=2.0, split="test").labels.sum(0)
    assert imb[0] / imb[-1] > lab.max() / lab.min()


@needs((FASHION_DEFAULT_DIR / "t10k-images-idx3-ubyte.gz").is_file(),
       "dataset-fashion-mnist not installed (apt-get install dataset-fashion-mnist)")
def test_mosaics_have_no_split_of_their_own_and_resolve_to_the_stratified_split():
    """``extra["split"]`` is reserved for a dataset's own Split (split_resolve); the
    Fashion-MNIST source split is ``extra["source_split"]`` (a str there failed every run)."""
    from mlcl_lab.data.split_resolve import resolve_split

    ds = load_dataset("fashion-mosaic", n_samples=300, split="test", seed=0)
    assert ds.extra["source_split"] == "test" and "split" not in ds.extra
    record = resolve_split(ds, seed=0, val_fraction=0.1, test_fraction=0.2, cache_dir=False)
    assert record.kind == "stratified"
    assert len(record.split.train) + len(record.split.val) + len(record.split.test) == 300

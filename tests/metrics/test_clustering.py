"""label_set_clustering vs scikit-learn; knn_label_precision vs a loop oracle."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import davies_bouldin_score, silhouette_score
from sklearn.neighbors import NearestNeighbors

from mlcl_lab.metrics import frequent_label_sets, knn_label_precision, label_set_clustering


def _data(n=240, l=4, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random((n, l)) < 0.35).astype(int)
    z = rng.normal(size=(n, 5)) + 1.5 * y @ rng.normal(size=(l, 5))
    return z, y


def test_frequent_label_sets_hand_example():
    y = torch.tensor([[1, 0], [1, 0], [1, 0], [0, 1], [0, 1], [1, 1], [0, 0]])
    cls, n_sets = frequent_label_sets(y, keep_fraction=0.5)
    assert n_sets == 4
    assert cls.tolist() == [0, 0, 0, 1, 1, -1, -1]  # ceil(4/2)=2 most frequent sets kept
    cls2, n2 = frequent_label_sets(y, keep_fraction=1.0, include_empty=False)
    assert n2 == 3 and cls2[-1] == -1 and (cls2[:-1] >= 0).all()


@pytest.mark.parametrize("normalize", [True, False])
@pytest.mark.parametrize("chunk", [1, 13, None])
def test_matches_sklearn(normalize, chunk):
    z, y = _data()
    out = label_set_clustering(z, y, normalize=normalize, chunk_size=chunk)
    cls, _ = frequent_label_sets(torch.tensor(y))
    keep = (cls >= 0).numpy()
    x = z / np.linalg.norm(z, axis=1, keepdims=True) if normalize else z
    lab = cls.numpy()[keep]
    assert out["n_samples"] == keep.sum() and out["n_classes"] == len(set(lab))
    assert out["silhouette"] == pytest.approx(silhouette_score(x[keep], lab), abs=1e-10)
    assert out["davies_bouldin"] == pytest.approx(davies_bouldin_score(x[keep], lab), abs=1e-10)


def test_singleton_class_matches_sklearn():
    z, y = _data(n=30, l=5, seed=4)
    out = label_set_clustering(z, y, keep_fraction=1.0)
    cls, _ = frequent_label_sets(torch.tensor(y), keep_fraction=1.0)
    x = z / np.linalg.norm(z, axis=1, keepdims=True)
    assert np.bincount(cls.numpy()).min() == 1
    assert out["silhouette"] == pytest.approx(silhouette_score(x, cls.numpy()), abs=1e-10)


def test_degenerate_cases():
    y = np.array([[1], [0]] * 10)  # one label: two label sets, both kept
    z = np.ones((20, 3))
    out = label_set_clustering(z, y)
    assert out["n_classes"] == 2 and out["silhouette"] == 0.0 and out["davies_bouldin"] == 0.0
    with pytest.raises(ValueError, match="2 distinct label sets"):
        label_set_clustering(z, np.ones((20, 1)))
    with pytest.raises(ValueError, match="keep_fraction"):
        label_set_clustering(z, y, keep_fraction=0.0)


def _knn_loop(z, y, k, normalize):
    x = z / np.linalg.norm(z, axis=1, keepdims=True) if normalize else z
    nn = NearestNeighbors(n_neighbors=k + 1).fit(x)
    idx = nn.kneighbors(x, return_distance=False)
    vals = []
    for i in range(len(z)):
        neigh = [j for j in idx[i] if j != i][:k]
        inter = sum(len(set(np.flatnonzero(y[i])) & set(np.flatnonzero(y[j]))) for j in neigh)
        card = sum(y[j].sum() for j in neigh)
        vals.append(inter / card if card else 0.0)
    return float(np.mean(vals))


@pytest.mark.parametrize("normalize", [True, False])
@pytest.mark.parametrize("chunk", [1, 17, None])
def test_knn_label_precision_loop(normalize, chunk):
    z, y = _data(n=90)
    got = knn_label_precision(z, y, k=5, normalize=normalize, chunk_size=chunk)
    assert got == pytest.approx(_knn_loop(z, y, 5, normalize), abs=1e-12)


def test_knn_zero_division_and_errors():
    z = np.random.default_rng(0).normal(size=(6, 2))
    y = np.zeros((6, 2), dtype=int)
    assert knn_label_precision(z, y, k=2) == 0.0
    assert knn_label_precision(z, y, k=2, zero_division=1.0) == 1.0
    with pytest.raises(ValueError, match="k must"):
        knn_label_precision(z, y, k=6)
    with pytest.raises(ValueError, match="NaN"):
        knn_label_precision(np.full((6, 2), np.nan), y, k=2)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu():
    z, y = _data()
    zt, yt = torch.tensor(z), torch.tensor(y)
    a = label_set_clustering(zt, yt)
    b = label_set_clustering(zt.cuda(), yt.cuda())
    assert b["silhouette"] == pytest.approx(a["silhouette"], abs=1e-10)
    assert knn_label_precision(zt.cuda(), yt.cuda()) == pytest.approx(
        knn_label_precision(zt, yt), abs=1e-12
    )


def test_knn_identical_embeddings_is_finite():
    z = np.ones((12, 3))
    y = np.array([[1, 0], [0, 1], [1, 1]] * 4)
    val = knn_label_precision(z, y, k=3)
    assert 0.0 <= val <= 1.0

"""umap_embed: backends compared by trustworthiness on load_digits (one shared fit per
backend, module-scoped, because numba compilation of umap-learn takes ~15 s)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.manifold import trustworthiness

import mlcl_lab.viz.umap as umap_mod
from mlcl_lab.viz import umap_embed

pytest.importorskip("umap")
THREADS_AT_IMPORT = torch.get_num_threads()


@pytest.fixture(scope="module")
def digits() -> np.ndarray:
    return load_digits().data.astype(np.float32)


@pytest.fixture(scope="module")
def reference_fit(digits):
    return umap_embed(digits, backend="umap-learn", device="cpu", seed=0, return_info=True)


@pytest.fixture(scope="module")
def torchdr_fit(digits):
    pytest.importorskip("torchdr")
    return umap_embed(
        torch.tensor(digits),
        backend="torchdr",
        device="cpu",
        seed=0,
        max_iter=500,
        return_info=True,
    )


def test_reference_shape_and_info(reference_fit, digits):
    xy, info = reference_fit
    assert xy.shape == (len(digits), 2) and xy.dtype == np.float32
    assert info["backend"] == "umap-learn" and info["device"] == "cpu"
    assert trustworthiness(digits, xy, n_neighbors=5) > 0.95


def test_torchdr_trustworthiness_close_to_umap_learn(reference_fit, torchdr_fit, digits):
    ref = trustworthiness(digits, reference_fit[0], n_neighbors=5)
    xy, info = torchdr_fit
    assert info["backend"] == "torchdr" and xy.shape == (len(digits), 2)
    assert torch.get_num_threads() == THREADS_AT_IMPORT  # restored after the fit
    assert abs(trustworthiness(digits, xy, n_neighbors=5) - ref) < 0.02


def test_torchdr_seeded_is_deterministic_and_small_n_clipped():
    pytest.importorskip("torchdr")
    x = np.random.default_rng(0).normal(size=(12, 4)).astype(np.float32)
    kw = {"backend": "torchdr", "device": "cpu", "seed": 1, "max_iter": 50, "num_threads": 1}
    a, info = umap_embed(x, return_info=True, **kw)
    b = umap_embed(x, **kw)
    assert info["n_neighbors"] == 10
    assert np.array_equal(a, b)


def test_auto_on_cpu_prefers_umap_learn():
    assert umap_mod._resolve_backend("auto", "cpu") == "umap-learn"


def test_auto_on_cuda_prefers_torchdr(monkeypatch):
    pytest.importorskip("torchdr")
    assert umap_mod._resolve_backend("auto", "cuda") == "torchdr"


def test_missing_torchdr_gives_install_message(monkeypatch):
    real = umap_mod._installed
    monkeypatch.setattr(umap_mod, "_installed", lambda m: False if m == "torchdr" else real(m))
    with pytest.raises(ValueError, match="pip install torchdr"):
        umap_embed(np.ones((5, 2)), backend="torchdr", device="cpu")


def test_missing_faiss_refuses_large_dense_knn(monkeypatch):
    pytest.importorskip("torchdr")
    real = umap_mod._installed
    monkeypatch.setattr(umap_mod, "_installed", lambda m: False if m == "faiss" else real(m))
    monkeypatch.setattr(umap_mod, "DENSE_KNN_MAX_N", 10)
    x = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(ValueError, match="faiss-cpu"):
        umap_embed(x, backend="torchdr", device="cpu")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"backend": "tsne"}, "backend"),
        ({"device": "tpu"}, "device"),
        ({"n_neighbors": 1}, "n_neighbors"),
        ({"num_threads": 0}, "num_threads"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        umap_embed(np.random.default_rng(0).normal(size=(10, 3)), **kwargs)


def test_bad_embeddings():
    with pytest.raises(ValueError, match="NaN"):
        umap_embed(np.array([[np.nan, 1.0]] * 5))
    with pytest.raises(ValueError, match="at least 4"):
        umap_embed(np.ones((3, 3)))


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA error")
def test_cuda_request_without_cuda():
    with pytest.raises(ValueError, match="CUDA is not available"):
        umap_embed(np.ones((5, 2)), device="cuda")


def test_umap_learn_refuses_gpu(monkeypatch):
    with pytest.raises(ValueError, match="CPU only"):
        umap_mod._resolve_backend("umap-learn", "cuda")


def test_umap_learn_with_auto_device_uses_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    called = {}

    def fake_fit(x, seed, k, min_dist, kw):
        called["shape"] = x.shape
        return np.zeros((x.shape[0], 2), dtype=np.float32)

    monkeypatch.setattr(umap_mod, "_fit_umap_learn", fake_fit)
    xy, info = umap_embed(np.ones((6, 3)), backend="umap-learn", return_info=True)
    assert info["device"] == "cpu" and called["shape"] == (6, 3) and xy.shape == (6, 2)


def test_umap_learn_leaves_torchs_thread_count_as_it_was(reference_fit):
    """umap-learn's parallel code resets OpenMP's thread count; the fit restores torch's, so a
    UMAP between two trainings in one process cannot change the second one's numbers."""
    assert torch.get_num_threads() == THREADS_AT_IMPORT
    umap_embed(np.random.default_rng(0).normal(size=(60, 4)), backend="umap-learn", device="cpu", seed=0, n_epochs=20)
    assert torch.get_num_threads() == THREADS_AT_IMPORT

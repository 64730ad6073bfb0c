"""alignment: loop oracle over hand-enumerated pairs for each positive definition."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlcl_lab.metrics import alignment


def _naive(z, y, alpha, mode, normalize=True):
    if normalize:
        z = z / np.linalg.norm(z, axis=1, keepdims=True)
    num = den = 0.0
    for i in range(len(z)):
        for j in range(i + 1, len(z)):
            a, b = set(np.flatnonzero(y[i])), set(np.flatnonzero(y[j]))
            if mode == "any":
                w = float(len(a & b) > 0)
            elif mode == "all":
                w = float(a == b and len(a) > 0)
            else:
                w = len(a & b) / len(a | b) if a | b else 0.0
            num += w * np.linalg.norm(z[i] - z[j]) ** alpha
            den += w
    return num / den


@pytest.mark.parametrize("mode", ["any", "all", "jaccard"])
@pytest.mark.parametrize("alpha", [1.0, 2.0, 3.0])
@pytest.mark.parametrize("chunk", [1, 5, None])
def test_matches_loop(mode, alpha, chunk):
    rng = np.random.default_rng(0)
    z = rng.normal(size=(30, 4))
    y = (rng.random((30, 3)) < 0.4).astype(int)
    y[0] = 0  # a sample without labels is never a positive
    y[1] = y[2]  # guarantee an "all" pair
    got = alignment(z, y, alpha=alpha, positives=mode, chunk_size=chunk)
    assert got == pytest.approx(_naive(z, y, alpha, mode), abs=1e-10)


def test_unnormalised_and_torch():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(25, 3))
    y = (rng.random((25, 4)) < 0.5).astype(int)
    got = alignment(torch.tensor(z), torch.tensor(y, dtype=torch.bool), normalize=False)
    assert got == pytest.approx(_naive(z, y, 2.0, "any", normalize=False), abs=1e-10)


def test_identical_embeddings_and_single_label():
    z = np.ones((10, 3))
    y = np.ones((10, 1), dtype=int)
    for mode in ("any", "all", "jaccard"):
        assert alignment(z, y, positives=mode) == pytest.approx(0.0, abs=1e-12)


def test_no_positive_pair_raises():
    z = np.eye(3)
    y = np.eye(3, dtype=int)
    with pytest.raises(ValueError, match="no positive pair"):
        alignment(z, y)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu():
    z = torch.randn(200, 8, dtype=torch.float64)
    y = torch.rand(200, 5) < 0.3
    assert alignment(z.cuda(), y.cuda()) == pytest.approx(alignment(z, y), abs=1e-10)


@pytest.mark.parametrize(
    "z, y, kwargs, match",
    [
        (np.ones((3, 2)), np.ones((4, 2)), {}, "rows"),
        (np.ones((3, 2)), np.full((3, 2), 0.5), {}, "multi-hot"),
        (np.ones((1, 2)), np.ones((1, 2)), {}, "at least 2"),
        (np.ones((3, 2)), np.ones((3, 2)), {"positives": "some"}, "positives"),
        (np.ones((3, 2)), np.ones((3, 2)), {"alpha": -1.0}, "alpha"),
        (np.array([[np.nan, 1.0]] * 3), np.ones((3, 2)), {}, "NaN"),
    ],
)
def test_bad_input(z, y, kwargs, match):
    with pytest.raises(ValueError, match=match):
        alignment(z, y, **kwargs)

"""uniformity: naive pair loop, closed form on the sphere, chunk invariance, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from mlcl_lab.metrics import uniformity


def _naive(z: np.ndarray, t: float) -> float:
    z = z / np.linalg.norm(z, axis=1, keepdims=True)
    vals = [
        math.exp(-t * float(np.sum((z[i] - z[j]) ** 2)))
        for i in range(len(z))
        for j in range(len(z))
        if i != j
    ]
    return math.log(sum(vals) / len(vals))


@pytest.mark.parametrize("t", [0.5, 2.0, 5.0])
@pytest.mark.parametrize("chunk", [1, 7, None])
def test_matches_naive_loop(t, chunk):
    z = np.random.default_rng(0).normal(size=(41, 5))
    assert uniformity(z, t=t, chunk_size=chunk) == pytest.approx(_naive(z, t), abs=1e-10)


def test_max_memory_invariance_and_torch_input():
    z = torch.randn(300, 16, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    ref = uniformity(z)
    assert uniformity(z, max_memory=50_000) == pytest.approx(ref, abs=1e-12)
    assert uniformity(z.numpy()) == pytest.approx(ref, abs=1e-12)
    assert uniformity(z.float()) == pytest.approx(ref, abs=1e-5)


@pytest.mark.parametrize("d", [32, 128])
def test_uniform_sphere_closed_form(d):
    t = 2.0
    z = torch.randn(2000, d, dtype=torch.float64, generator=torch.Generator().manual_seed(d))
    expected = -2 * t + 2 * t * t / d
    assert uniformity(z, t=t) == pytest.approx(expected, abs=0.02)


def test_no_underflow_for_large_t():
    z = np.array([[1.0, 0.0], [-1.0, 0.0]])  # antipodal: ||zi - zj||^2 = 4
    assert uniformity(z, t=500.0) == pytest.approx(-2000.0, abs=1e-9)


def test_identical_embeddings_give_zero():
    z = np.tile(np.array([[0.3, -1.2, 2.0]]), (50, 1))
    assert uniformity(z) == pytest.approx(0.0, abs=1e-12)


def test_n_equals_two():
    z = np.array([[1.0, 0.0], [0.0, 1.0]])  # ||zi - zj||^2 = 2
    assert uniformity(z, t=2.0) == pytest.approx(-4.0, abs=1e-12)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu():
    z = torch.randn(500, 8, dtype=torch.float64)
    assert uniformity(z.cuda()) == pytest.approx(uniformity(z), abs=1e-10)


@pytest.mark.parametrize(
    "z, kwargs, match",
    [
        (np.ones((1, 3)), {}, "at least 2"),
        (np.ones(3), {}, "2-D"),
        (np.array([[1.0, np.nan], [1.0, 0.0]]), {}, "NaN"),
        (np.array([[1.0, np.inf], [1.0, 0.0]]), {}, "NaN/Inf"),
        (np.array([[0.0, 0.0], [1.0, 0.0]]), {}, "all-zero"),
        (np.ones((3, 2)), {"t": 0.0}, "t must"),
        (np.ones((3, 2)), {"chunk_size": 0}, "chunk_size"),
        (np.ones((3, 2)), {"max_memory": -1}, "max_memory"),
    ],
)
def test_bad_input(z, kwargs, match):
    with pytest.raises(ValueError, match=match):
        uniformity(z, **kwargs)


def test_float32_input_close_to_float64():
    z = torch.randn(3000, 32, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    assert uniformity(z.float()) == pytest.approx(uniformity(z), abs=2e-6)

"""Issue 15 part 4 on the metrics: the same empty-input, zero-row and scale policies as the
losses (one implementation in mlcl_lab.core), over float16 / bfloat16 / float32 / float64."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from mlcl_lab.metrics import (
    alignment,
    classification_metrics,
    knn_label_precision,
    label_correlation,
    label_set_clustering,
    tune_thresholds,
    uniformity,
)

DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64]


def _data(dtype, n=40, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.rand(n, 4, generator=g) < 0.4
    y[:, 0] |= y.sum(1) == 0
    z = torch.randn(n, 6, generator=g, dtype=torch.float64) + 1.5 * y.double() @ torch.randn(4, 6, generator=g,
                                                                                               dtype=torch.float64)
    z = z / z.abs().max()  # max|z| = 1 exactly
    return z.to(dtype), y


def _normalised_metrics(z, y):
    """Every geometry metric that L2-normalises (scale-invariant by definition)."""
    corr = label_correlation(z, y)
    clus = label_set_clustering(z, y)
    return {
        "alignment": alignment(z, y),
        "alignment_jaccard": alignment(z, y, positives="jaccard"),
        "uniformity": uniformity(z),
        "silhouette": clus["silhouette"],
        "davies_bouldin": clus["davies_bouldin"],
        "knn": knn_label_precision(z, y, k=5),
        "spearman_jaccard_cosine": corr.spearman_jaccard_cosine,
        "centroid_pmi_spearman": corr.centroid_pmi_spearman,
    }


def _raw_metrics(z, y):
    """The raw-Euclidean scores (invariant under a global scale)."""
    clus = label_set_clustering(z, y, normalize=False)
    return {"silhouette": clus["silhouette"], "davies_bouldin": clus["davies_bouldin"],
            "knn": knn_label_precision(z, y, k=5, normalize=False)}


def _scales(dtype):
    """Powers of two to max|z| ~ max/16 and ~ smallest normal x 2^12 (exact in the dtype)."""
    fi = torch.finfo(dtype)
    return [2.0 ** (math.floor(math.log2(fi.max)) - 4), 2.0 ** (math.ceil(math.log2(fi.tiny)) + 12)]


# (a) empty inputs -------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_empty_or_too_small_inputs_are_refused(dtype):
    z = torch.zeros(0, 3, dtype=dtype)
    y = torch.zeros(0, 2, dtype=torch.bool)
    for fn in (lambda: uniformity(z), lambda: alignment(z, y), lambda: label_set_clustering(z, y),
               lambda: knn_label_precision(z, y, k=1), lambda: label_correlation(z, y)):
        with pytest.raises(ValueError, match=r"z needs at least 2 row\(s\), got N=0 \(shape \(0, 3\)\)"):
            fn()
    with pytest.raises(ValueError, match=r"z needs at least 2 row\(s\), got N=1"):
        uniformity(torch.ones(1, 3, dtype=dtype))
    with pytest.raises(ValueError, match=r"y_score needs at least 1 row\(s\), got N=0"):
        classification_metrics(np.zeros((0, 2)), torch.zeros(0, 2, dtype=dtype))
    with pytest.raises(ValueError, match=r"y_score needs at least 1 row\(s\), got N=0"):
        tune_thresholds(np.zeros((0, 2)), torch.zeros(0, 2, dtype=dtype))
    with pytest.raises(ValueError, match="must have at least one column"):
        uniformity(torch.ones(3, 0, dtype=dtype))


# (b) all-zero rows ------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_all_zero_rows_are_refused_by_every_normalising_metric(dtype):
    z, y = _data(dtype)
    z[7] = 0
    msg = r"z has 1 all-zero row\(s\) \(first: row 7\); an all-zero row has no direction and cannot be L2-normalised"
    for fn in (lambda: uniformity(z), lambda: alignment(z, y), lambda: label_set_clustering(z, y),
               lambda: knn_label_precision(z, y, k=3), lambda: label_correlation(z, y)):
        with pytest.raises(ValueError, match=msg):
            fn()
    # raw Euclidean geometry has no direction to take: a zero row is an ordinary point there
    assert math.isfinite(knn_label_precision(z, y, k=3, normalize=False))
    assert math.isfinite(label_set_clustering(z, y, normalize=False)["silhouette"])
    assert math.isfinite(alignment(z, y, normalize=False))


def test_zero_prototype_rows_are_refused():
    z, y = _data(torch.float64)
    protos = torch.randn(4, 6, dtype=torch.float64)
    protos[2] = 0
    with pytest.raises(ValueError, match=r"prototypes has 1 all-zero row\(s\) \(first: row 2\)"):
        label_correlation(z, y, prototypes=protos)


# (c) scale invariance up to the dtype's max ------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_normalised_geometry_is_scale_invariant_up_to_the_dtype_max(dtype):
    z, y = _data(dtype)
    ref = _normalised_metrics(z, y)
    tol = 1e-10 if dtype == torch.float64 else 2e-5
    for s in _scales(dtype):
        zs = z * s
        assert bool(torch.isfinite(zs).all())
        got = _normalised_metrics(zs, y)
        for key, value in ref.items():
            assert got[key] == pytest.approx(value, rel=tol, abs=tol), (key, s)


@pytest.mark.parametrize("dtype", DTYPES)
def test_raw_geometry_is_scale_invariant_up_to_the_dtype_max(dtype):
    z, y = _data(dtype)
    ref = _raw_metrics(z, y)
    ref_align = alignment(z, y, normalize=False)
    for s in _scales(dtype):
        got = _raw_metrics(z * s, y)
        for key, value in ref.items():
            assert got[key] == pytest.approx(value, rel=1e-12, abs=1e-12), (key, s)  # exact rescale
        # raw alignment (alpha = 2) is homogeneous of degree 2: s^2 times larger, in float64;
        # beyond float64's range (float64 inputs near their max) it is refused, not inf
        expected = ref_align * s * s
        if math.isfinite(expected):
            assert alignment(z * s, y, normalize=False) == pytest.approx(expected, rel=1e-6)
        else:
            with pytest.raises(ValueError, match="exceeds the float64 range"):
                alignment(z * s, y, normalize=False)


def test_float32_magnitudes_that_used_to_overflow():
    """|z| ~ 1e20 in float32: ||z||^2 overflows; the metrics must equal those at |z| ~ 1."""
    z, y = _data(torch.float32)
    ref = _normalised_metrics(z, y)
    for s in (1e20, 3e37):
        got = _normalised_metrics(z * s, y)
        for key, value in ref.items():
            assert got[key] == pytest.approx(value, rel=2e-5, abs=2e-5), (key, s)
    raw = _raw_metrics(z, y)
    got = _raw_metrics(z * 1e30, y)
    for key, value in raw.items():
        assert got[key] == pytest.approx(value, rel=2e-5, abs=2e-5), key


def test_raw_alignment_beyond_float64_is_refused():
    z, y = _data(torch.float64)
    with pytest.raises(ValueError, match="exceeds the float64 range"):
        alignment(z * 1e300, y, alpha=4.0, normalize=False)


# parameters whose arithmetic overflowed float32 -------------------------------------------

def _alignment_loop(z, y, alpha):
    zn = z / np.linalg.norm(z, axis=1, keepdims=True)
    num = den = 0.0
    for i in range(len(z)):
        for j in range(i + 1, len(z)):
            if (y[i] & y[j]).any():
                num += float(np.linalg.norm(zn[i] - zn[j])) ** alpha
                den += 1.0
    return num / den


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_alignment_with_a_large_exponent_is_finite_or_refused(dtype):
    z, y = _data(dtype, n=25)
    ref = _alignment_loop(z.double().numpy(), y.numpy(), 200.0)  # 2^200 > float32 max
    assert alignment(z, y, alpha=200.0) == pytest.approx(ref, rel=1e-3 if dtype == torch.float32 else 1e-9)
    with pytest.raises(ValueError, match=r"alignment with alpha=2000.0 exceeds the float64 range"):
        alignment(z, y, alpha=2000.0)


def test_uniformity_with_a_huge_temperature_is_computed_in_float64():
    z, y = _data(torch.float32, n=25)
    value = uniformity(z, t=1e300)
    assert math.isfinite(value)
    assert value == pytest.approx(uniformity(z.double(), t=1e300), rel=1e-6)
    with pytest.raises(ValueError, match=r"t must be a finite float in \(0, 1e\+300\]"):
        uniformity(z, t=1e301)

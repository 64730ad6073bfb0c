"""Seeded synthetic multi-label data for fast tests (vector modality).

Labels come from a Gaussian copula: a latent ``u ~ N(0, Sigma)`` per sample
with ``Sigma`` block-equicorrelated (labels in the same group share a factor
with weight ``correlation``), and ``y_l = 1[u_l > Phi^{-1}(1 - p_l)]``. Label
prevalences follow a power law ``p_l ∝ (l + 1)^(-tail_exponent)`` scaled so
that ``sum_l p_l = cardinality`` (expected labels per sample). Features are a
linear, noisy function of the labels, ``x = (y - p) M + noise * eps``, so a
linear model can recover the labels.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from .dataset import MultiLabelDataset

MAX_PREVALENCE = 0.95


def label_prevalences(n_labels: int, cardinality: float, tail_exponent: float) -> np.ndarray:
    """Power-law prevalences ``p_l = min(c (l+1)^-a, 0.95)`` with ``sum p = cardinality``.

    ``c`` is found by bisection. Raises ValueError when ``cardinality`` is not in
    ``(0, 0.95 * n_labels]``.
    """
    if not 0 < cardinality <= MAX_PREVALENCE * n_labels:
        raise ValueError(
            f"cardinality must be in (0, {MAX_PREVALENCE} * n_labels = "
            f"{MAX_PREVALENCE * n_labels:g}], got {cardinality}"
        )
    base = np.arange(1, n_labels + 1, dtype=np.float64) ** (-float(tail_exponent))
    lo, hi = 0.0, MAX_PREVALENCE / base.min()
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if np.minimum(mid * base, MAX_PREVALENCE).sum() < cardinality:
            lo = mid
        else:
            hi = mid
    return np.minimum(hi * base, MAX_PREVALENCE)


def make_synthetic(
    n_samples: int = 1000,
    n_features: int = 32,
    n_labels: int = 8,
    cardinality: float = 2.0,
    tail_exponent: float = 1.0,
    correlation: float = 0.5,
    seed: int = 0,
    *,
    n_groups: int | None = None,
    noise: float = 1.0,
) -> MultiLabelDataset:
    """A seeded synthetic multi-label dataset.

    Args:
        n_samples, n_features, n_labels: sizes (N, F, L), all >= 1.
        cardinality: expected number of labels per sample.
        tail_exponent: power-law exponent of label prevalence (0 = balanced).
        correlation: latent correlation in [0, 1) between labels of one group.
        seed: random seed (same seed -> identical dataset).
        n_groups: label groups sharing a latent factor (default ``max(1, L // 4)``);
            label ``l`` belongs to group ``l % n_groups``.
        noise: standard deviation of the feature noise (signal scale is 1).

    Returns:
        MultiLabelDataset with ``features`` (N, F) float32 and ``labels`` (N, L) uint8.

    Edge case: a label that received no positive sample gets exactly one (the
    sample with the largest latent score), so every label is learnable and
    stratified splits stay defined.
    """
    for name, val in (("n_samples", n_samples), ("n_features", n_features), ("n_labels", n_labels)):
        if not isinstance(val, (int, np.integer)) or val < 1:
            raise ValueError(f"{name} must be a positive int, got {val!r}")
    if not 0.0 <= correlation < 1.0:
        raise ValueError(f"correlation must be in [0, 1), got {correlation}")
    if tail_exponent < 0:
        raise ValueError(f"tail_exponent must be >= 0, got {tail_exponent}")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    groups = max(1, n_labels // 4) if n_groups is None else int(n_groups)
    if not 1 <= groups <= n_labels:
        raise ValueError(f"n_groups must be in [1, n_labels={n_labels}], got {n_groups}")

    rng = np.random.default_rng(seed)
    p = label_prevalences(n_labels, cardinality, tail_exponent)
    factors = rng.standard_normal((n_samples, groups))
    eps = rng.standard_normal((n_samples, n_labels))
    group_of = np.arange(n_labels) % groups
    latent = np.sqrt(correlation) * factors[:, group_of] + np.sqrt(1 - correlation) * eps
    labels = (latent > ndtri(1.0 - p)).astype(np.uint8)
    empty = np.flatnonzero(labels.sum(axis=0) == 0)
    labels[latent[:, empty].argmax(axis=0), empty] = 1

    mixing = rng.standard_normal((n_labels, n_features))
    # each label direction has unit RMS per feature (row norm sqrt(F))
    mixing *= np.sqrt(n_features) / np.maximum(np.linalg.norm(mixing, axis=1, keepdims=True), 1e-12)
    signal = (labels - p) @ mixing
    features = signal + noise * rng.standard_normal((n_samples, n_features))
    return MultiLabelDataset(
        name="synthetic",
        labels=labels,
        label_names=[f"label{i}" for i in range(n_labels)],
        modality="vector",
        features=features.astype(np.float32),
        description=(
            f"synthetic: N={n_samples}, F={n_features}, L={n_labels}, cardinality={cardinality}, "
            f"tail_exponent={tail_exponent}, correlation={correlation}, seed={seed}"
        ),
        source="mlcl_lab.data.make_synthetic (Gaussian-copula labels, linear features)",
        license="generated (no restrictions)",
        extra={"prevalence": p, "seed": seed},
    )

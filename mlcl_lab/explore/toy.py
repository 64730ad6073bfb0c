"""Toy batches on the circle (2-D) or sphere (3-D) for the loss playground (paper.md §3–§4).

Each point has a primary label (round robin, so every label is used) and, with
probability ``overlap``, one extra label: the knob that creates the partial-overlap
positives where multi-label losses disagree. Points sit near their primary label's
direction plus Gaussian noise; prototypes (one per label) sit halfway between labels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ToyBatch", "make_toy_batch", "label_directions"]


@dataclass(frozen=True)
class ToyBatch:
    """z (n, dim) unit vectors, y (n, L) float 0/1, prototypes (L, dim) unit vectors."""

    z: np.ndarray
    y: np.ndarray
    prototypes: np.ndarray

    @property
    def dim(self) -> int:
        return int(self.z.shape[1])

    @property
    def n_labels(self) -> int:
        return int(self.y.shape[1])


def label_directions(n_labels: int, dim: int) -> np.ndarray:
    """(n_labels, dim) well-spread unit vectors: evenly spaced angles (2-D), a Fibonacci sphere (3-D)."""
    if dim == 2:
        a = 2 * np.pi * np.arange(n_labels) / n_labels
        return np.stack([np.cos(a), np.sin(a)], 1)
    k = np.arange(n_labels) + 0.5
    phi = np.arccos(1 - 2 * k / n_labels)
    theta = np.pi * (1 + 5**0.5) * k
    return np.stack([np.cos(theta) * np.sin(phi), np.sin(theta) * np.sin(phi), np.cos(phi)], 1)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def make_toy_batch(n_points: int = 12, n_labels: int = 3, overlap: float = 0.3, dim: int = 2,
                   noise: float = 0.35, seed: int = 0) -> ToyBatch:
    """A small labelled batch on the unit circle/sphere.

    Raises ValueError for dim not in (2, 3), n_labels < 2, n_points < n_labels or
    overlap outside [0, 1] (every label must be carried by at least one point).
    """
    if dim not in (2, 3):
        raise ValueError(f"dim must be 2 (circle) or 3 (sphere), got {dim}")
    if n_labels < 2:
        raise ValueError(f"n_labels must be >= 2, got {n_labels}")
    if n_points < n_labels:
        raise ValueError(f"n_points ({n_points}) must be >= n_labels ({n_labels}) so every label is used")
    if not 0.0 <= overlap <= 1.0:
        raise ValueError(f"overlap must be in [0, 1], got {overlap}")
    rng = np.random.default_rng(seed)
    primary = np.arange(n_points) % n_labels
    y = np.zeros((n_points, n_labels))
    y[np.arange(n_points), primary] = 1.0
    extra = rng.random(n_points) < overlap
    second = (primary + rng.integers(1, n_labels, n_points)) % n_labels  # never the primary label
    y[np.flatnonzero(extra), second[extra]] = 1.0
    centres = label_directions(n_labels, dim)
    mean = centres[primary] + np.where(extra[:, None], 0.6 * centres[second], 0.0)
    z = _unit(mean + noise * rng.standard_normal((n_points, dim)))
    protos = _unit(centres + 0.5 * np.roll(centres, -1, axis=0))
    return ToyBatch(z=z, y=y, prototypes=protos)

"""Look inside an embedding: nearest neighbours with their labels, prototype similarity vs co-occurrence."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["nearest_neighbours", "label_cooccurrence", "prototype_similarity", "label_centroid_similarity"]


def _unit(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x, axis=1, keepdims=True)
    if (n == 0).any():
        raise ValueError("zero vector: cosine similarity is undefined")
    return x / n


def nearest_neighbours(features: np.ndarray, labels: np.ndarray, index: int, k: int = 8,
                       label_names: list[str] | None = None) -> pd.DataFrame:
    """The ``k`` nearest samples (cosine) to sample ``index``, with their labels.

    Columns: rank (0 = the query itself), sample, cosine, jaccard (label sets vs the query),
    shared, labels. Raises ValueError for an out-of-range index or k < 1.
    """
    features, labels = np.asarray(features, dtype=np.float64), np.asarray(labels) > 0
    n = features.shape[0]
    if not 0 <= index < n:
        raise ValueError(f"index {index} out of range for {n} samples")
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    names = label_names or [f"label {i}" for i in range(labels.shape[1])]
    f = _unit(features)
    cos = f @ f[index]
    others = np.argsort(-np.where(np.arange(n) == index, -np.inf, cos), kind="stable")[: min(k, n - 1)]
    order = np.concatenate([[index], others])
    inter = (labels[order] & labels[index]).sum(1)
    union = (labels[order] | labels[index]).sum(1)
    return pd.DataFrame({
        "rank": np.arange(len(order)),
        "sample": order,
        "cosine": cos[order],
        "jaccard": np.where(union > 0, inter / np.maximum(union, 1), 0.0),
        "shared": inter,
        "labels": [", ".join(names[j] for j in np.flatnonzero(labels[i])) or "(none)" for i in order],
    })


def label_cooccurrence(labels: np.ndarray, normalise: str = "jaccard") -> np.ndarray:
    """(L, L) label co-occurrence: ``"count"`` or ``"jaccard"`` (|A∩B|/|A∪B|; 0 for two empty labels)."""
    y = (np.asarray(labels) > 0).astype(np.float64)
    inter = y.T @ y
    if normalise == "count":
        return inter
    if normalise != "jaccard":
        raise ValueError(f"normalise must be 'count' or 'jaccard', got {normalise!r}")
    freq = np.diag(inter)
    union = freq[:, None] + freq[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def prototype_similarity(prototypes: np.ndarray) -> np.ndarray:
    """(L, L) cosine similarity of learned label prototypes."""
    p = _unit(np.asarray(prototypes, dtype=np.float64))
    return p @ p.T


def label_centroid_similarity(features: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """(L, L) cosine similarity of label centroids (mean normalised feature of each label's samples);
    rows/columns of labels without samples are 0 (documented choice, no NaN)."""
    f = _unit(np.asarray(features, dtype=np.float64))
    y = (np.asarray(labels) > 0).astype(np.float64)
    counts = y.sum(0)
    cent = (y.T @ f) / np.maximum(counts, 1)[:, None]
    norm = np.linalg.norm(cent, axis=1, keepdims=True)
    cent = np.divide(cent, norm, out=np.zeros_like(cent), where=norm > 0)
    return cent @ cent.T

"""Representation metrics recorded for every run (the report's representation table)."""

from __future__ import annotations

import numpy as np

from ..metrics import alignment, knn_label_precision, label_correlation, label_set_clustering, uniformity

__all__ = ["representation_metrics", "REPRESENTATION_KEYS"]

REPRESENTATION_KEYS = ("alignment", "uniformity", "spearman_jaccard_cosine", "centroid_pmi_spearman",
                       "silhouette", "davies_bouldin", "knn_label_precision")


def representation_metrics(features: np.ndarray, labels: np.ndarray, k: int = 10, seed: int = 0) -> dict[str, float | None]:
    """Geometry of (N, h) frozen features against (N, L) labels.

    alignment (share >= 1 label, alpha=2) and uniformity (t=2) on L2-normalised features
    (Wang & Isola 2020); Spearman between pair Jaccard and cosine; Spearman between the
    label-centroid cosine and label PMI; silhouette / Davies–Bouldin on the most frequent
    half of the label sets (paper 2, Table 4); kNN label precision (k neighbours).
    ``alignment`` is None when no two samples share a label (undefined, not NaN).
    """
    features = np.asarray(features)
    labels = np.asarray(labels)
    n = features.shape[0]
    has_positive_pair = bool((labels.sum(0) >= 2).any())
    corr = label_correlation(features, labels, seed=seed)
    clusters = label_set_clustering(features, labels)
    return {
        "alignment": alignment(features, labels) if has_positive_pair else None,
        "uniformity": uniformity(features),
        "spearman_jaccard_cosine": corr.spearman_jaccard_cosine,
        "centroid_pmi_spearman": corr.centroid_pmi_spearman,
        "silhouette": float(clusters["silhouette"]),
        "davies_bouldin": float(clusters["davies_bouldin"]),
        "knn_label_precision": knn_label_precision(features, labels, k=min(k, n - 1)),
    }

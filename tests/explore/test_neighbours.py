"""Nearest neighbours, co-occurrence and similarity heatmaps against scikit-learn and loops."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import jaccard_score
from sklearn.metrics.pairwise import cosine_similarity
from sklearn.neighbors import NearestNeighbors

from mlcl_lab.explore.neighbours import (label_centroid_similarity, label_cooccurrence, nearest_neighbours,
                                         prototype_similarity)


@pytest.fixture
def sample() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.standard_normal((40, 6)), (rng.random((40, 5)) < 0.35).astype(int)


def test_neighbours_match_scikit_learn_cosine_search(sample) -> None:
    x, y = sample
    table = nearest_neighbours(x, y, index=7, k=5, label_names=list("abcde"))
    _, idx = NearestNeighbors(n_neighbors=6, metric="cosine").fit(x).kneighbors(x[7:8])
    assert table["sample"].tolist() == idx[0].tolist() and table["rank"].tolist() == list(range(6))
    np.testing.assert_allclose(table["cosine"], cosine_similarity(x[7:8], x[table["sample"]])[0])
    for row in table.itertuples():
        both_empty = y[row.sample].sum() == 0 and y[7].sum() == 0
        expected = 0.0 if both_empty else jaccard_score(y[7], y[row.sample], zero_division=0)
        assert row.jaccard == pytest.approx(expected)
        assert row.labels == (", ".join(np.array(list("abcde"))[y[row.sample] > 0]) or "(none)")


def test_neighbour_errors_are_named(sample) -> None:
    x, y = sample
    with pytest.raises(ValueError, match="out of range"):
        nearest_neighbours(x, y, index=40)
    with pytest.raises(ValueError, match="k must be >= 1"):
        nearest_neighbours(x, y, index=0, k=0)
    with pytest.raises(ValueError, match="zero vector"):
        nearest_neighbours(np.vstack([x, np.zeros(6)]), np.vstack([y, np.zeros(5, int)]), index=0)


def test_cooccurrence_counts_and_jaccard_match_loops(sample) -> None:
    _, y = sample
    y = np.hstack([y, np.zeros((40, 1), int)])  # a label never seen
    counts = label_cooccurrence(y, "count")
    jac = label_cooccurrence(y, "jaccard")
    for a in range(6):
        for b in range(6):
            inter = int(((y[:, a] > 0) & (y[:, b] > 0)).sum())
            union = int(((y[:, a] > 0) | (y[:, b] > 0)).sum())
            assert counts[a, b] == inter
            assert jac[a, b] == pytest.approx(inter / union if union else 0.0)
    assert not np.isnan(jac).any()
    with pytest.raises(ValueError, match="normalise must be"):
        label_cooccurrence(y, "pmi")


def test_prototype_and_centroid_similarities(sample) -> None:
    x, y = sample
    protos = np.random.default_rng(1).standard_normal((5, 6))
    np.testing.assert_allclose(prototype_similarity(protos), cosine_similarity(protos), atol=1e-12)
    y = y.copy()
    y[:, 4] = 0  # a label without samples: zero row and column, no NaN
    sim = label_centroid_similarity(x, y)
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    centroids = np.array([unit[y[:, j] > 0].mean(0) if y[:, j].any() else np.zeros(6) for j in range(5)])
    np.testing.assert_allclose(sim[:4, :4], cosine_similarity(centroids[:4]), atol=1e-12)
    np.testing.assert_array_equal(sim[4], 0.0)
    np.testing.assert_array_equal(sim[:, 4], 0.0)

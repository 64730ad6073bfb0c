"""Toy batches of the loss playground: geometry, labels, and the documented errors."""

from __future__ import annotations

import numpy as np
import pytest

from mlcl_lab.explore.toy import label_directions, make_toy_batch


@pytest.mark.parametrize("dim", [2, 3])
def test_points_and_prototypes_are_unit_vectors_and_every_label_is_used(dim: int) -> None:
    batch = make_toy_batch(n_points=10, n_labels=4, overlap=0.5, dim=dim, seed=3)
    assert batch.z.shape == (10, dim) and batch.y.shape == (10, 4) and batch.prototypes.shape == (4, dim)
    np.testing.assert_allclose(np.linalg.norm(batch.z, axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(batch.prototypes, axis=1), 1.0, atol=1e-12)
    assert (batch.y.sum(0) > 0).all()
    assert batch.dim == dim and batch.n_labels == 4


def test_overlap_controls_the_number_of_labels_per_point() -> None:
    assert (make_toy_batch(12, 3, overlap=0.0).y.sum(1) == 1).all()
    assert (make_toy_batch(12, 3, overlap=1.0).y.sum(1) == 2).all()


def test_same_seed_same_batch_other_seed_differs() -> None:
    a, b, c = make_toy_batch(seed=1), make_toy_batch(seed=1), make_toy_batch(seed=2)
    np.testing.assert_array_equal(a.z, b.z)
    assert not np.allclose(a.z, c.z)


def test_label_directions_on_the_circle_are_evenly_spaced() -> None:
    d = label_directions(5, 2)
    angles = np.sort(np.mod(np.arctan2(d[:, 1], d[:, 0]), 2 * np.pi))
    np.testing.assert_allclose(np.diff(angles), 2 * np.pi / 5, atol=1e-12)
    s = label_directions(7, 3)
    np.testing.assert_allclose(np.linalg.norm(s, axis=1), 1.0, atol=1e-12)
    cos = s @ s.T - 2 * np.eye(7)
    assert cos.max() < 0.9  # spread out: no two directions nearly identical


@pytest.mark.parametrize("kwargs, message", [
    ({"dim": 4}, "dim must be 2"),
    ({"n_labels": 1}, "n_labels must be >= 2"),
    ({"n_points": 2, "n_labels": 3}, "every label is used"),
    ({"overlap": 1.5}, "overlap must be in"),
])
def test_bad_settings_are_named(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_toy_batch(**kwargs)

"""make_synthetic: seeding, controls, learnability."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from mlcl_lab.data import dataset_statistics, make_synthetic
from mlcl_lab.data.synthetic import label_prevalences


def test_seeded():
    a, b, c = make_synthetic(seed=1), make_synthetic(seed=1), make_synthetic(seed=2)
    assert np.array_equal(a.features, b.features) and np.array_equal(a.labels, b.labels)
    assert not np.array_equal(a.labels, c.labels)


def test_shapes_and_cardinality():
    ds = make_synthetic(n_samples=4000, n_features=10, n_labels=12, cardinality=3.0)
    assert ds.features.shape == (4000, 10) and ds.labels.shape == (4000, 12)
    assert dataset_statistics(ds)["cardinality"] == pytest.approx(3.0, abs=0.15)


def test_prevalences_power_law():
    p = label_prevalences(10, 1.0, 1.5)
    assert p.sum() == pytest.approx(1.0, abs=1e-9)
    assert np.all(np.diff(p) <= 1e-12)
    assert p[0] / p[3] == pytest.approx(4 ** 1.5, rel=1e-6)  # no clipping here
    clipped = label_prevalences(10, 2.0, 1.5)
    assert p.max() < 0.95 and clipped[0] == pytest.approx(0.95)
    assert clipped.sum() == pytest.approx(2.0, abs=1e-9)
    flat = label_prevalences(4, 2.0, 0.0)
    assert np.allclose(flat, 0.5)


def test_tail_exponent_makes_long_tail():
    flat = make_synthetic(n_samples=3000, tail_exponent=0.0).labels.sum(0)
    tail = make_synthetic(n_samples=3000, tail_exponent=2.0).labels.sum(0)
    assert tail.max() / tail.min() > 3 * flat.max() / flat.min()


def test_correlation_increases_cooccurrence():
    def corr(c):
        y = make_synthetic(n_samples=5000, n_labels=8, correlation=c, tail_exponent=0.0,
                           n_groups=1).labels.astype(float)
        r = np.corrcoef(y.T)
        return r[np.triu_indices(8, 1)].mean()

    assert corr(0.0) == pytest.approx(0.0, abs=0.03)
    assert corr(0.8) > 0.3


def test_features_are_informative():
    ds = make_synthetic(n_samples=1500, seed=3)
    x, y = ds.features, ds.labels
    for j in range(y.shape[1]):
        clf = LogisticRegression(max_iter=500).fit(x[:1000], y[:1000, j])
        assert roc_auc_score(y[1000:, j], clf.decision_function(x[1000:])) > 0.8


def test_every_label_has_a_positive():
    ds = make_synthetic(n_samples=30, n_labels=20, cardinality=1.0, tail_exponent=3.0)
    assert (ds.labels.sum(0) >= 1).all()


@pytest.mark.parametrize("kw", [dict(cardinality=9.0, n_labels=8), dict(correlation=1.0),
                                dict(n_samples=0), dict(tail_exponent=-1.0), dict(n_groups=99)])
def test_bad_arguments(kw):
    with pytest.raises(ValueError):
        make_synthetic(**kw)

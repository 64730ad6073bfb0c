"""Property tests: splits partition the rows and fractions nest, for random label matrices."""

import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mlcl_lab.data import split_indices, training_subset


@st.composite
def label_matrices(draw):
    n = draw(st.integers(8, 80))
    n_labels = draw(st.integers(1, 6))
    density = draw(st.floats(0.0, 0.9))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    return (rng.random((n, n_labels)) < density).astype(np.uint8)


@settings(max_examples=25, deadline=None)
@given(y=label_matrices(), seed=st.integers(0, 1000),
       val=st.sampled_from([0.0, 0.1, 0.2]), test=st.sampled_from([0.1, 0.25]))
def test_split_partitions_and_fractions_nest(y, seed, val, test):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = split_indices(y, val, test, seed=seed)
        s2 = split_indices(y, val, test, seed=seed)
        allidx = np.concatenate([s.train, s.val, s.test])
        assert np.array_equal(np.sort(allidx), np.arange(len(y)))
        assert np.array_equal(s.test, s2.test) and np.array_equal(s.val, s2.val)
        # every label with >= 2 positives has a training example
        counts = y.sum(0)
        assert (y[s.train][:, counts >= 2].sum(0) >= 1).all()
        prev = np.zeros(0, np.int64)
        for f in (0.1, 0.3, 0.6, 1.0):
            sub = training_subset(s.train, y, f, seed=seed)
            assert np.isin(prev, sub).all() and np.isin(sub, s.train).all()
            prev = sub

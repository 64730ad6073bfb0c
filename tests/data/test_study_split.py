"""For the lead's merge: runs evaluate on exactly the dataset's own split (issue 12 item 2).

``run_study`` must take its split from :func:`mlcl_lab.data.resolve_split` (one call in
``train.prepared.prepare_inputs``, through ``train.prepared.resolve_split``).
"""

import numpy as np

from mlcl_lab.data import attach_split, load_dataset, make_synthetic, resolve_split
from mlcl_lab.train import TrainConfig
from mlcl_lab.train.study import run_study

TINY = TrainConfig(epochs=1, batch_size=64, hidden_dim=16, depth=1)


def test_test_metrics_on_exactly_the_given_rows():
    ds = make_synthetic(n_samples=160, n_features=6, n_labels=4, seed=0)
    perm = np.random.default_rng(1).permutation(160)
    test = np.sort(perm[:37])
    ds = attach_split(ds, perm[37:130], perm[130:], test)
    study = run_study(ds, ["bce"], [0], TINY, progress=False, geometry=False)
    assert np.array_equal(study.test_indices, test)
    assert np.array_equal(study.test_labels, ds.labels[test])
    assert study.runs[0].test_scores.shape == (len(test), 4)


def test_yeast_mulan_test_rows_in_a_study():
    ds = load_dataset("yeast", split="mulan")
    study = run_study(ds, ["bce"], [0], TINY, progress=False, geometry=False)
    assert np.array_equal(study.test_indices, np.arange(1500, 2417))


def test_stratified_default_unchanged():
    """Without a split of its own, the study's test rows are resolve_split's (= today's)."""
    ds = make_synthetic(n_samples=160, n_features=6, n_labels=4, seed=0)
    study = run_study(ds, ["bce"], [0], TINY, progress=False, geometry=False)
    rec = resolve_split(ds, seed=0, val_fraction=0.15, test_fraction=0.15, cache_dir=False)
    assert np.array_equal(study.test_indices, rec.split.test)

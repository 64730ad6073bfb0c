"""Low-data study rows and the bring-your-own-data demo file round trip."""

from __future__ import annotations

import numpy as np
import pytest

from mlcl_lab.data import load_dataset, make_synthetic
from mlcl_lab.explore.byod import write_demo_svmlight
from mlcl_lab.explore.lowdata import low_data_study
from mlcl_lab.train import TrainConfig, ProbeConfig


def test_low_data_study_has_one_row_per_fraction_loss_and_seed() -> None:
    ds = make_synthetic(n_samples=200, n_features=8, n_labels=4, seed=0)
    config = TrainConfig(epochs=1, batch_size=32, device="cpu", probe=ProbeConfig(epochs=1))
    table = low_data_study(ds, ["bce", "base"], [1.0, 0.5], seeds=[0, 1], config=config)
    assert len(table) == 8
    assert sorted(table["fraction"].unique()) == [0.5, 1.0]
    assert table.groupby(["fraction", "loss"]).size().eq(2).all()
    assert table["macro_f1"].between(0, 1).all()
    with pytest.raises(ValueError, match=r"must be in \(0, 1\]"):
        low_data_study(ds, ["bce"], [0.0], config=config)
    with pytest.raises(ValueError, match="at least one training fraction"):
        low_data_study(ds, ["bce"], [], config=config)


def test_demo_svmlight_file_loads_back_as_the_yeast_rows(tmp_path) -> None:
    path = write_demo_svmlight(tmp_path / "demo" / "yeast.svm", n_samples=50, seed=3)
    back = load_dataset("svmlight", path=path)
    yeast = load_dataset("yeast")
    idx = np.sort(np.random.default_rng(3).choice(yeast.labels.shape[0], size=50, replace=False))
    assert back.labels.shape == (50, 14)
    np.testing.assert_array_equal(np.asarray(back.labels), yeast.labels[idx])
    np.testing.assert_allclose(np.asarray(back.features), yeast.features[idx], rtol=1e-6)
    with pytest.raises(ValueError, match="n_samples must be >= 2"):
        write_demo_svmlight(tmp_path / "x.svm", n_samples=1)

"""prepare_inputs: the split comes from one call (resolve_split), the inputs from one call (make_source)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlcl_lab.data import Split, make_synthetic, split_indices
from mlcl_lab.train import ProbeConfig, TensorSource, TrainConfig, run_study
from mlcl_lab.train import prepared as prepared_module
from mlcl_lab.train.prepared import make_source, prepare_inputs

CFG = TrainConfig(epochs=1, batch_size=32, hidden_dim=16, projection_dim=8, device="cpu",
                  probe=ProbeConfig(epochs=1, learning_rates=(0.1,), weight_decays=(0.0,)))


@pytest.fixture(scope="module")
def ds():
    return make_synthetic(n_samples=200, n_features=6, n_labels=4, seed=0)


def test_the_default_split_is_todays_stratified_split(ds):
    data = prepare_inputs(ds, torch.device("cpu"), split_seed=3)
    ref = split_indices(ds.labels, val_fraction=0.15, test_fraction=0.15, seed=3)
    for a, b in ((data.split.train, ref.train), (data.split.val, ref.val), (data.split.test, ref.test)):
        np.testing.assert_array_equal(a, b)
    assert data.split_info["kind"] == "stratified" and data.split_info["source"].startswith("stratified (iterative, seed 3")


def test_a_split_given_through_the_one_call_is_the_split_every_part_uses(ds, monkeypatch):
    rows = np.arange(200)
    given = Split(train=rows[:120], val=rows[120:160], test=rows[160:])
    monkeypatch.setattr(prepared_module, "resolve_split",
                        lambda dataset, **kw: (given, {"source": "user (test)"}))
    study = run_study(ds, ["bce"], [0], CFG, progress=False, geometry=False)
    np.testing.assert_array_equal(study.test_indices, rows[160:])
    np.testing.assert_array_equal(study.test_labels, ds.labels[160:])
    assert study.runs[0].test_scores.shape == (40, 4) and study.split_info == {"source": "user (test)"}


def test_vector_inputs_are_standardised_with_the_training_rows(ds):
    train = np.arange(0, 200, 3)
    source, info = make_source(ds, None, torch.device("cpu"), train_positions=train)
    x = ds.features.astype(np.float64)
    expected = (x - x[train].mean(0)) / x[train].std(0)
    np.testing.assert_allclose(source.x.numpy(), expected, rtol=1e-5, atol=1e-5)
    assert isinstance(source, TensorSource) and info["standardised"] and info["kind"] == "tensor"


def test_parts_are_cut_once_and_hold_their_rows(ds):
    data = prepare_inputs(ds, torch.device("cpu"), train_fraction=0.5)
    assert data.part("train") is data.part("train")
    assert data.part("train").n == len(data.train) < len(data.split.train)
    torch.testing.assert_close(data.part("test").x, data.x[torch.as_tensor(data.split.test)], rtol=0, atol=0)
    np.testing.assert_array_equal(data.labels_of("val"), ds.labels[data.split.val])
    with pytest.raises(ValueError, match="part must be one of"):
        data.part("holdout")

"""The training protocol on a small synthetic dataset: determinism, kinds, checkpoints."""

import numpy as np
import pytest
import torch

from mlcl_lab.data import make_synthetic
from mlcl_lab.train import ProbeConfig, TrainConfig, prepare_inputs, run_one, run_study
from mlcl_lab.train.checkpoint import load_checkpoint, save_checkpoint
from mlcl_lab.train.loss_spec import parse_loss_spec

CFG = TrainConfig(epochs=3, batch_size=64, hidden_dim=32, projection_dim=16, device="cpu",
                  probe=ProbeConfig(epochs=3, learning_rates=(0.1,), weight_decays=(1e-4,)))


@pytest.fixture(scope="module")
def data():
    ds = make_synthetic(n_samples=400, n_features=12, n_labels=5, seed=0)
    return ds, prepare_inputs(ds, torch.device("cpu"))


def test_same_seed_same_metrics_and_different_seed_differs(data):
    _, prepared = data
    a = run_one(prepared, "base", 0, CFG, progress=False)
    b = run_one(prepared, "base", 0, CFG, progress=False)
    c = run_one(prepared, "base", 1, CFG, progress=False)
    assert a.metrics == b.metrics
    np.testing.assert_array_equal(a.test_features, b.test_features)
    assert not np.array_equal(a.test_features, c.test_features)


@pytest.mark.parametrize("name, kind", [("bce", "supervised"), ("base", "contrastive"), ("base+bce", "finetuned")])
def test_every_kind_of_run_trains_and_records_geometry(data, name, kind):
    _, prepared = data
    run = run_one(prepared, name, 0, CFG, progress=False)
    assert run.kind == kind
    assert 0.0 <= run.metrics["micro_f1"] <= 1.0
    assert run.test_scores.shape == (len(prepared.split.test), 5)
    assert np.isfinite(run.history["train_loss"]).all()
    assert "uniformity" in run.extra["geometry"]
    if kind == "finetuned":
        assert set(run.history["stage"]) == {"contrastive", "finetune"}


def test_learning_beats_chance_on_synthetic_data(data):
    ds, _ = data
    cfg = TrainConfig(epochs=15, batch_size=64, hidden_dim=64, projection_dim=32, device="cpu", probe=ProbeConfig(epochs=15))
    study = run_study(ds, ["bce", "base"], [0], cfg, progress=False)
    prior = ds.labels.mean()
    for run in study.runs:
        # an always-positive predictor scores micro-F1 = 2p/(1+p); a model must beat it
        assert run.metrics["micro_f1"] > 2 * prior / (1 + prior) + 0.05, run.loss


@pytest.mark.parametrize("loss, options", [("msc", {}), ("mulsupcon", {"variant": "original"})])
def test_memory_queue_runs_with_a_reference_loss(data, loss, options):
    _, prepared = data
    cfg = TrainConfig(**{**CFG.to_dict(), "queue_size": 128, "loss_options": {loss: options}, "probe": CFG.probe})
    run = run_one(prepared, loss, 0, cfg, progress=False)
    assert np.isfinite(run.history["train_loss"]).all()


def test_checkpoint_round_trip_reproduces_features(data, tmp_path):
    ds, prepared = data
    run = run_one(prepared, "base", 0, CFG, progress=False)
    path = save_checkpoint(run.model, CFG, tmp_path / "m.pt",
                           {"loss": "base", "kind": "contrastive", "input_shape": [12], "n_labels": 5})
    model, config, meta = load_checkpoint(path)
    assert config == CFG and meta["loss"] == "base"
    x = prepared.x[torch.as_tensor(prepared.split.test)]
    with torch.no_grad():
        np.testing.assert_allclose(model.encoder(x).numpy(), run.test_features, rtol=1e-6, atol=1e-6)
    with pytest.raises(FileExistsError):
        save_checkpoint(run.model, CFG, path, {"loss": "base", "kind": "contrastive", "input_shape": [12], "n_labels": 5})


def test_loss_specs():
    assert parse_loss_spec("reg+bce").kind == "finetuned"
    with pytest.raises(ValueError, match="valid losses"):
        parse_loss_spec("nope")
    with pytest.raises(ValueError, match="<contrastive>\\+<supervised>"):
        parse_loss_spec("bce+reg")


def test_per_label_thresholds_are_tuned_on_validation(data):
    _, prepared = data
    probe = ProbeConfig(epochs=3, learning_rates=(0.1,), weight_decays=(1e-4,), per_label_thresholds=True)
    cfg = TrainConfig(**{**CFG.to_dict(), "probe": probe})
    run = run_one(prepared, "bce", 0, cfg, progress=False)
    thresholds = np.asarray(run.extra["thresholds"])
    assert thresholds.shape == (5,) and ((thresholds >= 0) & (thresholds <= 1)).all()
    from mlcl_lab.metrics import classification_metrics
    y_test = prepared.y[torch.as_tensor(prepared.split.test)].numpy()
    assert run.metrics == classification_metrics(y_test, run.test_scores, threshold=thresholds)


def test_reevaluating_a_checkpoint_reproduces_the_run_without_retraining(data, tmp_path):
    from mlcl_lab.train.checkpoint import reevaluate_checkpoint

    ds, prepared = data
    run = run_one(prepared, "base", 0, CFG, progress=False)
    path = save_checkpoint(run.model, CFG, tmp_path / "base.pt",
                           {"loss": "base", "kind": "contrastive", "input_shape": [12], "n_labels": 5})
    again = reevaluate_checkpoint(path, ds, seed=0)
    assert again["metrics"] == pytest.approx(run.metrics, rel=1e-9, abs=1e-12)
    other = reevaluate_checkpoint(path, ds, probe=ProbeConfig(epochs=1, learning_rates=(1.0,), weight_decays=(0.0,)))
    assert set(other["metrics"]) == set(run.metrics)
    with pytest.raises(ValueError, match="was trained on inputs"):
        reevaluate_checkpoint(path, make_synthetic(n_samples=100, n_features=7, n_labels=5, seed=1))

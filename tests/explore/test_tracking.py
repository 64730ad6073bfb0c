"""Per-epoch tracking is the study's own training run plus measurements (the on_epoch_end hook)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlcl_lab.data import make_synthetic
from mlcl_lab.explore.tracking import embed_split, prototypes_of, track_losses, train_tracked
from mlcl_lab.train import TrainConfig, prepare_inputs
from mlcl_lab.train.contrastive import train_contrastive
from mlcl_lab.train.device import seed_everything
from mlcl_lab.train.loop import StageData
from mlcl_lab.train.study import run_one

CONFIG = TrainConfig(epochs=3, batch_size=32, device="cpu")


@pytest.fixture(scope="module")
def data():
    return prepare_inputs(make_synthetic(n_samples=240, n_features=10, n_labels=5, seed=0), torch.device("cpu"))


def _params(model: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in model.state_dict().values()]


def test_a_reading_hook_leaves_training_bit_identical(data) -> None:
    va = torch.as_tensor(data.split.val)

    def stage_data():
        return StageData(data.part("train"), data.part("val"), seed_everything(0))

    plain, plain_hist = train_contrastive("base", stage_data(), CONFIG, progress=False)
    calls: list[int] = []

    def hook(epoch, model):
        calls.append(epoch)
        model.eval()
        torch.rand(100)  # draws from the global generator (dropout uses it) must not leak
        with torch.no_grad():
            return {"probe_norm": float(model(data.x[va]).norm())}

    hooked, hooked_hist = train_contrastive("base", stage_data(), CONFIG, progress=False, on_epoch_end=hook)
    assert calls == [0, 1, 2, 3]
    for a, b in zip(_params(plain), _params(hooked)):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert hooked_hist["epoch"].tolist() == [0, 1, 2, 3] and hooked_hist["probe_norm"].notna().all()
    np.testing.assert_array_equal(hooked_hist["train_loss"].to_numpy()[1:], plain_hist["train_loss"].to_numpy())
    assert np.isnan(hooked_hist["train_loss"].iloc[0])


def test_tracked_run_is_the_study_run(data) -> None:
    tracked = train_tracked("reg", data, CONFIG, seed=1, every=2, max_eval=40)
    study = run_one(data, "reg", 1, CONFIG, progress=False, geometry=False)
    for a, b in zip(_params(tracked.model), _params(study.model)):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    h = tracked.history
    assert h["epoch"].tolist() == [0, 2, 3]  # initialisation, every 2 epochs, and the last epoch
    assert (h["share_repelled"] == 0).all() and (h["share_sigma_gt_w"] > 0).all()  # REG removes the component
    for column in ("alignment", "uniformity", "knn_label_precision"):
        assert h[column].notna().all(), column


def test_track_losses_concatenates_and_helpers_read_the_model(data) -> None:
    history, runs = track_losses(["base", "msc"], data, CONFIG, every=3, geometry=False, max_eval=40)
    assert set(history["loss"]) == {"base", "msc"} and set(runs) == {"base", "msc"}
    assert "alignment" not in history
    feats, labels = embed_split(runs["msc"].model, data, "test")
    assert feats.shape[0] == labels.shape[0] == len(data.split.test)
    assert prototypes_of(runs["base"].model) is None
    assert prototypes_of(runs["msc"].model).shape[0] == 5
    with pytest.raises(ValueError, match="split must be one of"):
        embed_split(runs["msc"].model, data, "holdout")


def test_bad_tracking_arguments_are_named(data) -> None:
    with pytest.raises(ValueError, match="not contrastive"):
        train_tracked("bce", data, CONFIG)
    with pytest.raises(ValueError, match="every >= 1"):
        train_tracked("base", data, CONFIG, every=0)
    with pytest.raises(ValueError, match="at least one loss"):
        track_losses([], data, CONFIG)

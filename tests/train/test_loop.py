"""The shared training loop: step budget, non-finite losses, learning-rate groups, frozen backbones, phases."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from mlcl_lab.data import make_synthetic
from mlcl_lab.train import (
    ProbeConfig,
    StageData,
    TensorSource,
    TrainConfig,
    prepare_inputs,
    run_one,
    run_study,
)
from mlcl_lab.train import contrastive as contrastive_module
from mlcl_lab.train.contrastive import contrastive_loss_value, train_contrastive
from mlcl_lab.train.loop import make_stage, train_epoch
from mlcl_lab.train.models import ContrastiveModel, build_model
from mlcl_lab.train.optim import adamw_implementation, make_optimizer
from mlcl_lab.train.supervised import train_supervised
from mlcl_lab.train.timings import PHASES

CFG = TrainConfig(epochs=3, batch_size=32, hidden_dim=16, projection_dim=8, device="cpu",
                  probe=ProbeConfig(epochs=2, learning_rates=(0.1,), weight_decays=(1e-4,)))


def _source(n=100, f=6, l=4, seed=0) -> TensorSource:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, f, generator=g)
    return TensorSource(x, (x[:, :l] + 0.5 * torch.randn(n, l, generator=g) > 0).float())


def _data(seed=0) -> StageData:
    return StageData(_source(100, seed=seed), _source(40, seed=seed + 1), torch.Generator().manual_seed(seed))


def test_max_steps_replaces_epochs_and_the_schedule_spans_it():
    cfg = TrainConfig(**{**CFG.to_dict(), "max_steps": 5, "epochs": 30, "warmup_fraction": 0.0, "probe": CFG.probe})
    _, history = train_supervised("bce", _data(), cfg, progress=False)
    # 100 samples / batch 32 = 3 steps per epoch: 5 steps = 2 epochs, the second cut after 2 steps
    assert history["epoch"].tolist() == [1, 2]
    assert history["lr"].iloc[-1] == pytest.approx(0.0, abs=1e-12)  # cosine reaches 0 at step 5, not at step 90
    stage = make_stage(build_model("supervised", cfg, _source()), cfg, 100, "bce")
    assert (stage.steps_per_epoch, stage.total_steps, stage.epochs) == (3, 5, 2)


def test_without_max_steps_the_budget_is_epochs_times_steps():
    stage = make_stage(build_model("supervised", CFG, _source()), CFG, 100, "bce")
    assert (stage.steps_per_epoch, stage.total_steps, stage.epochs) == (3, 9, 3)


@pytest.mark.parametrize("bad_step", [1, 2])
def test_a_non_finite_loss_stops_training_naming_the_loss_and_the_epoch(bad_step):
    model = build_model("supervised", CFG, _source())
    stage = make_stage(model, CFG, 100, "myloss")
    calls = []

    def batch_loss(batch):
        calls.append(1)
        value = torch.nn.functional.binary_cross_entropy_with_logits(model(batch.x), batch.y)
        return value * math.nan if len(calls) == bad_step else value

    with pytest.raises(FloatingPointError, match=r"loss 'myloss' became nan at epoch 4"):
        train_epoch(stage, _data(), batch_loss, epoch=4)


def test_the_mean_train_loss_is_the_mean_of_the_batch_losses():
    model = build_model("supervised", CFG, _source())
    stage = make_stage(model, CFG, 100, "bce")
    seen = []

    def batch_loss(batch):
        value = torch.nn.functional.binary_cross_entropy_with_logits(model(batch.x), batch.y)
        seen.append(float(value.detach()))
        return value

    mean = train_epoch(stage, _data(), batch_loss, epoch=1)
    assert len(seen) == 3 and mean == sum(seen) / 3


def test_backbone_lr_is_the_encoder_groups_rate_and_heads_keep_lr():
    cfg = TrainConfig(**{**CFG.to_dict(), "backbone_lr": 1e-5, "lr": 1e-3, "probe": CFG.probe})
    model = ContrastiveModel(cfg, (6,), 4, with_prototypes=True)
    optimizer, scheduler = make_optimizer(model, cfg, total_steps=10)
    encoder = {id(p) for p in model.encoder.parameters()}
    for group in optimizer.param_groups:
        ids = {id(p) for p in group["params"]}
        assert ids <= encoder or not ids & encoder  # a group is all encoder or all heads
        assert group["initial_lr"] == (1e-5 if ids <= encoder else 1e-3)
        assert group["weight_decay"] == (0.0 if all(p.dim() < 2 for p in group["params"]) else cfg.weight_decay)
    covered = [id(p) for g in optimizer.param_groups for p in g["params"]]
    assert sorted(covered) == sorted(id(p) for p in model.parameters())  # every parameter once
    optimizer.step()
    scheduler.step()
    ratios = {g["lr"] / g["initial_lr"] for g in optimizer.param_groups}
    assert len(ratios) == 1  # one schedule scales both rates


def test_without_backbone_lr_the_groups_are_the_old_two():
    model = ContrastiveModel(CFG, (6,), 4, with_prototypes=False)
    optimizer, _ = make_optimizer(model, CFG, total_steps=10)
    assert [g["lr"] for g in optimizer.param_groups] == [CFG.lr, CFG.lr]
    assert [g["weight_decay"] for g in optimizer.param_groups] == [CFG.weight_decay, 0.0]


def test_adamw_is_fused_on_cuda_only():
    assert adamw_implementation(torch.device("cuda")) == {"fused": True}
    assert adamw_implementation(torch.device("cpu")) == {}


@pytest.mark.parametrize("frozen", [True, False])
def test_freeze_backbone_keeps_the_encoder_and_its_statistics(frozen):
    cfg = TrainConfig(**{**CFG.to_dict(), "freeze_backbone": frozen, "probe": CFG.probe})
    torch.manual_seed(0)
    model = build_model("contrastive", cfg, _source())
    before = {k: v.clone() for k, v in model.state_dict().items()}
    torch.manual_seed(0)
    trained, _ = train_contrastive("base", _data(), cfg, progress=False)
    enc = {k: v for k, v in trained.state_dict().items() if k.startswith("encoder.")}
    same = all(torch.equal(v, before[k]) for k, v in enc.items())  # weights and BatchNorm running statistics
    assert same is frozen
    assert not torch.equal(trained.state_dict()["head.net.0.weight"], before["head.net.0.weight"])
    if frozen:
        trained.train()
        assert not trained.encoder.training and trained.head.training


def test_validation_loss_reads_a_bounded_number_of_samples(monkeypatch):
    model = ContrastiveModel(CFG, (6,), 4, with_prototypes=False)
    loss = contrastive_module.contrastive_loss("base", CFG)
    source = _source(100)
    monkeypatch.setattr(contrastive_module, "VAL_LOSS_MAX_SAMPLES", 64)
    bounded = contrastive_loss_value(loss, model, source, batch_size=32)
    assert bounded == contrastive_loss_value(loss, model, source.subset(np.arange(64)), batch_size=32)
    monkeypatch.setattr(contrastive_module, "VAL_LOSS_MAX_SAMPLES", 10_000)
    assert contrastive_loss_value(loss, model, source, batch_size=32) != bounded


def test_every_phase_is_timed_and_the_preparation_is_shared_between_runs():
    ds = make_synthetic(n_samples=200, n_features=8, n_labels=4, seed=0)
    data = prepare_inputs(ds, torch.device("cpu"))
    assert set(data.timings) == {"split", "inputs"} and all(v > 0 for v in data.timings.values())
    contrastive = run_one(data, "base", 0, CFG, progress=False)
    supervised = run_one(data, "bce", 0, CFG, progress=False, geometry=False)
    for run in (contrastive, supervised):
        assert set(run.timings) == set(PHASES) and all(v >= 0 for v in run.timings.values())
        assert run.timings["stage1"] > 0 and run.timings["evaluation"] > 0
        assert run.seconds >= run.timings["stage1"] + run.timings["probe"]
    assert contrastive.timings["probe"] > 0 and contrastive.timings["representation"] > 0
    assert supervised.timings["probe"] == 0 and supervised.timings["representation"] == 0
    study = run_study(ds, ["base", "bce"], [0, 1], CFG, progress=False, geometry=False)
    shares = [r.timings["split"] for r in study.runs]
    assert len(set(shares)) == 1 and shares[0] > 0  # an even share of one preparation


def test_training_calls_the_losses_without_their_per_call_input_checks():
    """Every device: the labels were checked when the dataset was built and the loop checks
    the loss; a ``validate`` in loss_options wins; a direct call keeps the checks."""
    from mlcl_lab.losses import get_loss
    from mlcl_lab.train.contrastive import contrastive_loss
    from mlcl_lab.train.loop import step_loss_options
    from mlcl_lab.train.supervised import supervised_loss

    assert step_loss_options() == {"validate": False}
    assert contrastive_loss("base", CFG).hp["validate"] is False
    assert supervised_loss("bce", CFG).hp["validate"] is False
    explicit = TrainConfig(**{**CFG.to_dict(), "loss_options": {"base": {"validate": True}}, "probe": CFG.probe})
    assert contrastive_loss("base", explicit).hp["validate"] is True
    assert get_loss("bce").hp["validate"] is True and get_loss("base").hp["validate"] is True


def test_a_nan_input_stops_cpu_training_at_the_step_it_appears():
    """A NaN feature gives a NaN loss, which the CPU loop reads after every step: training
    stops there (no step later), before any further optimiser step."""
    from mlcl_lab.train.supervised import supervised_loss

    model = build_model("supervised", CFG, _source())
    stage = make_stage(model, CFG, 100, "bce")
    loss = supervised_loss("bce", CFG)
    calls = []

    def batch_loss(batch):
        calls.append(1)
        x = batch.x.clone()
        if len(calls) == 2:
            x[0, 0] = math.nan
        return loss(model(x), batch.y)

    with pytest.raises(FloatingPointError, match=r"loss 'bce' became nan at epoch 1"):
        train_epoch(stage, _data(), batch_loss, epoch=1)
    assert len(calls) == 2 and stage.steps_done == 2


def test_the_epoch_hook_sees_the_model_of_that_epoch():
    seen = {}

    def hook(epoch, model):
        seen[epoch] = model.head.net[0].weight.detach().clone()
        return {"weight_sum": float(seen[epoch].sum())}

    model, history = train_contrastive("base", _data(), CFG, progress=False, on_epoch_end=hook)
    assert sorted(seen) == [0, 1, 2, 3]
    assert all(not torch.equal(seen[e], seen[e + 1]) for e in range(3))  # measured as training goes
    assert torch.equal(seen[3], model.head.net[0].weight)
    assert history["weight_sum"].tolist() == [float(seen[e].sum()) for e in range(4)]

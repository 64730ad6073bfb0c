"""Every TrainConfig / ProbeConfig field is checked for type, finiteness and range (issue 15, part 2)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from mlcl_lab.train import ProbeConfig, TrainConfig
from mlcl_lab.train.config import ConfigError

NAN, INF = math.nan, math.inf

# field -> bad values (each must be refused) ; every field of the dataclass must appear here
TRAIN_BAD = {
    "epochs": [0, 1.5, True, "3", NAN, None],
    "batch_size": [1, 2.0, False, -4],
    "lr": [0.0, -1e-3, NAN, INF, True, "0.1", None],
    "weight_decay": [-1e-4, NAN, INF, False],
    "warmup_fraction": [1.0, -0.1, NAN, True],
    "grad_clip": [NAN, 0.0, -1.0, INF, True],
    "encoder": ["", 3, None],
    "encoder_weights": ["", 5],
    "freeze_backbone": [1, "yes", None],
    "backbone_lr": [0.0, NAN, INF, True, "1e-5"],
    "pooling": ["max", None, 1],
    "max_len": [1, 32.0, True],
    "gradient_checkpointing": [0, "false"],
    "augment": ["auto", None],
    "image_size": [7, 224.0, False],
    "num_workers": [-1, 2.5, True],
    "max_steps": [0, 10.0, True, NAN],
    "hidden_dim": [0, 2.5, True],
    "depth": [0, 2.0, False],
    "dropout": [1.0, -0.1, NAN, True],
    "projection_dim": [0, 1.5, True],
    "temperature": [0.0, -0.1, NAN, INF, True],
    "loss_options": [{"alpha": 0.5}, [("reg", {})], {1: {}}, None],
    "queue_size": [-1, 1.5, True],
    "momentum": [1.0, -0.1, NAN, True],
    "amp": [1, "true", None],
    "device": ["", None, 0, "tpu", "cuda:x"],
    "probe": ["correct", 3, {"epochz": 3}],
}
PROBE_BAD = {
    "learning_rates": [(), (0.0,), (NAN,), (INF,), (True,), "1.0", 1.0, None],
    "weight_decays": [(), (-1.0,), (NAN,), (False,)],
    "n_heads": [0, 1.5, True],
    "epochs": [0, 1.5, True, NAN],
    "batch_size": [0, 64.0, True],
    "threshold": [0.0, 1.0, NAN, True],
    "variant": ["buggy", None],
    "per_label_thresholds": [1, "no"],
}


def test_every_field_has_bad_values_listed():
    assert set(TRAIN_BAD) == {f.name for f in dataclasses.fields(TrainConfig)}
    assert set(PROBE_BAD) == {f.name for f in dataclasses.fields(ProbeConfig)}


@pytest.mark.parametrize("field, value", [(f, v) for f, vs in TRAIN_BAD.items() for v in vs])
def test_train_config_refuses_a_bad_field_naming_it(field, value):
    with pytest.raises(ConfigError, match=rf"(TrainConfig|ProbeConfig)\.{field}|{field}|unknown ProbeConfig field") as err:
        TrainConfig(**{field: value})
    assert isinstance(err.value, ValueError) and isinstance(err.value, TypeError)  # caught by either


@pytest.mark.parametrize("field, value", [(f, v) for f, vs in PROBE_BAD.items() for v in vs])
def test_probe_config_refuses_a_bad_field_naming_it(field, value):
    with pytest.raises(ConfigError, match=rf"ProbeConfig\.{field}"):
        ProbeConfig(**{field: value})


def test_messages_give_the_value_and_the_valid_range():
    with pytest.raises(ConfigError, match=r"TrainConfig\.grad_clip must be a finite number in \(0\.0, inf\), got nan"):
        TrainConfig(grad_clip=NAN)
    with pytest.raises(ConfigError, match=r"TrainConfig\.epochs must be an integer in \[1, inf\), got 1\.5 \(float\)"):
        TrainConfig(epochs=1.5)
    with pytest.raises(ConfigError, match=r"TrainConfig\.epochs must be an integer .*got True \(bool\)"):
        TrainConfig(epochs=True)
    with pytest.raises(ConfigError, match=r"ProbeConfig\.learning_rates\[1\] must be a finite number in \(0\.0, inf\), got inf"):
        ProbeConfig(learning_rates=(0.1, INF))
    with pytest.raises(ConfigError, match=r"TrainConfig\.pooling must be one of 'cls', 'mean', got 'max'"):
        TrainConfig(pooling="max")


@pytest.mark.parametrize("values", [
    {"epochs": np.int64(3), "lr": np.float32(1e-3), "momentum": 0, "weight_decay": 0, "backbone_lr": 1e-5,
     "max_steps": 10, "encoder_weights": "/tmp/w.pt", "dropout": 0.0, "warmup_fraction": 0.0, "queue_size": 0},
    {"probe": {"learning_rates": [0.5], "weight_decays": [0], "epochs": 2}},
    {"device": "cuda:1"}, {"device": "auto"}, {"device": "CPU"},
])
def test_good_values_at_the_edges_are_accepted(values):
    cfg = TrainConfig(**values)
    assert isinstance(cfg.probe, ProbeConfig)


def test_probe_sequences_become_tuples_and_round_trip():
    probe = ProbeConfig(learning_rates=[0.5, 0.1], weight_decays=[0.0])
    assert probe.learning_rates == (0.5, 0.1) and probe.weight_decays == (0.0,)
    cfg = TrainConfig(probe=probe)
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ConfigError, match="unknown ProbeConfig field.*valid fields"):
        ProbeConfig.from_dict({"lr": 1.0})

"""Run configuration: every knob of one training run, serialisable to params.json."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ..runtime import VALID_DEVICES
from .checks import (
    ConfigError,
    check_choice,
    check_flag,
    check_int,
    check_real,
    check_reals,
    check_text,
)

__all__ = ["AUGMENTATIONS", "POOLINGS", "PROBE_VARIANTS", "ConfigError", "ProbeConfig", "TrainConfig"]

PROBE_VARIANTS = ("correct", "as_coded")
POOLINGS = ("cls", "mean")
AUGMENTATIONS = ("none", "randaugment", "strong")


@dataclass(frozen=True)
class ProbeConfig:
    """Stage 2: linear evaluation on frozen encoder features (paper.md §5.1).

    A grid of (learning rate, weight decay); ``n_heads`` independent Linear heads per
    grid point (AdamW, BCE, linear decay, shuffled batches); for each label the grid
    point with the best validation F1 is kept; prediction = mean of the heads'
    sigmoids, thresholded at ``threshold``.

    ``per_label_thresholds=True`` replaces the fixed threshold by one threshold per
    label chosen on validation F1 (for the probe and the supervised baselines alike).

    ``variant="as_coded"`` reproduces the authors' bug (paper.md §11.1): two extra
    untrained Xavier heads are averaged into the prediction. Only for comparison.

    Every field is checked on construction (:mod:`mlcl_lab.train.checks`): a wrong type,
    NaN/inf or a value out of range raises :class:`ConfigError` naming the field, the
    value and the valid range.
    """

    learning_rates: tuple[float, ...] = (1.0, 0.1)
    weight_decays: tuple[float, ...] = (1.0, 0.1, 0.01, 1e-4)
    n_heads: int = 3
    epochs: int = 40
    batch_size: int = 256
    threshold: float = 0.5
    variant: str = "correct"
    per_label_thresholds: bool = False  # tune one threshold per label on validation F1 instead of 0.5

    def __post_init__(self) -> None:
        owner = "ProbeConfig"
        object.__setattr__(self, "learning_rates", check_reals(owner, "learning_rates", self.learning_rates, 0.0, lo_open=True))
        object.__setattr__(self, "weight_decays", check_reals(owner, "weight_decays", self.weight_decays, 0.0, lo_open=False))
        check_int(owner, "n_heads", self.n_heads, 1)
        check_int(owner, "epochs", self.epochs, 1)
        check_int(owner, "batch_size", self.batch_size, 1)
        check_real(owner, "threshold", self.threshold, 0.0, 1.0, lo_open=True, hi_open=True)
        check_choice(owner, "variant", self.variant, PROBE_VARIANTS)
        check_flag(owner, "per_label_thresholds", self.per_label_thresholds)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ProbeConfig:
        """From a plain dict (lists become tuples); unknown keys are an error naming the valid ones."""
        return cls(**_tuples(_known(cls, values)))


@dataclass(frozen=True)
class TrainConfig:
    """Stage 1 (contrastive) or end-to-end supervised training of one run.

    Defaults suit an MLP trained from scratch on feature vectors; the study's
    transformer settings (lr 5e-5, wd 0.01, batch 32) are for pre-trained backbones.
    Every field is checked on construction like :class:`ProbeConfig`'s.

    ``max_steps`` (a budget in optimiser steps) replaces ``epochs`` when given: the
    stage trains exactly ``max_steps`` steps (``ceil(max_steps / steps_per_epoch)``
    epochs, the last one cut short) and its schedule spans those steps.
    ``backbone_lr`` is the learning rate of ``model.encoder``'s parameters in every stage
    (contrastive pre-training and fine-tuning alike); the heads (projection, prototypes,
    classifier) use ``lr``; one schedule scales both. ``freeze_backbone`` keeps the
    encoder's weights (and its normalisation statistics) fixed.
    """

    epochs: int = 30
    batch_size: int = 128
    lr: float = 1e-3
    weight_decay: float = 1e-4
    warmup_fraction: float = 0.05
    grad_clip: float = 1.0
    encoder: str = "auto"               # "auto" | "mlp" | "cnn" | "resnet18..101" | "hf:<local dir>"
    encoder_weights: str | None = None  # local torchvision checkpoint for the ResNets
    freeze_backbone: bool = False       # True: the encoder's weights are not trained (frozen features)
    backbone_lr: float | None = None    # learning rate of the encoder (None: ``lr``); heads use ``lr``
    pooling: str = "cls"                # Hugging Face text encoders: "cls" | "mean"
    max_len: int = 300                  # Hugging Face text encoders: tokens per text (paper 2: 300)
    gradient_checkpointing: bool = False  # Hugging Face text encoders: trade compute for memory
    augment: str = "none"               # image datasets: "none" | "randaugment" (2, 9) | "strong" (3, 15)
    image_size: int = 224               # image datasets decoded from files: side of the square crop
    num_workers: int = 0                # streaming datasets: DataLoader worker processes
    max_steps: int | None = None        # training budget in optimiser steps (None: ``epochs`` full epochs)
    hidden_dim: int = 256
    depth: int = 2
    dropout: float = 0.1
    projection_dim: int = 128
    temperature: float = 0.1
    loss_options: dict[str, dict[str, Any]] = field(default_factory=dict)  # loss name -> hyper-parameters
    queue_size: int = 0                 # > 0: MoCo-style memory queue of momentum-encoder keys (paper 2)
    momentum: float = 0.999             # EMA rate of the momentum encoder when queue_size > 0
    amp: bool = True                    # mixed precision (bf16 autocast) on CUDA only
    device: str = "auto"
    probe: ProbeConfig = field(default_factory=ProbeConfig)

    def __post_init__(self) -> None:
        """Check every field (type, finiteness, range); errors name the field, the value and the valid range."""
        o = "TrainConfig"
        check_int(o, "epochs", self.epochs, 1)
        check_int(o, "batch_size", self.batch_size, 2)  # contrastive losses need pairs
        check_real(o, "lr", self.lr, 0.0, lo_open=True)
        check_real(o, "weight_decay", self.weight_decay, 0.0)
        check_real(o, "warmup_fraction", self.warmup_fraction, 0.0, 1.0, hi_open=True)
        check_real(o, "grad_clip", self.grad_clip, 0.0, lo_open=True)
        check_text(o, "encoder", self.encoder)
        check_text(o, "encoder_weights", self.encoder_weights, optional=True)
        check_flag(o, "freeze_backbone", self.freeze_backbone)
        check_real(o, "backbone_lr", self.backbone_lr, 0.0, lo_open=True, optional=True)
        check_choice(o, "pooling", self.pooling, POOLINGS)
        check_int(o, "max_len", self.max_len, 2)
        check_flag(o, "gradient_checkpointing", self.gradient_checkpointing)
        check_choice(o, "augment", self.augment, AUGMENTATIONS)
        check_int(o, "image_size", self.image_size, 8)
        check_int(o, "num_workers", self.num_workers, 0)
        check_int(o, "max_steps", self.max_steps, 1, optional=True)
        check_int(o, "hidden_dim", self.hidden_dim, 1)
        check_int(o, "depth", self.depth, 1)
        check_real(o, "dropout", self.dropout, 0.0, 1.0, hi_open=True)
        check_int(o, "projection_dim", self.projection_dim, 1)
        check_real(o, "temperature", self.temperature, 0.0, lo_open=True)
        if not isinstance(self.loss_options, dict) or not all(
                isinstance(k, str) and isinstance(v, dict) for k, v in self.loss_options.items()):
            raise ConfigError(f"TrainConfig.loss_options must map a loss name to a dict of its hyper-parameters, "
                              f"e.g. {{'reg': {{'alpha': 0.5}}}}, got {self.loss_options!r}")
        check_int(o, "queue_size", self.queue_size, 0)
        check_real(o, "momentum", self.momentum, 0.0, 1.0, hi_open=True)
        check_flag(o, "amp", self.amp)
        check_text(o, "device", self.device)
        name = self.device.strip().lower()
        if name not in ("auto", "cpu", "cuda") and not (name.startswith("cuda:") and name[5:].isdigit()):
            raise ConfigError(f"TrainConfig.device must be one of {', '.join(VALID_DEVICES)}, got {self.device!r}")
        if isinstance(self.probe, dict):
            object.__setattr__(self, "probe", ProbeConfig.from_dict(self.probe))
        if not isinstance(self.probe, ProbeConfig):
            raise ConfigError(f"TrainConfig.probe must be a ProbeConfig or a dict of its fields, "
                              f"got {self.probe!r} ({type(self.probe).__name__})")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dict (tuples become lists)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        """Inverse of :meth:`to_dict`; unknown keys are an error naming the valid ones."""
        return cls(**_known(cls, values))


def _known(cls: type, values: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(values, dict):
        raise ConfigError(f"{cls.__name__} values must be a dict, got {type(values).__name__}")
    valid = {f.name for f in dataclasses.fields(cls)}
    unknown = set(values) - valid
    if unknown:
        raise ConfigError(f"unknown {cls.__name__} field(s) {sorted(unknown)}; valid fields: {', '.join(sorted(valid))}")
    return values


def _tuples(values: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}

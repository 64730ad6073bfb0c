"""Run configuration: every knob of one training run, serialisable to params.json."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ProbeConfig", "TrainConfig", "PROBE_VARIANTS", "POOLINGS", "AUGMENTATIONS"]

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
        if not self.learning_rates or any(lr <= 0 for lr in self.learning_rates):
            raise ValueError(f"probe learning_rates must be a non-empty tuple of positive numbers, got {self.learning_rates}")
        if not self.weight_decays or any(wd < 0 for wd in self.weight_decays):
            raise ValueError(f"probe weight_decays must be a non-empty tuple of non-negative numbers, got {self.weight_decays}")
        if self.n_heads < 1 or self.epochs < 1 or self.batch_size < 1:
            raise ValueError("probe n_heads, epochs and batch_size must be >= 1")
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"probe threshold must be in (0, 1), got {self.threshold}")
        if self.variant not in PROBE_VARIANTS:
            raise ValueError(f"unknown probe variant {self.variant!r}; valid variants: {', '.join(PROBE_VARIANTS)}")


@dataclass(frozen=True)
class TrainConfig:
    """Stage 1 (contrastive) or end-to-end supervised training of one run.

    Defaults suit an MLP trained from scratch on feature vectors; the study's
    transformer settings (lr 5e-5, wd 0.01, batch 32) are for pre-trained backbones.
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
        if self.epochs < 1:
            raise ValueError(f"epochs must be >= 1, got {self.epochs}")
        if self.batch_size < 2:
            raise ValueError(f"batch_size must be >= 2 (contrastive losses need pairs), got {self.batch_size}")
        if self.lr <= 0 or self.weight_decay < 0:
            raise ValueError(f"lr must be > 0 and weight_decay >= 0, got lr={self.lr}, weight_decay={self.weight_decay}")
        if self.grad_clip <= 0:
            raise ValueError(f"grad_clip must be > 0, got {self.grad_clip}")
        if self.temperature <= 0:
            raise ValueError(f"temperature must be > 0, got {self.temperature}")
        if not isinstance(self.loss_options, dict) or not all(isinstance(v, dict) for v in self.loss_options.values()):
            raise ValueError("loss_options must map a loss name to a dict of its hyper-parameters, "
                             "e.g. {'reg': {'alpha': 0.5}}")
        if self.backbone_lr is not None and not self.backbone_lr > 0:
            raise ValueError(f"backbone_lr must be > 0 or None, got {self.backbone_lr}")
        if self.pooling not in POOLINGS:
            raise ValueError(f"unknown pooling {self.pooling!r}; valid poolings: {', '.join(POOLINGS)}")
        if self.max_len < 2:
            raise ValueError(f"max_len must be >= 2 tokens, got {self.max_len}")
        if self.augment not in AUGMENTATIONS:
            raise ValueError(f"unknown augment {self.augment!r}; valid augmentations: {', '.join(AUGMENTATIONS)}")
        if self.image_size < 8:
            raise ValueError(f"image_size must be >= 8 pixels, got {self.image_size}")
        if self.num_workers < 0:
            raise ValueError(f"num_workers must be >= 0, got {self.num_workers}")
        if self.max_steps is not None and self.max_steps < 1:
            raise ValueError(f"max_steps must be >= 1 or None, got {self.max_steps}")
        if self.queue_size < 0:
            raise ValueError(f"queue_size must be >= 0, got {self.queue_size}")
        if not 0.0 <= self.momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {self.momentum}")
        if isinstance(self.probe, dict):
            object.__setattr__(self, "probe", ProbeConfig(**_tuples(self.probe)))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dict (tuples become lists)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "TrainConfig":
        """Inverse of :meth:`to_dict`; unknown keys are an error naming the valid ones."""
        valid = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - valid
        if unknown:
            raise ValueError(f"unknown TrainConfig field(s) {sorted(unknown)}; valid fields: {', '.join(sorted(valid))}")
        return cls(**values)


def _tuples(values: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}

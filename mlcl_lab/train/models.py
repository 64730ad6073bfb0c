"""The two trainable assemblies of the protocol, built on :func:`mlcl_lab.models.encoders.build_encoder`."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ..models.encoders import build_encoder, default_encoder_name
from ..models.heads import LabelPrototypes, ProjectionHead
from .config import TrainConfig
from .sources import BatchSource

__all__ = ["ContrastiveModel", "SupervisedModel", "build_model", "freeze", "input_shape_of"]


def _encoder(config: TrainConfig, input_shape: Sequence[int] | None) -> nn.Module:
    if config.encoder == "auto" and input_shape is None:
        raise ValueError("encoder 'auto' needs the input shape; name the encoder for tokenised text")
    name = default_encoder_name(input_shape) if config.encoder == "auto" else config.encoder
    shape = tuple(input_shape) if input_shape is not None else None
    if name == "mlp":
        return build_encoder("mlp", shape, hidden_dim=config.hidden_dim, depth=config.depth, dropout=config.dropout)
    if name.startswith("resnet"):
        return build_encoder(name, shape, weights_path=config.encoder_weights)
    if name.startswith("hf:"):
        return build_encoder(name, shape, pooling=config.pooling, max_len=config.max_len,
                             gradient_checkpointing=config.gradient_checkpointing)
    return build_encoder(name, shape, out_dim=config.hidden_dim, dropout=config.dropout)


def freeze(encoder: nn.Module) -> None:
    """Fix the encoder's weights (no gradients); see :class:`_Assembly` for its statistics."""
    for p in encoder.parameters():
        p.requires_grad_(False)


class _Assembly(nn.Module):
    """Encoder + heads; with ``freeze_backbone`` the encoder stays in eval mode (its
    BatchNorm statistics and dropout fixed too), whatever ``train()`` is called with."""

    def __init__(self, config: TrainConfig, input_shape: Sequence[int] | None) -> None:
        super().__init__()
        self.encoder = _encoder(config, input_shape)
        self.frozen_backbone = bool(config.freeze_backbone)
        if self.frozen_backbone:
            freeze(self.encoder)

    def train(self, mode: bool = True) -> _Assembly:
        super().train(mode)
        if self.frozen_backbone:
            self.encoder.eval()
        return self


class ContrastiveModel(_Assembly):
    """Encoder f + projection head g (+ label prototypes P when the loss uses them).

    ``forward(x)`` returns raw embeddings z = g(f(x)) of shape (B, projection_dim).
    """

    def __init__(self, config: TrainConfig, input_shape: Sequence[int] | None, n_labels: int,
                 with_prototypes: bool) -> None:
        super().__init__(config, input_shape)
        self.head = ProjectionHead(self.encoder.out_dim, config.projection_dim)
        self.prototypes = LabelPrototypes(n_labels, config.projection_dim) if with_prototypes else None

    def forward(self, x: torch.Tensor | dict[str, torch.Tensor]) -> torch.Tensor:
        return self.head(self.encoder(x))


class SupervisedModel(_Assembly):
    """Encoder f + Dropout + Linear(h, L): the end-to-end baselines (paper.md §3.1)."""

    def __init__(self, config: TrainConfig, input_shape: Sequence[int] | None, n_labels: int) -> None:
        super().__init__(config, input_shape)
        self.classifier = nn.Sequential(nn.Dropout(config.dropout), nn.Linear(self.encoder.out_dim, n_labels))

    def forward(self, x: torch.Tensor | dict[str, torch.Tensor]) -> torch.Tensor:
        return self.classifier(self.encoder(x))


def input_shape_of(source: BatchSource) -> tuple[int, ...] | None:
    """Shape of one input without the batch axis (None for tokenised text, a dict)."""
    shape = getattr(source, "input_shape", None)
    if shape is not None:
        return tuple(shape)
    for batch in source.batches(1, shuffle=False, drop_last=False, generator=None):
        return None if isinstance(batch.x, dict) else tuple(batch.x.shape[1:])
    raise ValueError("the source is empty")


def build_model(kind: str, config: TrainConfig, source: BatchSource, *, with_prototypes: bool = False) -> nn.Module:
    """A ``"contrastive"`` or ``"supervised"`` model for the inputs of ``source``, on its device."""
    shape = input_shape_of(source)
    if kind == "contrastive":
        model: nn.Module = ContrastiveModel(config, shape, source.n_labels, with_prototypes)
    elif kind == "supervised":
        model = SupervisedModel(config, shape, source.n_labels)
    else:
        raise ValueError(f"unknown model kind {kind!r}; valid kinds: contrastive, supervised")
    device = getattr(source, "device", None)
    return model.to(device) if device is not None else model

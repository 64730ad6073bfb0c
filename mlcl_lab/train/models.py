"""The two trainable assemblies of the protocol."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ..models.encoders import build_encoder, default_encoder_name
from ..models.heads import LabelPrototypes, ProjectionHead
from .config import TrainConfig

__all__ = ["ContrastiveModel", "SupervisedModel"]


def _encoder(config: TrainConfig, input_shape: Sequence[int]) -> nn.Module:
    name = default_encoder_name(input_shape) if config.encoder == "auto" else config.encoder
    if name == "mlp":
        return build_encoder("mlp", input_shape, hidden_dim=config.hidden_dim, depth=config.depth, dropout=config.dropout)
    if name.startswith("resnet"):
        return build_encoder(name, input_shape, weights_path=config.encoder_weights)
    return build_encoder(name, input_shape, out_dim=config.hidden_dim, dropout=config.dropout)


class ContrastiveModel(nn.Module):
    """Encoder f + projection head g (+ label prototypes P when the loss uses them).

    ``forward(x)`` returns raw embeddings z = g(f(x)) of shape (B, projection_dim).
    """

    def __init__(self, config: TrainConfig, input_shape: Sequence[int], n_labels: int, with_prototypes: bool) -> None:
        super().__init__()
        self.encoder = _encoder(config, input_shape)
        self.head = ProjectionHead(self.encoder.out_dim, config.projection_dim)
        self.prototypes = LabelPrototypes(n_labels, config.projection_dim) if with_prototypes else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(x))


class SupervisedModel(nn.Module):
    """Encoder f + Dropout + Linear(h, L): the end-to-end baselines (paper.md §3.1)."""

    def __init__(self, config: TrainConfig, input_shape: Sequence[int], n_labels: int) -> None:
        super().__init__()
        self.encoder = _encoder(config, input_shape)
        self.classifier = nn.Sequential(nn.Dropout(config.dropout), nn.Linear(self.encoder.out_dim, n_labels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.encoder(x))

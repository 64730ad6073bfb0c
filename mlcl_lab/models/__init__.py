"""Encoders, projection head, label prototypes, the linear probe and feature extraction."""

from .encoders import (
    ENCODER_NAMES,
    RESNET_NAMES,
    FrozenEncoder,
    MLPEncoder,
    SmallCNN,
    build_encoder,
    default_encoder_name,
    encoder_for_config,
)
from .features import extract_features
from .heads import LabelPrototypes, ProjectionHead
from .probe import LinearProbe

__all__ = [
    "ENCODER_NAMES",
    "RESNET_NAMES",
    "FrozenEncoder",
    "LabelPrototypes",
    "LinearProbe",
    "MLPEncoder",
    "ProjectionHead",
    "SmallCNN",
    "build_encoder",
    "default_encoder_name",
    "encoder_for_config",
    "extract_features",
]

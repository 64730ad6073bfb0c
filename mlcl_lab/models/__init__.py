"""Encoders, projection head, label prototypes and the linear probe."""

from .encoders import ENCODER_NAMES, MLPEncoder, SmallCNN, build_encoder, default_encoder_name
from .heads import LabelPrototypes, ProjectionHead
from .probe import LinearProbe

__all__ = ["ENCODER_NAMES", "MLPEncoder", "SmallCNN", "build_encoder", "default_encoder_name",
           "LabelPrototypes", "ProjectionHead", "LinearProbe"]

"""Encoders f(x): the backbone whose frozen output the linear probe reads.

The study fine-tunes RoBERTa (text) and ImageNet ResNets (images) end to end (paper.md
§5.1-5.2): ``resnet18/34/50/101`` (:mod:`.resnet`) and ``hf:<local dir>``
(:mod:`.hf_text`). On this toolkit's built-in data the backbone is an MLP on feature
vectors (yeast, cached frozen sentence embeddings: the fast text path) or a small CNN on
images (DESIGN.md "data path").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

__all__ = ["ENCODER_NAMES", "RESNET_NAMES", "FrozenEncoder", "MLPEncoder", "SmallCNN", "build_encoder",
           "channels_last_convolutions", "default_encoder_name", "encoder_for_config"]

RESNET_NAMES = ("resnet18", "resnet34", "resnet50", "resnet101")
ENCODER_NAMES = ("mlp", "cnn", *RESNET_NAMES)


class MLPEncoder(nn.Module):
    """Feed-forward encoder for feature vectors.

    ``depth`` blocks of Linear -> (BatchNorm1d) -> ReLU -> (Dropout).
    Input (B, in_dim) -> output (B, hidden_dim); ``out_dim`` is ``hidden_dim``.
    """

    def __init__(
        self,
        in_dim: int,
        hidden_dim: int = 256,
        depth: int = 2,
        dropout: float = 0.1,
        batchnorm: bool = True,
    ) -> None:
        super().__init__()
        if in_dim < 1 or hidden_dim < 1:
            raise ValueError(f"MLPEncoder needs in_dim >= 1 and hidden_dim >= 1, got {in_dim}, {hidden_dim}")
        if depth < 1:
            raise ValueError(f"MLPEncoder depth must be >= 1, got {depth}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"MLPEncoder dropout must be in [0, 1), got {dropout}")
        layers: list[nn.Module] = []
        width = in_dim
        for _ in range(depth):
            layers.append(nn.Linear(width, hidden_dim))
            if batchnorm:
                layers.append(nn.BatchNorm1d(hidden_dim))
            layers.append(nn.ReLU())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = hidden_dim
        self.net = nn.Sequential(*layers)
        self.out_dim = hidden_dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def channels_last_convolutions(module: nn.Module) -> nn.Module:
    """``module`` with its 4-D (convolution) weights in channels-last memory order, values unchanged.

    oneDNN's CPU convolutions run on NHWC weights without a per-call reorder:
    ``benchmarks/bench_image_encoders.py`` measures the gain (fwd + bwd, same run) against
    contiguous weights. Called after initialisation, so the initial values (drawn in the
    contiguous layout) are the same; a checkpoint loads into either layout.
    """
    return module.to(memory_format=torch.channels_last)


class SmallCNN(nn.Module):
    """A small convolutional encoder that trains in seconds on a CPU.

    Three Conv(3x3)-BN-ReLU-MaxPool stages (widths w, 2w, 4w), global average
    pooling, then a Linear to ``out_dim``. Input (B, C, H, W) -> (B, out_dim).
    Convolution weights channels-last (:func:`channels_last_convolutions`).
    """

    def __init__(self, in_channels: int = 1, width: int = 32, out_dim: int = 256, dropout: float = 0.1) -> None:
        super().__init__()
        if in_channels < 1 or width < 1 or out_dim < 1:
            raise ValueError(f"SmallCNN needs positive sizes, got in_channels={in_channels}, width={width}, out_dim={out_dim}")
        chans = [in_channels, width, 2 * width, 4 * width]
        blocks: list[nn.Module] = []
        for c_in, c_out in zip(chans[:-1], chans[1:], strict=True):
            blocks += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(), nn.MaxPool2d(2)]
        self.features = nn.Sequential(*blocks, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Sequential(nn.Dropout(dropout) if dropout > 0 else nn.Identity(), nn.Linear(chans[-1], out_dim), nn.ReLU())
        self.out_dim = out_dim
        channels_last_convolutions(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def build_encoder(name: str, input_shape: Sequence[int] | None, **options: object) -> nn.Module:
    """Build an encoder by name for inputs of shape ``input_shape`` (without the batch axis).

    ``"mlp"`` needs a 1-D input shape (F,); ``"cnn"`` and ``"resnet18/34/50/101"`` a 3-D
    one (C, H, W); ``"hf:<dir>"`` (a local Hugging Face model, fine-tuned end to end) takes
    the tokenised dict and ignores ``input_shape`` (may be None). Options are passed to the encoder's
    constructor: the ResNets take only ``weights_path`` (a local torchvision checkpoint),
    ``hf:`` encoders ``pooling`` ("cls" | "mean"), ``max_len`` and ``gradient_checkpointing``.
    Every encoder has ``out_dim`` (the feature size the heads and the probe read).
    """
    if name.startswith("hf:"):
        from .hf_text import HFTextEncoder, hf_model_dir

        unknown = set(options) - {"pooling", "max_len", "gradient_checkpointing"}
        if unknown:
            raise ValueError(f"encoder 'hf:' takes the options pooling, max_len, gradient_checkpointing; got {sorted(unknown)}")
        return HFTextEncoder(hf_model_dir(name), **options)  # type: ignore[arg-type]
    if input_shape is None:
        raise ValueError(f"encoder {name!r} needs the input shape (None is only for 'hf:' text encoders)")
    shape = tuple(int(s) for s in input_shape)
    if name == "mlp":
        if len(shape) != 1:
            raise ValueError(f"encoder 'mlp' needs 1-D inputs (features,), got shape {shape}; use 'cnn' for images")
        return MLPEncoder(shape[0], **options)  # type: ignore[arg-type]
    if name == "cnn" or name in RESNET_NAMES:
        if len(shape) != 3:
            raise ValueError(f"encoder {name!r} needs (channels, height, width) inputs, got shape {shape}")
        if name == "cnn":
            return SmallCNN(shape[0], **options)  # type: ignore[arg-type]
        from .resnet import ResNetEncoder

        unknown = set(options) - {"weights_path"}
        if unknown:
            raise ValueError(f"encoder {name!r} takes only the option weights_path; got {sorted(unknown)}")
        return ResNetEncoder(shape[0], depth=int(name[6:]), weights_path=options.get("weights_path"))  # type: ignore[arg-type]
    raise ValueError(f"unknown encoder {name!r}; valid encoders: {', '.join(ENCODER_NAMES)}, hf:<local model dir>")


class FrozenEncoder(nn.Module):
    """A backbone used as a fixed feature extractor: no gradients, always in eval mode.

    Eval mode matters: a frozen ResNet in train mode would still update its BatchNorm
    running statistics and a transformer would still apply dropout. Same ``out_dim`` and
    ``forward`` as the wrapped encoder; its parameters keep ``requires_grad=False``.
    """

    def __init__(self, encoder: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder.requires_grad_(False).eval()
        self.out_dim = encoder.out_dim

    def train(self, mode: bool = True) -> FrozenEncoder:
        super().train(mode)
        self.encoder.eval()
        return self

    def forward(self, x):  # type: ignore[no-untyped-def]
        with torch.no_grad():
            return self.encoder(x)


def encoder_for_config(config: Any, input_shape: Sequence[int] | None) -> nn.Module:
    """The encoder a ``TrainConfig`` asks for (``config.encoder``; "auto": :func:`default_encoder_name`).

    mlp: ``hidden_dim``, ``depth``, ``dropout``; cnn: ``out_dim=hidden_dim``, ``dropout``;
    resnet*: ``weights_path=encoder_weights``; hf:<dir>: ``pooling``, ``max_len``,
    ``gradient_checkpointing``. ``freeze_backbone`` is applied by the caller
    (:class:`FrozenEncoder`).
    """
    if config.encoder == "auto" and input_shape is None:
        raise ValueError("encoder 'auto' needs the input shape; name the encoder for tokenised text")
    name = default_encoder_name(input_shape) if config.encoder == "auto" else str(config.encoder)
    if name == "mlp":
        return build_encoder("mlp", input_shape, hidden_dim=config.hidden_dim, depth=config.depth, dropout=config.dropout)
    if name in RESNET_NAMES:
        return build_encoder(name, input_shape, weights_path=config.encoder_weights)
    if name.startswith("hf:"):
        return build_encoder(name, input_shape, pooling=config.pooling, max_len=config.max_len,
                             gradient_checkpointing=config.gradient_checkpointing)
    return build_encoder(name, input_shape, out_dim=config.hidden_dim, dropout=config.dropout)


def default_encoder_name(input_shape: Sequence[int]) -> str:
    """'mlp' for vectors, 'cnn' for images."""
    return "cnn" if len(tuple(input_shape)) == 3 else "mlp"

"""ResNet-18/34 image encoder with torchvision's parameter names (no torchvision needed).

The study used ImageNet-pretrained torchvision ResNets with ``fc`` removed (paper.md
§5.1). Weights cannot be downloaded here, so this encoder is built from scratch and
loads a *local* torchvision checkpoint (``resnet18-*.pth`` / ``resnet34-*.pth``) when
``weights_path`` is given. For inputs with other than 3 channels, the pretrained first
convolution is summed over its RGB channels and repeated (the usual grey-scale trick).
Input (B, C, H, W) -> (B, 512).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

__all__ = ["ResNetEncoder", "RESNET_DEPTHS"]

RESNET_DEPTHS = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3)}


class BasicBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.downsample = None
        if stride != 1 or c_in != c_out:
            self.downsample = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + identity)


class ResNetEncoder(nn.Module):
    """ResNet-18 or -34 trunk (global average pooled), optionally with local pretrained weights."""

    def __init__(self, in_channels: int = 3, depth: int = 18, weights_path: str | Path | None = None) -> None:
        super().__init__()
        if depth not in RESNET_DEPTHS:
            raise ValueError(f"ResNet depth {depth} not supported; valid depths: {sorted(RESNET_DEPTHS)}")
        if in_channels < 1:
            raise ValueError(f"in_channels must be >= 1, got {in_channels}")
        self.conv1 = nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        widths, c_in = (64, 128, 256, 512), 64
        for i, (width, blocks) in enumerate(zip(widths, RESNET_DEPTHS[depth]), start=1):
            layers = [BasicBlock(c_in if b == 0 else width, width, 2 if (b == 0 and i > 1) else 1) for b in range(blocks)]
            setattr(self, f"layer{i}", nn.Sequential(*layers))
            c_in = width
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.out_dim = 512
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        if weights_path is not None:
            self.load_torchvision_weights(weights_path)

    def load_torchvision_weights(self, path: str | Path) -> None:
        """Load a local torchvision ResNet checkpoint (its ``fc`` weights are ignored)."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(
                f"ResNet weights {path} not found; download the torchvision checkpoint elsewhere and pass its path")
        state = torch.load(path, map_location="cpu", weights_only=True)
        if isinstance(state, dict) and "state_dict" in state:
            state = state["state_dict"]
        state = {k: v for k, v in state.items() if not k.startswith("fc.")}
        conv = state.get("conv1.weight")
        if conv is not None and conv.shape[1] != self.conv1.in_channels:
            grey = conv.sum(1, keepdim=True) / self.conv1.in_channels
            state["conv1.weight"] = grey.repeat(1, self.conv1.in_channels, 1, 1)
        missing, unexpected = self.load_state_dict(state, strict=False)
        if missing or unexpected:
            raise ValueError(f"{path} does not match a torchvision ResNet of this depth: "
                             f"missing {missing[:5]}, unexpected {unexpected[:5]}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return torch.flatten(self.avgpool(x), 1)

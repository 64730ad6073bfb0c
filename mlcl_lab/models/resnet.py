"""ResNet-18/34/50/101 image encoders with torchvision's parameter names (no torchvision needed).

The study used ImageNet-pretrained torchvision ResNets with ``fc`` removed (paper.md
§5.1; the depth is not given, ResNet-50 as in MulSupCon is the likely one). Weights
cannot be downloaded here, so the encoder is built from scratch (torchvision's init)
and loads a *local* torchvision checkpoint (``resnet50-*.pth`` ...) when
``weights_path`` is given. The layout is torchvision's v1.5 ResNet: basic blocks for
18/34, bottleneck blocks (1x1 -> 3x3 with the stride -> 1x1, expansion 4) for 50/101,
a 1x1 projection shortcut (``downsample.0`` conv, ``downsample.1`` BN) in the first
block of a stage whenever the shape changes. For inputs with C != 3 channels the
pretrained first convolution is summed over its RGB channels, divided by C and repeated
C times (the usual grey-scale trick). Input (B, C, H, W) -> (B, 512) for 18/34, (B, 2048) for 50/101.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from .encoders import channels_last_convolutions

__all__ = ["RESNET_DEPTHS", "BasicBlock", "Bottleneck", "ResNetEncoder"]


class BasicBlock(nn.Module):
    """Two 3x3 convolutions (stride on the first) plus the shortcut; output ``width`` channels."""

    expansion = 1

    def __init__(self, c_in: int, width: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, width, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(width, width, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.downsample = _shortcut(c_in, width, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + identity)


class Bottleneck(nn.Module):
    """1x1 (reduce to ``width``) -> 3x3 (stride) -> 1x1 (expand to 4 * ``width``) plus the shortcut."""

    expansion = 4

    def __init__(self, c_in: int, width: int, stride: int) -> None:
        super().__init__()
        c_out = width * self.expansion
        self.conv1 = nn.Conv2d(c_in, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, c_out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = _shortcut(c_in, c_out, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.relu(self.bn3(self.conv3(out)) + identity)


def _shortcut(c_in: int, c_out: int, stride: int) -> nn.Sequential | None:
    if stride == 1 and c_in == c_out:
        return None
    return nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))


# depth -> (block type, blocks per stage), as in He et al. 2016, Table 1
RESNET_DEPTHS: dict[int, tuple[type[nn.Module], tuple[int, int, int, int]]] = {
    18: (BasicBlock, (2, 2, 2, 2)),
    34: (BasicBlock, (3, 4, 6, 3)),
    50: (Bottleneck, (3, 4, 6, 3)),
    101: (Bottleneck, (3, 4, 23, 3)),
}


class ResNetEncoder(nn.Module):
    """A torchvision-layout ResNet trunk (global average pooled), optionally with local weights."""

    def __init__(self, in_channels: int = 3, depth: int = 18, weights_path: str | Path | None = None) -> None:
        super().__init__()
        if depth not in RESNET_DEPTHS:
            raise ValueError(f"ResNet depth {depth} not supported; valid depths: {sorted(RESNET_DEPTHS)}")
        if in_channels < 1:
            raise ValueError(f"in_channels must be >= 1, got {in_channels}")
        block, counts = RESNET_DEPTHS[depth]
        self.depth = depth
        self.conv1 = nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        c_in = 64
        for i, (width, blocks) in enumerate(zip((64, 128, 256, 512), counts, strict=True), start=1):
            stride = 1 if i == 1 else 2
            layers = []
            for b in range(blocks):
                layers.append(block(c_in, width, stride if b == 0 else 1))
                c_in = width * block.expansion
            setattr(self, f"layer{i}", nn.Sequential(*layers))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.out_dim = c_in
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        channels_last_convolutions(self)               # after the initialisation: same initial values
        if weights_path is not None:
            self.load_torchvision_weights(weights_path)

    def load_torchvision_weights(self, path: str | Path) -> None:
        """Load a local torchvision ResNet checkpoint (its ``fc`` weights are ignored)."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(
                f"ResNet weights {path} not found; download the torchvision checkpoint elsewhere and pass its path")
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as err:  # torch raises RuntimeError/UnpicklingError/EOFError for bad files
            raise ValueError(f"{path}: not a readable torch checkpoint ({type(err).__name__}: {err})") from err
        if isinstance(state, dict) and "state_dict" in state:
            state = state["state_dict"]
        if not isinstance(state, dict):
            raise ValueError(f"{path}: expected a state dict, got {type(state).__name__}")
        state = {k: v for k, v in state.items() if not k.startswith("fc.")}
        conv = state.get("conv1.weight")
        if conv is not None and conv.shape[1] != self.conv1.in_channels:
            grey = conv.sum(1, keepdim=True) / self.conv1.in_channels
            state["conv1.weight"] = grey.repeat(1, self.conv1.in_channels, 1, 1)
        own = self.state_dict()
        wrong = [f"{k} {tuple(v.shape)} != {tuple(own[k].shape)}" for k, v in state.items()
                 if k in own and tuple(v.shape) != tuple(own[k].shape)]
        missing = sorted(set(own) - set(state))
        unexpected = sorted(set(state) - set(own))
        if missing or unexpected or wrong:
            raise ValueError(f"{path} does not match a torchvision ResNet-{self.depth}: "
                             f"missing {missing[:5]}, unexpected {unexpected[:5]}, wrong shapes {wrong[:3]}")
        self.load_state_dict(state, strict=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return torch.flatten(self.avgpool(x), 1)

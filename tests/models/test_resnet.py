"""ResNet encoders: torchvision's parameter layout (derived here from the architecture), weights loading."""

import pytest
import torch
import torch.nn.functional as F

from mlcl_lab.files import atomic_write
from mlcl_lab.models import build_encoder
from mlcl_lab.models.resnet import ResNetEncoder

# He et al. 2016, Table 1: blocks per stage, and whether the blocks are bottlenecks (expansion 4)
ARCH = {18: ((2, 2, 2, 2), False), 34: ((3, 4, 6, 3), False), 50: ((3, 4, 6, 3), True), 101: ((3, 4, 23, 3), True)}
# torchvision.models.resnetXX: documented total parameter counts (with the 1000-way fc)
TORCHVISION_PARAMS = {18: 11_689_512, 34: 21_797_672, 50: 25_557_032, 101: 44_549_160}


def _bn(prefix, c):
    return {f"{prefix}.weight": (c,), f"{prefix}.bias": (c,), f"{prefix}.running_mean": (c,),
            f"{prefix}.running_var": (c,), f"{prefix}.num_batches_tracked": ()}


def expected_layout(depth):
    """torchvision's state_dict names and shapes of resnet<depth> without fc, written from the architecture."""
    counts, bottleneck = ARCH[depth]
    out = {"conv1.weight": (64, 3, 7, 7), **_bn("bn1", 64)}
    c_in = 64
    for stage, (width, blocks) in enumerate(zip((64, 128, 256, 512), counts, strict=True), start=1):
        c_out = width * 4 if bottleneck else width
        for b in range(blocks):
            p = f"layer{stage}.{b}"
            if bottleneck:
                out[f"{p}.conv1.weight"] = (width, c_in, 1, 1)
                out[f"{p}.conv2.weight"] = (width, width, 3, 3)
                out[f"{p}.conv3.weight"] = (c_out, width, 1, 1)
                out |= _bn(f"{p}.bn1", width) | _bn(f"{p}.bn2", width) | _bn(f"{p}.bn3", c_out)
            else:
                out[f"{p}.conv1.weight"] = (width, c_in, 3, 3)
                out[f"{p}.conv2.weight"] = (width, width, 3, 3)
                out |= _bn(f"{p}.bn1", width) | _bn(f"{p}.bn2", width)
            if b == 0 and (stage > 1 or c_in != c_out):
                out[f"{p}.downsample.0.weight"] = (c_out, c_in, 1, 1)
                out |= _bn(f"{p}.downsample.1", c_out)
            c_in = c_out
    return out


@pytest.mark.parametrize("depth", [18, 34, 50, 101])
def test_state_dict_layout_equals_torchvision(depth):
    enc = ResNetEncoder(depth=depth)
    got = {k: tuple(v.shape) for k, v in enc.state_dict().items()}
    assert got == expected_layout(depth)
    n_fc = (512 * (4 if ARCH[depth][1] else 1) + 1) * 1000
    assert sum(p.numel() for p in enc.parameters()) == TORCHVISION_PARAMS[depth] - n_fc
    assert enc.out_dim == (2048 if depth >= 50 else 512)


@pytest.mark.parametrize("name, dim", [("resnet18", 512), ("resnet50", 2048)])
def test_forward_shape(name, dim):
    enc = build_encoder(name, (3, 32, 32))
    assert enc(torch.randn(2, 3, 32, 32)).shape == (2, dim)


def _bn_eval(x, state, p):
    return F.batch_norm(x, state[f"{p}.running_mean"], state[f"{p}.running_var"], state[f"{p}.weight"],
                        state[f"{p}.bias"], training=False, eps=1e-5)


def _reference_forward(state, x, depth):
    """The ResNet forward written with torch.nn.functional from the state dict (eval mode)."""
    counts, bottleneck = ARCH[depth]
    h = F.relu(_bn_eval(F.conv2d(x, state["conv1.weight"], stride=2, padding=3), state, "bn1"))
    h = F.max_pool2d(h, 3, 2, 1)
    for stage, blocks in enumerate(counts, start=1):
        for b in range(blocks):
            p = f"layer{stage}.{b}"
            stride = 2 if (b == 0 and stage > 1) else 1
            if bottleneck:
                o = F.relu(_bn_eval(F.conv2d(h, state[f"{p}.conv1.weight"]), state, f"{p}.bn1"))
                o = F.relu(_bn_eval(F.conv2d(o, state[f"{p}.conv2.weight"], stride=stride, padding=1), state, f"{p}.bn2"))
                o = _bn_eval(F.conv2d(o, state[f"{p}.conv3.weight"]), state, f"{p}.bn3")
            else:
                o = F.relu(_bn_eval(F.conv2d(h, state[f"{p}.conv1.weight"], stride=stride, padding=1), state, f"{p}.bn1"))
                o = _bn_eval(F.conv2d(o, state[f"{p}.conv2.weight"], padding=1), state, f"{p}.bn2")
            if f"{p}.downsample.0.weight" in state:
                h = _bn_eval(F.conv2d(h, state[f"{p}.downsample.0.weight"], stride=stride), state, f"{p}.downsample.1")
            h = F.relu(o + h)
    return h.mean((2, 3))


def _torchvision_like_checkpoint(depth, path, channels=3):
    """A random checkpoint laid out as torchvision saves it (RGB conv1, an fc head, BN statistics)."""
    g = torch.Generator().manual_seed(depth)
    state = {}
    for k, shape in expected_layout(depth).items():
        if k.endswith("num_batches_tracked"):
            state[k] = torch.tensor(7)
        elif k.endswith("running_var"):
            state[k] = torch.rand(shape, generator=g) + 0.5
        elif k.endswith(".weight") and len(shape) == 4:
            state[k] = torch.randn(shape, generator=g) * (2.0 / (shape[1] * shape[2] * shape[3])) ** 0.5
        elif k.endswith(".weight"):  # BatchNorm scales around 1
            state[k] = 1.0 + 0.1 * torch.randn(shape, generator=g)
        else:  # BatchNorm shifts and running means
            state[k] = 0.1 * torch.randn(shape, generator=g)
    state["conv1.weight"] = torch.randn(64, channels, 7, 7, generator=g) * 0.05
    width = 2048 if ARCH[depth][1] else 512
    state["fc.weight"], state["fc.bias"] = torch.randn(1000, width, generator=g), torch.randn(1000, generator=g)
    with atomic_write(path) as tmp:
        torch.save(state, tmp)
    return state


@pytest.mark.parametrize("depth", [18, 50])
def test_checkpoint_round_trip_matches_functional_reference(tmp_path, depth):
    state = _torchvision_like_checkpoint(depth, tmp_path / f"resnet{depth}.pth")
    enc = build_encoder(f"resnet{depth}", (3, 32, 32), weights_path=tmp_path / f"resnet{depth}.pth").eval()
    for k, v in enc.state_dict().items():
        torch.testing.assert_close(v, state[k])
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    state64 = {k: v.double() if v.is_floating_point() else v for k, v in state.items()}
    with torch.no_grad():   # float64: a deep random net amplifies float32 rounding (conv algorithms differ)
        torch.testing.assert_close(enc.double()(x), _reference_forward(state64, x, depth), rtol=1e-9, atol=1e-9)


def test_local_weights_load_with_grey_scale_first_conv(tmp_path):
    state = _torchvision_like_checkpoint(18, tmp_path / "resnet18.pth")
    grey = ResNetEncoder(in_channels=1, weights_path=tmp_path / "resnet18.pth")
    torch.testing.assert_close(grey.conv1.weight, state["conv1.weight"].sum(1, keepdim=True))
    torch.testing.assert_close(grey.layer4[1].conv2.weight, state["layer4.1.conv2.weight"])
    two = ResNetEncoder(in_channels=2, weights_path=tmp_path / "resnet18.pth")
    torch.testing.assert_close(two.conv1.weight, state["conv1.weight"].sum(1, keepdim=True).repeat(1, 2, 1, 1) / 2)


def test_weights_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="download the torchvision checkpoint"):
        ResNetEncoder(weights_path=tmp_path / "missing.pth")
    with atomic_write(tmp_path / "bad.pth") as tmp:
        torch.save({"conv1.weight": torch.randn(64, 3, 7, 7)}, tmp)
    with pytest.raises(ValueError, match="does not match a torchvision ResNet-18: missing"):
        ResNetEncoder(weights_path=tmp_path / "bad.pth")
    _torchvision_like_checkpoint(18, tmp_path / "r18.pth")
    with pytest.raises(ValueError, match="does not match a torchvision ResNet-50"):
        ResNetEncoder(depth=50, weights_path=tmp_path / "r18.pth")
    (tmp_path / "trunc.pth").write_bytes((tmp_path / "r18.pth").read_bytes()[:1000])
    with pytest.raises(ValueError, match="trunc.pth: not a readable torch checkpoint"):
        ResNetEncoder(weights_path=tmp_path / "trunc.pth")
    with pytest.raises(ValueError, match="valid depths"):
        ResNetEncoder(depth=152)

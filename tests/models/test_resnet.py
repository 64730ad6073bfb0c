import pytest
import torch

from mlcl_lab.models import build_encoder
from mlcl_lab.models.resnet import ResNetEncoder


def _torchvision_like_checkpoint(model: ResNetEncoder, path, channels=3):
    """A checkpoint laid out as torchvision saves it: RGB conv1 and an fc head."""
    state = {k: torch.randn_like(v) if v.is_floating_point() else v for k, v in model.state_dict().items()}
    state["conv1.weight"] = torch.randn(64, channels, 7, 7)
    state["fc.weight"], state["fc.bias"] = torch.randn(1000, 512), torch.randn(1000)
    torch.save(state, path)
    return state


@pytest.mark.parametrize("depth, n_params", [(18, 11_176_512), (34, 21_284_672)])
def test_resnet_shapes_and_parameter_count_match_torchvision_trunks(depth, n_params):
    enc = build_encoder(f"resnet{depth}", (3, 64, 64))
    assert enc(torch.randn(2, 3, 64, 64)).shape == (2, 512)
    # torchvision resnet18/34 minus the 1000-way fc layer
    assert sum(p.numel() for p in enc.parameters()) == n_params


def test_local_weights_load_with_grey_scale_first_conv(tmp_path):
    ref = ResNetEncoder(in_channels=3)
    state = _torchvision_like_checkpoint(ref, tmp_path / "resnet18.pth")
    grey = ResNetEncoder(in_channels=1, weights_path=tmp_path / "resnet18.pth")
    torch.testing.assert_close(grey.conv1.weight, state["conv1.weight"].sum(1, keepdim=True))
    torch.testing.assert_close(grey.layer4[1].conv2.weight, state["layer4.1.conv2.weight"])


def test_weights_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="download the torchvision checkpoint"):
        ResNetEncoder(weights_path=tmp_path / "missing.pth")
    torch.save({"conv1.weight": torch.randn(64, 3, 7, 7)}, tmp_path / "bad.pth")
    with pytest.raises(ValueError, match="does not match a torchvision ResNet"):
        ResNetEncoder(weights_path=tmp_path / "bad.pth")
    with pytest.raises(ValueError, match="valid depths"):
        ResNetEncoder(depth=50)

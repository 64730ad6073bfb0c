import pytest
import torch

from mlcl_lab.models import LabelPrototypes, ProjectionHead, build_encoder


def test_mlp_and_cnn_shapes():
    mlp = build_encoder("mlp", (10,), hidden_dim=16, depth=3)
    assert mlp(torch.randn(4, 10)).shape == (4, 16)
    cnn = build_encoder("cnn", (1, 28, 28), width=8, out_dim=32)
    assert cnn(torch.randn(2, 1, 28, 28)).shape == (2, 32)


def test_build_encoder_errors_name_valid_choices():
    with pytest.raises(ValueError, match="valid encoders: mlp, cnn"):
        build_encoder("resnet999", (10,))
    with pytest.raises(ValueError, match="needs 1-D inputs"):
        build_encoder("mlp", (1, 8, 8))


def test_projection_head_init_and_shape():
    head = ProjectionHead(16, 8)
    assert head(torch.randn(3, 16)).shape == (3, 8)
    assert torch.all(head.net[0].bias == 0)


def test_prototypes_are_a_parameter():
    p = LabelPrototypes(5, 8)
    assert p().shape == (5, 8) and p().requires_grad

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


def test_build_encoder_lists_every_backbone_and_checks_options():
    with pytest.raises(ValueError, match="resnet18, resnet34, resnet50, resnet101, hf:<local model dir>"):
        build_encoder("vit", (3, 8, 8))
    with pytest.raises(ValueError, match="takes only the option weights_path"):
        build_encoder("resnet50", (3, 8, 8), pooling="cls")
    with pytest.raises(ValueError, match=r"needs \(channels, height, width\)"):
        build_encoder("resnet101", (10,))
    with pytest.raises(ValueError, match="needs the input shape"):
        build_encoder("mlp", None)
    from mlcl_lab.models import encoder_for_config
    from mlcl_lab.train.config import TrainConfig

    with pytest.raises(ValueError, match="name the encoder for tokenised text"):
        encoder_for_config(TrainConfig(), None)


def test_frozen_encoder_keeps_weights_and_batchnorm_statistics():
    from mlcl_lab.models import FrozenEncoder

    frozen = FrozenEncoder(build_encoder("resnet18", (3, 16, 16)))
    frozen.train()  # a model.train() call must not put the frozen backbone in train mode
    before = {k: v.clone() for k, v in frozen.state_dict().items()}
    out = frozen(torch.randn(4, 3, 16, 16) * 3 + 1)
    assert out.shape == (4, 512) == (4, frozen.out_dim) and not out.requires_grad
    assert all(torch.equal(v, before[k]) for k, v in frozen.state_dict().items())  # running stats too
    assert frozen.training and not frozen.encoder.training
    assert not any(p.requires_grad for p in frozen.parameters())


@pytest.mark.parametrize("encoder, shape", [("auto", (7,)), ("auto", (1, 16, 16)), ("mlp", (5,)), ("resnet50", (3, 16, 16))])
def test_encoder_for_config_builds_what_the_trainer_built(encoder, shape):
    from mlcl_lab.models import encoder_for_config
    from mlcl_lab.train.config import TrainConfig
    from mlcl_lab.train.models import ContrastiveModel

    config = TrainConfig(encoder=encoder, hidden_dim=24, depth=3, dropout=0.2)
    torch.manual_seed(0)
    ours = encoder_for_config(config, shape)
    torch.manual_seed(0)
    trainer = ContrastiveModel(config, shape, n_labels=3, with_prototypes=False).encoder
    assert type(ours) is type(trainer) and ours.out_dim == trainer.out_dim
    theirs = trainer.state_dict()
    assert all(torch.equal(v, theirs[k]) for k, v in ours.state_dict().items()) and ours.state_dict().keys() == theirs.keys()


@pytest.mark.parametrize("name, shape", [("cnn", (1, 12, 12)), ("cnn", (3, 10, 10)), ("resnet18", (3, 16, 16))])
def test_image_encoders_keep_channels_last_weights_with_unchanged_values(name, shape, monkeypatch, tmp_path):
    """Convolution weights channels-last; the initial values are those of the contiguous
    layout (drawn before the conversion); outputs, gradients and a checkpoint round trip
    equal those of the same model with contiguous weights."""
    import mlcl_lab.models.encoders as encoders
    import mlcl_lab.models.resnet as resnet

    torch.manual_seed(0)
    model = build_encoder(name, shape).double()
    convs = [m.weight for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs and all(w.is_contiguous(memory_format=torch.channels_last) for w in convs)
    assert any(not w.is_contiguous() for w in convs)              # really NHWC, not a size-1 ambiguity
    for module in (encoders, resnet):
        monkeypatch.setattr(module, "channels_last_convolutions", lambda m: m)
    torch.manual_seed(0)
    plain = build_encoder(name, shape).double()
    assert all(w.is_contiguous() for w in (m.weight for m in plain.modules() if isinstance(m, torch.nn.Conv2d)))
    for a, b in zip(model.state_dict().values(), plain.state_dict().values(), strict=True):
        assert torch.equal(a, b)                                   # same initial values
    model.eval(), plain.eval()
    x = torch.randn(2, *shape, dtype=torch.float64, requires_grad=True)
    out, ref = model(x), plain(x)
    torch.testing.assert_close(out, ref, rtol=1e-10, atol=1e-12)
    (g_model,) = torch.autograd.grad(out.square().sum(), x)
    (g_plain,) = torch.autograd.grad(ref.square().sum(), x)
    torch.testing.assert_close(g_model, g_plain, rtol=1e-10, atol=1e-12)
    torch.save(model.state_dict(), tmp_path / "w.pt")
    plain.load_state_dict(torch.load(tmp_path / "w.pt", weights_only=True))
    torch.testing.assert_close(plain(x), out, rtol=1e-10, atol=1e-12)

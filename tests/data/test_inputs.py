"""encoder_inputs for vector and text (cache hit/miss with a small encoder)."""

import numpy as np
import pytest

from mlcl_lab.data import (
    HashingTextEncoder,
    MultiLabelDataset,
    encoder_inputs,
    make_synthetic,
)
from mlcl_lab.data.text_encoders import cached_encode


class CountingEncoder(HashingTextEncoder):
    def __init__(self):
        super().__init__(dim=16)
        self.seen = []

    def encode(self, texts):
        self.seen.extend(texts)
        return super().encode(texts)


def _text_ds(texts):
    y = np.zeros((len(texts), 2), np.uint8)
    y[:, 0] = 1
    return MultiLabelDataset(name="toy", labels=y, label_names=["a", "b"], modality="text",
                             features=None, texts=texts)


def test_vector_path_returns_features():
    ds = make_synthetic(n_samples=20)
    assert encoder_inputs(ds) is ds.features


def test_text_cache_hit_and_miss(tmp_path):
    enc = CountingEncoder()
    ds = _text_ds(["a cat", "a dog", "a cat"])
    e1 = encoder_inputs(ds, tmp_path, encoder=enc)
    assert e1.shape == (3, 16) and e1.dtype == np.float32
    assert enc.seen == ["a cat", "a dog"]  # duplicates encoded once
    e2 = encoder_inputs(ds, tmp_path, encoder=enc)
    assert enc.seen == ["a cat", "a dog"] and np.array_equal(e1, e2)  # full hit
    e3 = encoder_inputs(_text_ds(["a bird", "a dog"]), tmp_path, encoder=enc)
    assert enc.seen == ["a cat", "a dog", "a bird"]  # only the miss is encoded
    assert np.array_equal(e3[1], e1[1])
    np.testing.assert_allclose(e3, HashingTextEncoder(16).encode(["a bird", "a dog"]))


def test_cache_keyed_by_encoder(tmp_path):
    _, n1 = cached_encode(["x"], HashingTextEncoder(8), "d", tmp_path)
    _, n2 = cached_encode(["x"], HashingTextEncoder(4), "d", tmp_path)
    _, n3 = cached_encode(["x"], HashingTextEncoder(8), "d", tmp_path)
    assert (n1, n2, n3) == (1, 1, 0)


def test_corrupt_cache_is_reported(tmp_path):
    cached_encode(["x"], HashingTextEncoder(8), "d", tmp_path)
    f = next((tmp_path / "embeddings").glob("*.npz"))
    f.write_bytes(b"garbage")
    with pytest.raises(ValueError, match="delete it"):
        cached_encode(["x"], HashingTextEncoder(8), "d", tmp_path)


def test_image_paths_not_supported():
    ds = MultiLabelDataset(name="img", labels=np.eye(2, dtype=np.uint8), label_names=["a", "b"],
                           modality="image", features=None, paths=["a.jpg", "b.jpg"])
    with pytest.raises(ValueError, match="not supported"):
        encoder_inputs(ds)


def test_make_source_vectors_in_memory_standardised_on_training_rows():
    import torch

    from mlcl_lab.data.inputs import make_source
    from mlcl_lab.train.config import TrainConfig

    ds = make_synthetic(n_samples=30)
    train = np.arange(0, 30, 2)
    src, choice = make_source(ds, TrainConfig(), "cpu", train_positions=train)
    assert type(src).__name__ == "TensorSource" and choice["kind"] == "tensor"
    assert choice["inputs"] == "feature vectors, standardised on the training rows" and choice["bytes"] == ds.features.nbytes
    x = ds.features.astype(np.float32)  # the formula of train.study.prepare_inputs before sources
    mean, std = x[train].mean(0), x[train].std(0)
    std[std < 1e-12] = 1.0
    assert torch.equal(src.x, torch.from_numpy((x - mean) / std))
    assert torch.equal(src.y, torch.from_numpy(ds.labels).float()) and src.n_labels == ds.n_labels
    with pytest.raises(ValueError, match="empty set of training rows"):
        make_source(ds, TrainConfig(), "cpu", train_positions=np.zeros(0, np.int64))


def test_make_source_keeps_decoded_pixels_as_they_are():
    import torch

    from mlcl_lab.data.inputs import make_source
    from mlcl_lab.train.config import TrainConfig

    pixels = np.random.default_rng(0).random((6, 1, 8, 8), dtype=np.float32)
    ds = MultiLabelDataset(name="px", labels=np.eye(6, 2, dtype=np.uint8), label_names=["a", "b"],
                           modality="image", features=pixels)
    src, choice = make_source(ds, TrainConfig(), "cpu", train_positions=np.arange(3))
    assert choice["kind"] == "tensor" and choice["inputs"] == "decoded pixels" and choice["shape"] == [1, 8, 8] and not choice["standardised"]
    assert torch.equal(src.x, torch.from_numpy(pixels))
    sub = src.subset(np.array([4, 1]))
    assert torch.equal(sub.x, src.x[[4, 1]]) and sub.n == 2


def test_make_source_without_config_uses_the_defaults():
    from mlcl_lab.data.inputs import make_source

    ds = make_synthetic(n_samples=12)
    src, choice = make_source(ds, None, "cpu")
    assert choice["kind"] == "tensor" and choice["inputs"] == "feature vectors, standardised" and src.n == 12


def test_in_memory_rgb_pixels_are_imagenet_normalised_for_a_resnet():
    import torch

    from mlcl_lab.data.images import normalise
    from mlcl_lab.data.inputs import make_source
    from mlcl_lab.train.config import TrainConfig

    levels = np.random.default_rng(1).integers(0, 256, size=(4, 3, 8, 8)).astype(np.uint8)
    ds = MultiLabelDataset(name="rgb", labels=np.eye(4, 2, dtype=np.uint8), label_names=["a", "b"],
                           modality="image", features=(levels / 255.0).astype(np.float32))
    src, choice = make_source(ds, TrainConfig(encoder="resnet18"), "cpu")
    assert choice["inputs"] == "decoded pixels, ImageNet-normalised for the ResNet"
    torch.testing.assert_close(src.x, normalise(torch.from_numpy(levels)))  # the streaming path's normalisation
    cnn, info = make_source(ds, TrainConfig(encoder="cnn"), "cpu")
    assert info["inputs"] == "decoded pixels" and torch.equal(cnn.x, torch.from_numpy(ds.features))

"""encoder_inputs for vector and text (cache hit/miss with a small encoder)."""

import numpy as np
import pytest

from mlcl_lab.data import HashingTextEncoder, MultiLabelDataset, encoder_inputs, make_synthetic
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

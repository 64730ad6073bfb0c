"""The streaming image pipeline on a real-format VOC folder: batches, determinism, workers, errors."""

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from mlcl_lab.data.errors import MalformedFileError
from mlcl_lab.data.images import normalise
from mlcl_lab.data.inputs import in_memory_source, make_source
from mlcl_lab.data.paper import load_voc2007
from mlcl_lab.data.streaming import ImageFiles, StreamingSource, TokenRows, batch_cuts
from mlcl_lab.losses import get_loss
from mlcl_lab.models import ProjectionHead, build_encoder, extract_features
from mlcl_lab.train.batching import batch_indices
from mlcl_lab.train.config import TrainConfig
from tests.fixtures.paper_formats import make_voc_folder


@pytest.fixture(scope="module")
def voc(tmp_path_factory):
    return load_voc2007(make_voc_folder(tmp_path_factory.mktemp("voc"), n_images=40))


def _source(ds, augment="randaugment", workers=0, size=32):
    src, choice = make_source(ds, TrainConfig(image_size=size, augment=augment, num_workers=workers), "cpu")
    assert isinstance(src, StreamingSource) and choice["kind"] == "streaming"
    return src


def _epoch(src, seed, bs=8, shuffle=True, drop_last=False, gen=None):
    gen = torch.Generator().manual_seed(seed) if gen is None else gen
    return [(b.x.clone(), b.y.clone(), b.index.clone()) for b in src.batches(bs, shuffle=shuffle, drop_last=drop_last, generator=gen)]


def test_choice_is_recorded_and_batches_follow_the_protocol(voc):
    src, choice = make_source(voc, TrainConfig(image_size=32, augment="strong"), "cpu")
    assert choice == {"kind": "streaming", "inputs": "image files", "shape": [3, 32, 32], "standardised": False,
                      "reason": choice["reason"], "image_size": 32, "augment": "strong", "backend": "pil",
                      "num_workers": 0, "pin_memory": False}
    assert (src.n, src.n_labels, src.input_shape) == (40, 20, (3, 32, 32))
    batches = _epoch(src, 0, bs=16)
    assert [len(i) for _, _, i in batches] == [16, 16, 8]
    order = torch.cat([i for _, _, i in batches])
    reference = torch.cat(list(batch_indices(40, 16, torch.Generator().manual_seed(0), False, torch.device("cpu"))))
    assert torch.equal(order, reference)  # the trainer's batch order, bit for bit
    lo = normalise(torch.zeros(1, 3, 1, 1, dtype=torch.uint8)).amin()  # (0 - mean) / std, lowest channel
    hi = normalise(torch.full((1, 3, 1, 1), 255, dtype=torch.uint8)).amax()
    for x, y, index in batches:
        assert x.dtype == torch.float32 and x.shape[1:] == (3, 32, 32)
        assert lo - 1e-6 <= x.min() and x.max() <= hi + 1e-6
        assert torch.equal(y, torch.from_numpy(voc.labels[index.numpy()]).float())
    assert [len(i) for _, _, i in _epoch(src, 0, bs=16, drop_last=True)] == [16, 16]


def test_ordered_pass_is_the_evaluation_transform(voc):
    src = _source(voc, "strong")
    x, _, index = _epoch(src, 0, bs=40, shuffle=False)[0]
    assert torch.equal(index, torch.arange(40))
    for i in (0, 17, 39):
        with Image.open(voc.paths[i]) as im:
            ref = np.asarray(im.convert("RGB").resize((32, 32), Image.BILINEAR)).transpose(2, 0, 1).copy()
        torch.testing.assert_close(x[i], normalise(torch.from_numpy(ref)[None])[0])
    assert torch.equal(_epoch(src, 1, bs=40, shuffle=False)[0][0], x)  # no randomness in ordered passes


def test_deterministic_for_a_seed_with_two_workers(voc):
    two, zero = _source(voc, "randaugment", workers=2), _source(voc, "randaugment", workers=0)
    a, b, c = _epoch(two, 7), _epoch(two, 7), _epoch(zero, 7)
    for (xa, ya, ia), (xb, yb, ib), (xc, yc, ic) in zip(a, b, c, strict=True):
        assert torch.equal(xa, xb) and torch.equal(ia, ib) and torch.equal(ya, yb)
        assert torch.equal(xa, xc) and torch.equal(ia, ic) and torch.equal(ya, yc)  # independent of the number of workers
    other = _epoch(two, 8)
    assert not torch.equal(torch.cat([i for *_, i in other]), torch.cat([i for *_, i in a]))
    gen = torch.Generator().manual_seed(7)
    e1, e2 = _epoch(two, 0, gen=gen), _epoch(two, 0, gen=gen)  # two epochs of one run
    x1 = torch.cat([x for x, *_ in e1])[torch.argsort(torch.cat([i for *_, i in e1]))]
    x2 = torch.cat([x for x, *_ in e2])[torch.argsort(torch.cat([i for *_, i in e2]))]
    assert not torch.equal(x1, x2)  # each epoch draws new augmentations


def test_subset_positions_and_index(voc):
    src = _source(voc, "none")
    sub = src.subset(np.array([5, 9, 30]))
    (x, y, index), = _epoch(sub, 0, bs=8, shuffle=False)
    full = _epoch(src, 0, bs=40, shuffle=False)[0][0]
    assert torch.equal(index, torch.arange(3)) and torch.equal(x, full[[5, 9, 30]])
    assert torch.equal(y, torch.from_numpy(voc.labels[[5, 9, 30]]).float())
    with pytest.raises(IndexError, match=r"subset positions must lie in \[0, 3\)"):
        sub.subset(np.array([3]))


def test_tiny_resnet_trains_on_streamed_batches_and_probe_reads_backbone_features(voc):
    torch.manual_seed(0)
    src = _source(voc, "randaugment", size=32)
    enc = build_encoder("resnet18", src.input_shape)
    head = ProjectionHead(enc.out_dim, 16)
    loss_fn = get_loss("base", temperature=0.1)
    opt = torch.optim.AdamW([*enc.parameters(), *head.parameters()], lr=1e-3)
    before = enc.layer1[0].conv1.weight.detach().clone()
    for batch in src.batches(16, shuffle=True, drop_last=True, generator=torch.Generator().manual_seed(0)):
        loss = loss_fn(head(enc(batch.x)), batch.y)
        opt.zero_grad()
        loss.backward()
        assert enc.conv1.weight.grad.abs().sum() > 0
        opt.step()
    assert not torch.equal(before, enc.layer1[0].conv1.weight)
    feats = extract_features(enc, src, batch_size=16)
    assert feats.shape == (40, enc.out_dim) == (40, 512) and enc.training  # backbone, not projection (16)
    eval_x = _epoch(src, 0, bs=40, shuffle=False)[0][0]
    with torch.no_grad():
        torch.testing.assert_close(feats, enc.eval()(eval_x), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("workers", [0, 2])
def test_a_corrupt_jpeg_is_named(voc, tmp_path, workers):
    bad = tmp_path / "000099.jpg"
    bad.write_bytes(Path(voc.paths[3]).read_bytes()[:300])
    paths = list(voc.paths)
    paths[3] = str(bad)
    src = StreamingSource(ImageFiles(paths, _source(voc).fetcher.transform), voc.labels, "cpu", num_workers=workers)
    with pytest.raises(MalformedFileError, match="000099.jpg: cannot decode image"):
        for _ in src.batches(8, shuffle=False, drop_last=False, generator=None):
            pass


def test_a_truncated_annotation_is_named(tmp_path):
    root = make_voc_folder(tmp_path, n_images=6, n_test=2)
    xml = root / "VOCdevkit" / "VOC2007" / "Annotations" / "000004.xml"
    xml.write_text(xml.read_text()[:120])
    with pytest.raises(MalformedFileError, match="000004.xml"):
        load_voc2007(root)


def test_batch_cuts_and_tensor_source_match_the_trainer_order():
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    for drop_last in (False, True):
        cuts = batch_cuts(23, 5, shuffle=True, drop_last=drop_last, generator=g1)
        ref = list(batch_indices(23, 5, g2, drop_last, torch.device("cpu")))
        assert len(cuts) == len(ref) and all(np.array_equal(c, r.numpy()) for c, r in zip(cuts, ref, strict=True))
    assert [len(c) for c in batch_cuts(3, 5, shuffle=False, drop_last=True, generator=None)] == [3]
    x, y = torch.randn(23, 4), torch.randint(0, 2, (23, 3))
    src = in_memory_source(x, y)
    for b, r in zip(src.batches(5, shuffle=True, drop_last=False, generator=torch.Generator().manual_seed(1)),
                    batch_indices(23, 5, torch.Generator().manual_seed(1), False, torch.device("cpu")), strict=True):
        assert torch.equal(b.index, r) and torch.equal(b.x, x[r]) and torch.equal(b.y, y[r].float())
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        batch_cuts(3, 0, shuffle=False, drop_last=False, generator=None)
    with pytest.raises(ValueError, match="a shuffled pass needs a generator"):
        next(src.batches(5, shuffle=True, drop_last=False, generator=None))
    assert len(next(src.batches(5, shuffle=False, drop_last=False, generator=None))) == 5


def test_token_rows_trim_trailing_padding():
    ids = torch.tensor([[101, 7, 8, 102, 0, 0], [101, 9, 102, 0, 0, 0], [101, 102, 0, 0, 0, 0]], dtype=torch.int32)
    mask = (ids != 0).to(torch.int8)
    rows = TokenRows(ids, mask)
    out = rows.fetch(np.array([1, 2]), 0, False)
    assert out["input_ids"].dtype == torch.int64 and out["input_ids"].tolist() == [[101, 9, 102], [101, 102, 0]]
    assert out["attention_mask"].tolist() == [[1, 1, 1], [1, 1, 0]]
    src = StreamingSource(rows, np.eye(3, dtype=np.uint8), "cpu")
    b = next(src.batches(3, shuffle=False, drop_last=False, generator=None))
    assert b.x["input_ids"].shape == (3, 4) and torch.equal(b.index, torch.arange(3))
    with pytest.raises(ValueError, match=r"token arrays must both be \(N, T\)"):
        TokenRows(ids, mask[:, :3])
    with pytest.raises(ValueError, match="must be right-padded"):
        TokenRows(ids.flip(1), mask.flip(1))


def test_missing_files_fail_before_any_batch_and_augmentation_streams(voc, tmp_path):
    from mlcl_lab.data.errors import DatasetNotFoundError
    from mlcl_lab.data.images import ImageTransform

    paths = [*voc.paths[:3], str(tmp_path / "gone.jpg")]
    with pytest.raises(DatasetNotFoundError, match=r"1 of 4 image files do not exist, e.g. .*gone.jpg"):
        ImageFiles(paths, ImageTransform(8))
    decoded = voc.subset(np.arange(6))
    decoded = type(decoded)(**{**decoded.__dict__, "features": np.zeros((6, 3, 8, 8), np.float32)})
    assert make_source(decoded, TrainConfig(augment="none"), "cpu")[1]["kind"] == "tensor"
    src, choice = make_source(decoded, TrainConfig(augment="randaugment", image_size=16), "cpu")
    assert choice["kind"] == "streaming" and "augment='randaugment' needs the image files" in choice["reason"]
    assert src.input_shape == (3, 16, 16)


def test_without_augmentation_the_generator_advances_as_for_an_in_memory_source(voc):
    src = _source(voc, "none")
    gen, ref = torch.Generator().manual_seed(4), torch.Generator().manual_seed(4)
    for _ in range(3):  # three epochs: the same orders as batch_indices with the same generator
        got = torch.cat([b.index for b in src.batches(16, shuffle=True, drop_last=False, generator=gen)])
        want = torch.cat(list(batch_indices(40, 16, ref, False, torch.device("cpu"))))
        assert torch.equal(got, want)

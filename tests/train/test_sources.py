"""TensorSource: the batch order of the old ``batch_indices`` stream, bit for bit; subsets; errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlcl_lab.train import Batch, BatchSource, TensorSource
from mlcl_lab.train.batching import encode


def _source(n=10, f=3, l=4):
    g = torch.Generator().manual_seed(0)
    return TensorSource(torch.randn(n, f, generator=g), (torch.rand(n, l, generator=g) < 0.5).to(torch.uint8))


def test_shuffled_pass_is_randperm_cut_into_batches():
    src = _source(n=10)
    got = [b.index.tolist() for b in src.batches(4, shuffle=True, drop_last=True, generator=torch.Generator().manual_seed(7))]
    order = torch.randperm(10, generator=torch.Generator().manual_seed(7)).tolist()  # independent reference
    assert got == [order[0:4], order[4:8]]  # the incomplete last batch is dropped
    kept = [b.index.tolist() for b in src.batches(4, shuffle=True, drop_last=False, generator=torch.Generator().manual_seed(7))]
    assert kept == [order[0:4], order[4:8], order[8:10]]


def test_batches_carry_the_rows_of_their_index_and_float_labels():
    src = _source()
    for b in src.batches(3, shuffle=True, drop_last=False, generator=torch.Generator().manual_seed(1)):
        assert isinstance(b, Batch) and len(b) == b.index.numel()
        torch.testing.assert_close(b.x, src.x[b.index], rtol=0, atol=0)
        assert b.y.dtype == torch.float32 and torch.equal(b.y, src.y[b.index])


def test_ordered_pass_and_a_source_smaller_than_a_batch():
    src = _source(n=5)
    assert [b.index.tolist() for b in src.batches(2, shuffle=False, drop_last=False, generator=None)] == [[0, 1], [2, 3], [4]]
    assert [b.index.tolist() for b in src.batches(8, shuffle=False, drop_last=True, generator=None)] == [[0, 1, 2, 3, 4]]


def test_subset_keeps_the_given_order_and_is_a_source():
    src = _source()
    sub = src.subset(np.array([7, 2, 5]))
    assert isinstance(sub, BatchSource) and sub.n == 3 and sub.n_labels == 4
    torch.testing.assert_close(sub.x, src.x[[7, 2, 5]], rtol=0, atol=0)
    with pytest.raises(IndexError, match="out of range"):
        src.subset(np.array([10]))


def test_encode_reads_a_source_in_order_like_the_tensor():
    src = _source(n=9)
    net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2)).train()
    from_source = encode(net, src, batch_size=4)
    torch.testing.assert_close(from_source, encode(net, src.x, batch_size=4), rtol=0, atol=0)
    assert net.training  # the mode is restored
    with pytest.raises(ValueError, match="empty"):
        encode(net, src.subset(np.array([], dtype=np.int64)))


@pytest.mark.parametrize("args, error", [
    ((torch.zeros(3, 2), torch.zeros(4, 1)), ValueError),
    ((torch.zeros(3, 2), torch.zeros(3)), ValueError),
    ((np.zeros((3, 2)), torch.zeros(3, 1)), TypeError),
])
def test_bad_tensors_are_named(args, error):
    with pytest.raises(error, match="TensorSource"):
        TensorSource(*args)


def test_a_shuffled_pass_needs_a_generator():
    with pytest.raises(ValueError, match="generator"):
        next(_source().batches(2, shuffle=True, drop_last=True, generator=None))


class _TensorRows:
    """A BatchFetcher over an in-memory tensor (no randomness): streaming without files."""

    random = False

    def __init__(self, x: torch.Tensor) -> None:
        self.x = x
        self.input_shape = tuple(x.shape[1:])

    def fetch(self, rows, seed, train):
        return self.x[torch.as_tensor(rows)]

    def to_device(self, x, device):
        return x.to(device)


@pytest.mark.parametrize("loss", ["base", "bce"])
def test_a_streaming_source_trains_exactly_like_the_tensor_source(loss):
    """Interface 1: a run reads any BatchSource; the DataLoader path gives the same batches."""
    from mlcl_lab.data.streaming import StreamingSource
    from mlcl_lab.train import StageData, TrainConfig, train_contrastive, train_supervised

    g = torch.Generator().manual_seed(0)
    x = torch.randn(120, 5, generator=g)
    y = (torch.rand(120, 3, generator=g) < 0.4).float()
    cfg = TrainConfig(epochs=2, batch_size=32, hidden_dim=8, projection_dim=4, device="cpu")
    train = train_supervised if loss == "bce" else train_contrastive
    out = []
    for make in (lambda rows: TensorSource(x[rows], y[rows]),
                 lambda rows: StreamingSource(_TensorRows(x), y.numpy(), torch.device("cpu")).subset(rows)):
        torch.manual_seed(0)
        data = StageData(make(np.arange(90)), make(np.arange(90, 120)), torch.Generator().manual_seed(1))
        model, history = train(loss, data, cfg, progress=False)
        out.append((model, history))
    for a, b in zip(out[0][0].state_dict().values(), out[1][0].state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert out[0][1]["train_loss"].tolist() == out[1][1]["train_loss"].tolist()

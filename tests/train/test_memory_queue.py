import copy

import pytest
import torch

from mlcl_lab.train import StageData, TensorSource, TrainConfig
from mlcl_lab.train import contrastive as contrastive_module
from mlcl_lab.train.contrastive import train_contrastive
from mlcl_lab.train.memory_queue import MemoryQueue, MomentumEncoder, reference_set


def test_queue_is_fifo_and_bounded():
    q = MemoryQueue(size=5, dim=2, n_labels=3, device=torch.device("cpu"))
    assert q.reference() == (None, None)
    q.push(torch.arange(6.0).view(3, 2), torch.eye(3))
    keys, labels = q.reference()
    assert keys.shape == (3, 2) and torch.equal(labels, torch.eye(3))
    q.push(torch.full((4, 2), 9.0), torch.ones(4, 3))
    keys, labels = q.reference()
    assert keys.shape == (5, 2)
    # the two oldest entries were replaced; the third original key survives
    assert (keys == torch.tensor([4.0, 5.0])).all(1).sum() == 1
    assert (keys == 9.0).all(1).sum() == 4


def test_momentum_encoder_is_an_ema_without_gradients():
    model = torch.nn.Linear(2, 2)
    ema = MomentumEncoder(model, momentum=0.9)
    assert not any(p.requires_grad for p in ema.parameters())
    before = ema.model.weight.clone()
    with torch.no_grad():
        model.weight.add_(1.0)
    ema.update(model)
    torch.testing.assert_close(ema.model.weight, 0.9 * before + 0.1 * model.weight)


# --- what the loss sees with a queue (issue 12 item 4): [this batch's momentum keys; the queue] ---


class _Spy(torch.nn.Module):
    """Wraps a loss and records what each training call received."""

    def __init__(self, loss):
        super().__init__()
        self.inner, self.calls = loss, []
        self.kind, self.uses_prototypes, self.supports_ref = loss.kind, loss.uses_prototypes, loss.supports_ref

    def forward(self, z, y, **kwargs):
        self.calls.append({"y": y.clone(), **{k: v.detach().clone() for k, v in kwargs.items()}})
        return self.inner(z, y, **kwargs)


def _stage_data(n=48, f=5, l=3):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, f, generator=g)
    y = (torch.rand(n, l, generator=g) < 0.5).float()
    return StageData(TensorSource(x, y), TensorSource(x[:8], y[:8]), torch.Generator().manual_seed(0))


def test_the_loss_sees_the_batchs_own_keys_then_the_queue(monkeypatch):
    real = contrastive_module.get_loss
    spies = []

    def spy_loss(name, **options):
        spies.append(_Spy(real(name, **options)))
        return spies[-1]

    monkeypatch.setattr(contrastive_module, "get_loss", spy_loss)
    cfg = TrainConfig(epochs=2, batch_size=8, hidden_dim=8, projection_dim=4, dropout=0.0, queue_size=20,
                      momentum=0.9, device="cpu")
    torch.manual_seed(0)
    from mlcl_lab.train.models import build_model
    initial = build_model("contrastive", cfg, _stage_data().train)  # the same initial weights as the run's model
    torch.manual_seed(0)
    data = _stage_data()
    train_contrastive("base", data, cfg, progress=False)
    calls = [c for c in spies[0].calls if "ref_z" in c]  # training calls (validation is in-batch, no ref)
    assert len(calls) == 12  # 48 / 8 = 6 steps x 2 epochs
    order = torch.randperm(48, generator=torch.Generator().manual_seed(0))[:8]
    with torch.no_grad():  # step 1: the momentum encoder is still the initial model; the queue is empty
        expected_keys = copy.deepcopy(initial).train()(data.train.x[order])
    torch.testing.assert_close(calls[0]["ref_z"], expected_keys, rtol=1e-6, atol=1e-6)
    assert torch.equal(calls[0]["ref_y"], calls[0]["y"])
    pushed_keys, pushed_labels = [], []
    for call in calls:
        b = call["y"].shape[0]
        assert torch.equal(call["ref_y"][:b], call["y"])  # the batch's own keys first, in batch order
        held = torch.cat(pushed_keys)[-20:] if pushed_keys else torch.zeros(0, 4)
        held_y = torch.cat(pushed_labels)[-20:] if pushed_labels else torch.zeros(0, 3)
        # the queue holds the keys of the earlier steps (the last 20), in storage order
        assert call["ref_z"].shape[0] == b + held.shape[0]
        rest = call["ref_z"][b:]
        for row in held:
            assert (rest == row).all(1).any()
        assert torch.equal(call["ref_y"][b:].sum(0), held_y.sum(0))
        pushed_keys.append(call["ref_z"][:b])
        pushed_labels.append(call["y"])


def test_reference_set_is_keys_then_queue():
    q = MemoryQueue(size=4, dim=2, n_labels=1, device=torch.device("cpu"))
    keys, labels = torch.ones(2, 2), torch.ones(2, 1)
    assert reference_set(keys, labels, q)[0] is keys  # empty queue: only the batch's keys
    q.push(torch.zeros(3, 2), torch.zeros(3, 1))
    ref_z, ref_y = reference_set(keys, labels, q)
    assert torch.equal(ref_z, torch.cat([keys, torch.zeros(3, 2)])) and torch.equal(ref_y[:2], labels)


def test_a_loss_without_reference_support_refuses_a_queue():
    cfg = TrainConfig(epochs=1, batch_size=8, queue_size=16, device="cpu")
    with pytest.raises(ValueError, match="does not take a reference set"):
        train_contrastive("proto", _stage_data(), cfg, progress=False)

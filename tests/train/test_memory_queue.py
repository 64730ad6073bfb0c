import torch

from mlcl_lab.train.memory_queue import MemoryQueue, MomentumEncoder


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

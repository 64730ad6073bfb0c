"""On CUDA a training step never waits for the device (issue 13 item 4). Needs a GPU; skipped on CPU.

``torch.cuda.set_sync_debug_mode("error")`` makes every synchronising call (a device
value read by the host, a blocking copy) raise; it is switched on at the first step's
loss and off after the last step, so the whole step — batch gather, forward, loss,
backward, clipping, fused AdamW, schedule, the loss sum — is covered. The once-per-epoch
reads (shuffled order upload, the loss-sum check) lie outside.
"""

from __future__ import annotations

import pytest
import torch

from mlcl_lab.train import StageData, TensorSource, TrainConfig
from mlcl_lab.train.contrastive import _step_functions, contrastive_loss
from mlcl_lab.train.loop import make_stage, train_epoch
from mlcl_lab.train.models import build_model
from mlcl_lab.train.supervised import supervised_loss

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


def _data(device):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(512, 12, generator=g)
    y = (torch.rand(512, 6, generator=g) < 0.3).float()
    src = TensorSource(x.to(device), y.to(device))
    return StageData(src, src.subset(torch.arange(64).numpy()), torch.Generator().manual_seed(0))


@pytest.mark.parametrize("loss_name, kind, queue", [("bce", "supervised", 0), ("base", "contrastive", 0),
                                                    ("msc", "contrastive", 0), ("msc", "contrastive", 256)])
def test_a_step_does_not_synchronise(loss_name, kind, queue):
    device = torch.device("cuda")
    cfg = TrainConfig(epochs=1, batch_size=64, hidden_dim=32, projection_dim=16, queue_size=queue, device="cuda")
    data = _data(device)
    if kind == "supervised":
        loss = supervised_loss(loss_name, cfg)
        model = build_model("supervised", cfg, data.train)
        step_loss, after = (lambda b: loss(model(b.x).float(), b.y)), None
    else:
        loss = contrastive_loss(loss_name, cfg)
        model = build_model("contrastive", cfg, data.train, with_prototypes=bool(loss.uses_prototypes))
    stage = make_stage(model, cfg, data.train.n, loss_name)
    if kind == "contrastive":
        step_loss, after = _step_functions(loss, stage, cfg, data.train.n_labels)
    steps = stage.steps_per_epoch
    done = []

    def checked_loss(batch):
        if not done:
            torch.cuda.synchronize()
            torch.cuda.set_sync_debug_mode("error")
        return step_loss(batch)

    def after_step(batch):
        if after is not None:
            after(batch)
        done.append(1)
        if len(done) == steps:
            torch.cuda.set_sync_debug_mode("default")

    try:
        mean = train_epoch(stage, data, checked_loss, epoch=1, after_step=after_step)
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert len(done) == steps == 8 and torch.isfinite(torch.tensor(mean))

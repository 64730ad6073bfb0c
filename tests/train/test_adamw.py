"""Our AdamW holder gives torch.optim.AdamW's numbers bit for bit; LambdaSchedule gives LambdaLR's rates."""

from __future__ import annotations

import pytest
import torch

from mlcl_lab.train.adamw import AdamW
from mlcl_lab.train.schedule import LambdaSchedule, cosine_with_warmup


def _model(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(7, 16), torch.nn.BatchNorm1d(16), torch.nn.ReLU(), torch.nn.Linear(16, 3))


def _groups(model, lrs=(1e-2, 3e-3)):
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    return [{"params": decay, "weight_decay": 0.1, "lr": lrs[0]}, {"params": no_decay, "weight_decay": 0.0, "lr": lrs[1]}]


def _train(make_optimizer, make_schedule, steps=25, freeze_last=False):
    model = _model()
    if freeze_last:  # a parameter without gradient is skipped
        model[3].bias.requires_grad_(False)
    optimizer = make_optimizer(_groups(model))
    schedule = make_schedule(optimizer)
    g = torch.Generator().manual_seed(1)
    lrs = []
    for _ in range(steps):
        x, y = torch.randn(32, 7, generator=g), torch.randn(32, 3, generator=g)
        optimizer.zero_grad(set_to_none=True)
        torch.nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
        schedule.step()
        lrs.append([group["lr"] for group in optimizer.param_groups])
    return [p.detach().clone() for p in model.parameters()], lrs


def _factor(step):
    return 1.0 / (1.0 + step) ** 0.5


@pytest.mark.parametrize("freeze_last", [False, True])
def test_same_parameters_and_rates_as_torch(freeze_last):
    ours, our_lrs = _train(lambda g: AdamW(g, lr=1e-3), lambda o: LambdaSchedule(o, _factor), freeze_last=freeze_last)
    ref, ref_lrs = _train(lambda g: torch.optim.AdamW(g, lr=1e-3),
                          lambda o: torch.optim.lr_scheduler.LambdaLR(o, _factor), freeze_last=freeze_last)
    for a, b in zip(ours, ref, strict=True):
        assert torch.equal(a, b)
    assert our_lrs == ref_lrs


def test_cosine_schedule_drives_torchs_optimizer_too():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = cosine_with_warmup(opt, total_steps=20, warmup_fraction=0.1)
    ref_opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    ref = torch.optim.lr_scheduler.LambdaLR(ref_opt, sched.factor)
    for _ in range(20):
        assert sched.get_last_lr() == ref.get_last_lr()
        opt.step(), ref_opt.step()
        sched.step(), ref.step()


def test_first_step_does_not_import_dynamo():
    import subprocess
    import sys

    code = ("import sys, torch\nfrom mlcl_lab.train.adamw import AdamW\n"
            "p = torch.nn.Parameter(torch.zeros(3)); o = AdamW([{'params': [p]}], lr=0.1)\n"
            "p.grad = torch.ones(3); o.step()\nprint('torch._dynamo' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


def test_empty_groups_are_refused():
    with pytest.raises(ValueError, match="at least one parameter"):
        AdamW([{"params": []}], lr=0.1)


def test_the_fused_path_matches_torchs_fused_adamw():
    # the path CUDA runs (state on the device, one fused kernel), exercised here on the CPU
    ours, _ = _train(lambda g: AdamW(g, lr=1e-3, fused=True), lambda o: LambdaSchedule(o, _factor))
    ref, _ = _train(lambda g: torch.optim.AdamW(g, lr=1e-3, fused=True),
                    lambda o: torch.optim.lr_scheduler.LambdaLR(o, _factor))
    for a, b in zip(ours, ref, strict=True):
        assert torch.equal(a, b)

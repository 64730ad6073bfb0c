"""train.distributed: 2 gloo processes on CPU equal one process on the concatenated batch.

Losses: for every contrastive loss (with/without prototypes, with a queue), the value and the
gradient of every parameter after DDP's averaging equal the one-process ones (float64,
rtol 1e-6). A wrong world-size factor (the classic "right value, gradients / W" bug) fails
these. Training: a short 2-process run gives the one-process model (float32, stated atol).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from mlcl_lab.losses import available_losses, get_loss, loss_kind
from mlcl_lab.train.config import TrainConfig
from mlcl_lab.train.contrastive import train_contrastive
from mlcl_lab.train.distributed import distributed_contrastive_loss, leave_process, train_contrastive_on
from mlcl_lab.train.loop import StageData
from mlcl_lab.train.sources import TensorSource

ROOT = Path(__file__).resolve().parents[2]
WORLD, LOCAL_B, D_IN, D, L, QUEUE = 2, 6, 5, 4, 4, 5
CONTRASTIVE = [n for n in available_losses() if loss_kind(n) == "contrastive"]


def _cases() -> list[tuple[str, dict, bool]]:
    cases = []
    for name in CONTRASTIVE:
        cases.append((name, {}, False))
        if get_loss(name).supports_ref:
            cases.append((name, {}, True))
    cases += [("mulsupcon", {"variant": "original"}, False), ("mulsupcon", {"variant": "original"}, True),
              ("base", {"empty_anchors": "include"}, False), ("supcon_any", {"decoupled": True}, True),
              ("mulsupcon", {"with_weight": True}, True)]
    return cases


CASES = _cases()


class Embedder(nn.Module):
    """z = x W (+ label prototypes): every parameter's gradient is compared."""

    def __init__(self, with_prototypes: bool) -> None:
        super().__init__()
        g = torch.Generator().manual_seed(7)
        self.weight = nn.Parameter(torch.randn(D_IN, D, generator=g, dtype=torch.float64))
        self.prototypes = nn.Parameter(torch.randn(L, D, generator=g, dtype=torch.float64)) if with_prototypes else None

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        return x @ self.weight, self.prototypes


def _data() -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(3)
    y = (torch.rand(WORLD * LOCAL_B, L, generator=g) < 0.35).double()
    y[0] = 0.0                       # an anchor without labels
    y[LOCAL_B + 1] = y[LOCAL_B + 2]  # identical label sets across... and within rank 1
    y[1] = y[LOCAL_B + 3]            # a positive pair only across ranks
    qy = (torch.rand(QUEUE, L, generator=g) < 0.35).double()
    return {"x": torch.randn(WORLD * LOCAL_B, D_IN, generator=g, dtype=torch.float64), "y": y,
            "q": torch.randn(QUEUE, D, generator=g, dtype=torch.float64), "qy": qy}


def _loss(name: str, options: dict) -> nn.Module:
    return get_loss(name, temperature=0.5, **options)


def _one_process(name: str, options: dict, queue: bool) -> dict[str, torch.Tensor]:
    data, loss = _data(), _loss(name, options)
    module = Embedder(loss.uses_prototypes)
    z, protos = module(data["x"])
    ref = {"ref_z": data["q"], "ref_y": data["qy"]} if queue else {}
    value = loss(z, data["y"], prototypes=protos, **ref)
    value.backward()
    return {"value": value.detach(), **{k: p.grad.clone() for k, p in module.named_parameters()}}


def _loss_worker(rank: int, store: str, out: str) -> None:
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=WORLD)
    try:
        data, results = _data(), []
        mine = slice(rank * LOCAL_B, (rank + 1) * LOCAL_B)
        for name, options, queue in CASES:
            loss = _loss(name, options)
            module = DistributedDataParallel(Embedder(loss.uses_prototypes))
            z, protos = module(data["x"][mine])
            ref = {"ref_z": data["q"], "ref_y": data["qy"]} if queue else {}
            value = distributed_contrastive_loss(loss, z, data["y"][mine], prototypes=protos, **ref)
            value.backward()
            results.append({"value": value.detach(),
                            **{k.removeprefix("module."): p.grad.clone() for k, p in module.named_parameters()}})
        torch.save(results, f"{out}.{rank}")
    except BaseException:
        dist.destroy_process_group()
        raise
    leave_process(0)  # the process group's teardown can deadlock at exit (leave_process)


@pytest.fixture(scope="module")
def two_process_results(tmp_path_factory) -> list[list[dict[str, torch.Tensor]]]:
    # Two fresh interpreters, bounded by a timeout. Each rank leaves with leave_process once
    # its results are written: the gloo teardown at exit deadlocked under load (py-spy: the
    # main thread freeing DDP's Reducer waited for gloo's worker thread, which waited for the GIL).
    folder = tmp_path_factory.mktemp("ddp-loss")
    code = ("import sys; from tests.train.test_distributed import _loss_worker; "
            "_loss_worker(int(sys.argv[1]), sys.argv[2], sys.argv[3])")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    procs = [subprocess.Popen([sys.executable, "-c", code, str(r), str(folder / "store"), str(folder / "out")],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for r in range(WORLD)]
    logs = []
    try:
        for proc in procs:
            logs.append(proc.communicate(timeout=300)[0])
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    for rank, (proc, log) in enumerate(zip(procs, logs, strict=True)):
        assert proc.returncode == 0, f"rank {rank} exited with {proc.returncode}:\n{log[-4000:]}"
    return [torch.load(folder / f"out.{r}") for r in range(WORLD)]


@pytest.mark.parametrize("case", range(len(CASES)), ids=[f"{n}-{o}-{'queue' if q else 'batch'}" for n, o, q in CASES])
def test_value_and_every_gradient_equal_one_process(two_process_results, case):
    name, options, queue = CASES[case]
    expected = _one_process(name, options, queue)
    assert expected["value"].item() != 0.0 and any(expected[k].abs().max() > 0 for k in expected if k != "value")
    for rank in range(WORLD):
        got = two_process_results[rank][case]
        assert set(got) == set(expected)
        for key in expected:
            torch.testing.assert_close(got[key], expected[key], rtol=1e-6, atol=1e-12, msg=f"rank {rank} {key}")


def test_a_missing_world_size_factor_is_caught(two_process_results):
    """The comparison is sensitive to the classic bug: gradients off by 1/W fail it."""
    expected = _one_process("base", {}, False)
    got = two_process_results[0][CASES.index(("base", {}, False))]
    with pytest.raises(AssertionError):
        torch.testing.assert_close(got["weight"] / WORLD, expected["weight"], rtol=1e-6, atol=1e-12)


def _synthetic(n: int = 192, seed: int = 0) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(seed)
    y = (torch.rand(n, L + 1, generator=g) < 0.3).float()
    x = torch.randn(n, 8, generator=g) + 2.0 * y @ torch.randn(L + 1, 8, generator=g)
    return x[:160], y[:160], x[160:], y[160:]


def _stage(data: tuple[torch.Tensor, ...], generator: torch.Generator) -> StageData:
    return StageData(TensorSource(data[0], data[1]), TensorSource(data[2], data[3]), generator)


def _gauge_keys(model: nn.Module) -> set[str]:
    """Biases of Linear layers that feed a BatchNorm, and that BatchNorm's running mean.

    BatchNorm subtracts the batch mean, so such a bias has a zero gradient in exact arithmetic;
    AdamW divides its rounding-noise gradient (~1e-9) by sqrt(v) + eps and moves it by ~0.1 lr
    per step in a noise-driven direction, in one process as in two. These entries (and the
    running mean that follows the bias) are therefore not comparable between any two runs
    that sum in a different order; the function in training mode does not depend on them.
    """
    keys = set()
    for name, module in model.named_modules():
        if isinstance(module, nn.Sequential):
            layers = list(module)
            for i in range(1, len(layers)):
                if isinstance(layers[i], nn.modules.batchnorm._BatchNorm) and isinstance(layers[i - 1], nn.Linear):
                    keys |= {f"{name}.{i - 1}.bias", f"{name}.{i}.running_mean"}
    return keys


# dropout 0: random masks cannot be the same in 1 and 2 processes; BatchNorm stays on.
TRAIN_TOL = 1e-5  # float32, 2 epochs x 5 steps: the rest is summation-order rounding (measured <= 5e-7)


# reg: prototypes pooled in as anchors, a queue and BatchNorm (the other losses: the loss-level tests above)
@pytest.mark.parametrize("loss_name,queue_size", [("reg", 64)])
def test_two_process_training_gives_the_one_process_model(loss_name, queue_size):
    config = TrainConfig(epochs=2, batch_size=32, hidden_dim=16, depth=2, projection_dim=8, dropout=0.0,
                         queue_size=queue_size, lr=1e-2)
    data = _synthetic()
    torch.manual_seed(11)
    ref_generator = torch.Generator().manual_seed(5)
    ref_model, ref_history = train_contrastive(loss_name, _stage(data, ref_generator), config, False)
    torch.manual_seed(11)
    generator = torch.Generator().manual_seed(5)
    model, history = train_contrastive_on(["cpu", "cpu"], loss_name, _stage(data, generator), config, False)
    assert torch.equal(generator.get_state(), ref_generator.get_state())  # left as one process leaves it
    ref_state, state = ref_model.state_dict(), model.state_dict()
    gauge = _gauge_keys(ref_model)
    assert set(state) == set(ref_state) and any("running_var" in k for k in state) and gauge
    for key in sorted(set(ref_state) - gauge):
        torch.testing.assert_close(state[key], ref_state[key], rtol=0, atol=TRAIN_TOL, msg=key)
    torch.testing.assert_close(torch.tensor(history["train_loss"].to_numpy()),
                               torch.tensor(ref_history["train_loss"].to_numpy()), rtol=1e-5, atol=0)
    ref_model.train(), model.train()
    with torch.no_grad():  # the function (training mode: batch statistics) is the same
        torch.testing.assert_close(model(data[2]), ref_model(data[2]), rtol=0, atol=TRAIN_TOL)
    # the excluded biases really have a vanishing gradient (a gauge, not a hidden mismatch)
    loss = get_loss(loss_name, temperature=config.temperature)
    protos = {"prototypes": ref_model.prototypes()} if ref_model.prototypes is not None else {}
    ref_model.zero_grad()
    loss(ref_model(data[0][:32]), data[1][:32], **protos).backward()
    grads = dict(ref_model.named_parameters())
    for key in gauge & set(grads):
        assert float(grads[key].grad.abs().max()) < 1e-5 * float(grads[key.replace("bias", "weight")].grad.abs().max())


def test_global_batch_must_split_evenly():
    config = TrainConfig(epochs=1, batch_size=33, hidden_dim=8, projection_dim=4, dropout=0.0)
    with pytest.raises(ValueError, match="not divisible by the 2 processes"):
        train_contrastive_on(["cpu", "cpu"], "base", _stage(_synthetic(), torch.Generator().manual_seed(0)), config,
                             False)


@pytest.mark.skipif(shutil.which("torchrun") is None and not (Path(sys.executable).parent / "torchrun").exists(),
                    reason="torchrun not installed")
def test_torchrun_entry_point_trains_like_one_process(tmp_path):
    from mlcl_lab.data import load_dataset
    from mlcl_lab.train.device import seed_everything
    from mlcl_lab.train.prepared import prepare_inputs

    args = ["--dataset", "yeast", "--loss", "msc", "--seed", "0", "--epochs", "1", "--batch-size", "256",
            "--dropout", "0"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
                           "-m", "mlcl_lab.train.distributed", *args, "--out", str(tmp_path)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    state = torch.load(tmp_path / "model.pt")
    prepared = prepare_inputs(load_dataset("yeast"), torch.device("cpu"))
    generator = seed_everything(0)
    config = TrainConfig(epochs=1, batch_size=256, dropout=0.0)
    data = StageData(prepared.part("train"), prepared.part("val"), generator)
    ref_model, ref_history = train_contrastive("msc", data, config, False)
    history = pd.read_csv(tmp_path / "history.csv")
    for column in ("train_loss", "val_loss"):
        torch.testing.assert_close(torch.tensor(history[column].to_numpy()),
                                   torch.tensor(ref_history[column].to_numpy()), rtol=1e-5, atol=0)
    # In its first steps AdamW moves a parameter whose gradient is rounding noise by up to
    # ~lr per step (m/sqrt(v) ~ sign(g)), in one process as in two: that bounds what can differ.
    steps = data.train.n // config.batch_size
    assert set(state) == set(ref_model.state_dict())
    for key, value in ref_model.state_dict().items():
        torch.testing.assert_close(state[key], value, rtol=0, atol=config.lr * steps, msg=key)

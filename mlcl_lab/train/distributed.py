"""Multi-device training of one run: DistributedDataParallel with gathered embeddings.

Each rank holds ``b = B / W`` samples of the global batch (``config.batch_size`` = B is the
*global* batch, so a run's optimisation does not depend on the number of devices W) and
computes the loss of its **local anchors** against the candidates of **all ranks**:

* embeddings are gathered with the autograd-aware
  ``torch.distributed.nn.functional.all_gather`` (its backward sums each rank's gradient
  back to the rank that produced the slice); labels with a plain ``all_gather``;
* the candidates of rank r are its own b samples first, then the other ranks' samples, then
  the memory queue. With its local samples first, anchor i's own candidate is column i, where
  every loss puts its self-mask, and the candidate set is a permutation of the single-process
  one ``[rank 0, …, rank W-1, queue]`` (every loss sums over candidates, so the value is the
  same). ``mulsupcon`` with ``variant='original'`` uses ``ref_z`` *instead of* the batch:
  it receives the gathered batch in rank order (or the queue), as in one process;
* the reduction is global: rank r contributes Σ_{counted local anchors} ℓ_i and the divisor
  is the all-reduced count. Anchor rows that are the same on every rank (the label
  prototypes that ``mscwrg``/``reg`` pool in as anchors) count on rank 0 only;
* DDP averages parameter gradients over ranks, so each rank back-propagates
  ``W · Σ_local ℓ_i / divisor``; the value returned is the single-process loss of the
  concatenated batch. Without the factor W the value would be right and every gradient
  1/W too small (the bug ``tests/train/test_distributed.py`` guards against);
* label prototypes are a replicated parameter: their gradient is DDP's average, no gather;
* the memory queue receives the momentum keys of all ranks (gathered, rank order): it is
  identical on every rank and equal to the one-process queue of the same global batch;
* BatchNorm layers use the statistics of the global batch (:func:`sync_batchnorm`), as the
  one-process run does: an autograd-aware all-reduce of the sums, on CPU and GPU alike.

The probe and the evaluation need no gradient exchange: :func:`train_contrastive_on` returns
rank 0's model to the calling process, which runs them exactly as after one-device training.

Entry points: ``train_contrastive_on(devices=["cuda:0", "cuda:1"], …)`` launches one process
per device; ``torchrun --nproc-per-node N -m mlcl_lab.train.distributed …`` runs stage 1 of a
run under torchrun (see :func:`main`). Paper reference: the batch is the study's in-batch
candidate set (paper.md §5.1), only spread over devices.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import torch
import torch.distributed as dist
import torch.distributed.nn.functional as dist_nn
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel

from .. import files
from ..losses._engine import counted_anchors, per_anchor_loss
from .config import TrainConfig
from .contrastive import contrastive_loss, contrastive_loss_value, train_contrastive
from .loop import StageData, fit, make_stage
from .memory_queue import MemoryQueue, MomentumEncoder, reference_set
from .models import ContrastiveModel, build_model
from .sources import Batch, TensorSource

__all__ = ["world", "gather", "gather_with_grad", "distributed_contrastive_loss", "sync_batchnorm",
           "unsync_batchnorm", "train_contrastive_ddp", "train_contrastive_on", "main"]


def world() -> tuple[int, int]:
    """(rank, world size); (0, 1) outside an initialised process group."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


@contextmanager
def _autograd_collectives() -> Iterator[None]:
    """torch >= 2.10 marks ``torch.distributed.nn.functional`` deprecated (FutureWarning on every
    call) in favour of the private ``_functional_collectives``; we keep the public API."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"torch\.distributed\.nn\.functional", category=FutureWarning)
        yield


def gather_with_grad(x: Tensor) -> list[Tensor]:
    """All ranks' ``x`` (each (b, …)), in rank order; gradients flow back to their owners."""
    if world()[1] == 1:
        return [x]
    with _autograd_collectives():
        return list(dist_nn.all_gather(x))


def _all_reduce_with_grad(x: Tensor) -> Tensor:
    with _autograd_collectives():
        return dist_nn.all_reduce(x)


@torch.no_grad()
def gather(x: Tensor) -> Tensor:
    """Concatenation (rank order) of every rank's ``x``, without gradients: (W·b, …)."""
    if world()[1] == 1:
        return x.detach()
    parts = [torch.empty_like(x) for _ in range(world()[1])]
    dist.all_gather(parts, x.detach().contiguous())
    return torch.cat(parts)


def _all_reduce_sum(x: Tensor) -> Tensor:
    out = x.detach().clone()
    if world()[1] > 1:
        dist.all_reduce(out)
    return out


def _reference_replaces_batch(loss: nn.Module) -> bool:
    """Losses whose ``ref_z`` replaces the batch as the candidate set (not extra candidates)."""
    return getattr(loss, "name", "") == "mulsupcon" and loss.hp.get("variant") == "original"


def distributed_contrastive_loss(loss: nn.Module, z: Tensor, y: Tensor, *, prototypes: Tensor | None = None,
                                 ref_z: Tensor | None = None, ref_y: Tensor | None = None) -> Tensor:
    """The loss of the global batch from this rank's local part.

    Args:
        loss: a contrastive loss module (``get_loss(name)``).
        z: (b, D) this rank's raw embeddings; y: (b, L) its labels (b equal on every rank).
        prototypes: (L, D) label prototypes (replicated parameter) for the losses that use them.
        ref_z, ref_y: (R, D), (R, L) extra candidates identical on every rank (the memory queue).

    Returns:
        A scalar whose value is the one-process loss of the concatenated batch
        ``[rank 0, …, rank W-1]`` (with the same ``ref``) and whose gradient, once DDP has
        averaged it over ranks, is that loss's gradient.
    """
    rank, size = world()
    zs = gather_with_grad(z)
    ys = [y] if size == 1 else list(gather(y).split(y.shape[0]))
    kwargs: dict[str, Any] = {"prototypes": prototypes}
    if not getattr(loss, "supports_ref", True):
        if ref_z is not None:
            raise ValueError(f"loss {loss.name!r} does not support a reference set (ref_z/ref_y)")
    elif _reference_replaces_batch(loss):
        kwargs["ref_z"], kwargs["ref_y"] = (torch.cat(zs), torch.cat(ys)) if ref_z is None else (ref_z, ref_y)
    else:
        cand_z = [t for r, t in enumerate(zs) if r != rank] + ([ref_z] if ref_z is not None else [])
        cand_y = [t for r, t in enumerate(ys) if r != rank] + ([ref_y] if ref_y is not None else [])
        if cand_z:
            kwargs["ref_z"], kwargs["ref_y"] = torch.cat(cand_z), torch.cat(cand_y)
    terms = loss.terms(z, y, **kwargs)
    per_anchor, _, _ = per_anchor_loss(terms)
    counted = counted_anchors(terms, loss.hp["empty_anchors"]).to(per_anchor.dtype)
    # rows past the b local samples are replicated anchors (pooled prototypes): rank 0 counts them
    replicated = torch.arange(per_anchor.shape[0], device=per_anchor.device) >= z.shape[0]
    if rank != 0:
        counted = counted * (~replicated).to(counted.dtype)
    numerator = (per_anchor * counted).sum()
    divisor = (_all_reduce_sum((terms.unit * counted).sum()) + terms.divisor_eps).clamp_min(1.0)
    objective = numerator * size / divisor
    value = _all_reduce_sum(numerator) / divisor
    return value + (objective - objective.detach())


def _check_global_batch(batch_size: int, size: int, n: int) -> None:
    if batch_size % size:
        raise ValueError(f"batch_size {batch_size} (the global batch) is not divisible by the {size} processes")
    if n < batch_size:
        raise ValueError(f"distributed training needs at least one full global batch: {n} training samples "
                         f"< batch_size {batch_size}")


class _GlobalStatsBatchNorm(nn.Module):
    """Mixin: in training inside a process group, normalise with the global batch's statistics.

    mean = Σ_ranks Σ x / N, var = Σ_ranks Σ (x − mean)² / N (biased, as BatchNorm), both
    all-reduced with autograd so every rank's gradient sees the others; running statistics
    get the unbiased variance N/(N−1)·var. Elsewhere (eval, one process) plain BatchNorm.
    """

    def forward(self, x: Tensor) -> Tensor:  # type: ignore[override]
        if not (self.training and world()[1] > 1):
            return super().forward(x)  # type: ignore[misc]
        self._check_input_dim(x)  # type: ignore[attr-defined]
        dims = [0, *range(2, x.dim())]
        shape = [1, -1] + [1] * (x.dim() - 2)
        count = _all_reduce_sum(torch.tensor(float(x.numel() // x.shape[1]), dtype=x.dtype, device=x.device))
        mean = _all_reduce_with_grad(x.sum(dims)) / count
        centred = x - mean.view(shape)
        var = _all_reduce_with_grad((centred * centred).sum(dims)) / count
        out = centred * torch.rsqrt(var + self.eps).view(shape)  # type: ignore[attr-defined]
        if self.affine:  # type: ignore[attr-defined]
            out = out * self.weight.view(shape) + self.bias.view(shape)  # type: ignore[attr-defined]
        if self.track_running_stats:  # type: ignore[attr-defined]
            with torch.no_grad():
                self.num_batches_tracked.add_(1)  # type: ignore[attr-defined]
                m = self.momentum if self.momentum is not None else 1.0 / float(self.num_batches_tracked)  # type: ignore[attr-defined]
                self.running_mean.mul_(1 - m).add_(mean.detach(), alpha=m)  # type: ignore[attr-defined]
                unbiased = var.detach() * count / (count - 1).clamp_min(1.0)
                self.running_var.mul_(1 - m).add_(unbiased, alpha=m)  # type: ignore[attr-defined]
        return out


_SYNCED: dict[type, type] = {}


def sync_batchnorm(module: nn.Module) -> nn.Module:
    """Make every BatchNorm of ``module`` use global-batch statistics (in place; same state_dict)."""
    for sub in module.modules():
        cls = type(sub)
        if isinstance(sub, nn.modules.batchnorm._BatchNorm) and not isinstance(sub, _GlobalStatsBatchNorm):
            if isinstance(sub, nn.SyncBatchNorm):
                raise TypeError("sync_batchnorm: convert torch.nn.SyncBatchNorm back to BatchNorm first")
            if cls not in _SYNCED:
                _SYNCED[cls] = type(f"GlobalStats{cls.__name__}", (_GlobalStatsBatchNorm, cls), {"_plain": cls})
            sub.__class__ = _SYNCED[cls]
    return module


def unsync_batchnorm(module: nn.Module) -> nn.Module:
    """Undo :func:`sync_batchnorm` (in place): the plain BatchNorm classes again."""
    for sub in module.modules():
        if isinstance(sub, _GlobalStatsBatchNorm):
            sub.__class__ = sub._plain  # type: ignore[attr-defined]
    return module


class _Forward(nn.Module):
    """What DDP wraps: x -> (z, prototypes or None), so every parameter is used inside forward."""

    def __init__(self, model: ContrastiveModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor | None]:
        z = self.model(x)
        protos = self.model.prototypes() if self.model.prototypes is not None else None
        return z, protos


def _rows(x: Tensor | dict[str, Tensor], part: slice) -> Tensor | dict[str, Tensor]:
    return {k: v[part] for k, v in x.items()} if isinstance(x, dict) else x[part]


def train_contrastive_ddp(loss_name: str, data: StageData, config: TrainConfig,
                          progress: bool = False) -> tuple[ContrastiveModel, pd.DataFrame]:
    """Stage 1 on every rank of an initialised process group; same contract as ``train_contrastive``.

    Every rank passes the same full sources (on its device), config and generator state;
    rank r trains on slice r of each global batch. All ranks return the same model and
    history. ``config.batch_size`` (the global batch) must be divisible by the world size.
    With a queue, the reference set is the global batch's momentum keys (gathered, rank
    order) followed by the queue, as ``train_contrastive`` builds it for one process.
    """
    rank, size = world()
    _check_global_batch(config.batch_size, size, data.train.n)
    loss = contrastive_loss(loss_name, config)
    model = build_model("contrastive", config, data.train, with_prototypes=bool(loss.uses_prototypes))
    sync_batchnorm(model)
    ddp = DistributedDataParallel(_Forward(model), broadcast_buffers=False) if size > 1 else _Forward(model)
    stage = make_stage(model, config, data.train.n, loss_name)
    local = slice(rank * (config.batch_size // size), (rank + 1) * (config.batch_size // size))
    queue = momentum = None
    if config.queue_size > 0:
        queue = MemoryQueue(config.queue_size, config.projection_dim, data.train.n_labels,
                            next(model.parameters()).device)
        momentum = MomentumEncoder(model, config.momentum)
    pending: list[tuple[Tensor, Tensor]] = []

    def batch_loss(batch: Batch) -> Tensor:
        z, protos = ddp(_rows(batch.x, local))
        ref_z = ref_y = None
        if queue is not None and momentum is not None:
            keys = gather(momentum(_rows(batch.x, local)).float())
            pending.append((keys, batch.y))
            ref_z, ref_y = reference_set(keys, batch.y, queue)
        return distributed_contrastive_loss(loss, z.float(), batch.y[local],
                                            prototypes=protos.float() if protos is not None else None,
                                            ref_z=ref_z.float() if ref_z is not None else None, ref_y=ref_y)

    def after_step(batch: Batch) -> None:
        if queue is not None and momentum is not None:
            keys, labels = pending.pop()
            momentum.update(model)
            queue.push(keys, labels)

    def validate(epoch: int) -> dict[str, float]:
        return {"val_loss": contrastive_loss_value(loss, model, data.val, config.batch_size)}

    rows = fit(stage, data, batch_loss, validate, desc=f"{loss_name} (contrastive, {size} processes)",
               progress=progress and rank == 0, after_step=after_step if queue is not None else None)
    unsync_batchnorm(model)
    return model, pd.DataFrame(rows)


def _backend(device: torch.device) -> str:
    return "nccl" if device.type == "cuda" else "gloo"


def leave_process(code: int = 0) -> None:
    """End a rank's process now, without the interpreter's teardown (stdio flushed first).

    Why: tearing down a gloo process group that a DDP ``Reducer`` still references can
    deadlock at exit — seen under load (py-spy): the main thread, holding the GIL, frees the
    Reducer, whose ``~ProcessGroupGloo`` waits for the gloo worker thread, which is freeing a
    finished all-reduce whose thread-local state holds a Python object and waits for the
    GIL. A rank whose outputs are written has nothing left to release; ``os._exit`` skips
    that teardown (the launcher sees the exit code).
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def _worker(rank: int, devices: Sequence[str], store: str, out: str, loss_name: str, tensors: dict[str, Tensor],
            config: TrainConfig, generator_state: Tensor, rng_state: Tensor) -> None:
    device = torch.device(devices[rank])
    if device.type == "cuda":
        torch.cuda.set_device(device)
    dist.init_process_group(_backend(device), init_method=f"file://{store}", rank=rank, world_size=len(devices))
    try:
        torch.set_rng_state(rng_state)  # the caller's global RNG: the same initial weights as one process
        generator = torch.Generator().manual_seed(0)
        generator.set_state(generator_state)
        t = {k: v.to(device) for k, v in tensors.items()}
        data = StageData(TensorSource(t["train_x"], t["train_y"]), TensorSource(t["val_x"], t["val_y"]), generator)
        model, history = train_contrastive_ddp(loss_name, data, config)
        if rank == 0:
            payload = {"state": {k: v.cpu() for k, v in model.state_dict().items()},
                       "history": history.to_dict("list"), "generator": generator.get_state()}
            with files.atomic_write(out) as tmp:
                torch.save(payload, tmp)
    except BaseException:
        dist.destroy_process_group()
        raise
    leave_process(0)  # outputs written: skip the teardown that can deadlock (leave_process)


def train_contrastive_on(devices: Sequence[str], loss_name: str, data: StageData, config: TrainConfig,
                         progress: bool = True) -> tuple[ContrastiveModel, pd.DataFrame]:
    """``train_contrastive`` over several devices: one process per entry of ``devices``.

    ``devices=["cuda:0", "cuda:1"]`` (NCCL) or ``["cpu", "cpu"]`` (gloo). One device: plain
    ``train_contrastive``. Several devices need in-memory sources (:class:`TensorSource`,
    sent to each process); a streaming source runs under ``torchrun`` (:func:`main`). The
    model returned (on the training source's device) and the history are rank 0's;
    ``data.generator`` ends in the state rank 0 left it, as if trained here. Every rank
    starts from the caller's global torch RNG state, so the initial weights are those a
    one-process ``train_contrastive`` call would draw.
    """
    devices = list(devices)
    if not devices:
        raise ValueError("devices must name at least one device")
    if len(devices) == 1:
        return train_contrastive(loss_name, data, config, progress)
    if not (isinstance(data.train, TensorSource) and isinstance(data.val, TensorSource)):
        raise TypeError(f"train_contrastive_on(devices=...) needs in-memory TensorSource data, got "
                        f"{type(data.train).__name__}; run streaming sources under torchrun")
    _check_global_batch(config.batch_size, len(devices), data.train.n)
    import torch.multiprocessing as mp

    tensors = {"train_x": data.train.x.cpu(), "train_y": data.train.y.cpu(), "val_x": data.val.x.cpu(),
               "val_y": data.val.y.cpu()}
    with tempfile.TemporaryDirectory(prefix="mlcl-ddp-") as folder:
        out = os.path.join(folder, "rank0.pt")
        mp.spawn(_worker, args=(devices, os.path.join(folder, "store"), out, loss_name, tensors, config,
                                data.generator.get_state(), torch.get_rng_state()), nprocs=len(devices), join=True)
        payload = torch.load(out, weights_only=False)
    loss = contrastive_loss(loss_name, config)
    model = build_model("contrastive", config, data.train, with_prototypes=bool(loss.uses_prototypes))
    model.load_state_dict(payload["state"])
    data.generator.set_state(payload["generator"])
    return model, pd.DataFrame(payload["history"])


def main(argv: Sequence[str] | None = None) -> None:
    """torchrun entry: stage 1 of one run, rank 0 writes ``model.pt`` and ``history.csv``.

    ``torchrun --nproc-per-node 2 -m mlcl_lab.train.distributed --dataset yeast --loss base
    --seed 0 --epochs 2 --out DIR`` (gloo on CPU, NCCL with ``--device cuda``, one GPU per rank
    by LOCAL_RANK). The data split, standardisation and seeds are those of ``run_one``.
    """
    from ..data import load_dataset
    from .device import seed_everything
    from .prepared import prepare_inputs

    parser = argparse.ArgumentParser(prog="python -m mlcl_lab.train.distributed", description=main.__doc__)
    parser.add_argument("--dataset", default="yeast")
    parser.add_argument("--loss", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None, help="the global batch")
    parser.add_argument("--dropout", type=float, default=None)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device(f"cuda:{local_rank}" if args.device == "cuda" else "cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    dist.init_process_group(_backend(device))
    try:
        overrides = {k: v for k, v in (("epochs", args.epochs), ("batch_size", args.batch_size),
                                                   ("dropout", args.dropout)) if v is not None}
        config = TrainConfig(**overrides)
        prepared = prepare_inputs(load_dataset(args.dataset), device)
        generator = seed_everything(args.seed)
        data = StageData(prepared.part("train"), prepared.part("val"), generator)
        model, history = train_contrastive_ddp(args.loss, data, config, progress=True)
        if dist.get_rank() == 0:
            with files.atomic_write(args.out / "model.pt") as tmp:
                torch.save({k: v.cpu() for k, v in model.state_dict().items()}, tmp)
            with files.atomic_write(args.out / "history.csv") as tmp:
                history.to_csv(tmp, index=False)
    except BaseException:
        dist.destroy_process_group()
        raise
    leave_process(0)


if __name__ == "__main__":
    main()

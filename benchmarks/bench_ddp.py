"""DDP step time: 1 process vs W processes at the same per-rank batch (a sanity figure).

One optimisation step = forward of the contrastive model (yeast-sized MLP encoder) on the
rank's b samples, the gathered loss (``distributed_contrastive_loss``), backward (DDP's
gradient all-reduce) and the AdamW step. W processes process W·b samples per step. On CPU
the ranks share the machine's cores, so this checks the overhead of gathering and
all-reducing, not scaling; the scaling figure needs one GPU per rank (``--device cuda``).

Usage:
    python benchmarks/bench_ddp.py --quick                  # CPU, b = 256, a few seconds per size
    python benchmarks/bench_ddp.py --device cuda --world 1 2 4 8
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from mlcl_lab.losses import get_loss
from mlcl_lab.train.config import TrainConfig
from mlcl_lab.train.distributed import _Forward, distributed_contrastive_loss, sync_batchnorm
from mlcl_lab.train.models import ContrastiveModel
from mlcl_lab.train.optim import make_optimizer


def _steps(rank: int, world: int, device: str, store: str, args: argparse.Namespace, out: dict) -> None:
    dev = torch.device(f"cuda:{rank}" if device == "cuda" else "cpu")
    torch.set_num_threads(max(1, args.threads // world))
    if world > 1:
        dist.init_process_group("nccl" if device == "cuda" else "gloo", init_method=f"file://{store}", rank=rank,
                                world_size=world)
    try:
        config = TrainConfig(batch_size=args.batch * world)
        loss = get_loss(args.loss, temperature=0.1)
        model = sync_batchnorm(ContrastiveModel(config, (103,), 14, loss.uses_prototypes).to(dev))
        net = torch.nn.parallel.DistributedDataParallel(_Forward(model)) if world > 1 else _Forward(model)
        optimizer, _ = make_optimizer(model, config, 1000)
        g = torch.Generator().manual_seed(rank)
        x = torch.randn(args.batch, 103, generator=g).to(dev)
        y = (torch.rand(args.batch, 14, generator=g) < 0.3).float().to(dev)
        times = []
        for step in range(args.warmup + args.steps):
            if dev.type == "cuda":
                torch.cuda.synchronize(dev)
            start = time.perf_counter()
            z, protos = net(x)
            value = distributed_contrastive_loss(loss, z, y, prototypes=protos)
            optimizer.zero_grad(set_to_none=True)
            value.backward()
            optimizer.step()
            if dev.type == "cuda":
                torch.cuda.synchronize(dev)
            if step >= args.warmup:
                times.append(time.perf_counter() - start)
        if rank == 0:
            out[world] = statistics.median(times)
    finally:
        if world > 1:
            dist.destroy_process_group()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--world", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batch", type=int, default=256, help="samples per rank")
    parser.add_argument("--loss", default="msc")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="CPU threads shared by the ranks")
    parser.add_argument("--quick", action="store_true", help="10 steps after 2 warm-up steps")
    args = parser.parse_args()
    if args.quick:
        args.steps, args.warmup = 10, 2
    manager = mp.Manager()
    out = manager.dict()
    with tempfile.TemporaryDirectory() as folder:
        for world in args.world:
            mp.spawn(_steps, args=(world, args.device, os.path.join(folder, f"store-{world}"), args, out),
                     nprocs=world, join=True)
    base = out[args.world[0]]
    print(f"loss {args.loss}, b = {args.batch} per rank, device {args.device}, {args.threads} threads shared")
    print("world  global batch  step (ms)  samples/s  vs world " + str(args.world[0]))
    for world in args.world:
        step = out[world]
        print(f"{world:5d}  {world * args.batch:12d}  {1000 * step:9.1f}  {world * args.batch / step:9.0f}  "
              f"{step / base:6.2f}x time")


if __name__ == "__main__":
    main()

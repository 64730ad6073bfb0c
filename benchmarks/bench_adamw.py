"""Benchmark: one AdamW step on the study's models: torch's optimiser, ours per tensor, ours with single-buffer groups.

Same process, same parameter groups (weight decay on weights, off on biases and
normalisation, as :func:`mlcl_lab.train.optim.make_optimizer` builds them), same
gradients; the three optimisers alternate, so a change of machine load hits all. Reports
microseconds per step, the ratios (> 1: the single-buffer step is faster) against
``torch.optim.AdamW`` and against our own per-tensor step (``single_buffer=False``, the
code before the single buffer), and whether the parameters after the last step are
bit-identical to torch's (the script exits 1 if not).

    python benchmarks/bench_adamw.py                # yeast and movielens MLPs, the probe's grid
    python benchmarks/bench_adamw.py --steps 200 --json out.json
"""
from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from mlcl_lab.files import write_json  # noqa: E402
from mlcl_lab.train.adamw import AdamW  # noqa: E402
from mlcl_lab.train.config import TrainConfig  # noqa: E402
from mlcl_lab.train.models import ContrastiveModel  # noqa: E402


def _study_groups(model: nn.Module) -> list[dict]:
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    return [{"params": decay, "weight_decay": 0.01, "lr": 1e-3}, {"params": no_decay, "weight_decay": 0.0, "lr": 1e-3}]


def _probe_groups(features: int, labels: int) -> list[dict]:
    # the probe's grid (mlcl_lab/train/probe.py): 8 (lr, wd) points, 3 heads each
    g = torch.Generator().manual_seed(0)
    return [{"params": [nn.Parameter(torch.randn(3, features, labels, generator=g)),
                        nn.Parameter(torch.zeros(3, labels))], "lr": lr, "weight_decay": wd}
            for lr in (1.0, 0.1) for wd in (1.0, 0.1, 0.01, 1e-4)]


def _cases() -> dict[str, list[dict]]:
    config = TrainConfig(epochs=1, batch_size=128, device="cpu")
    torch.manual_seed(0)
    return {"yeast MLP (103 features)": _study_groups(ContrastiveModel(config, (103,), 14, False)),
            "movielens MLP (671 features, prototypes)": _study_groups(ContrastiveModel(config, (671,), 19, True)),
            "probe grid (256 features, 19 labels)": _probe_groups(256, 19)}


def _timed_steps(optimizer, params: list[nn.Parameter], grads: list[list[torch.Tensor]]) -> float:
    start = time.perf_counter()
    for step_grads in grads:
        for p, g in zip(params, step_grads, strict=True):
            p.grad = g
        optimizer.step()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark; the results (also written to ``--json``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3, help="alternations of the two optimisers; best round kept")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the results here (must not exist)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    rows, identical_everywhere = [], True
    for name, groups in _cases().items():
        copies = {"torch": groups, "per_tensor": copy.deepcopy(groups), "single_buffer": copy.deepcopy(groups)}
        params = {k: [p for g in v for p in g["params"]] for k, v in copies.items()}
        gen = torch.Generator().manual_seed(1)
        grads = [[torch.randn(p.shape, generator=gen) * 1e-2 for p in params["torch"]] for _ in range(args.steps)]
        optimizers = {"torch": torch.optim.AdamW(copies["torch"], lr=1e-3),
                      "per_tensor": AdamW(copies["per_tensor"], lr=1e-3, single_buffer=False),
                      "single_buffer": AdamW(copies["single_buffer"], lr=1e-3)}
        times: dict[str, list[float]] = {k: [] for k in optimizers}
        for _ in range(args.rounds):
            for k, optimizer in optimizers.items():
                times[k].append(_timed_steps(optimizer, params[k], grads))
        identical = all(torch.equal(a, b) and torch.equal(a, c) for a, b, c in
                        zip(params["torch"], params["per_tensor"], params["single_buffer"], strict=True))
        identical_everywhere &= identical
        us = {k: min(v) / args.steps * 1e6 for k, v in times.items()}
        rows.append({"case": name, "tensors": len(params["torch"]), "elements": sum(p.numel() for p in params["torch"]),
                     **{f"{k}_us_per_step": v for k, v in us.items()},
                     "ratio_vs_torch": us["torch"] / us["single_buffer"],
                     "ratio_vs_per_tensor": us["per_tensor"] / us["single_buffer"], "bit_identical": identical})
        print(f"{name:>40}: {len(params['torch']):3d} tensors; us/step: torch {us['torch']:7.1f}, ours per tensor "
              f"{us['per_tensor']:7.1f}, single buffer {us['single_buffer']:7.1f} (x{us['torch'] / us['single_buffer']:.2f} "
              f"vs torch, x{us['per_tensor'] / us['single_buffer']:.2f} vs per tensor); bit-identical after "
              f"{args.rounds * args.steps} steps: {identical}", flush=True)
    result = {"steps": args.steps, "rounds": args.rounds, "threads": args.threads, "cases": rows,
              "bit_identical": identical_everywhere}
    if args.json:
        write_json(args.json, result)
    return result


if __name__ == "__main__":
    sys.exit(0 if main()["bit_identical"] else 1)

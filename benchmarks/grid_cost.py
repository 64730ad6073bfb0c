"""How long will a study grid take on this machine? Measured per-run costs, projected to the grid.

For every dataset of the grid that is available here and every loss (or, with
``--per-kind``, one representative loss per kind: supervised, contrastive, fine-tuned),
one run is timed in-process at two stage-1 epoch counts (``--epochs-a``, ``--epochs-b``)
with the grid's batch size and probe epochs, on the thread count one grid job gets. A run
then costs ``fixed + per_epoch * epochs`` (fixed: data, probe, geometry, writing). The
papermill cost of one run (kernel start, imports, output files) is measured by executing
the study notebook once with a tiny synthetic run.

Projection for one grid run at training fraction f and E epochs:
    papermill + fixed + per_epoch * E * f     (an epoch's cost scales with the training set)
and the grid's wall time is the sum over runs divided by ``--jobs``. This is an
estimate from measured pieces, not a measurement of the grid: the closing line prints
both the projection and the measured wall time when ``--measured-s`` is given.

Usage:
    python benchmarks/grid_cost.py --grid cpu --jobs 2
    python benchmarks/grid_cost.py --grid full --per-kind --jobs 2 --datasets yeast movielens imdb
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
import time
from pathlib import Path

import pandas as pd
import torch

from mlcl_lab.data import load_dataset
from mlcl_lab.data.registry import get_entry
from mlcl_lab.report.grid import expand_grid, load_grid
from mlcl_lab.report.grid_report import resolve_grid
from mlcl_lab.train import ProbeConfig, TrainConfig, prepare_inputs, resolve_device
from mlcl_lab.train.loss_spec import parse_loss_spec
from mlcl_lab.train.study import run_one

REPO = Path(__file__).resolve().parents[1]


def representative(losses: list[str]) -> dict[str, str]:
    """loss -> the loss that is timed for it (itself, or the first loss of its kind)."""
    first: dict[str, str] = {}
    for name in losses:
        first.setdefault(parse_loss_spec(name).kind, name)
    return {name: first[parse_loss_spec(name).kind] for name in losses}


def time_run(data, loss: str, config: TrainConfig) -> float:
    start = time.perf_counter()
    run_one(data, loss, 0, config, progress=False, geometry=True)
    return time.perf_counter() - start


def papermill_overhead(kernel: str) -> float:
    """Wall time of the study notebook on a tiny synthetic run (1 epoch, 1 loss, 1 seed)."""
    import papermill as pm

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        pm.execute_notebook(str(REPO / "notebooks" / "study.ipynb"), str(Path(tmp) / "out.ipynb"),
                            parameters={"dataset": "synthetic", "losses": ["bce"], "seeds": [0], "epochs": 1,
                                        "probe_epochs": 1, "output_dir": str(Path(tmp) / "run"), "device": "cpu",
                                        "make_figures": False, "make_umap": False},
                            kernel_name=kernel, progress_bar=False, cwd=tmp)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--grid", default="cpu")
    parser.add_argument("--datasets", nargs="*", help="restrict to these datasets of the grid")
    parser.add_argument("--per-kind", action="store_true", help="time one loss per kind, not every loss")
    parser.add_argument("--epochs-a", type=int, default=2)
    parser.add_argument("--epochs-b", type=int, default=6)
    parser.add_argument("--jobs", type=int, default=1, help="parallel grid jobs the projection assumes")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--kernel", default="mlcl-lab")
    parser.add_argument("--measured-s", type=float, default=None, help="the grid's measured wall time, to compare")
    args = parser.parse_args()

    spec = load_grid(resolve_grid(args.grid))
    threads = max(1, (os.cpu_count() or 1) // args.jobs)
    torch.set_num_threads(threads)
    p = spec.parameters
    base = TrainConfig(batch_size=int(p.get("batch_size", 128)), device=args.device,
                       probe=ProbeConfig(epochs=int(p.get("probe_epochs", 40))))
    epochs = int(p.get("epochs", TrainConfig().epochs))
    timed_for = representative(list(spec.losses)) if args.per_kind else {n: n for n in spec.losses}
    datasets = [d for d in spec.datasets if not args.datasets or d in args.datasets]
    overhead = papermill_overhead(args.kernel)
    print(f"grid {spec.name!r}: {len(expand_grid(spec))} runs; {threads} thread(s) per job, {args.jobs} job(s); "
          f"papermill overhead per run {overhead:.1f} s")
    device = resolve_device(args.device)
    rows = []
    for name in datasets:
        entry = get_entry(name)
        if not entry.is_available():
            print(f"  {name}: not available here ({entry.how_to_get}); not projected")
            continue
        data = prepare_inputs(load_dataset(name), device)
        for loss in sorted(set(timed_for.values())):
            ta = time_run(data, loss, dataclasses.replace(base, epochs=args.epochs_a))
            tb = time_run(data, loss, dataclasses.replace(base, epochs=args.epochs_b))
            per_epoch = max(0.0, (tb - ta) / (args.epochs_b - args.epochs_a))
            fixed = max(0.0, ta - per_epoch * args.epochs_a)
            rows.append({"dataset": name, "timed_loss": loss, "fixed_s": fixed, "per_epoch_s": per_epoch})
            print(f"  {name:15s} {loss:10s} fixed {fixed:7.1f} s   per epoch {per_epoch:7.2f} s", flush=True)
    costs = pd.DataFrame(rows).set_index(["dataset", "timed_loss"])
    total, projected = 0.0, {}
    for run in expand_grid(spec):
        ds, loss = run.params["dataset"], run.params["losses"][0]
        if ds not in costs.index.get_level_values(0):
            continue
        c = costs.loc[(ds, timed_for[loss])]
        seconds = overhead + c["fixed_s"] + c["per_epoch_s"] * epochs * run.params.get("train_fraction", 1.0)
        projected[ds] = projected.get(ds, 0.0) + seconds
        total += seconds
    for ds, seconds in projected.items():
        print(f"projected {ds}: {seconds / args.jobs / 60:.1f} min wall with {args.jobs} job(s)")
    line = f"projected grid wall time (datasets measured here): {total / args.jobs / 60:.1f} min"
    if args.measured_s:
        line += f"; measured {args.measured_s / 60:.1f} min; ratio measured/projected {args.measured_s / (total / args.jobs):.2f}"
    print(line)


if __name__ == "__main__":
    main()

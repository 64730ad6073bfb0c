"""Bit-identity of the training code against the old main's default-grid run folders (issue 11 acceptance).

Runs, in this process, ``run_study`` on yeast for each loss x fraction (seed 0 unless
``--seeds``) with the default grid's parameters, built exactly as the study notebook
builds its ``TrainConfig``, and compares every number of each run's ``metrics.json``
entry (metrics, geometry, best epoch, probe choice) with the baseline run folder.
Run with one thread, as the grid does::

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD python scripts/check_train_identity.py /work/baseline/runs/default/runs

Prints the largest absolute difference per run; exits 1 if any is not 0.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import torch


def _numbers(entry: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in entry.items():
        if key == "seconds":
            continue
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_numbers(value, name + "."))
        else:
            out[name] = value
    return out


def _difference(a: object, b: object) -> float:
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return max((_difference(x, y) for x, y in zip(a, b, strict=True)), default=0.0)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        if math.isnan(a) and math.isnan(b):
            return 0.0
        return abs(float(a) - float(b))
    return 0.0 if a == b else math.inf


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("baseline", type=Path, help="the old main's runs folder (…/runs/default/runs)")
    parser.add_argument("--losses", nargs="+", default=["bce", "base", "msc", "reg"])
    parser.add_argument("--fractions", nargs="+", type=float, default=[1.0, 0.25])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    args = parser.parse_args()
    torch.set_num_threads(1)

    from mlcl_lab.data import load_dataset
    from mlcl_lab.files import read_json
    from mlcl_lab.train import ProbeConfig, TrainConfig, run_study

    ds = load_dataset("yeast")
    config = TrainConfig(epochs=30, batch_size=128, lr=1e-3, temperature=0.1, loss_options={}, queue_size=0,
                         device="cpu", probe=ProbeConfig(epochs=40))
    worst = 0.0
    for loss in args.losses:
        for fraction in args.fractions:
            for seed in args.seeds:
                label = f"yeast__{loss}__seed{seed}__frac{fraction:g}__"
                folders = sorted(args.baseline.glob(f"{label}*/attempt-1/metrics.json"))
                if len(folders) != 1:
                    print(f"{label}: expected one baseline folder, found {len(folders)}")
                    return 2
                old = read_json(folders[0])["runs"][0]
                study = run_study(ds, [loss], [seed], config, split_seed=0, train_fraction=fraction, progress=False)
                run = study.runs[0]  # the entry the old study notebook wrote into metrics.json
                new = {"loss": run.loss, "kind": run.kind, "seed": run.seed, "metrics": run.metrics, **run.extra}
                a, b = _numbers(old), _numbers(new)
                keys = set(a) | set(b)
                diffs = {k: _difference(a.get(k), b.get(k)) for k in keys}
                largest = max(diffs.values())
                worst = max(worst, largest)
                bad = sorted(k for k, d in diffs.items() if d != 0)
                print(f"{label[:-2]}: {len(keys)} numbers, largest difference {largest:.3g}"
                      + (f" in {bad[:5]}" if bad else ""), flush=True)
    print(f"largest difference over all runs: {worst:.3g}")
    return 0 if worst == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

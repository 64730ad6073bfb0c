"""Benchmark: one study run with the old training code vs this one, side by side in the same session.

Each measurement is a fresh process (``PYTHONPATH`` = the old or the new tree), one CPU
thread, timing the whole process (imports, data load, ``run_study``) and, for the new
code, its phase timings (``RunResult.timings``). Also checks on the CPU that AdamW's
foreach kernels keep torch's default numbers and that the fused kernel does not (why
the CPU keeps the default path, ``mlcl_lab/train/optim.py``).

    python benchmarks/bench_train.py --old /work/oldmain --quick      # a few seconds of training per run
    python benchmarks/bench_train.py --old /work/oldmain              # yeast base/bce 30+40 epochs, imdb base 50 epochs
    python benchmarks/bench_train.py --old /work/oldmain --json out.json

Prints a table (seconds, old / new ratio, the new run's overhead share = everything but
stage 1 + probe, over the process wall time; and the same without the imports, which
belong to the kernel start). The machine's load changes both timings: ``--repeat``
alternates old and new and keeps each one's fastest. Speed claims come from this script only.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

NEW = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import torch
torch.set_num_threads(1)
from mlcl_lab.data import load_dataset
from mlcl_lab.train import ProbeConfig, TrainConfig, run_study
t1 = time.perf_counter()
name, loss, epochs, probe_epochs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
ds = load_dataset(name)
t2 = time.perf_counter()
cfg = TrainConfig(epochs=epochs, batch_size=128, device="cpu", probe=ProbeConfig(epochs=probe_epochs))
study = run_study(ds, [loss], [0], cfg, progress=False)
t3 = time.perf_counter()
run = study.runs[0]
print(json.dumps({"imports": t1 - t0, "load": t2 - t1, "run_study": t3 - t2, "wall": t3 - t0,
                  "cpu": time.process_time(),
                  "timings": dict(getattr(run, "timings", {}) or {}), "micro_f1": run.metrics["micro_f1"],
                  "n": int(len(ds.labels))}))
"""

ADAMW = r"""
import json, torch
from torch import nn
torch.set_num_threads(1)
def run(**kw):
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(103, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 14))
    o = torch.optim.AdamW(m.parameters(), lr=1e-3, **kw)
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(2000, 103, generator=g), (torch.rand(2000, 14, generator=g) < 0.3).float()
    for _ in range(300):
        idx = torch.randperm(2000, generator=g)[:128]
        o.zero_grad(); nn.functional.binary_cross_entropy_with_logits(m(x[idx]), y[idx]).backward(); o.step()
    return [p.detach() for p in m.parameters()]
ref = run()
out = {}
for name, kw in (("foreach", {"foreach": True}), ("fused", {"fused": True})):
    p = run(**kw)
    out[name] = max(float((a - b).abs().max()) for a, b in zip(ref, p))
print(json.dumps(out))
"""


def _child(tree: Path, code: str, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=str(tree), capture_output=True, text=True,
                         check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{tree} {args}: {out.stderr[-2000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process"] = time.perf_counter() - start
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True, help="root of the old code (e.g. a worktree of the old main)")
    parser.add_argument("--quick", action="store_true", help="2 epochs + 2 probe epochs, yeast only")
    parser.add_argument("--json", type=Path, help="also write the results here (must not exist)")
    parser.add_argument("--datasets", nargs="+", default=["yeast", "imdb"], help="which of the cases to run")
    parser.add_argument("--repeat", type=int, default=1, help="alternate old/new this many times; keep each one's fastest")
    args = parser.parse_args()
    if args.quick:
        cases = [("yeast", "base", 2, 2), ("yeast", "bce", 2, 2)]
    else:
        cases = [("yeast", "base", 30, 40), ("yeast", "bce", 30, 40), ("imdb", "base", 50, 40)]
    cases = [c for c in cases if c[0] in args.datasets]
    rows = []
    for case in cases:
        olds, news = [], []
        for _ in range(max(1, args.repeat)):  # alternating, so a load change hits both
            olds.append(_child(args.old, CHILD, *map(str, case)))
            news.append(_child(NEW, CHILD, *map(str, case)))
        old, new = min(olds, key=lambda r: r["wall"]), min(news, key=lambda r: r["wall"])
        t = new["timings"]
        training = t.get("stage1", 0.0) + t.get("probe", 0.0)
        rows.append({"case": "/".join(map(str, case)), "old_wall": old["wall"], "new_wall": new["wall"],
                     "ratio": old["wall"] / new["wall"], "old_cpu": old["cpu"], "new_cpu": new["cpu"],
                     "old_run_study": old["run_study"],
                     "new_run_study": new["run_study"], "new_timings": t, "new_overhead_share": 1 - training / new["wall"],
                     "new_overhead_share_without_imports": 1 - training / (new["wall"] - new["imports"]),
                     "same_micro_f1": old["micro_f1"] == new["micro_f1"]})
        r = rows[-1]
        print(f"{r['case']:>22}: process wall old {r['old_wall']:7.2f}s new {r['new_wall']:7.2f}s (x{r['ratio']:.2f}); "
              f"run_study old {r['old_run_study']:7.2f}s new {r['new_run_study']:7.2f}s; process CPU old {r['old_cpu']:.2f}s "
              f"new {r['new_cpu']:.2f}s; same micro-F1: {r['same_micro_f1']}",
              flush=True)
        print(" " * 24 + "new phases: " + ", ".join(f"{k} {v:.2f}s" for k, v in t.items())
              + f", imports {new['imports']:.2f}s, load {new['load']:.2f}s; overhead share {r['new_overhead_share']:.0%}"
              f" ({r['new_overhead_share_without_imports']:.0%} without the imports)",
              flush=True)
    adamw = _child(NEW, ADAMW)
    print(f"AdamW on the CPU, max parameter difference to the default after 300 steps: "
          f"foreach {adamw['foreach']:.3g}, fused {adamw['fused']:.3g}")
    if args.json:
        from mlcl_lab.files import write_json

        write_json(args.json, {"cases": rows, "adamw_cpu": adamw})


if __name__ == "__main__":
    main()

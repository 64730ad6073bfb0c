"""SLURM executor overhead: the same tiny grid through ``--executor local`` and ``slurm``.

Runs a grid (yeast x bce, base x 1 seed, 2 epochs, 50% data; 2 runs, 2 at a time) into two
fresh folders, once with the local pool (``jobs=2``) and once as a SLURM job array
(1 CPU per run), and prints each backend's wall time, the runs' own notebook time
(``status.json`` seconds) and the difference per run. Also the submit -> result latency
of a trivial submitit job (median of ``--latency-reps``). Needs a running SLURM with
accounting (``sudo bash scripts/slurm_cluster.sh start``) and ``mlcl-lab[slurm]``.

Usage:
    python benchmarks/bench_slurm.py            # about 2-3 minutes on 2 cores
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from mlcl_lab.report.executors.slurm import SlurmExecutor, SlurmOptions
from mlcl_lab.report.grid import load_grid
from mlcl_lab.report.runner import run_grid

GRID = """
name: bench
datasets: [yeast]
losses: [bce, base]
seeds: [0]
train_fractions: [0.5]
parameters: {epochs: 2, probe_epochs: 1, make_figures: false}
"""


def _notebook_seconds(grid_dir: Path) -> list[float]:
    return [json.loads(p.read_text())["seconds"] for p in sorted(grid_dir.glob("runs/*/attempt-*/status.json"))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-reps", type=int, default=5)
    args = parser.parse_args()
    import submitit

    with tempfile.TemporaryDirectory(prefix="bench-slurm-") as folder:
        root = Path(folder)
        (root / "bench.yaml").write_text(GRID)
        spec = load_grid(root / "bench.yaml")
        walls = {}
        start = time.perf_counter()
        run_grid(spec, root / "local", jobs=2, device="cpu", progress=False)
        walls["local"] = time.perf_counter() - start
        executor = SlurmExecutor(SlurmOptions(cpus_per_run=1, mem_gb=2, time_min=20, poll_s=0.25), root / "slurm-logs",
                                 device="cpu", name="mlcl-bench")
        start = time.perf_counter()
        run_grid(spec, root / "slurm", executor=executor, progress=False)
        walls["slurm"] = time.perf_counter() - start
        latencies = []
        trivial = submitit.AutoExecutor(folder=str(root / "trivial" / "%j"), cluster="slurm")
        trivial.update_parameters(cpus_per_task=1, mem_gb=1, timeout_min=5)
        for _ in range(args.latency_reps):
            start = time.perf_counter()
            trivial.submit(abs, -1).result()
            latencies.append(time.perf_counter() - start)
        print("backend  wall (s)  notebook seconds per run")
        for kind in ("local", "slurm"):
            seconds = _notebook_seconds(root / kind)
            print(f"{kind:7s}  {walls[kind]:8.1f}  {', '.join(f'{s:.1f}' for s in seconds)}")
        n_runs = len(_notebook_seconds(root / "slurm"))
        print(f"slurm - local: {walls['slurm'] - walls['local']:+.1f} s for {n_runs} runs, 2 at a time "
              f"({(walls['slurm'] - walls['local']) / (n_runs / 2):+.1f} s per wave)")
        print(f"trivial submitit job, submit -> result: median {statistics.median(latencies):.2f} s "
              f"(min {min(latencies):.2f}, max {max(latencies):.2f}, {len(latencies)} reps)")


if __name__ == "__main__":
    main()

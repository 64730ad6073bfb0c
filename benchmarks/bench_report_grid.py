"""Wall time of ``mlcl-lab report`` on a grid, this code vs an older checkout, and whether
the metrics are identical (scripts/compare_runs.py).

Usage::

    python benchmarks/bench_report_grid.py --old-root /work/oldmain --out /tmp/bench
    python benchmarks/bench_report_grid.py --reference /work/baseline/runs/default --out /tmp/bench
    python benchmarks/bench_report_grid.py --quick --old-root /work/oldmain --out /tmp/bench

Each side runs ``python -m mlcl_lab.cli report --grid G --out OUT/<side> --jobs J`` in a
fresh process with ``PYTHONPATH`` pointing at its checkout (everything after setup: the
kernels, the runs, the report). ``--old-root`` times the old checkout in the same
invocation (the ratio old / new is printed); ``--reference`` instead compares the metrics
with an earlier execution's grid folder without timing it. ``--quick``: a one-dataset,
one-loss, two-seed, two-epoch grid (seconds, for checking the script). Writes
``OUT/bench.json`` with the wall times, the ratio and the comparison's exit status.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUICK_GRID = """name: quick
notebook: study.py
datasets: [yeast]
losses: [bce]
seeds: [0, 1]
train_fractions: [1.0]
parameters: {epochs: 2, probe_epochs: 2, make_figures: false}
"""


def run_report(checkout: Path, grid: str, out: Path, jobs: int) -> float:
    """Seconds of one ``mlcl-lab report`` with ``checkout``'s package; raises on failure."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "mlcl_lab.cli", "report", "--grid", grid, "--out", str(out),
                           "--jobs", str(jobs), "--figures", str(out / "figures")], env=env, cwd=checkout,
                          capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    (out.parent / f"{out.name}.log").write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise SystemExit(f"report with {checkout} failed (exit {proc.returncode}); see {out.parent / (out.name + '.log')}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="an empty or new folder for both executions")
    parser.add_argument("--grid", default="default", help="grid name or file (default: default)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--old-root", type=Path, help="an older checkout to time in the same invocation")
    parser.add_argument("--reference", type=Path, help="an earlier execution's grid folder to compare metrics with")
    parser.add_argument("--quick", action="store_true", help="a tiny grid instead (checks the script)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    grid = args.grid
    if args.quick:
        grid = str(args.out / "quick.yaml")
        Path(grid).write_text(QUICK_GRID)
    name = "quick" if args.quick else Path(grid).stem.removeprefix("grid_") if grid.endswith(".yaml") else grid
    result: dict[str, object] = {"grid": grid, "jobs": args.jobs}
    new = run_report(ROOT, grid, args.out / "new", args.jobs)
    result["new_seconds"] = new
    print(f"new ({ROOT}): {new:.1f} s")
    reference = args.reference
    if args.old_root is not None:
        old = run_report(args.old_root, grid, args.out / "old", args.jobs)
        result.update(old_seconds=old, ratio_old_over_new=old / new)
        print(f"old ({args.old_root}): {old:.1f} s; old / new = {old / new:.2f}x")
        reference = reference or args.out / "old" / name
    if reference is not None:
        compare = subprocess.run([sys.executable, str(ROOT / "scripts" / "compare_runs.py"), str(reference),
                                  str(args.out / "new" / name)], capture_output=True, text=True, check=False)
        print(compare.stdout + compare.stderr)
        result.update(reference=str(reference), metrics_identical=compare.returncode == 0,
                      compare_output=compare.stdout)
    (args.out / "bench.json").write_text(json.dumps(result, indent=2))
    return 0 if result.get("metrics_identical", True) else 1


if __name__ == "__main__":
    raise SystemExit(main())

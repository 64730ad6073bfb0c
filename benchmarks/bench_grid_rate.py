"""Runs per minute of a grid, per dataset, inside a time budget (issue 13: "run as much of
the ``full`` grid as the time left allows and report runs per minute per dataset").

For each dataset of GRID (default ``full``) it writes a slice of the grid — that dataset,
every loss and training fraction, the first seed (``--seeds`` for more), the grid's
parameters, under the grid's own name, so its runs are the grid's own run folders — and
runs ``python -m mlcl_lab.cli report`` on it in its own process group
for at most its share of the budget (the time left divided by the datasets left). A slice
that does not finish is stopped (SIGTERM to the group, SIGKILL after a grace period); its
interrupted runs are redone by a later call with the same ``--out``, as the runner
promises, so a second call resumes where the first stopped.

Per dataset it records: the runs done, the seconds from launch to the last done run's
status (the kill time for an unfinished slice), runs per minute, the mean seconds of
each phase the done runs recorded (stage 1, probe, representation, kernel start, ...),
and the projection of that dataset's part of GRID (its runs / runs per minute). Seeds do
not change a run's cost, so a slice of one seed measures the rate of all of them.
What is measured and what is projected is said in the JSON (``measured`` / ``projected``).

    python benchmarks/bench_grid_rate.py --device cuda --jobs 8 --jobs-per-gpu 8 \\
        --budget-s 300 --out /tmp/rate --json rate.json
    python benchmarks/bench_grid_rate.py --grid my_grid.yaml --datasets yeast --budget-s 60 ...

The JSON is rewritten (atomically) after every dataset, so a run stopped from outside
keeps what it measured.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlcl_lab.files import write_json, write_text  # noqa: E402
from mlcl_lab.report.grid import dataset_parameter, expand_grid, load_grid, resolve_grid  # noqa: E402
from mlcl_lab.report.runs import TRAINING_PHASES, GridRuns  # noqa: E402

GRACE_S = 20.0


def slice_grid(grid_file: Path, dataset: str, seeds: int, folder: Path) -> Path:
    """A grid YAML with one dataset of ``grid_file``, all its losses and fractions, its first
    ``seeds`` seeds and its parameters. It keeps the grid's name, so its runs are the grid's
    own run folders (``<out>/<grid name>/runs/...``): ``mlcl-lab report --grid GRID --out OUT``
    later resumes from them instead of computing them again."""
    raw = yaml.safe_load(grid_file.read_text())
    grid = load_grid(grid_file)
    spec = next((s for s in grid.datasets if s.label == dataset), None)
    if spec is None:
        raise SystemExit(f"dataset {dataset!r} is not in grid {grid.name!r} ({[s.label for s in grid.datasets]})")
    raw.update(name=grid.name, datasets=[dataset_parameter(spec)], seeds=list(grid.seeds[:seeds]),
               description=f"slice of {grid.name} for bench_grid_rate.py")
    path = folder / f"rate-{dataset}.yaml"
    write_text(path, yaml.safe_dump(raw, sort_keys=False), overwrite=True)
    return path


def run_slice(grid_path: Path, out: Path, seconds: float, report_args: list[str], log: Path,
              poll_s: float = 1.0) -> dict[str, Any]:
    """Run ``mlcl-lab report`` on ``grid_path`` for at most ``seconds``. It is stopped at the
    budget, or as soon as every run of the slice is done (the report that would follow is
    not what is measured, and its time belongs to the next dataset)."""
    cmd = [sys.executable, "-m", "mlcl_lab.cli", "report", "--grid", str(grid_path), "--out", str(out),
           *report_args]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    grid = load_grid(grid_path)
    start = time.time()
    stopped_at: float | None = None
    why = "exited"
    with open(log, "ab") as sink:
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        while proc.poll() is None:
            if time.time() - start >= seconds:
                why = "budget"
            elif not GridRuns(grid, out / grid.name).not_done():
                why = "all runs done"
            else:
                try:
                    proc.wait(timeout=poll_s)
                except subprocess.TimeoutExpired:
                    pass
                continue
            stopped_at = time.time()
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=GRACE_S)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            break
    return {"command": " ".join(cmd), "started": start, "ended": time.time(), "stopped": why == "budget",
            "stopped_at": stopped_at, "why": why, "returncode": proc.returncode}


def measure(grid_path: Path, out: Path, launch: dict[str, Any], full_runs: int) -> dict[str, Any]:
    """Runs done, rate and mean phase seconds of one slice (see the module docstring)."""
    grid = load_grid(grid_path)
    runs = GridRuns(grid, out / grid.name)
    finished = {r.spec.name: (r.done.path / "status.json").stat().st_mtime for r in runs.done()}
    # runs done by an earlier call (a resumed slice) are not this call's work
    done = [r for r in runs.done() if finished[r.spec.name] >= launch["started"]]
    finished_at = [finished[r.spec.name] for r in done]
    # an unfinished slice is measured up to its stop; a finished one up to its last run (not its report)
    end = launch["stopped_at"] if launch["stopped"] else (max(finished_at) if finished_at else launch["ended"])
    elapsed = max(end - launch["started"], 1e-9)
    names = {r.spec.name for r in done}
    timings = runs.timings()
    if not timings.empty:
        timings = timings[[r.spec.name in names for r in runs.done()]]
    phases = {c: float(timings[c].mean()) for c in timings.columns
              if c not in ("dataset", "train_fraction", "loss", "seed")} if not timings.empty else {}
    training = sum(phases.get(p, 0.0) for p in TRAINING_PHASES)
    total = sum(phases.values())
    rate = len(done) / elapsed * 60.0
    failed = [{"run": r.spec.name, "state": r.state, "problem": r.problem[:500]}
              for r in runs.not_done() if r.state in ("failed", "unreadable")]
    return {
        "measured": {"runs_planned": len(runs.records), "runs_done": len(done),
                     "runs_done_before": len(finished) - len(done), "elapsed_s": elapsed,
                     "runs_per_minute": rate, "finished": len(finished) == len(runs.records),
                     "losses_done": sorted({r.spec.params["losses"][0] for r in done}),
                     "fractions_done": sorted({r.spec.params["train_fraction"] for r in done}),
                     "mean_phase_s": phases, "mean_training_s": training, "mean_run_s": total,
                     "overhead_share": (total - training) / total if total > 0 else None,
                     "failed": failed[:20], "n_failed": len(failed)},
        "projected": {"grid_runs": full_runs, "minutes": full_runs / rate if rate > 0 else None},
        "launch": launch,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grid", default="full", help="shipped grid name or grid YAML (default: full)")
    parser.add_argument("--datasets", nargs="*", help="datasets of the grid to measure (default: all)")
    parser.add_argument("--seeds", type=int, default=1, help="seeds of each slice (the grid's first N)")
    parser.add_argument("--budget-s", type=float, required=True, help="seconds for all datasets together")
    parser.add_argument("--out", type=Path, required=True, help="root of the slices' run folders (resumable)")
    parser.add_argument("--json", type=Path, required=True, help="results file (rewritten after every dataset)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--jobs-per-gpu", type=int, default=None)
    parser.add_argument("--runs-per-kernel", type=int, default=None)
    args = parser.parse_args(argv)
    if args.budget_s <= 0 or args.seeds < 1:
        parser.error("--budget-s must be > 0 and --seeds >= 1")

    grid_file = resolve_grid(args.grid)
    grid = load_grid(grid_file)
    datasets = args.datasets or [s.label for s in grid.datasets]
    report_args = ["--device", args.device]
    for flag, value in (("--jobs", args.jobs), ("--jobs-per-gpu", args.jobs_per_gpu),
                        ("--runs-per-kernel", args.runs_per_kernel)):
        if value is not None:
            report_args += [flag, str(value)]
    args.out.mkdir(parents=True, exist_ok=True)
    deadline = time.time() + args.budget_s
    results: dict[str, Any] = {"grid": grid.name, "device": args.device, "report_args": report_args,
                               "budget_s": args.budget_s, "seeds_per_slice": args.seeds, "datasets": {}}
    runs_per_dataset = {s.label: sum(1 for r in expand_grid(grid) if r.dataset_label == s.label)
                        for s in grid.datasets}
    for i, dataset in enumerate(datasets):
        share = (deadline - time.time()) / (len(datasets) - i)
        if share < 5:
            results["datasets"][dataset] = {"skipped": f"budget spent ({share:.1f} s left for it)"}
            continue
        path = slice_grid(grid_file, dataset, args.seeds, args.out)
        launch = run_slice(path, args.out, share, report_args, args.out / f"rate-{dataset}.log")
        results["datasets"][dataset] = measure(path, args.out, launch, runs_per_dataset[dataset])
        m = results["datasets"][dataset]["measured"]
        print(f"{dataset}: {m['runs_done']}/{m['runs_planned']} runs in {m['elapsed_s']:.1f} s = "
              f"{m['runs_per_minute']:.1f} runs/min (failed {m['n_failed']})", flush=True)
        write_json(args.json, results, overwrite=True)
    measured = {d: r for d, r in results["datasets"].items() if "projected" in r and r["projected"]["minutes"]}
    results["projected_minutes_measured_datasets"] = sum(r["projected"]["minutes"] for r in measured.values())
    results["datasets_not_measured"] = [s.label for s in grid.datasets if s.label not in measured]
    write_json(args.json, results, overwrite=True)
    print(f"projection of {grid.name} over the measured datasets: "
          f"{results['projected_minutes_measured_datasets']:.1f} min; not measured: {results['datasets_not_measured']}")
    return 1 if any(r.get("measured", {}).get("n_failed") for r in results["datasets"].values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())

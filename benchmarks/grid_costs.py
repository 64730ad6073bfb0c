"""Where a grid's time went, and what a larger grid would cost: read the phase timings that
every run folder records (``costs.csv`` of a report, ``mlcl_lab.report.tables``).

Per dataset × training fraction it prints the runs measured, the mean seconds per run, the
mean training (stage 1 + probe) and the overhead share (everything else: the run's share of
the kernel start and imports, data load, split, inputs, evaluation, representation metrics,
UMAP, writing) — issue 13's "per-run overhead <= 25 % of a yeast run".

``--project GRID`` estimates GRID's wall time from those measurements, with this model
(stated in the output; every number it uses is measured):

* a run costs ``overhead(dataset) + train(dataset, f=1) · f · factor(loss)``: the overhead
  is the smallest, over the measured fractions, of the dataset's mean measured overhead (a
  one-off cost such as the first encoding of a text dataset into the embedding cache lands
  on the first kernel's runs only; the largest mean overhead is printed next to it); the
  training is linear in the training fraction f, fitted per dataset through the measured
  runs (least squares through the origin, each run's training divided by its loss's factor,
  so a dataset measured on a few losses only is scaled to the grid's mix of losses);
* ``factor(loss)`` is the loss's training time relative to the mean over the losses measured
  on the same (dataset, fraction), averaged over the datasets where every loss of GRID was
  measured; a loss never measured there has factor 1 (said in the output);
* the wall time is the summed cost divided by ``--jobs`` (perfect packing; the kernels'
  start is already inside the overhead).

    python benchmarks/grid_costs.py OUT/cpu0/report-*/tables/costs.csv
    python benchmarks/grid_costs.py a/costs.csv b/costs.csv --project full --jobs 2
    python benchmarks/grid_costs.py --runs GRID_FILE OUT     # the done runs of a grid (no report needed)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from mlcl_lab.report.grid import load_grid, resolve_grid  # noqa: E402
from mlcl_lab.report.runs import PHASES, TRAINING_PHASES  # noqa: E402


def read_costs(paths: list[Path], extra: list[pd.DataFrame] | None = None) -> pd.DataFrame:
    """One row per (dataset, train_fraction, loss) with the seconds per phase, from costs.csv
    files (and ``extra`` tables of the same shape).

    costs.csv holds the mean over seeds per (dataset, fraction, loss) and ``n_seeds``; rows are
    weighted by their seed count where means are taken."""
    frames = list(extra or [])
    for path in paths:
        frame = pd.read_csv(path)
        missing = {"dataset", "train_fraction", "loss", "n_seeds"} - set(frame.columns)
        if missing:
            raise SystemExit(f"{path}: not a costs table (missing columns {sorted(missing)})")
        frames.append(frame)
    if not frames:
        raise SystemExit("no costs given (costs.csv files or --runs GRID OUT)")
    costs = pd.concat(frames, ignore_index=True)
    phases = [p for p in PHASES if f"{p}_mean" in costs.columns]
    costs[list(phases)] = costs[[f"{p}_mean" for p in phases]].fillna(0.0).to_numpy()
    costs["training"] = costs[[p for p in TRAINING_PHASES if p in phases]].sum(axis=1)
    costs["total"] = costs[phases].sum(axis=1)
    costs["overhead"] = costs["total"] - costs["training"]
    return costs


def costs_from_runs(grid_file: str, out: Path) -> pd.DataFrame:
    """The costs table of the done runs of a grid under ``out`` (what the report's cost table
    holds, for a grid that was stopped before its report)."""
    from mlcl_lab.report.runs import GridRuns
    from mlcl_lab.report.tables import summarise

    grid = load_grid(resolve_grid(grid_file))
    timings = GridRuns(grid, out / grid.name).timings()
    if timings.empty:
        raise SystemExit(f"no done run of grid {grid.name!r} under {out}")
    phases = tuple(c for c in timings.columns if c not in ("dataset", "train_fraction", "loss", "seed"))
    costs = summarise(timings, phases, by=("dataset", "train_fraction", "loss")).reset_index()
    return costs[[c for c in costs.columns if not c.endswith("_std")]]


def _weighted_mean(frame: pd.DataFrame, column: str) -> float:
    return float((frame[column] * frame["n_seeds"]).sum() / frame["n_seeds"].sum())


def overhead_table(costs: pd.DataFrame) -> pd.DataFrame:
    """Per dataset × fraction: runs, mean total / training / overhead seconds, overhead share."""
    rows = []
    for (dataset, fraction), group in costs.groupby(["dataset", "train_fraction"], sort=True):
        total, training = _weighted_mean(group, "total"), _weighted_mean(group, "training")
        rows.append({"dataset": dataset, "train_fraction": fraction, "runs": int(group["n_seeds"].sum()),
                     "total_s": total, "training_s": training, "overhead_s": total - training,
                     "overhead_share": (total - training) / total if total > 0 else float("nan")})
    return pd.DataFrame(rows)


def loss_factors(costs: pd.DataFrame, losses: list[str]) -> tuple[dict[str, float], list[str]]:
    """Training time of each loss relative to the mean over ``losses`` on the same (dataset,
    fraction), averaged over the (dataset, fraction) cells where all of them were measured."""
    ratios: dict[str, list[float]] = {loss: [] for loss in losses}
    for _, group in costs.groupby(["dataset", "train_fraction"]):
        by_loss = group.set_index("loss")["training"]
        if not set(losses) <= set(by_loss.index):
            continue
        mean = float(by_loss[losses].mean())
        for loss in losses:
            ratios[loss].append(float(by_loss[loss]) / mean if mean > 0 else 1.0)
    unmeasured = [loss for loss, r in ratios.items() if not r]
    return {loss: (sum(r) / len(r) if r else 1.0) for loss, r in ratios.items()}, unmeasured


def project(costs: pd.DataFrame, grid_name: str, jobs: int) -> dict[str, object]:
    """The model of the module docstring applied to the runs of ``grid_name``."""
    grid = load_grid(resolve_grid(grid_name))
    datasets = [spec.label for spec in grid.datasets]
    factors, unmeasured = loss_factors(costs, list(grid.losses))
    per_dataset, missing = {}, []
    for dataset in datasets:
        measured = costs[costs["dataset"] == dataset]
        if measured.empty:
            missing.append(dataset)
            continue
        by_fraction = [_weighted_mean(group, "overhead") for _, group in measured.groupby("train_fraction")]
        overhead, overhead_max = min(by_fraction), max(by_fraction)
        # training ≈ slope · f (through the origin), each measured run weighted by its seeds
        # ... of the losses measured on this dataset: divided by their mean factor, so that
        # slope · factor(loss) is the training of each loss of the grid
        f, t, w = measured["train_fraction"], measured["training"], measured["n_seeds"]
        sampled = measured["loss"].map(lambda loss: factors.get(loss, 1.0))
        slope = float((w * f * t).sum() / (w * f * f * sampled).sum())
        seconds = sum(overhead + slope * fraction * factors[loss]
                      for loss in grid.losses for fraction in grid.train_fractions) * len(grid.seeds)
        per_dataset[dataset] = {"runs": len(grid.losses) * len(grid.train_fractions) * len(grid.seeds),
                                "overhead_s_per_run": overhead, "overhead_s_per_run_max": overhead_max,
                                "training_s_at_full_data": slope,
                                "sum_s": seconds, "measured_runs": int(measured["n_seeds"].sum())}
    total = sum(d["sum_s"] for d in per_dataset.values())
    return {"grid": grid.name, "jobs": jobs, "per_dataset": per_dataset, "loss_factors": factors,
            "losses_without_measurement": unmeasured, "datasets_without_measurement": missing,
            "projected_wall_s": total / jobs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("costs", type=Path, nargs="*", help="costs.csv files of reports")
    parser.add_argument("--runs", nargs=2, action="append", default=[], metavar=("GRID", "OUT"),
                        help="also the done runs of GRID under OUT (the --out of mlcl-lab report); repeatable")
    parser.add_argument("--project", help="a grid name or file to project the wall time of")
    parser.add_argument("--jobs", type=int, default=2, help="parallel jobs of the projection (default 2)")
    args = parser.parse_args(argv)
    costs = read_costs(args.costs, [costs_from_runs(grid, Path(out)) for grid, out in args.runs])
    table = overhead_table(costs)
    pd.set_option("display.width", 160)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    if args.project:
        result = project(costs, args.project, args.jobs)
        print(f"\nprojection of grid {result['grid']!r} on {args.jobs} jobs (model: module docstring)")
        for dataset, d in result["per_dataset"].items():
            print(f"  {dataset:<15} {d['runs']:>5} runs  overhead {d['overhead_s_per_run']:6.2f} s/run "
                  f"(up to {d['overhead_s_per_run_max']:.2f})  "
                  f"training at f=1 {d['training_s_at_full_data']:7.2f} s  sum {d['sum_s'] / 3600:6.2f} h  "
                  f"(from {d['measured_runs']} measured runs)")
        if result["datasets_without_measurement"]:
            print(f"  not projected (no measured run): {result['datasets_without_measurement']}")
        if result["losses_without_measurement"]:
            print(f"  losses with factor 1 (never measured with all the others): {result['losses_without_measurement']}")
        print(f"  projected wall time: {result['projected_wall_s'] / 3600:.2f} h")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

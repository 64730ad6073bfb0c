"""Command line: ``mlcl-lab report | study | datasets | losses | notebooks``."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

__all__ = ["main", "build_parser"]


def _study(args: argparse.Namespace) -> int:
    from .report import StudyParameters, run_study_report

    params = StudyParameters(
        dataset=args.dataset,
        losses=args.losses or StudyParameters().losses,
        seeds=args.seeds or StudyParameters().seeds,
        epochs=args.epochs,
        batch_size=args.batch_size,
        probe_epochs=args.probe_epochs,
        train_fraction=args.train_fraction,
        device=args.device,
        umap_backend=args.umap_backend,
    )
    _validate_names(params)
    start = time.perf_counter()
    print(f"mlcl-lab study: {params.dataset}, losses {params.losses}, seeds {params.seeds}, {params.epochs} epochs", flush=True)
    folder, outcome = run_study_report(params, root=args.out, notebook=args.notebook, kernel_name=args.kernel)
    elapsed = time.perf_counter() - start
    if not outcome.ok:
        print(f"FAILED after {elapsed:.0f} s: {outcome.error}", file=sys.stderr)
        print(f"The executed notebook with the error is kept at {outcome.notebook}", file=sys.stderr)
        return 1
    print(f"Study written to {folder} ({elapsed:.0f} s)")
    return 0


def _report(args: argparse.Namespace) -> int:
    from .report.grid import expand_grid, load_grid
    from .report.grid_report import resolve_grid, run_grid_report

    if args.full:
        if args.grid not in ("default", "full"):
            raise SystemExit(f"--full and --grid {args.grid} contradict each other; give one of them")
        args.grid = "full"
    spec = load_grid(resolve_grid(args.grid))
    for run in expand_grid(spec):
        _validate_names(argparse.Namespace(dataset=run.params["dataset"], losses=run.params["losses"], device=args.device))
    jobs = args.jobs or _default_jobs(args.device)
    n_runs = len(expand_grid(spec))
    print(f"mlcl-lab report: grid {spec.name!r} ({n_runs} runs: {len(spec.datasets)} dataset(s) x {len(spec.losses)} "
          f"loss(es) x {len(spec.seeds)} seed(s) x {len(spec.train_fractions)} fraction(s)), {jobs} parallel job(s)", flush=True)
    start = time.perf_counter()
    report = run_grid_report(args.grid, out_root=args.out, jobs=jobs, device=args.device, kernel_name=args.kernel,
                             umap_backend=args.umap_backend, figures_root=args.figures)
    elapsed = time.perf_counter() - start
    runs = report.runs
    print(f"runs: {len(runs.executed)} executed, {len(runs.skipped)} already done (skipped), {len(runs.failed)} failed")
    for name, error in runs.failed.items():
        print(f"  FAILED {name}: {error} (kept in {report.grid_dir / 'runs' / name})", file=sys.stderr)
    if not report.notebook.ok:
        print(f"report notebook FAILED: {report.notebook.error}; kept at {report.notebook.notebook}", file=sys.stderr)
    print(f"Report written to {report.folder} ({elapsed:.0f} s)")
    for path in (report.notebook.notebook, report.html, report.folder / "results.csv", report.folder / "tables"):
        if path is not None:
            print(f"  {path}")
    if report.figures_copy:
        print(f"  latest figures copied to {report.figures_copy}")
    return 0 if report.ok else 1


def _default_jobs(device: str) -> int:
    import os

    import torch

    if device != "cpu" and torch.cuda.is_available():
        return torch.cuda.device_count()
    return max(1, min(4, os.cpu_count() or 1))


def _validate_names(params: object) -> None:
    """Fail fast, before a notebook starts, on unknown dataset/loss/device names."""
    from .data import available_datasets
    from .train.device import resolve_device
    from .train.loss_spec import parse_loss_spec

    from .data.registry import get_entry

    datasets = available_datasets()
    if params.dataset not in datasets:  # type: ignore[attr-defined]
        raise SystemExit(f"unknown dataset {params.dataset!r}; valid datasets: {', '.join(sorted(datasets))}")  # type: ignore[attr-defined]
    entry = get_entry(params.dataset)  # type: ignore[attr-defined]
    if entry.kind == "installable" and not entry.is_available():
        raise SystemExit(f"dataset {entry.name!r} is not installed on this machine; {entry.how_to_get}")
    for name in params.losses:  # type: ignore[attr-defined]
        try:
            parse_loss_spec(name)
        except ValueError as error:
            raise SystemExit(str(error)) from None
    try:
        resolve_device(params.device)  # type: ignore[attr-defined]
    except ValueError as error:
        raise SystemExit(str(error)) from None


def _datasets(args: argparse.Namespace) -> int:
    from .data import datasets_table

    table = datasets_table()
    columns = ["name", "kind", "status", "modality", "n_samples", "n_labels", "n_features", "cardinality", "density",
               "n_label_sets", "n_head_labels", "n_tail_labels"]
    with_pd_options(lambda: print(table[[c for c in columns if c in table]].round(3).to_string(index=False)))
    missing = table[table["status"] != "available"]
    if not missing.empty:
        print("\nNot available here, and how to get them:")
        for row in missing.itertuples():
            print(f"  {row.name}: {row.how_to_get}")
    return 0


def _losses(args: argparse.Namespace) -> int:
    from .losses import available_losses, loss_kind

    for name, description in sorted(available_losses().items()):
        print(f"{name:12s} {loss_kind(name):12s} {description}")
    return 0


def _notebooks(args: argparse.Namespace) -> int:
    from .resources import copy_notebooks, notebooks_dir

    try:
        result = copy_notebooks(args.dir)
    except NotADirectoryError as error:
        raise SystemExit(str(error)) from None
    print(f"mlcl-lab notebooks: {len(result.copied)} copied to {result.target}, "
          f"{len(result.skipped)} skipped (already there, never overwritten); from {notebooks_dir()}")
    for path in result.copied:
        print(f"  copied   {path.name}")
    for path in result.skipped:
        print(f"  skipped  {path.name} (exists)")
    if result.copied:
        print("Open them in JupyterLab (`jupyter lab`): a double-click opens a .py notebook as a notebook.")
    return 0


def with_pd_options(fn) -> None:  # type: ignore[no-untyped-def]
    import pandas as pd

    with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 200,
                           "display.max_colwidth", 80):
        fn()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mlcl-lab", description="Multi-label contrastive learning study toolkit")
    sub = parser.add_subparsers(dest="command", required=True)

    rep = sub.add_parser("report", help="run a study grid with papermill (resumable) and build the report")
    rep.add_argument("--grid", default="default", help="shipped grid name (default, cpu, full) or a grid YAML file")
    rep.add_argument("--full", action="store_true", help="the full study grid (same as --grid full; GPU recommended)")
    rep.add_argument("--out", default="runs", help="root folder; the grid's runs and reports go to <out>/<grid name>/")
    rep.add_argument("--jobs", type=int, default=None, help="parallel notebook processes (default: CPU cores up to 4, or one per GPU)")
    rep.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N")
    rep.add_argument("--umap-backend", default="auto")
    rep.add_argument("--figures", default="figures", help="folder that receives a copy of the latest report's figures")
    rep.add_argument("--kernel", default=None, help="Jupyter kernel name (default: mlcl-lab if installed, else python3)")
    rep.set_defaults(func=_report)

    stu = sub.add_parser("study", help="run the study notebook once (one dataset, several losses and seeds)")
    stu.add_argument("--dataset", default="yeast", help="dataset name (see `mlcl-lab datasets`)")
    stu.add_argument("--losses", nargs="+", help="loss names (see `mlcl-lab losses`)")
    stu.add_argument("--seeds", nargs="+", type=int, help="training seeds")
    stu.add_argument("--epochs", type=int, default=30)
    stu.add_argument("--batch-size", type=int, default=128)
    stu.add_argument("--probe-epochs", type=int, default=40)
    stu.add_argument("--train-fraction", type=float, default=1.0)
    stu.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N")
    stu.add_argument("--umap-backend", default="auto")
    stu.add_argument("--out", default="runs", help="folder that receives the new run folder")
    stu.add_argument("--notebook", default=None, help="notebook to run (default: notebooks/study.py)")
    stu.add_argument("--kernel", default=None, help="Jupyter kernel name (default: mlcl-lab if installed, else python3)")
    stu.set_defaults(func=_study)

    dat = sub.add_parser("datasets", help="list datasets with their statistics")
    dat.set_defaults(func=_datasets)
    los = sub.add_parser("losses", help="list the available losses")
    los.set_defaults(func=_losses)
    nbs = sub.add_parser("notebooks", help="copy the jupytext notebooks (*.py) into a folder for editing; "
                                           "existing files are never overwritten")
    nbs.add_argument("dir", help="target folder (created if needed)")
    nbs.set_defaults(func=_notebooks)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())

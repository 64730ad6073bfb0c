"""Command line: ``mlcl-lab report | study | datasets | losses | notebooks``."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

__all__ = ["main", "build_parser"]


def _study(args: argparse.Namespace) -> int:
    from .data.spec import DatasetSpec, parse_option_strings
    from .report.grid import dataset_parameter
    from .report.parameters import StudyParameters, check_loss_options, check_study_names, parameter_names
    from .report.pipeline import run_study_report

    try:
        values = {name: getattr(args, name) for name in parameter_names() if hasattr(args, name)}
        spec = DatasetSpec.parse({"name": values["dataset"], **parse_option_strings(args.data or [])}, args.data_root)
        values["dataset"] = dataset_parameter(spec)
        params = StudyParameters(**values)
        check_study_names(spec, params.losses, params.device)
        check_loss_options(params.loss_options, params.losses)
        params.train_config()  # rejected here, before a kernel starts, when TrainConfig refuses a setting
    except ValueError as error:
        raise SystemExit(f"mlcl-lab study: {error}") from None
    start = time.perf_counter()
    print(f"mlcl-lab study: {spec.label}, losses {params.losses}, seeds {params.seeds}, {params.epochs} epochs", flush=True)
    folder, outcome = run_study_report(params, root=args.out, notebook=args.notebook, kernel_name=args.kernel)
    elapsed = time.perf_counter() - start
    if not outcome.ok:
        print(f"FAILED after {elapsed:.0f} s: {outcome.error}", file=sys.stderr)
        print(f"The executed notebook with the error is kept at {outcome.notebook}", file=sys.stderr)
        return 1
    print(f"Study written to {folder} ({elapsed:.0f} s)")
    return 0


def _grid_status(spec: object, out: str) -> int:
    """``mlcl-lab report --status``: the count of runs per state and every run not done."""
    from pathlib import Path

    from .report.runner import STATUS_STATES, grid_status
    from .report.runs import GridRuns

    grid_dir = Path(out) / spec.name  # type: ignore[attr-defined]
    table = grid_status(GridRuns(spec, grid_dir))  # type: ignore[arg-type]
    counts = table["state"].value_counts()
    print(f"grid {spec.name!r} in {grid_dir}: " + ", ".join(  # type: ignore[attr-defined]
        f"{int(counts.get(state, 0))} {state}" for state in STATUS_STATES))
    for row in table[table["state"] != "done"].itertuples(index=False):
        print(f"  {row.state:<10} {row.run}: {row.detail}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from .report.executors.local import default_jobs
    from .report.grid import expand_grid, load_grid, resolve_grid
    from .report.parameters import StudyParameters, check_datasets, check_loss_options, check_study_names
    from .report.pipeline import run_grid_report

    if args.full:
        if args.grid not in ("default", "full"):
            raise SystemExit(f"--full and --grid {args.grid} contradict each other; give one of them")
        args.grid = "full"
    _export_data_root(args.data_root)
    try:
        spec = load_grid(resolve_grid(args.grid), data_root=args.data_root)
        check_datasets(spec.datasets)  # every dataset's data is here, before any run starts
        runs = expand_grid(spec)
        for dataset in spec.datasets:
            check_study_names(dataset, spec.losses, args.device)
        check_loss_options(spec.parameters.get("loss_options", {}), spec.losses)
        for run in runs:  # what the notebook will build: a TrainConfig that rejects bad settings
            StudyParameters.from_mapping(run.params, where=f"run {run.name}").train_config()
    except (ValueError, FileNotFoundError) as error:
        raise SystemExit(f"mlcl-lab report: {error}") from None
    if args.status:
        return _grid_status(spec, args.out)
    jobs = args.jobs or default_jobs(args.device, jobs_per_gpu=args.jobs_per_gpu)
    print(f"mlcl-lab report: grid {spec.name!r} ({len(runs)} runs: {len(spec.datasets)} dataset(s) x {len(spec.losses)} "
          f"loss(es) x {len(spec.seeds)} seed(s) x {len(spec.train_fractions)} fraction(s)), {jobs} parallel job(s)", flush=True)
    from pathlib import Path

    from .report.executors.slurm import executor_from_args

    try:
        executor = executor_from_args(args, resolve_grid(args.grid), Path(args.out) / spec.name, device=args.device)
    except (ValueError, RuntimeError) as error:
        raise SystemExit(f"mlcl-lab report: {error}") from None
    start = time.perf_counter()
    report = run_grid_report(spec, out_root=args.out, jobs=jobs, device=args.device, kernel_name=args.kernel,
                             umap_backend=args.umap_backend, figures_root=args.figures, executor=executor,
                             runs_per_kernel=args.runs_per_kernel, jobs_per_gpu=args.jobs_per_gpu)
    elapsed = time.perf_counter() - start
    outcome = report.runs
    print(f"runs: {len(outcome.executed)} executed, {len(outcome.skipped)} already done (skipped), "
          f"{len(outcome.failed)} failed")
    for name, problem in outcome.unreadable.items():
        print(f"  UNREADABLE {name}: {problem}; kept as it is and redone in a new attempt", file=sys.stderr)
    for name, error in outcome.failed.items():
        print(f"  FAILED {name}: {error} (kept in {report.grid_dir / 'runs' / name})", file=sys.stderr)
    if not report.notebook.ok:
        print(f"report notebook FAILED: {report.notebook.error}; kept at {report.notebook.notebook}", file=sys.stderr)
    print(f"Report written to {report.folder.path} ({elapsed:.0f} s)")
    for path in (report.notebook.notebook, report.html, report.folder.results, report.folder.tables):
        if path is not None:
            print(f"  {path}")
    if report.figures_copy:
        print(f"  latest figures copied to {report.figures_copy}")
    return 0 if report.ok else 1


def _positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {value}")
    return value


def _device(text: str) -> str:
    """argparse type: a device name ``mlcl_lab.runtime.resolve_device`` accepts here."""
    from .runtime import resolve_device

    try:
        resolve_device(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


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


def _add_data_root(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-root", default=None, metavar="DIR",
                        help="folder holding each paper dataset in its conventional sub-folder (voc2007/, aapd/, ...; "
                             "default: $MLCL_LAB_DATA)")


def _export_data_root(data_root: str | None) -> None:
    """``--data-root`` becomes ``$MLCL_LAB_DATA`` of this process, which the run and report
    kernels inherit: the report notebook re-reads the grid with the same dataset folders."""
    import os
    from pathlib import Path

    from .data.spec import DATA_ROOT_ENV

    if data_root is not None:
        os.environ[DATA_ROOT_ENV] = str(Path(data_root).expanduser().resolve())


def build_parser() -> argparse.ArgumentParser:
    from .report.parameters import add_study_flags

    parser = argparse.ArgumentParser(prog="mlcl-lab", description="Multi-label contrastive learning study toolkit")
    sub = parser.add_subparsers(dest="command", required=True)

    rep = sub.add_parser("report", help="run a study grid with papermill (resumable) and build the report")
    rep.add_argument("--grid", default="default", help="shipped grid name (default, cpu, full) or a grid YAML file")
    rep.add_argument("--full", action="store_true", help="the full study grid (same as --grid full; GPU recommended)")
    rep.add_argument("--out", default="runs", help="root folder; the grid's runs and reports go to <out>/<grid name>/")
    rep.add_argument("--jobs", type=_positive_int, default=None,
                     help="parallel notebook processes, >= 1 (default: CPU cores up to 4, or one per GPU)")
    rep.add_argument("--device", type=_device, default="auto", help="auto | cpu | cuda | cuda:N")
    rep.add_argument("--umap-backend", default="auto", choices=("auto", "umap-learn", "torchdr"))
    rep.add_argument("--figures", default="figures", help="folder that receives a copy of the latest report's figures")
    rep.add_argument("--kernel", default=None, help="Jupyter kernel name (default: mlcl-lab if installed, else python3)")
    _add_data_root(rep)
    rep.add_argument("--status", action="store_true",
                     help="show what the grid's runs are doing (done, running, queued, failed, ...) and exit")
    rep.add_argument("--jobs-per-gpu", type=_positive_int, default=1,
                     help="kernels sharing one GPU (each GPU handed out through CUDA_VISIBLE_DEVICES), >= 1")
    rep.add_argument("--runs-per-kernel", type=_positive_int, default=None,
                     help="runs one notebook execution computes, >= 1 (default: runs of one dataset, at most 60, "
                          "cut so that every parallel job has about two kernels)")
    from .report.executors.slurm import add_slurm_arguments

    add_slurm_arguments(rep)
    rep.set_defaults(func=_report)

    stu = sub.add_parser("study", help="run the study notebook once (one dataset, several losses and seeds)",
                         description="Every study parameter is a flag (mlcl_lab.report.parameters.StudyParameters).")
    add_study_flags(stu)
    stu.add_argument("--out", default="runs", help="folder that receives the new run folder")
    stu.add_argument("--notebook", default=None, help="notebook to run (default: notebooks/study.py)")
    stu.add_argument("--kernel", default=None, help="Jupyter kernel name (default: mlcl-lab if installed, else python3)")
    stu.add_argument("--data", action="append", default=None, metavar="KEY=VALUE",
                     help="a dataset option (repeatable), e.g. --data path=/data/voc --data image_size=224")
    _add_data_root(stu)
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
    from .report.lazy_iri import defer_iri_grammar

    defer_iri_grammar()  # before anything imports nbformat: the command starts 2.8 s sooner
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())

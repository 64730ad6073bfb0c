"""Command line: ``mlcl-lab report``, ``mlcl-lab datasets``, ``mlcl-lab losses``."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

__all__ = ["main", "build_parser"]


def _report(args: argparse.Namespace) -> int:
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
    print(f"mlcl-lab report: {params.dataset}, losses {params.losses}, seeds {params.seeds}, {params.epochs} epochs", flush=True)
    folder, outcome = run_study_report(params, root=args.out, notebook=args.notebook, kernel_name=args.kernel)
    elapsed = time.perf_counter() - start
    if not outcome.ok:
        print(f"FAILED after {elapsed:.0f} s: {outcome.error}", file=sys.stderr)
        print(f"The executed notebook with the error is kept at {outcome.notebook}", file=sys.stderr)
        return 1
    print(f"Report written to {folder} ({elapsed:.0f} s)")
    for name in ("results.csv", "metrics.json", "params.json", outcome.notebook.name):
        print(f"  {folder / name}")
    return 0


def _validate_names(params: object) -> None:
    """Fail fast, before a notebook starts, on unknown dataset/loss/device names."""
    from .data import available_datasets
    from .losses import available_losses
    from .train.device import resolve_device

    datasets = available_datasets()
    if params.dataset not in datasets:  # type: ignore[attr-defined]
        raise SystemExit(f"unknown dataset {params.dataset!r}; valid datasets: {', '.join(sorted(datasets))}")  # type: ignore[attr-defined]
    losses = available_losses()
    bad = [n for n in params.losses if n not in losses]  # type: ignore[attr-defined]
    if bad:
        raise SystemExit(f"unknown loss(es) {bad}; valid losses: {', '.join(sorted(losses))}")
    try:
        resolve_device(params.device)  # type: ignore[attr-defined]
    except ValueError as error:
        raise SystemExit(str(error)) from None


def _datasets(args: argparse.Namespace) -> int:
    from .data import datasets_table

    table = datasets_table()
    with_pd_options(lambda: print(table.to_string(index=False)))
    return 0


def _losses(args: argparse.Namespace) -> int:
    from .losses import available_losses, loss_kind

    for name, description in sorted(available_losses().items()):
        print(f"{name:12s} {loss_kind(name):12s} {description}")
    return 0


def with_pd_options(fn) -> None:  # type: ignore[no-untyped-def]
    import pandas as pd

    with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 200,
                           "display.max_colwidth", 80):
        fn()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mlcl-lab", description="Multi-label contrastive learning study toolkit")
    sub = parser.add_subparsers(dest="command", required=True)

    rep = sub.add_parser("report", help="run the study notebook with papermill into a new run folder")
    rep.add_argument("--dataset", default="yeast", help="dataset name (see `mlcl-lab datasets`)")
    rep.add_argument("--losses", nargs="+", help="loss names (see `mlcl-lab losses`)")
    rep.add_argument("--seeds", nargs="+", type=int, help="training seeds")
    rep.add_argument("--epochs", type=int, default=30)
    rep.add_argument("--batch-size", type=int, default=128)
    rep.add_argument("--probe-epochs", type=int, default=40)
    rep.add_argument("--train-fraction", type=float, default=1.0)
    rep.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N")
    rep.add_argument("--umap-backend", default="auto")
    rep.add_argument("--out", default="runs", help="folder that receives the new run folder")
    rep.add_argument("--notebook", default=None, help="notebook to run (default: notebooks/study.ipynb)")
    rep.add_argument("--kernel", default=None, help="Jupyter kernel name (default: mlcl-lab if installed, else python3)")
    rep.set_defaults(func=_report)

    dat = sub.add_parser("datasets", help="list datasets with their statistics")
    dat.set_defaults(func=_datasets)
    los = sub.add_parser("losses", help="list the available losses")
    los.set_defaults(func=_losses)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())

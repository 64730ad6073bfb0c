"""Collect a grid's finished runs into tidy tables (the report notebook's inputs)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .grid import GridSpec, expand_grid
from .grid_runner import finished_attempt

__all__ = ["collect_results", "collect_geometry", "collect_histories", "summary_table", "best_marked_markdown", "LOWER_IS_BETTER",
           "MAIN_METRICS"]

MAIN_METRICS = ("hamming_loss", "micro_f1", "macro_f1", "map_macro")
#: Metrics for which a smaller value is better (best-per-column marking, findings).
LOWER_IS_BETTER = frozenset({"hamming_loss", "ranking_loss", "coverage_error", "uniformity", "alignment",
                             "davies_bouldin"})


def _finished_runs(grid: GridSpec, grid_dir: Path):  # type: ignore[no-untyped-def]
    for run in expand_grid(grid):
        attempt = finished_attempt(grid_dir / "runs" / run.name)
        yield run, attempt


def collect_results(grid: GridSpec, grid_dir: str | Path) -> tuple[pd.DataFrame, list[str]]:
    """One row per finished run: dataset, train_fraction, loss, kind, seed, n_labels, metrics...

    Also returns the names of the grid's runs that have no finished attempt.
    """
    rows, missing = [], []
    for run, attempt in _finished_runs(grid, Path(grid_dir)):
        if attempt is None:
            missing.append(run.name)
            continue
        payload = json.loads((attempt / "metrics.json").read_text())
        stats = payload.get("dataset_statistics", {})
        for entry in payload["runs"]:
            rows.append({"dataset": run.params["dataset"], "train_fraction": run.params["train_fraction"],
                         "loss": entry["loss"], "kind": entry["kind"], "seed": entry["seed"],
                         "n_labels": stats.get("n_labels", np.nan), "seconds": entry["seconds"],
                         "run": run.name, "folder": str(attempt), **entry["metrics"]})
    return pd.DataFrame(rows), missing


def collect_geometry(grid: GridSpec, grid_dir: str | Path) -> pd.DataFrame:
    """One row per finished run with the representation metrics its notebook recorded."""
    rows = []
    for run, attempt in _finished_runs(grid, Path(grid_dir)):
        if attempt is None:
            continue
        payload = json.loads((attempt / "metrics.json").read_text())
        for entry in payload["runs"]:
            geometry = entry.get("geometry")
            if geometry:
                rows.append({"dataset": run.params["dataset"], "train_fraction": run.params["train_fraction"],
                             "loss": entry["loss"], "kind": entry["kind"], "seed": entry["seed"], **geometry})
    return pd.DataFrame(rows)


def summary_table(results: pd.DataFrame, metrics: tuple[str, ...], by: tuple[str, ...] = ("dataset", "loss")) -> pd.DataFrame:
    """Mean, sample std (ddof=1; NaN for one seed) and seed count of ``metrics`` per group."""
    present = [m for m in metrics if m in results.columns]
    if results.empty or not present:
        return pd.DataFrame()
    grouped = results.groupby(list(by), sort=False)
    table = grouped[present].mean().add_suffix("_mean").join(grouped[present].std(ddof=1).add_suffix("_std"))
    table["n_seeds"] = grouped["seed"].nunique()
    return table[[c for m in present for c in (f"{m}_mean", f"{m}_std")] + ["n_seeds"]]


def best_marked_markdown(summary: pd.DataFrame, metrics: tuple[str, ...], group: str = "dataset") -> str:
    """Markdown of ``mean ± std`` cells with the best loss per dataset and column in bold."""
    if summary.empty:
        return "_no finished runs_\n"
    present = [m for m in metrics if f"{m}_mean" in summary.columns]
    frame = summary.reset_index()
    lines = ["| " + " | ".join([group, "loss", *present, "seeds"]) + " |",
             "|" + "---|" * (len(present) + 3)]
    best: dict[tuple[str, str], float] = {}
    for key, part in frame.groupby(group, sort=False):
        for m in present:
            values = part[f"{m}_mean"]
            best[(key, m)] = values.min() if m in LOWER_IS_BETTER else values.max()
    for _, row in frame.iterrows():
        cells = []
        for m in present:
            mean, std = row[f"{m}_mean"], row[f"{m}_std"]
            text = f"{mean:.4f}" + ("" if pd.isna(std) else f" ± {std:.4f}")
            cells.append(f"**{text}**" if np.isclose(mean, best[(row[group], m)]) else text)
        lines.append("| " + " | ".join([str(row[group]), str(row["loss"]), *cells, str(int(row["n_seeds"]))]) + " |")
    return "\n".join(lines) + "\n"


def collect_histories(grid: GridSpec, grid_dir: str | Path) -> pd.DataFrame:
    """Per-epoch histories of the finished full-data runs, with dataset, loss and seed columns."""
    frames = []
    for run, attempt in _finished_runs(grid, Path(grid_dir)):
        if attempt is None or run.params["train_fraction"] != 1.0:
            continue
        path = attempt / "history.csv"
        if path.is_file():
            frames.append(pd.read_csv(path).assign(dataset=run.params["dataset"]))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

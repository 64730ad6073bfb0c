"""Tables of a study and of a report: one mean ± std over seeds, Markdown, CSV + MD files.

The one summary is :func:`summarise` (mean, sample std with ddof=1 — NaN for a single
seed — and the seed count per group); run folders (metrics.json ``summary``), report
tables and figures' error bars all use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import files
from .runs import METRICS, GridRuns, ReportFolder

__all__ = ["summarise", "best_marked_markdown", "frame_markdown", "write_table", "write_report_payload",
           "LOWER_IS_BETTER", "METRICS"]

#: Metrics for which a smaller value is better (best-per-column marking, findings).
LOWER_IS_BETTER = frozenset({"hamming_loss", "ranking_loss", "coverage_error", "uniformity", "alignment",
                             "davies_bouldin"})


def summarise(results: pd.DataFrame, metrics: Sequence[str] = METRICS, by: Sequence[str] = ("loss",)) -> pd.DataFrame:
    """Per group of ``by``: ``<metric>_mean``, ``<metric>_std`` (ddof=1; NaN for one seed)
    for each metric present, and ``n_seeds``. Empty input gives an empty frame."""
    present = [m for m in metrics if m in results.columns]
    if results.empty or not present:
        return pd.DataFrame()
    grouped = results.groupby(list(by), sort=False)
    table = grouped[present].mean().add_suffix("_mean").join(grouped[present].std(ddof=1).add_suffix("_std"))
    table["n_seeds"] = grouped["seed"].nunique()
    return table[[c for m in present for c in (f"{m}_mean", f"{m}_std")] + ["n_seeds"]]


def best_marked_markdown(summary: pd.DataFrame, metrics: Sequence[str], group: str = "dataset") -> str:
    """Markdown of ``mean ± std`` cells with the best loss per ``group`` and column in bold."""
    if summary.empty:
        return "_no finished runs_\n"
    present = [m for m in metrics if f"{m}_mean" in summary.columns]
    frame = summary.reset_index()
    lines = ["| " + " | ".join([group, "loss", *present, "seeds"]) + " |", "|" + "---|" * (len(present) + 3)]
    best: dict[tuple[Any, str], float] = {}
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


def frame_markdown(frame: pd.DataFrame, floatfmt: str = ".4f") -> str:
    """A DataFrame (index included when named) as a GitHub Markdown table."""
    if frame.empty:
        return "_empty_\n"
    data = frame.reset_index() if any(n is not None for n in frame.index.names) else frame

    def cell(v: object) -> str:
        return format(v, floatfmt) if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(map(str, data.columns)) + " |", "|" + "---|" * len(data.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in data.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def write_table(frame: pd.DataFrame, path_without_ext: str | Path, markdown: str | None = None) -> tuple[Path, Path]:
    """Write ``<path>.csv`` and ``<path>.md`` atomically; refuse to replace either."""
    base = Path(path_without_ext)
    csv, md = base.with_suffix(".csv"), base.with_suffix(".md")
    files.refuse_existing(md)
    with files.atomic_write(csv) as tmp:
        frame.to_csv(tmp, index=any(n is not None for n in frame.index.names))
    files.write_text(md, markdown if markdown is not None else frame_markdown(frame))
    return csv, md


def write_report_payload(folder: ReportFolder, runs: GridRuns, results: pd.DataFrame) -> None:
    """params.json (the grid, the runs left out and why), results.csv (one row per
    (loss, seed)) and metrics.json (per dataset and fraction, the per-loss summary)."""
    skipped = runs.skipped().to_dict("records")
    missing = [row["run"] for row in skipped]
    files.write_json(folder.params, {"grid": runs.grid.__dict__, "missing_runs": missing, "skipped_runs": skipped})
    with files.atomic_write(folder.results) as tmp:
        results.to_csv(tmp, index=False)
    summary: dict[str, dict[str, Any]] = {}
    for (ds, fraction), part in results.groupby(["dataset", "train_fraction"], sort=False):
        table = summarise(part)
        summary.setdefault(ds, {})[f"fraction={fraction:g}"] = {loss: {k: row[k] for k in row.index}
                                                                for loss, row in table.iterrows()}
    files.write_json(folder.metrics, {"grid": runs.grid.name, "n_runs": int(len(results)), "missing_runs": missing,
                                      "skipped_runs": skipped, "summary": summary})

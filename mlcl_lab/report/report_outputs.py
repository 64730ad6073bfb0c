"""Tables of a report: CSV + Markdown side by side, and the report's own JSON files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .grid import GridSpec
from .run_folder import write_json
from .study_outputs import summarise

__all__ = ["frame_markdown", "write_table", "write_report_payload"]


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
    """Write ``<path>.csv`` and ``<path>.md``; refuse to replace either."""
    base = Path(path_without_ext)
    base.parent.mkdir(parents=True, exist_ok=True)
    csv, md = base.with_suffix(".csv"), base.with_suffix(".md")
    for path in (csv, md):
        if path.exists():
            raise FileExistsError(f"{path} already exists; report outputs are never overwritten")
    frame.to_csv(csv, index=any(n is not None for n in frame.index.names))
    md.write_text(markdown if markdown is not None else frame_markdown(frame))
    return csv, md


def write_report_payload(out: str | Path, grid: GridSpec, results: pd.DataFrame, missing: list[str]) -> None:
    """params.json (the grid), results.csv (one row per run) and metrics.json (per-dataset summaries)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "params.json", {"grid": grid.__dict__, "missing_runs": missing})
    path = out / "results.csv"
    if path.exists():
        raise FileExistsError(f"{path} already exists; report outputs are never overwritten")
    results.to_csv(path, index=False)
    summary = {}
    if not results.empty:
        for (ds, fraction), part in results.groupby(["dataset", "train_fraction"], sort=False):
            table = summarise(part)
            summary.setdefault(ds, {})[f"fraction={fraction:g}"] = {
                loss: {k: row[k] for k in row.index} for loss, row in table.iterrows()}
    write_json(out / "metrics.json", {"grid": grid.name, "n_runs": int(len(results)), "missing_runs": missing,
                                      "summary": summary})

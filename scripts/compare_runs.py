"""Compare two executions of one grid: every run's metrics.json numbers and the report tables.

Usage::

    python scripts/compare_runs.py OLD_GRID_DIR NEW_GRID_DIR

Each ``GRID_DIR`` is ``<out>/<grid name>`` of a ``mlcl-lab report --out <out>``. For each
run folder name present in OLD, the latest attempt whose ``status.json`` says ``done`` is
read in both; every number of its ``metrics.json`` (per (loss, seed): metrics, geometry,
probe choices, best epoch; the summary; the dataset statistics) is compared, except wall
times (``seconds``). Then the CSV tables of the latest report folder of each are compared
cell by cell. Prints the largest absolute difference of each part and exits 1 when any
number differs or a run or table is missing. The files are read as plain JSON/CSV so that
run folders written by older versions of mlcl-lab can be compared.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import pandas as pd

IGNORED_KEYS = {"seconds"}


def _done_attempt(run_dir: Path) -> Path | None:
    attempts = sorted((p for p in run_dir.glob("attempt-*") if p.name[8:].isdigit()), key=lambda p: int(p.name[8:]))
    for attempt in reversed(attempts):
        try:
            if json.loads((attempt / "status.json").read_text())["state"] == "done":
                return attempt
        except (OSError, ValueError, KeyError):
            continue
    return None


def _numbers(value: Any, prefix: str = "") -> dict[str, Any]:
    """Flatten nested JSON into {"a.b[0]": leaf}, leaving out ``IGNORED_KEYS``."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key not in IGNORED_KEYS:
                out.update(_numbers(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list):
        out = {}
        for i, item in enumerate(value):
            out.update(_numbers(item, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


def _difference(a: Any, b: Any) -> float:
    """|a - b| for numbers (NaN/None equal to themselves), 0/inf for other leaves."""
    if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        return 0.0 if a == b else math.inf
    if math.isnan(a) and math.isnan(b):
        return 0.0
    return abs(float(a) - float(b))


def compare_metrics(old: Path, new: Path) -> tuple[float, int, list[str]]:
    """(largest difference, numbers compared, problems) over every run of ``old``."""
    largest, count, problems = 0.0, 0, []
    for run_dir in sorted((old / "runs").iterdir()):
        a, b = _done_attempt(run_dir), _done_attempt(new / "runs" / run_dir.name)
        if a is None or b is None:
            problems.append(f"{run_dir.name}: no done attempt in {'old' if a is None else 'new'}")
            continue
        left = _numbers(json.loads((a / "metrics.json").read_text()))
        right = _numbers(json.loads((b / "metrics.json").read_text()))
        for key in sorted(set(left) | set(right)):
            if key not in left or key not in right:
                problems.append(f"{run_dir.name}: {key} only in {'new' if key not in left else 'old'}")
                continue
            diff = _difference(left[key], right[key])
            count += 1
            if diff > largest:
                largest = diff
            if diff > 0:
                problems.append(f"{run_dir.name}: {key} {left[key]!r} vs {right[key]!r}")
    return largest, count, problems


def _latest_report(grid_dir: Path) -> Path:
    reports = sorted(p for p in grid_dir.glob("report-*") if (p / "tables").is_dir())
    if not reports:
        raise SystemExit(f"no report folder with tables under {grid_dir}")
    return reports[-1]


def compare_tables(old: Path, new: Path) -> tuple[float, int, list[str]]:
    """(largest difference, cells compared, problems) over the CSV tables of the latest reports."""
    largest, count, problems = 0.0, 0, []
    old_report, new_report = _latest_report(old), _latest_report(new)
    for path in sorted((old_report / "tables").glob("*.csv")):
        other = new_report / "tables" / path.name
        if not other.is_file():
            problems.append(f"table {path.name} missing in {new_report}")
            continue
        a, b = pd.read_csv(path), pd.read_csv(other)
        if list(a.columns) != list(b.columns) or a.shape != b.shape:
            problems.append(f"table {path.name}: columns/shape {list(a.columns)} {a.shape} vs {list(b.columns)} {b.shape}")
            continue
        for column in a.columns:
            for i, (x, y) in enumerate(zip(a[column], b[column], strict=True)):
                diff = 0.0 if (pd.isna(x) and pd.isna(y)) else _difference(x, y)
                count += 1
                largest = max(largest, diff)
                if diff > 0:
                    problems.append(f"table {path.name} row {i} {column}: {x!r} vs {y!r}")
    return largest, count, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path, help="grid folder of the reference execution")
    parser.add_argument("new", type=Path, help="grid folder of the execution to check")
    args = parser.parse_args(argv)
    metrics = compare_metrics(args.old, args.new)
    tables = compare_tables(args.old, args.new)
    n_runs = len(list((args.old / "runs").iterdir()))
    print(f"metrics.json: {n_runs} runs, {metrics[1]} numbers, largest absolute difference {metrics[0]:.3g}")
    print(f"report tables: {tables[1]} cells, largest absolute difference {tables[0]:.3g}")
    problems = metrics[2] + tables[2]
    for line in problems[:50]:
        print("  DIFFERS", line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

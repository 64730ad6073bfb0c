"""Compare two executions of one grid: every run's metrics.json numbers and the report tables.

Usage::

    python scripts/compare_runs.py OLD_GRID_DIR NEW_GRID_DIR

Each ``GRID_DIR`` is ``<out>/<grid name>`` of a ``mlcl-lab report --out <out>``. For each
run folder name present in OLD, the latest attempt whose ``status.json`` says ``done`` is
read in both; every number of its ``metrics.json`` (per (loss, seed): metrics, geometry,
probe choices, best epoch; the summary; the dataset statistics) is compared, except wall
times (``seconds``). Then the CSV tables of the latest report folder of each are compared
cell by cell, except the table of wall times (``costs.csv``). Prints the largest absolute
difference of each part, then per loss the runs whose numbers differ and by how much, and
exits 1 when any number differs or a run, a number or a table of OLD is missing in NEW. Entries only NEW has (metadata a later version
records, e.g. ``split`` and ``inputs``) are counted, not compared. The files are read as
plain JSON/CSV so that run folders written by older versions of mlcl-lab can be compared.
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
#: Report tables of wall times (seconds per phase), which differ between any two executions:
#: like ``seconds``, not compared.
TIMING_TABLES = {"costs.csv"}


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


def _loss_of(run_name: str) -> str:
    """The loss of a run folder named ``<dataset>__<loss>__seedN__fracF__<hash>``."""
    parts = run_name.split("__")
    return parts[1] if len(parts) >= 5 else run_name


def compare_metrics(old: Path, new: Path, added: dict[str, int] | None = None,
                    by_loss: dict[str, dict[str, float]] | None = None) -> tuple[float, int, list[str]]:
    """(largest difference, numbers compared, problems) over every run of ``old``.

    ``added`` (if given) counts, per top-level key, the entries only ``new`` has; ``by_loss``
    collects per loss ``runs`` (runs with a differing number) and ``largest``."""
    largest, count, problems = 0.0, 0, []
    for run_dir in sorted((old / "runs").iterdir()):
        a, b = _done_attempt(run_dir), _done_attempt(new / "runs" / run_dir.name)
        if a is None or b is None:
            problems.append(f"{run_dir.name}: no done attempt in {'old' if a is None else 'new'}")
            continue
        left = _numbers(json.loads((a / "metrics.json").read_text()))
        right = _numbers(json.loads((b / "metrics.json").read_text()))
        run_largest = 0.0
        for key in sorted(set(left) | set(right)):
            if key not in left:
                if added is not None:
                    top = key.split(".")[0].split("[")[0]
                    added[top] = added.get(top, 0) + 1
                continue
            if key not in right:
                problems.append(f"{run_dir.name}: {key} only in old")
                continue
            diff = _difference(left[key], right[key])
            count += 1
            largest = max(largest, diff)
            run_largest = max(run_largest, diff)
            if diff > 0:
                problems.append(f"{run_dir.name}: {key} {left[key]!r} vs {right[key]!r}")
        if run_largest > 0 and by_loss is not None:
            entry = by_loss.setdefault(_loss_of(run_dir.name), {"runs": 0, "largest": 0.0})
            entry["runs"] += 1
            entry["largest"] = max(entry["largest"], run_largest)
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
        if path.name in TIMING_TABLES:
            continue
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
    added: dict[str, int] = {}
    by_loss: dict[str, dict[str, float]] = {}
    metrics = compare_metrics(args.old, args.new, added, by_loss)
    tables = compare_tables(args.old, args.new)
    n_runs = len(list((args.old / "runs").iterdir()))
    print(f"metrics.json: {n_runs} runs, {metrics[1]} numbers, largest absolute difference {metrics[0]:.3g}")
    print(f"report tables: {tables[1]} cells, largest absolute difference {tables[0]:.3g}")
    if added:
        print("only in new (not compared): " + ", ".join(f"{k} ({n} entries)" for k, n in sorted(added.items())))
    for loss, entry in sorted(by_loss.items()):
        print(f"  loss {loss}: {int(entry['runs'])} run(s) differ, largest absolute difference {entry['largest']:.3g}")
    problems = metrics[2] + tables[2]
    for line in problems[:50]:
        print("  DIFFERS", line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

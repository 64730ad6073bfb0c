"""scripts/compare_runs.py and benchmarks/grid_costs.py on small hand-made grid folders."""
from __future__ import annotations

import json
import secrets
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.scripts import load_script

ROOT = Path(__file__).resolve().parents[2]


def _grid_folder(root: Path, runs: dict[str, dict], table: pd.DataFrame) -> Path:
    for name, metrics in runs.items():
        attempt = root / "runs" / name / "attempt-1"
        attempt.mkdir(parents=True)
        (attempt / "status.json").write_text(json.dumps({"state": "done"}))
        (attempt / "metrics.json").write_text(json.dumps(metrics))
    tables = root / "report-20260101-000000-000000" / "tables"
    tables.mkdir(parents=True)
    table.to_csv(tables / "main_results.csv", index=False)
    # wall times differ between any two executions: never compared
    pd.DataFrame({"loss": ["bce"], "stage1_mean": [secrets.randbelow(10**6) / 1e3]}).to_csv(tables / "costs.csv",
                                                                                          index=False)
    return root


def _compare(old: Path, new: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "compare_runs.py"), str(old), str(new)],
                          capture_output=True, text=True, timeout=120)


def test_compare_runs_reports_differences_per_loss_and_counts_new_metadata(tmp_path):
    table = pd.DataFrame({"loss": ["bce", "zlpr"], "f1": [0.5, 0.25]})
    runs = {"yeast__bce__seed0__frac1__aaaa": {"runs": [{"metrics": {"f1": 0.5}}]},
            "yeast__zlpr__seed0__frac1__bbbb": {"runs": [{"metrics": {"f1": 0.25}}]}}
    old = _grid_folder(tmp_path / "old", runs, table)
    same = _grid_folder(tmp_path / "same", {k: {**v, "split": {"n_train": 3}} for k, v in runs.items()}, table)
    done = _compare(old, same)
    assert done.returncode == 0, done.stdout
    assert "largest absolute difference 0" in done.stdout and "only in new (not compared): split (2 entries)" in done.stdout
    changed = dict(runs)
    changed["yeast__zlpr__seed0__frac1__bbbb"] = {"runs": [{"metrics": {"f1": 0.375}}]}
    differs = _compare(old, _grid_folder(tmp_path / "differs", changed, table))
    assert differs.returncode == 1
    assert "loss zlpr: 1 run(s) differ, largest absolute difference 0.125" in differs.stdout
    assert "loss bce" not in differs.stdout
    lost = _compare(old, _grid_folder(tmp_path / "lost", {k: {} for k in runs}, table))
    assert lost.returncode == 1 and "only in old" in lost.stdout


def test_grid_costs_overhead_share_and_projection(tmp_path):
    gc = load_script("benchmarks/grid_costs.py")
    rows = []
    for fraction, stage1 in ((0.5, 2.0), (1.0, 4.0)):
        for loss, factor in (("bce", 1.0), ("base", 3.0)):
            rows.append({"dataset": "yeast", "train_fraction": fraction, "loss": loss, "kernel_start_imports_mean": 0.5,
                         "stage1_mean": stage1 * factor, "probe_mean": 0.0, "representation_mean": 0.5, "n_seeds": 1})
    path = tmp_path / "costs.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    costs = gc.read_costs([path])
    table = gc.overhead_table(costs).set_index("train_fraction")
    assert table.loc[1.0, "training_s"] == pytest.approx(8.0)          # mean of 4 and 12
    assert table.loc[1.0, "overhead_share"] == pytest.approx(1.0 / 9.0)
    factors, unmeasured = gc.loss_factors(costs, ["bce", "base"])
    assert factors == pytest.approx({"bce": 0.5, "base": 1.5}) and unmeasured == []
    grid = tmp_path / "g.yaml"
    grid.write_text("name: g\nnotebook: study.py\ndatasets: [yeast]\nlosses: [bce, base]\nseeds: [0, 1]\n"
                    "train_fractions: [0.25, 1.0]\nparameters: {epochs: 2}\n")
    result = gc.project(costs, str(grid), jobs=2)
    # per run: overhead 1 s + 8 s · f · factor; 2 seeds x (f 0.25, 1) x (bce 0.5, base 1.5)
    expected = 2 * sum(1.0 + 8.0 * f * k for f in (0.25, 1.0) for k in (0.5, 1.5))
    assert result["per_dataset"]["yeast"]["sum_s"] == pytest.approx(expected)
    assert result["projected_wall_s"] == pytest.approx(expected / 2)

"""The report pipeline end to end on a tiny grid: files, consistency, resumption, failures."""

import json

import pandas as pd
import pytest

from mlcl_lab.report.grid import expand_grid, load_grid
from mlcl_lab.report.grid_report import run_grid_report

GRID = """
name: tiny
datasets: [yeast, not-a-dataset]
losses: [bce, base]
seeds: [0]
train_fractions: [1.0]
parameters: {epochs: 1, probe_epochs: 1, make_figures: false}
"""


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    grid_file = root / "tiny.yaml"
    grid_file.write_text(GRID)
    report = run_grid_report(grid_file, out_root=root / "runs", jobs=2, device="cpu", figures_root=root / "figures",
                             progress=False)
    return root, grid_file, report


def test_failed_runs_are_reported_and_kept(first):
    _, _, report = first
    assert sorted(report.runs.executed) == sorted(r.name for r in expand_grid(report.grid) if r.params["dataset"] == "yeast")
    assert len(report.runs.failed) == 2
    for name, error in report.runs.failed.items():
        assert "not-a-dataset" in error
        attempt = report.grid_dir / "runs" / name / "attempt-1"
        assert (attempt / "study.ipynb").is_file()
        assert json.loads((attempt / "status.json").read_text())["state"] == "failed"
    assert not report.ok  # failures make the command fail


def test_report_files_and_tables_match_the_runs(first):
    _, _, report = first
    assert report.notebook.ok, report.notebook.error
    folder = report.folder
    for name in ("report.ipynb", "report.html", "results.csv", "metrics.json", "params.json"):
        assert (folder / name).is_file(), name
    for table in ("main_results", "findings", "representation"):
        assert (folder / "tables" / f"{table}.csv").is_file() and (folder / "tables" / f"{table}.md").is_file()
    assert (folder / "figures" / "umap_yeast.png").is_file()
    results = pd.read_csv(folder / "results.csv")
    assert sorted(results["loss"]) == ["base", "bce"]
    for row in results.itertuples():
        run_results = pd.read_csv(f"{row.folder}/results.csv")
        assert run_results.loc[0, "micro_f1"] == pytest.approx(row.micro_f1, rel=1e-12)
    main = pd.read_csv(folder / "tables" / "main_results.csv")
    by_loss = main.set_index("loss")
    for loss, part in results.groupby("loss"):
        assert by_loss.loc[loss, "macro_f1_mean"] == pytest.approx(part["macro_f1"].mean(), rel=1e-12)
    missing = json.loads((folder / "params.json").read_text())["missing_runs"]
    assert len(missing) == 2
    assert (report.figures_copy / "umap_yeast.png").is_file()


def test_rerun_skips_finished_runs_and_retries_failed_ones_in_a_new_attempt(first):
    root, grid_file, report = first
    again = run_grid_report(grid_file, out_root=root / "runs", jobs=2, device="cpu", progress=False)
    assert sorted(again.runs.skipped) == sorted(report.runs.executed)
    assert again.runs.executed == []
    assert sorted(again.runs.failed) == sorted(report.runs.failed)
    for name in report.runs.failed:
        assert (again.grid_dir / "runs" / name / "attempt-2" / "study.ipynb").is_file()
        assert (again.grid_dir / "runs" / name / "attempt-1" / "study.ipynb").is_file()
    assert again.folder != report.folder and report.folder.is_dir()

"""The report pipeline end to end on a tiny grid: files, consistency, resumption, failures,
damaged runs. The grid has no full-data fraction (issue 15: every valid grid gives a report)."""

import base64
import json

import pandas as pd
import pytest

from mlcl_lab.report.grid import expand_grid
from mlcl_lab.report.pipeline import run_grid_report
from mlcl_lab.report.runs import GridRuns, RunFolder

GRID = """
name: tiny
datasets: [yeast, {name: csv, path: not-a-dataset.csv}]
losses: [bce, base]
seeds: [0]
train_fractions: [0.5]
parameters: {epochs: 1, probe_epochs: 1, make_figures: false}
"""


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    grid_file = root / "tiny.yaml"
    grid_file.write_text(GRID.replace("not-a-dataset.csv", str(root / "not-a-dataset.csv")))
    # a dataset whose file is there (so the grid parses and its identity is computed) but
    # cannot be loaded: its runs fail inside the notebook, naming the file
    (root / "not-a-dataset.csv").write_text("text,no_labels_column\nhello,x\n")
    report = run_grid_report(grid_file, out_root=root / "runs", jobs=2, device="cpu", figures_root=root / "figures",
                             progress=False)
    return root, grid_file, report


def test_failed_runs_are_reported_and_kept(first):
    _, _, report = first
    assert sorted(report.runs.executed) == sorted(r.name for r in expand_grid(report.grid) if r.params["dataset"] == "yeast")
    assert len(report.runs.failed) == 2
    for name, error in report.runs.failed.items():
        assert "not-a-dataset" in error
        attempt = RunFolder(report.grid_dir / "runs" / name / "attempt-1")
        assert attempt.notebook.is_file() and attempt.log.is_file()
        assert json.loads(attempt.status.read_text())["state"] == "failed"
    assert not report.ok  # failures make the command fail


def test_report_files_and_tables_match_the_runs(first):
    _, _, report = first
    assert report.notebook.ok, report.notebook.error
    folder = report.folder
    for path in (folder.notebook, folder.html, folder.results, folder.metrics, folder.params):
        assert path.is_file(), path
    for table in ("main_results", "findings", "representation"):
        assert folder.table(table).with_suffix(".csv").is_file() and folder.table(table).with_suffix(".md").is_file()
    for figure in ("umap_yeast", "centroids_yeast", "training_curves_yeast", "metric_bars_yeast"):
        assert folder.figure(figure).with_suffix(".png").is_file(), figure
    results = pd.read_csv(folder.results)
    assert sorted(results["loss"]) == ["base", "bce"]
    for row in results.itertuples():
        run_results = pd.read_csv(RunFolder(row.folder).results)
        assert run_results.loc[0, "micro_f1"] == pytest.approx(row.micro_f1, rel=1e-12)
    main = pd.read_csv(folder.table("main_results").with_suffix(".csv"))
    by_loss = main.set_index("loss")
    for loss, part in results.groupby("loss"):
        assert by_loss.loc[loss, "macro_f1_mean"] == pytest.approx(part["macro_f1"].mean(), rel=1e-12)
    params = json.loads(folder.params.read_text())
    assert len(params["missing_runs"]) == 2
    assert {row["state"] for row in params["skipped_runs"]} == {"failed"}
    assert all("not-a-dataset" in row["reason"] for row in params["skipped_runs"])
    assert (report.figures_copy / "umap_yeast.png").is_file()


def test_report_notebook_shows_each_saved_figure_once_from_its_file(first):
    """No figure drawn again for the notebook, none shown twice (the inline backend shows
    every figure still open at the end of a cell: the report once showed each one twice)."""
    _, _, report = first
    notebook = json.loads(report.folder.notebook.read_text())
    shown = [base64.b64decode(out["data"]["image/png"]) for cell in notebook["cells"] for out in cell.get("outputs", [])
             if "image/png" in out.get("data", {})]
    saved = sorted(report.folder.figures.glob("*.png"))
    assert len(saved) >= 4 and len(shown) == len(saved)
    assert sorted(shown) == sorted(path.read_bytes() for path in saved)


def test_rerun_skips_done_runs_redoes_damaged_ones_and_retries_failed_ones(first):
    root, grid_file, report = first
    damaged = sorted(report.runs.executed)[0]
    metrics = RunFolder(report.runs.folders[damaged]).metrics
    metrics.write_text(metrics.read_text()[:40])  # what a kill -9 during an in-place write left behind
    again = run_grid_report(grid_file, out_root=root / "runs", jobs=2, device="cpu", progress=False)
    assert again.runs.skipped == sorted(set(report.runs.executed) - {damaged})
    assert again.runs.executed == [damaged]
    assert str(metrics) in again.runs.unreadable[damaged] and "not valid JSON" in again.runs.unreadable[damaged]
    assert sorted(again.runs.failed) == sorted(report.runs.failed)
    for name in [*report.runs.failed, damaged]:
        assert (again.grid_dir / "runs" / name / "attempt-2" / "study.ipynb").is_file()
        assert (again.grid_dir / "runs" / name / "attempt-1" / "study.ipynb").is_file()
    assert metrics.is_file(), "the damaged attempt is kept as it was"
    assert again.folder != report.folder and report.folder.path.is_dir()
    assert again.notebook.ok, again.notebook.error
    states = {r.spec.name: [a.state for a in r.attempts] for r in GridRuns(again.grid, again.grid_dir)}
    assert states[damaged] == ["unreadable", "done"]

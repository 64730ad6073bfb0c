"""benchmarks/bench_grid_rate.py: runs per minute per dataset inside a budget, resumable."""
from __future__ import annotations

import json

import pytest
import yaml

from tests.scripts import load_script

GRID = """name: tiny-rate
notebook: study.py
datasets: [yeast, debtags]
losses: [bce]
seeds: [3, 4]
train_fractions: [0.5, 1.0]
parameters: {epochs: 1, probe_epochs: 1, make_figures: false}
"""


@pytest.fixture
def grid_file(tmp_path):
    path = tmp_path / "grid.yaml"
    path.write_text(GRID)
    return path


def test_slice_keeps_one_dataset_the_first_seeds_and_the_parameters(tmp_path, grid_file):
    bench = load_script("benchmarks/bench_grid_rate.py")
    raw = yaml.safe_load(bench.slice_grid(grid_file, "debtags", 1, tmp_path).read_text())
    assert raw["name"] == "tiny-rate" and raw["datasets"] == ["debtags"] and raw["seeds"] == [3]
    assert raw["losses"] == ["bce"] and raw["train_fractions"] == [0.5, 1.0]
    assert raw["parameters"] == yaml.safe_load(GRID)["parameters"]
    with pytest.raises(SystemExit, match="not in grid"):
        bench.slice_grid(grid_file, "imdb", 1, tmp_path)


def test_a_finished_slice_is_measured_up_to_its_last_run(tmp_path, grid_file):
    bench = load_script("benchmarks/bench_grid_rate.py")
    out = tmp_path / "json"
    code = bench.main(["--grid", str(grid_file), "--datasets", "yeast", "--budget-s", "300", "--out",
                       str(tmp_path / "runs"), "--json", str(out), "--device", "cpu", "--jobs", "1"])
    assert code == 0
    result = json.loads(out.read_text())
    yeast = result["datasets"]["yeast"]
    m = yeast["measured"]
    assert (m["runs_done"], m["runs_planned"], m["runs_done_before"], m["finished"]) == (2, 2, 0, True)
    assert yeast["launch"]["why"] == "all runs done" and not yeast["launch"]["stopped"]
    assert m["runs_per_minute"] == pytest.approx(2 / m["elapsed_s"] * 60)
    assert {"stage1", "probe", "kernel_start_imports"} <= set(m["mean_phase_s"])
    assert 0 < m["mean_training_s"] < m["mean_run_s"]
    # the grid's yeast part has 2 seeds x 2 fractions: the projection scales the measured rate
    assert yeast["projected"] == {"grid_runs": 4, "minutes": pytest.approx(4 / m["runs_per_minute"])}
    assert result["datasets_not_measured"] == ["debtags"]
    # the slice's runs are the grid's own: a report of the whole grid finds them done
    from mlcl_lab.report.grid import load_grid
    from mlcl_lab.report.runs import GridRuns

    whole = GridRuns(load_grid(grid_file), tmp_path / "runs" / "tiny-rate")
    assert sorted(r.spec.name for r in whole.done()) == sorted(
        r.spec.name for r in whole if r.spec.dataset_label == "yeast" and r.spec.params["seeds"] == [3])


def test_a_slice_past_its_budget_is_stopped_and_a_second_call_resumes_it(tmp_path, grid_file):
    bench = load_script("benchmarks/bench_grid_rate.py")
    runs, first, second = tmp_path / "runs", tmp_path / "a.json", tmp_path / "b.json"
    common = ["--grid", str(grid_file), "--datasets", "yeast", "--out", str(runs), "--device", "cpu", "--jobs", "1"]
    bench.main([*common, "--budget-s", "6", "--json", str(first)])
    stopped = json.loads(first.read_text())["datasets"]["yeast"]
    assert stopped["launch"]["stopped"] and stopped["launch"]["why"] == "budget"
    assert stopped["measured"]["finished"] is False and stopped["measured"]["elapsed_s"] == pytest.approx(6, abs=1.5)
    assert bench.main([*common, "--budget-s", "300", "--json", str(second)]) == 0
    resumed = json.loads(second.read_text())["datasets"]["yeast"]["measured"]
    assert resumed["finished"] and resumed["runs_done"] + resumed["runs_done_before"] == 2
    assert resumed["runs_done_before"] == stopped["measured"]["runs_done"]

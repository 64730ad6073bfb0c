"""report.executors.slurm against the real SLURM of scripts/slurm_cluster.sh.

A tiny grid (yeast, 2 losses, 1 seed, 2 epochs) gives the same tables through SLURM as
through the local pool; a run that raises is failed with its error; an scancelled run is
recorded interrupted (the scheduler's reason) and re-run by the next invocation; a second
invocation skips finished runs and submits nothing.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from mlcl_lab.report.grid import load_grid
from mlcl_lab.report.runner import run_grid
from mlcl_lab.report.runs import GridRuns, RunFolder
from mlcl_lab.report.tables import summarise
from tests.cluster._slurm import needs_slurm

pytestmark = needs_slurm

GRID = """
name: {name}
datasets: [{dataset}]
losses: [{losses}]
seeds: [0]
train_fractions: [0.5]
parameters: {{epochs: 2, probe_epochs: 1, make_figures: false}}
slurm: {{cpus_per_run: 1, mem_gb: 2, time_min: 10, signal_delay_s: 10, poll_s: 0.5}}
"""
VOLATILE = ["seconds", "folder"]


def _grid(root: Path, name: str, dataset: str = "yeast", losses: str = "bce, base"):
    path = root / f"{name}.yaml"
    path.write_text(GRID.format(name=name, dataset=dataset, losses=losses))
    return path, load_grid(path)


def _slurm(grid_file: Path, grid_dir: Path):
    from mlcl_lab.report.executors.slurm import SlurmExecutor, SlurmOptions, slurm_options_from_grid

    return SlurmExecutor(SlurmOptions(**slurm_options_from_grid(grid_file)), grid_dir / "slurm", device="cpu",
                         name=f"mlcl-test-{grid_file.stem}")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("slurm-grid")
    grid_file, spec = _grid(root, "tiny")
    local = run_grid(spec, root / "local", jobs=2, device="cpu", progress=False)
    start = time.perf_counter()
    executor = _slurm(grid_file, root / "slurm")
    remote = run_grid(spec, root / "slurm", executor=executor, progress=False)
    slurm_seconds = time.perf_counter() - start
    return root, grid_file, spec, local, remote, executor, slurm_seconds


def test_slurm_gives_the_same_tables_as_local(tiny):
    root, _, spec, local, remote, executor, _ = tiny
    assert local.ok and remote.ok, (local.failed, remote.failed)
    assert sorted(remote.executed) == sorted(local.executed) == sorted(r.spec.name for r in GridRuns(spec, root / "local"))
    frames = [GridRuns(spec, root / kind).results().drop(columns=VOLATILE).sort_values(["loss", "seed"])
              .reset_index(drop=True) for kind in ("local", "slurm")]
    pd.testing.assert_frame_equal(frames[0], frames[1], check_exact=True)
    pd.testing.assert_frame_equal(summarise(frames[0]), summarise(frames[1]), check_exact=True)
    logs = list(executor.last_folder.glob("*/*_log.out"))
    assert len(logs) == 2, "one array task per run, logged in this invocation's fresh folder"
    for name in remote.executed:
        assert json.loads(RunFolder(remote.folders[name]).status.read_text())["state"] == "done"


def test_a_second_invocation_skips_finished_runs_and_submits_nothing(tiny):
    root, grid_file, spec, _, remote, _, _ = tiny
    executor = _slurm(grid_file, root / "slurm")
    again = run_grid(spec, root / "slurm", executor=executor, progress=False)
    assert again.executed == [] and sorted(again.skipped) == sorted(remote.executed)
    assert executor.last_folder is None  # no job array was submitted


def test_a_run_that_raises_is_failed_with_its_error(tmp_path):
    bad = tmp_path / "not-a-dataset.csv"  # present (the grid checks paths before running), but no labels column
    bad.write_text("text,no_labels_column\nhello,x\n")
    grid_file, spec = _grid(tmp_path, "broken", dataset=f"{{name: csv, path: {bad}}}", losses="bce")
    outcome = run_grid(spec, tmp_path / "grid", executor=_slurm(grid_file, tmp_path / "grid"), progress=False)
    [(name, error)] = outcome.failed.items()
    assert "not-a-dataset" in error
    attempt = RunFolder(tmp_path / "grid" / "runs" / name / "attempt-1")
    assert json.loads(attempt.status.read_text())["state"] == "failed"
    assert "Traceback" in attempt.log.read_text() or "Error" in attempt.log.read_text()
    assert attempt.notebook.is_file()


def _job_ids(name: str) -> list[str]:
    out = subprocess.run(["squeue", "-h", "-n", name, "-t", "RUNNING", "-o", "%i"], capture_output=True, text=True,
                         timeout=30)
    return out.stdout.split()


def test_an_scancelled_run_is_interrupted_and_rerun_next_time(tmp_path):
    grid_file, spec = _grid(tmp_path, "cancel", losses="base")
    # a run that outlasts the cancel below (2 s after the job starts) on any machine: 400
    # epochs of yeast take several seconds (a 2-epoch run could end first: it did, once the
    # kernel's start got faster), and the rerun still ends in seconds
    grid_file.write_text(grid_file.read_text().replace("epochs: 2,", "epochs: 400,"))
    spec = load_grid(grid_file)
    grid_dir = tmp_path / "grid"
    executor = _slurm(grid_file, grid_dir)
    result = {}
    thread = threading.Thread(target=lambda: result.update(outcome=run_grid(spec, grid_dir, executor=executor,
                                                                            progress=False)))
    thread.start()
    deadline = time.time() + 120
    while not (ids := _job_ids(executor.name)):
        assert time.time() < deadline and thread.is_alive(), "the job never ran"
        time.sleep(0.2)
    time.sleep(2)  # inside the kernel by now
    subprocess.run(["scancel", *ids], check=True, timeout=30)
    thread.join(timeout=180)
    assert not thread.is_alive()
    [(name, error)] = result["outcome"].failed.items()
    assert "interrupted by SLURM" in error and "CANCELLED" in error, error
    records = {r.spec.name: r for r in GridRuns(spec, grid_dir)}
    assert [a.state for a in records[name].attempts] == ["failed"]
    assert "CANCELLED" in records[name].attempts[0].problem

    again = run_grid(spec, grid_dir, executor=_slurm(grid_file, grid_dir), progress=False)
    assert again.executed == [name] and again.ok
    records = {r.spec.name: r for r in GridRuns(spec, grid_dir)}
    assert [a.state for a in records[name].attempts] == ["failed", "done"]


def test_a_run_past_its_time_limit_is_recorded_interrupted(tmp_path):
    from mlcl_lab.report.executors.slurm import SlurmExecutor, SlurmOptions

    grid_file, spec = _grid(tmp_path, "slow", losses="base")
    # long enough to outlast the USR2 at ~10 s whatever the machine (a yeast epoch is ~20 ms)
    grid_file.write_text(grid_file.read_text().replace("epochs: 2,", "epochs: 5000,"))
    spec = load_grid(grid_file)
    # 1 minute limit, USR2 50 s before it: submitit's handler stops the run after ~10 s
    options = SlurmOptions(cpus_per_run=1, mem_gb=2, time_min=1, signal_delay_s=50, poll_s=0.5)
    outcome = run_grid(spec, tmp_path / "grid", executor=SlurmExecutor(options, tmp_path / "grid" / "slurm",
                                                                       device="cpu", name="mlcl-test-slow"),
                       progress=False)
    [(name, error)] = outcome.failed.items()
    assert "interrupted by SLURM" in error and "time limit" in error, error
    [record] = GridRuns(spec, tmp_path / "grid")
    assert [a.state for a in record.attempts] == ["failed"] and "time limit" in record.attempts[0].problem

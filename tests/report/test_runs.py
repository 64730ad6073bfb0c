"""The run-folder contract: write_run's files, and the one reader's states for damaged folders."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlcl_lab.data import load_dataset
from mlcl_lab.report.grid import expand_grid, load_grid
from mlcl_lab.report.parameters import StudyParameters
from mlcl_lab.report.runner import GridOutcome, plan_tasks, run_grid
from mlcl_lab.report.runs import (
    EMBEDDING_ARRAYS,
    GridRuns,
    RunFolder,
    new_attempt,
    new_run_folder,
    read_attempt,
    write_run,
    write_status,
)
from mlcl_lab.train import run_study

GRID = "name: g\ndatasets: [yeast]\nlosses: [bce]\nseeds: [0, 1]\nparameters: {epochs: 1, probe_epochs: 1}\n"


@pytest.fixture(scope="module")
def study():
    params = StudyParameters(dataset="yeast", losses=["bce", "base"], seeds=[0], epochs=1, probe_epochs=1, device="cpu")
    dataset = load_dataset("yeast")
    result = run_study(dataset, params.losses, params.seeds, params.train_config(), progress=False)
    return params, dataset, result


def _write(folder: Path, study, timings=None) -> RunFolder:
    params, dataset, result = study
    return write_run(folder, result, params, config=params.train_config(), dataset=dataset, timings=timings)


def test_write_run_writes_every_file_of_the_contract(tmp_path, study):
    params, dataset, result = study
    run = _write(tmp_path / "run", study, timings={"data_load": 0.5})
    entries = json.loads(run.metrics.read_text())["runs"]
    assert [(e["loss"], e["seed"]) for e in entries] == [("bce", 0), ("base", 0)]
    for path in run.required(entries):
        assert path.is_file(), path
    for loss in ("bce", "base"):
        assert run.checkpoint(loss, 0).is_file()
        with np.load(run.embeddings(loss, 0)) as blob:
            assert set(blob.files) == set(EMBEDDING_ARRAYS)
            n_labels = dataset.labels.shape[1]
            assert blob["centroid_cosine"].shape == (n_labels, n_labels) and blob["pmi"].shape == (n_labels, n_labels)
            np.testing.assert_array_equal(blob["test_labels"], result.test_labels)
    payload = json.loads(run.params.read_text())
    assert payload["parameters"] == json.loads(json.dumps(params.to_dict()))
    assert payload["train_config"]["epochs"] == 1 and "torch" in payload["environment"]
    assert payload["timings"]["data_load"] == 0.5 and payload["timings"]["write_outputs"] > 0
    assert [(t["loss"], t["seed"]) for t in payload["run_timings"]] == [("bce", 0), ("base", 0)]
    for name in result.runs[0].timings:  # the training phases (RunResult.timings), summed over the runs
        assert payload["timings"][name] == pytest.approx(sum(r.timings[name] for r in result.runs))
    pd.testing.assert_frame_equal(pd.read_csv(run.results), result.results, check_dtype=False)
    assert not list(run.path.rglob(".tmp-*")), "no temporary file is left behind"
    with pytest.raises(FileExistsError, match="never overwritten"):
        _write(tmp_path / "run", study)


@pytest.fixture()
def grid_dir(tmp_path, study):
    """A grid of two runs, both done (seed 0 and seed 1 share the same stored study)."""
    grid_file = tmp_path / "g.yaml"
    grid_file.write_text(GRID)
    grid = load_grid(grid_file)
    for spec in expand_grid(grid):
        attempt = new_attempt(tmp_path / "grid" / "runs" / spec.name)
        _write(attempt, study)
        write_status(attempt, ok=True, error="", seconds=1.0, params_hash=spec.digest, params=spec.params)
    return grid, tmp_path / "grid"


def _damage(run: RunFolder, how: str) -> Path:
    if how == "truncated status":
        run.status.write_text(run.status.read_text()[:20])
        return run.status
    if how == "truncated metrics":
        run.metrics.write_text(run.metrics.read_text()[:50])
        return run.metrics
    if how == "garbage metrics":
        run.metrics.write_bytes(bytes(range(256)) * 4)
        return run.metrics
    if how == "status without state":
        run.status.write_text(json.dumps({"finished": "now"}))
        return run.status
    if how == "metrics without runs":
        run.metrics.write_text(json.dumps({"dataset": "yeast"}))
        return run.metrics
    if how == "missing embeddings":
        path = run.embeddings("bce", 0)
        path.unlink()
        return path
    if how == "garbage embeddings":
        path = run.embeddings("base", 0)
        path.write_bytes(b"\x00\x01not a zip" * 50)
        return path
    if how == "garbage history":
        run.history.write_bytes(b"\xff\xfe\x00" * 100)
        return run.history
    if how == "truncated results":
        run.results.write_text(run.results.read_text().splitlines()[0] + "\n")
        return run.results
    if how == "missing params":
        run.params.unlink()
        return run.params
    raise AssertionError(how)


DAMAGES = ["truncated status", "truncated metrics", "garbage metrics", "status without state", "metrics without runs",
           "missing embeddings", "garbage embeddings", "garbage history", "truncated results", "missing params"]


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_run_is_unreadable_named_kept_and_redone(grid_dir, how):
    grid, root = grid_dir
    runs = GridRuns(grid, root)
    assert [r.state for r in runs] == ["done", "done"]
    damaged = runs.records[0]
    path = _damage(RunFolder(damaged.done.path), how)
    before = sorted(p.name for p in damaged.done.path.rglob("*"))

    runs = GridRuns(grid, root)  # never raises
    record = runs.records[0]
    assert record.state == "unreadable" and record.done is None
    assert str(path) in record.problem
    assert runs.records[1].state == "done"
    skipped = runs.skipped()
    assert skipped.to_dict("records") == [{"run": record.spec.name, "state": "unreadable", "reason": record.problem}]
    assert len(runs.results()) == 2  # the readable run's two (loss, seed) rows

    outcome = GridOutcome()
    tasks = plan_tasks(runs, outcome, kernel="python3")
    assert [t.runs[0].name for t in tasks] == [record.spec.name]
    assert tasks[0].runs[0].attempt.name == "attempt-2" and tasks[0].runs[0].attempt.is_dir()
    assert outcome.unreadable == {record.spec.name: record.problem}
    assert outcome.skipped == [runs.records[1].spec.name]
    assert sorted(p.name for p in (record.folder / "attempt-1").rglob("*")) == before, "the damaged attempt is kept"


def test_states_of_failed_incomplete_and_empty_attempts(tmp_path):
    failed, incomplete = tmp_path / "failed", tmp_path / "incomplete"
    failed.mkdir()
    incomplete.mkdir()
    write_status(failed, ok=False, error="ValueError: boom", seconds=1.0, params_hash="x", params={})
    assert read_attempt(failed).state == "failed" and read_attempt(failed).problem == "ValueError: boom"
    assert read_attempt(incomplete).state == "incomplete"
    write_status(incomplete, ok=True, error="", seconds=1.0, params_hash="x", params={})
    state = read_attempt(incomplete)  # done, but nothing of the run folder was written
    assert state.state == "unreadable" and "params.json: is missing" in state.problem


class _WritingExecutor:
    """An executor that 'runs' each task by writing the stored study into its attempt."""

    def __init__(self, study):
        self.study, self.seen = study, []

    def run(self, tasks):
        for task in tasks:
            outcomes = []
            for run in task.runs:
                self.seen.append(run.attempt)
                _write(run.attempt, self.study)
                write_status(run.attempt, ok=True, error="", seconds=0.0, params_hash=run.params_hash, params=run.params)
                from mlcl_lab.report.execute import RunOutcome

                outcomes.append(RunOutcome(run.name, run.attempt, True, "", 0.0))
            yield outcomes


def test_run_grid_redoes_only_the_unreadable_run(grid_dir, study):
    grid, root = grid_dir
    first = GridRuns(grid, root).records[0]
    _damage(RunFolder(first.done.path), "truncated metrics")
    executor = _WritingExecutor(study)
    outcome = run_grid(grid, root, executor=executor, progress=False)
    assert outcome.executed == [first.spec.name] and list(outcome.unreadable) == [first.spec.name]
    assert executor.seen == [first.folder / "attempt-2"]
    again = GridRuns(grid, root)
    assert [r.state for r in again] == ["done", "done"]
    assert again.records[0].done.path.name == "attempt-2"
    assert [a.state for a in again.records[0].attempts] == ["unreadable", "done"]


def test_without_retry_an_earlier_failure_is_reported_not_dropped(tmp_path):
    grid_file = tmp_path / "g.yaml"
    grid_file.write_text("name: g\ndatasets: [yeast]\nlosses: [bce]\nseeds: [0]\n")
    grid = load_grid(grid_file)
    run = expand_grid(grid)[0]
    attempt = tmp_path / "grid" / "runs" / run.name / "attempt-1"
    attempt.mkdir(parents=True)
    (attempt / "status.json").write_text(json.dumps({"state": "failed", "error": "boom"}))
    outcome = run_grid(grid, tmp_path / "grid", retry_failed=False, progress=False, executor=_WritingExecutor(None))
    assert outcome.executed == [] and outcome.skipped == []
    assert "not retried" in outcome.failed[run.name] and "boom" in outcome.failed[run.name]
    assert not (attempt.parent / "attempt-2").exists()


def test_embedding_panels_read_the_stored_geometry(grid_dir, study):
    grid, root = grid_dir
    panels = GridRuns(grid, root).embedding_panels("yeast")
    _, dataset, result = study
    assert list(panels.features) == ["bce"]  # the grid's loss, its first seed
    np.testing.assert_array_equal(panels.labels, result.test_labels)
    assert panels.label_names == list(dataset.label_names)
    run = next(r for r in result.runs if r.loss == "bce")
    assert panels.centroid_pmi_spearman["bce"] == run.extra["geometry"]["centroid_pmi_spearman"]
    with pytest.raises(ValueError, match="no done run of dataset 'other'"):
        GridRuns(grid, root).embedding_panels("other")


def test_run_folders_are_new_and_distinct(tmp_path):
    a = new_run_folder(tmp_path, prefix="yeast")
    b = new_run_folder(tmp_path, prefix="yeast")
    assert a != b and a.is_dir() and b.is_dir() and a.name.startswith("yeast-")
    assert new_attempt(tmp_path / "r").name == "attempt-1" and new_attempt(tmp_path / "r").name == "attempt-2"


def test_timings_are_read_from_each_runs_params(grid_dir):
    grid, root = grid_dir
    timings = GridRuns(grid, root).timings()
    assert list(timings["seed"]) == [0, 1] and list(timings["loss"]) == ["bce", "bce"]
    assert (timings["write_outputs"] > 0).all()


def test_other_is_the_wall_time_that_no_phase_holds(grid_dir):
    """``other`` = status.json seconds − the recorded phases: 0.25 s left over; none (the
    phases hold it all, even a little more: 0, never negative); no seconds recorded: absent."""
    grid, root = grid_dir
    records = GridRuns(grid, root).done()
    phases = [sum(json.loads(RunFolder(r.done.path).params.read_text())["timings"].values()) for r in records]
    for record, seconds in zip(records, (phases[0] + 0.25, phases[1] - 0.1)):
        status = json.loads(RunFolder(record.done.path).status.read_text())
        RunFolder(record.done.path).status.write_text(json.dumps({**status, "seconds": seconds}))
    timings = GridRuns(grid, root).timings()
    assert timings["other"].tolist() == [pytest.approx(0.25), 0.0]
    assert list(timings.columns).index("other") == len(timings.columns) - 1  # after every phase, in PHASES' order
    for record in records:
        status = json.loads(RunFolder(record.done.path).status.read_text())
        del status["seconds"]
        RunFolder(record.done.path).status.write_text(json.dumps(status))
    assert "other" not in GridRuns(grid, root).timings().columns

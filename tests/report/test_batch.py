"""One kernel computes several runs (a batch), each into its own attempt folder with its
own status: the finished runs of a batch that stops half-way stay done, the others are
recorded with the reason; numbers equal the in-process API's."""

import json
import os

import pytest

from mlcl_lab.data import load_dataset
from mlcl_lab.report.execute import PlannedRun, RunTask, execute_task
from mlcl_lab.report.grid import load_grid
from mlcl_lab.report.notebooks import notebook_source
from mlcl_lab.report.runner import GridOutcome, batch_size, plan_tasks
from mlcl_lab.report.runs import GridRuns, RunFolder, read_attempt
from mlcl_lab.train import ProbeConfig, TrainConfig, run_study

TINY = dict(dataset="yeast", losses=["bce"], epochs=2, batch_size=128, probe_epochs=2, make_figures=False)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Four runs in one kernel: two fine, one with an unknown loss, one after it."""
    root = tmp_path_factory.mktemp("batch")
    plan = [("s0", {"seeds": [0]}), ("s1", {"seeds": [1]}), ("bad", {"seeds": [0], "losses": ["nope"]}),
            ("after", {"seeds": [2]})]
    runs = []
    for name, change in plan:
        attempt = root / name / "attempt-1"
        attempt.mkdir(parents=True)
        runs.append(PlannedRun(name, attempt, {**TINY, **change}, f"hash-{name}"))
    task = RunTask(notebook=notebook_source("study"), runs=tuple(runs), kernel="python3", device="cpu", threads=1)
    return {run.name: run.attempt for run in runs}, execute_task(task)


def test_each_run_of_a_batch_has_its_own_done_folder_pointing_at_the_one_notebook(batch):
    folders, outcomes = batch
    by_name = {o.name: o for o in outcomes}
    assert by_name["s0"].ok and by_name["s1"].ok, [o.error for o in outcomes]
    notebook = RunFolder(folders["s0"]).notebook
    assert notebook.is_file() and not RunFolder(folders["s1"]).notebook.exists()
    for name in ("s0", "s1"):
        assert read_attempt(folders[name]).state == "done"
        status = json.loads(RunFolder(folders[name]).status.read_text())
        assert (folders[name] / status["notebook"]).resolve() == notebook.resolve()
        assert status["params_hash"] == f"hash-{name}" and status["seconds"] > 0
    text = notebook.read_text()
    assert "Run `s0`" in text and "Run `s1`" in text, "the executed notebook shows each run"


def test_shared_phases_are_divided_over_the_batch(batch):
    folders, _ = batch
    for index, name in enumerate(("s0", "s1")):
        params = json.loads(RunFolder(folders[name]).params.read_text())
        record = params["batch"]
        assert record["index"] == index and record["runs"] == 4
        assert (folders[name] / record["notebook"]).resolve() == RunFolder(folders["s0"]).notebook.resolve()
        for phase in ("kernel_start_imports", "data_load"):
            assert params["timings"][phase] == pytest.approx(record["shared_phases"][phase] / 4)
        assert {"split", "inputs", "stage1", "evaluation", "write_outputs"} <= set(params["timings"])


def test_a_failing_run_leaves_the_earlier_runs_done_and_the_later_ones_failed_with_the_reason(batch):
    folders, outcomes = batch
    by_name = {o.name: o for o in outcomes}
    assert not by_name["bad"].ok and "nope" in by_name["bad"].error
    assert not by_name["after"].ok and by_name["after"].error.startswith("not computed: its batch's notebook stopped at run bad")
    assert read_attempt(folders["bad"]).state == "failed" and read_attempt(folders["after"]).state == "failed"
    assert not RunFolder(folders["after"]).metrics.exists()


def test_batched_metrics_equal_the_in_process_api(batch):
    folders, _ = batch
    config = TrainConfig(epochs=2, batch_size=128, device="cpu", probe=ProbeConfig(epochs=2))
    study = run_study(load_dataset("yeast"), ["bce"], [0, 1], config, progress=False)
    for run in study.runs:
        [entry] = json.loads(RunFolder(folders[f"s{run.seed}"]).metrics.read_text())["runs"]
        assert entry["metrics"] == run.metrics, f"seed {run.seed}: bit-identical"


def test_batch_size_gives_each_job_two_kernels_of_at_most_sixty_runs():
    assert batch_size([6] * 8, None, 2) == 6, "48 runs, 2 jobs: 4 kernels wanted, but never more than a group"
    assert batch_size([24, 24], None, 2) == 12, "48 runs of 2 datasets, 2 jobs: 4 kernels"
    assert batch_size([90, 90], None, 2) == 45, "the cpu grid, 2 jobs: 4 kernels of 45 runs"
    assert batch_size([225] * 5, None, 2) == 60, "the full grid: at most 60 runs per kernel"
    assert batch_size([6], None, 4) == 1 and batch_size([6], None, 3) == 1 and batch_size([6], None, 1) == 3
    assert batch_size([2, 2], None, 1) == 2, "never more than a group's runs"
    assert batch_size([6] * 8, 4, 2) == 4 and batch_size([], None, 2) == 1
    with pytest.raises(ValueError, match="runs_per_kernel"):
        batch_size([3], 0, 1)


def test_plan_tasks_groups_a_dataset_by_training_fraction(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text("name: g\nnotebook: study.py\ndatasets: [yeast, {name: yeast, split: mulan}]\nlosses: [bce, base]\n"
                    "seeds: [0, 1]\ntrain_fractions: [0.5, 1.0]\nparameters: {epochs: 2}\n")
    grid = load_grid(path)
    tasks = plan_tasks(GridRuns(grid, tmp_path / "out"), GridOutcome(), kernel="python3")
    assert [len(t.runs) for t in tasks] == [8, 8], "16 runs, 1 job: 2 kernels, one per dataset"
    for task in tasks:
        assert len({json.dumps(run.params["dataset"], sort_keys=True) for run in task.runs}) == 1, "one dataset per kernel"
        order = [(run.params["train_fraction"], run.params["losses"], run.params["seeds"]) for run in task.runs]
        assert order == [(f, loss, seed) for f in (0.5, 1.0) for loss in (["bce"], ["base"]) for seed in ([0], [1])], \
            "runs sharing a split adjacent, then in the grid's order"
        assert all(os.path.isdir(run.attempt) for run in task.runs)
    more = plan_tasks(GridRuns(grid, tmp_path / "out2"), GridOutcome(), kernel="python3", min_tasks=4)
    assert [len(t.runs) for t in more] == [2] * 8, "4 jobs: about two kernels each"
    fractions = [sum(run.params["train_fraction"] for run in t.runs) for t in more]
    assert fractions == sorted(fractions, reverse=True) and fractions[0] == 2.0, "the longest kernels first"


def test_grid_status_tells_done_running_queued_incomplete_failed_and_missing(tmp_path, capsys):
    from mlcl_lab.cli import main
    from mlcl_lab.files import write_json
    from mlcl_lab.report.claims import claim
    from mlcl_lab.report.runner import grid_status
    from mlcl_lab.report.runs import new_attempt, write_status

    path = tmp_path / "g.yaml"
    path.write_text("name: g\nnotebook: study.py\ndatasets: [yeast]\nlosses: [bce]\nseeds: [0, 1, 2, 3, 4]\n"
                    "train_fractions: [1.0]\nparameters: {epochs: 2}\n")
    grid = load_grid(path)
    records = list(GridRuns(grid, tmp_path / "runs" / "g"))
    queued, running, interrupted, failed = (new_attempt(r.folder) for r in records[:4])
    write_json(interrupted / "metrics.json", {"partial": True})
    write_status(failed, ok=False, error="ValueError: boom", seconds=1.0, params_hash="x", params={})
    with claim(running.parent):
        states = grid_status(GridRuns(grid, tmp_path / "runs" / "g")).set_index("run")["state"]
        assert list(states) == ["queued", "running", "incomplete", "failed", "missing"]
        assert main(["report", "--grid", str(path), "--out", str(tmp_path / "runs"), "--status"]) == 0
    out = capsys.readouterr().out
    assert "0 done, 1 running, 1 queued, 1 incomplete, 1 failed, 0 unreadable, 1 missing" in out
    assert "ValueError: boom" in out


def test_warm_splits_fills_the_split_cache_before_kernels_start(tmp_path, monkeypatch):
    from mlcl_lab.report.runner import warm_splits

    monkeypatch.setenv("MLCL_LAB_CACHE_DIR", str(tmp_path / "cache"))
    runs = [PlannedRun(f"r{i}", tmp_path / f"r{i}", {**TINY, "seeds": [0], "train_fraction": f}, "h")
            for i, f in enumerate((0.25, 1.0))]
    bad = PlannedRun("bad", tmp_path / "bad", {**TINY, "dataset": "no-such-dataset", "seeds": [0]}, "h")
    tasks = [RunTask(notebook=notebook_source("study"), runs=tuple(runs), kernel="python3"),
             RunTask(notebook=notebook_source("study"), runs=(bad,), kernel="python3")]
    problems = warm_splits(tasks)
    assert len(problems) == 1 and "no-such-dataset" in problems[0]
    cached = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert len(cached) >= 2, "the split and the 25% training subset"


def test_a_batch_kernel_draws_no_progress_bars_and_stores_no_widget_state(batch):
    """Nobody watches a grid's kernel: its executed notebook holds no tqdm widget (each was
    a display message per epoch and a stored widget state)."""
    folders, _ = batch
    notebook = json.loads(RunFolder(folders["s0"]).notebook.read_text())
    assert "application/vnd.jupyter.widget-view+json" not in json.dumps(notebook["cells"])
    assert "widgets" not in notebook["metadata"]


def test_progress_is_shown_only_for_a_notebook_computing_its_own_run(monkeypatch, tmp_path):
    import mlcl_lab.train.study as study_module
    from mlcl_lab.report.batch import BatchInputs, batch_runs, batch_entry
    from mlcl_lab.report.parameters import StudyParameters

    seen = []
    from types import SimpleNamespace

    monkeypatch.setattr(study_module, "prepare_inputs", lambda *a, **k: SimpleNamespace(timings={"split": 1.0}))
    monkeypatch.setattr(study_module, "run_prepared", lambda *a, progress, **k: seen.append(progress))
    own = StudyParameters.from_mapping({**TINY, "output_dir": str(tmp_path / "own")})
    entry = batch_entry("b", tmp_path / "b", {**TINY, "output_dir": str(tmp_path / "b")}, "h", tmp_path / "nb.ipynb")
    for runs in (batch_runs(own, []), batch_runs(own, [entry])):
        inputs = BatchInputs(load_dataset("yeast"), runs)
        inputs.study(runs[0])
        inputs.study(runs[0], progress=True)
    assert seen == [True, True, False, True]


def test_a_runs_seconds_count_the_inputs_it_is_charged_not_those_it_prepared_for_others(tmp_path):
    """The run that prepares a split shared by 4 runs pays 10 s of it in its block but is
    charged 2.5 s (its phases say so): its status seconds are wall − 10 + 2.5; a run reusing
    the inputs is charged 2.5 s it did not spend in its block: wall + 2.5."""
    import time
    from types import SimpleNamespace

    from mlcl_lab.report.batch import BatchRun, run_in_batch
    from mlcl_lab.report.parameters import StudyParameters
    from mlcl_lab.runtime import PhaseTimer

    inputs = SimpleNamespace(prepared_s=0.0, charged_s=0.0)
    params = StudyParameters.from_mapping({**TINY, "output_dir": str(tmp_path)})
    for name, prepared in (("first", 10.0), ("second", 0.0)):
        attempt = tmp_path / name
        attempt.mkdir()
        run = BatchRun(name, RunFolder(attempt), params, "h", 0, 4, "nb.ipynb", True, dict(TINY))
        start = time.perf_counter()
        with run_in_batch(run, PhaseTimer.from_seconds({"kernel_start_imports": 4.0}), inputs):
            inputs.prepared_s += prepared
            inputs.charged_s += 2.5
        wall = time.perf_counter() - start
        seconds = json.loads(RunFolder(attempt).status.read_text())["seconds"]
        assert seconds == pytest.approx(wall + 1.0 + 2.5 - prepared, abs=0.05)  # + kernel share 4 / 4


def test_batch_kernels_count_each_run_its_share_of_the_inputs(batch):
    """In the executed batch, each done run's status seconds hold its phases (the reader's
    ``other`` is what is left: never negative, and small for these two-epoch runs)."""
    folders, _ = batch
    for name in ("s0", "s1"):
        run = RunFolder(folders[name])
        seconds = json.loads(run.status.read_text())["seconds"]
        phases = sum(json.loads(run.params.read_text())["timings"].values())
        assert phases <= seconds + 1e-3 and seconds - phases < 0.5 * seconds

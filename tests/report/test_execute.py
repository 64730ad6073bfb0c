"""Papermill launched one way: the same error capture for every notebook, outputs kept."""

import json

import pytest

from mlcl_lab.report.execute import (
    PlannedRun,
    RunTask,
    error_summary,
    execute_notebook,
    execute_task,
)
from mlcl_lab.report.runs import read_attempt

NOTEBOOK = '''# %% tags=["parameters"]
value = 1
fail = False

# %%
import os
from pathlib import Path

Path("threads.txt").write_text(os.environ.get("OMP_NUM_THREADS", "unset"))
if fail:
    raise ValueError(f"boom {value}")
'''


@pytest.fixture()
def source(tmp_path):
    path = tmp_path / "tiny.py"
    path.write_text(NOTEBOOK)
    return path


def test_a_failing_cell_is_kept_and_summarised(tmp_path, source):
    out = tmp_path / "out"
    out.mkdir()
    outcome = execute_notebook(source, out / "run.ipynb", {"value": 7, "fail": True}, log=out / "papermill.log",
                               kernel="python3", threads=1)
    assert not outcome.ok and outcome.error == "ValueError: boom 7"
    assert outcome.notebook == out / "run.ipynb" and '"output_type": "error"' in outcome.notebook.read_text()
    assert "boom 7" in (out / "papermill.log").read_text()
    assert (out / "threads.txt").read_text() == "1", "the kernel runs in out_dir with the task's threads"
    with pytest.raises(FileExistsError, match="never overwritten"):
        execute_notebook(source, out / "run.ipynb", {}, log=out / "other.log", kernel="python3")


def test_execute_task_writes_each_attempts_status(tmp_path, source):
    attempt = tmp_path / "run" / "attempt-1"
    attempt.mkdir(parents=True)
    task = RunTask(notebook=source, runs=(PlannedRun("run", attempt, {"value": 2, "fail": True}, "abc"),),
                   kernel="python3", device="cpu")
    [outcome] = execute_task(task)
    assert (attempt / "study.ipynb").is_file() and (attempt / "papermill.log").is_file()  # the contract's names
    assert not outcome.ok and outcome.error == "ValueError: boom 2" and outcome.attempt == attempt
    status = json.loads((attempt / "status.json").read_text())
    assert status["state"] == "failed" and status["params_hash"] == "abc"
    assert status["params"]["device"] == "cpu" and status["params"]["output_dir"] == str(attempt.resolve())
    assert read_attempt(attempt).problem == "ValueError: boom 2"


def test_error_summary_without_a_notebook_uses_stderr(tmp_path):
    stderr = "Traceback\n  File x\nNoSuchKernel: No such kernel named nope\n\n"
    assert error_summary(tmp_path / "missing.ipynb", stderr) == "NoSuchKernel: No such kernel named nope"
    assert error_summary(tmp_path / "missing.ipynb", "") == "papermill failed without a message"


def test_a_notebook_that_cannot_start_is_a_failed_outcome(tmp_path):
    attempt = tmp_path / "attempt-1"
    attempt.mkdir()
    task = RunTask(notebook=tmp_path / "missing.py", runs=(PlannedRun("run", attempt, {}, "abc"),), kernel="python3")
    [outcome] = execute_task(task)
    assert not outcome.ok and outcome.error.startswith("FileNotFoundError: notebook")
    assert read_attempt(attempt).state == "failed"

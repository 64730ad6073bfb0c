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


def _flaky_papermill(monkeypatch, failures):
    """subprocess.run as papermill under a port race: ``failures`` kernel-start failures first."""
    import subprocess

    from mlcl_lab.report import execute

    real, calls = subprocess.run, []

    def run(cmd, **kwargs):
        calls.append(cmd)
        if len(calls) <= failures:
            return subprocess.CompletedProcess(cmd, 1, "", "zmq.error.ZMQError: Address already in use\n")
        return real(cmd, **kwargs)

    monkeypatch.setattr(execute.subprocess, "run", run)
    return calls


def test_a_kernel_that_fails_to_start_is_started_again_and_recorded(tmp_path, source, monkeypatch):
    calls = _flaky_papermill(monkeypatch, failures=1)
    out = tmp_path / "out"
    out.mkdir()
    outcome = execute_notebook(source, out / "run.ipynb", {"value": 3}, log=out / "papermill.log", kernel="python3")
    assert outcome.ok and outcome.kernel_start_retries == 1 and len(calls) == 2
    log = (out / "papermill.log").read_text()
    assert "Address already in use" in log and "the kernel failed to start (try 1 of 3)" in log


def test_kernel_start_retries_are_bounded_and_a_cell_error_is_not_retried(tmp_path, source, monkeypatch):
    from mlcl_lab.report.execute import KERNEL_START_RETRIES, kernel_start_failed

    calls = _flaky_papermill(monkeypatch, failures=10)
    out = tmp_path / "out"
    out.mkdir()
    outcome = execute_notebook(source, out / "run.ipynb", {}, log=out / "papermill.log", kernel="python3")
    assert not outcome.ok and "Address already in use" in outcome.error
    assert len(calls) == 1 + KERNEL_START_RETRIES and outcome.kernel_start_retries == KERNEL_START_RETRIES
    monkeypatch.undo()
    calls = _flaky_papermill(monkeypatch, failures=0)
    failing = execute_notebook(source, out / "again.ipynb", {"fail": True}, log=out / "again.log", kernel="python3")
    assert not failing.ok and len(calls) == 1, "a failing cell is the notebook's error, not a start failure"
    assert not kernel_start_failed(out / "again.ipynb", "Address already in use"), "cells ran: not a start failure"


def test_gpu_slots_hand_out_each_visible_gpu_jobs_per_gpu_times():
    from mlcl_lab.report.executors.local import LocalExecutor, default_jobs, device_slots

    slots = device_slots("auto", 8, jobs_per_gpu=2, gpus=["3", "5"])
    assert [s.env["CUDA_VISIBLE_DEVICES"] for s in slots] == ["3", "5", "3", "5"], "at most 2 per GPU, GPUs in turn"
    assert {s.device for s in slots} == {"cuda"}, "the kernel sees its one GPU as cuda"
    assert [s.env["CUDA_VISIBLE_DEVICES"] for s in device_slots("cuda", 3, gpus=["0", "1", "2", "3"])] == ["0", "1", "2"]
    assert default_jobs("auto", jobs_per_gpu=3, gpus=["0", "1"]) == 6
    assert device_slots("cpu", 2, gpus=["0"]) == [device_slots("cpu", 1)[0]] * 2 and device_slots("cpu", 1)[0].env == {}
    assert device_slots("auto", 2, gpus=[])[0].device == "cpu", "no GPU: the CPU"
    assert LocalExecutor(jobs=8, device="auto", jobs_per_gpu=2, gpus=["0"]).jobs == 2
    with pytest.raises(ValueError, match="jobs_per_gpu"):
        device_slots("auto", 1, jobs_per_gpu=0, gpus=["0"])

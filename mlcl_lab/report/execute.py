"""Execute a notebook with papermill — one way, in its own process, for every notebook.

:func:`execute_notebook` runs ``python -m papermill`` in a subprocess (the study notebook
of every run, the report notebook of every report, the ``mlcl-lab study`` command):
the executed copy is kept whether or not a cell fails, papermill's output goes to
``papermill.log`` next to it, and a failure is summarised the same way for every
notebook — the first error output of the executed notebook (``ename: evalue``), else the
last error line papermill printed. Failures are returned, never raised or hidden.

:func:`execute_task` is the picklable, top-level entry that every executor
(:mod:`mlcl_lab.report.executors`) runs: one :class:`RunTask` executes the study
notebook for its planned runs, each into its own attempt folder, and writes each
attempt's ``status.json``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .. import files
from ..runtime import LAUNCHED_AT_ENV
from .notebooks import materialise_notebook, notebook_source
from .runs import RunFolder, write_status

__all__ = ["NotebookOutcome", "PlannedRun", "RunTask", "RunOutcome", "execute_notebook", "execute_task",
           "default_kernel", "error_summary"]


@dataclass(frozen=True)
class NotebookOutcome:
    """Where the executed notebook is, whether it ran to the end, and the error if not."""

    notebook: Path
    ok: bool
    error: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class PlannedRun:
    """One run of a task: its name, its (new, empty) attempt folder and its parameters."""

    name: str
    attempt: Path
    params: Mapping[str, Any]
    params_hash: str


@dataclass(frozen=True)
class RunTask:
    """One kernel execution of ``notebook`` for each of ``runs``.

    ``device`` and ``threads`` (CPU threads of the kernel: ``OMP_NUM_THREADS`` and
    ``MKL_NUM_THREADS``; None inherits the environment) are chosen by the executor.
    """

    notebook: Path
    runs: tuple[PlannedRun, ...]
    kernel: str
    device: str = "auto"
    threads: int | None = None
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunOutcome:
    """How one planned run ended."""

    name: str
    attempt: Path
    ok: bool
    error: str
    seconds: float


def default_kernel() -> str:
    """The project's kernel 'mlcl-lab' when installed (``make setup`` installs it), else 'python3'."""
    from jupyter_client.kernelspec import KernelSpecManager

    return "mlcl-lab" if "mlcl-lab" in KernelSpecManager().find_kernel_specs() else "python3"


def error_summary(notebook: Path, stderr: str) -> str:
    """``ename: evalue`` of the first error output in the executed ``notebook``, else the
    last line of ``stderr`` that names an error (at most 500 characters)."""
    if notebook.is_file():
        import nbformat

        try:
            nb = nbformat.read(notebook, as_version=4)
        except Exception:  # noqa: BLE001 (a damaged notebook falls back to stderr)
            nb = None
        for cell in nb.cells if nb is not None else []:
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    return f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"[:500]
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    named = [line for line in lines if "Error" in line or "Exception" in line]
    return ((named or lines or ["papermill failed without a message"])[-1])[:500]


def execute_notebook(notebook: str | Path, target: Path, parameters: Mapping[str, Any], *, log: Path,
                     kernel: str | None = None, threads: int | None = None,
                     env: Mapping[str, str] | None = None) -> NotebookOutcome:
    """Run ``notebook`` (a name such as ``study``, or a path) with ``parameters`` in a new
    papermill process; the executed copy goes to ``target`` (never replaced), papermill's
    output to ``log`` (their names come from :mod:`mlcl_lab.report.runs`). The kernel runs
    in ``target``'s folder."""
    source = notebook_source(notebook)
    target = Path(target)
    out_dir = target.parent
    files.refuse_existing(target)
    files.refuse_existing(log)
    environment = {**os.environ, **(env or {}), LAUNCHED_AT_ENV: repr(time.time())}
    if threads is not None:
        environment.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        built = materialise_notebook(source, Path(tmp) / target.name)
        params_file = Path(tmp) / "parameters.yaml"
        files.write_text(params_file, yaml.safe_dump(dict(parameters)))
        proc = subprocess.run(
            [sys.executable, "-m", "papermill", str(built), str(target), "-f", str(params_file),
             "-k", kernel or default_kernel(), "--cwd", str(out_dir), "--no-progress-bar"],
            capture_output=True, text=True, env=environment, check=False)
    seconds = time.perf_counter() - start
    files.write_text(log, proc.stdout + proc.stderr)
    if proc.returncode == 0:
        return NotebookOutcome(target, True, "", seconds)
    return NotebookOutcome(target, False, error_summary(target, proc.stderr), seconds)


def execute_task(task: RunTask) -> list[RunOutcome]:
    """Execute the task's runs one after the other; each attempt gets its executed
    notebook, log and ``status.json``. Never raises: a notebook that fails, or a kernel
    that cannot be started, is a failed outcome (and a ``failed`` status)."""
    outcomes = []
    for run in task.runs:
        folder = RunFolder(run.attempt)
        params = {**run.params, "output_dir": str(folder.path.resolve()), "device": task.device}
        try:
            result = execute_notebook(task.notebook, folder.notebook, params, log=folder.log, kernel=task.kernel,
                                      threads=task.threads, env=task.env)
        except Exception as error:  # noqa: BLE001 (reported in the outcome and the status, never lost)
            result = NotebookOutcome(folder.notebook, False, f"{type(error).__name__}: {error}"[:500])
        write_status(folder.path, ok=result.ok, error=result.error, seconds=result.seconds,
                     params_hash=run.params_hash, params=params)
        outcomes.append(RunOutcome(run.name, folder.path, result.ok, result.error, result.seconds))
    return outcomes

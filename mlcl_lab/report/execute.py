"""Execute a notebook with papermill — one way, in its own process, for every notebook.

:func:`execute_notebook` runs papermill's command line in a subprocess for every notebook
(the study notebook of every run, the report notebook of every report, the ``mlcl-lab
study`` command), as ``python -m mlcl_lab.report.papermill_main``: ``python -m papermill``
started 2.8 s sooner (:mod:`mlcl_lab.report.lazy_iri`). Whatever happens,
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
           "default_kernel", "error_summary", "kernel_start_failed", "KERNEL_START_RETRIES"]


@dataclass(frozen=True)
class NotebookOutcome:
    """Where the executed notebook is, whether it ran to the end, and the error if not."""

    notebook: Path
    ok: bool
    error: str = ""
    seconds: float = 0.0
    kernel_start_retries: int = 0  # kernels started again after a start failure (:func:`kernel_start_failed`)


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

    ``device`` and ``threads`` are chosen by the executor; ``threads`` (None: each run's
    ``threads`` study parameter) is written into every run's parameters (so applied by
    the notebook and recorded) and the kernel's ``OMP_NUM_THREADS``/``MKL_NUM_THREADS``.
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


#: How many times a kernel that failed to start is started again (then the failure stands).
KERNEL_START_RETRIES = 2
#: What papermill/jupyter_client print when a kernel fails to start under parallel kernel
#: starts (port races: papermill issues #511 and #239).
KERNEL_START_ERRORS = ("Address already in use", "Kernel didn't respond", "Kernel died before replying to kernel_info",
                       "Timeout waiting for kernel_info reply")


def kernel_start_failed(notebook: Path, output: str) -> bool:
    """Whether a failed papermill execution is a kernel that did not start: its output names
    one of :data:`KERNEL_START_ERRORS` and no cell of ``notebook`` ran (or it was not written)."""
    if not any(marker in output for marker in KERNEL_START_ERRORS):
        return False
    if not notebook.is_file():
        return True
    import nbformat

    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception:  # noqa: BLE001 (a half-written copy: nothing ran)
        return True
    return not any(cell.get("execution_count") or cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")


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
    in ``target``'s folder. A kernel that fails to start (:func:`kernel_start_failed`) is
    started again, at most :data:`KERNEL_START_RETRIES` times; every try's output is in
    ``log`` and the count in the outcome."""
    source = notebook_source(notebook)
    target = Path(target)
    out_dir = target.parent
    files.refuse_existing(target)
    files.refuse_existing(log)
    environment = {**os.environ, **(env or {}), LAUNCHED_AT_ENV: repr(time.time())}
    if threads is not None:
        environment.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    start = time.perf_counter()
    outputs: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        built = materialise_notebook(source, Path(tmp) / target.name)
        params_file = Path(tmp) / "parameters.yaml"
        files.write_text(params_file, yaml.safe_dump(dict(parameters)))
        for attempt in range(1 + KERNEL_START_RETRIES):
            proc = subprocess.run(
                [sys.executable, "-m", "mlcl_lab.report.papermill_main", str(built), str(target), "-f", str(params_file),
                 "-k", kernel or default_kernel(), "--cwd", str(out_dir), "--no-progress-bar"],
                capture_output=True, text=True, env=environment, check=False)
            outputs.append(proc.stdout + proc.stderr)
            if proc.returncode == 0 or not kernel_start_failed(target, outputs[-1]) or attempt == KERNEL_START_RETRIES:
                break
            target.unlink(missing_ok=True)  # papermill's copy of a kernel that never ran a cell
            outputs.append(f"\n== mlcl-lab: the kernel failed to start (try {attempt + 1} of "
                           f"{1 + KERNEL_START_RETRIES}); starting it again ==\n")
    seconds = time.perf_counter() - start
    retries = (len(outputs) - 1) // 2
    files.write_text(log, "".join(outputs))
    if proc.returncode == 0:
        return NotebookOutcome(target, True, "", seconds, retries)
    return NotebookOutcome(target, False, error_summary(target, proc.stderr), seconds, retries)


def _finished(attempt: Path) -> tuple[bool, float] | None:
    """(done, seconds) of an attempt whose ``status.json`` the kernel wrote, else None."""
    status = RunFolder(attempt).status
    if not status.is_file():
        return None
    try:
        payload = files.read_json(status)
    except files.CorruptFileError:
        return None
    return payload.get("state") == "done", float(payload.get("seconds", 0.0))


def _kernel_threads(task: RunTask) -> int:
    """The kernel's ``OMP_NUM_THREADS``: the task's threads, else its first run's ``threads``
    study parameter (its default when the run does not set it), so that the libraries
    start with the count the notebook then applies (:func:`mlcl_lab.runtime.set_threads`)."""
    if task.threads is not None:
        return task.threads
    from .parameters import StudyParameters

    return int(task.runs[0].params.get("threads", StudyParameters().threads))


def execute_task(task: RunTask) -> list[RunOutcome]:
    """Execute the study notebook once for all the task's runs (a batch,
    :mod:`mlcl_lab.report.batch`): the executed notebook and its log go to the first run's
    attempt folder; the kernel writes each run's files and ``status.json`` as the run
    ends. A run the kernel did not finish (a failed cell, a kernel that could not start)
    gets a ``failed`` status here with the error, or, for the runs after the failing one,
    saying that the batch stopped before them. Never raises.

    A notebook that ignores the ``batch`` parameter (a grid's own notebook) computes its
    parameters into the first attempt folder; for a one-run task its success is then the
    run's ``done``, as before batches existed.
    """
    from .batch import BATCH_PARAMETER, batch_entry

    if not task.runs:
        return []
    first = RunFolder(task.runs[0].attempt)
    planned = []
    threads = {"threads": task.threads} if task.threads is not None else {}
    for run in task.runs:
        folder = RunFolder(run.attempt)
        params = {**run.params, "output_dir": str(folder.path.resolve()), "device": task.device, **threads}
        planned.append((run, folder, params, batch_entry(run.name, folder.path, params, run.params_hash, first.notebook)))
    notebook_params = {**planned[0][2], BATCH_PARAMETER: [entry for *_, entry in planned]}
    try:
        result = execute_notebook(task.notebook, first.notebook, notebook_params, log=first.log, kernel=task.kernel,
                                  threads=_kernel_threads(task), env=task.env)
    except Exception as error:  # noqa: BLE001 (reported in the outcome and the status, never lost)
        result = NotebookOutcome(first.notebook, False, f"{type(error).__name__}: {error}"[:500])
    outcomes = []
    stopped = ""  # the run at which the kernel stopped, once found
    for run, folder, params, entry in planned:
        finished = _finished(folder.path)
        if finished is None and result.ok and len(planned) == 1:  # a notebook outside the batch protocol
            write_status(folder.path, ok=True, error="", seconds=result.seconds, params_hash=run.params_hash,
                         params=params)
            finished = (True, result.seconds)
        if finished is not None:
            outcomes.append(RunOutcome(run.name, folder.path, finished[0], "", finished[1]))
            continue
        if stopped:
            error = f"not computed: its batch's notebook stopped at run {stopped} ({result.error})"[:500]
        elif result.ok:
            error = (f"the notebook ended without finishing this run (does {task.notebook.name} compute the "
                     f"'{BATCH_PARAMETER}' parameter's runs?)")
        else:
            error = result.error
        stopped = stopped or run.name
        write_status(folder.path, ok=False, error=error, seconds=0.0, params_hash=run.params_hash, params=params,
                     notebook=entry["notebook"])
        outcomes.append(RunOutcome(run.name, folder.path, False, error, 0.0))
    return outcomes

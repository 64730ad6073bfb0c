"""Execute the runs of a grid with papermill, resumably and in parallel processes."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from tqdm.auto import tqdm

from .grid import GridSpec, RunSpec, expand_grid
from .notebooks import default_kernel, materialise_notebook, notebook_source
from .run_folder import write_json

__all__ = ["GridOutcome", "run_grid", "run_state", "finished_attempt", "STATUS_FILE"]

STATUS_FILE = "status.json"


@dataclass
class GridOutcome:
    """Which runs were executed, skipped (already done) or failed in this invocation."""

    executed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)   # run name -> error summary
    folders: dict[str, Path] = field(default_factory=dict)  # run name -> attempt folder that holds its result

    @property
    def ok(self) -> bool:
        return not self.failed


def _attempts(run_dir: Path) -> list[Path]:
    return sorted((p for p in run_dir.glob("attempt-*") if p.is_dir()), key=lambda p: int(p.name.split("-")[1]))


def run_state(attempt: Path) -> str:
    """'done', 'failed' or 'incomplete' (no status file: interrupted) for an attempt folder."""
    status = attempt / STATUS_FILE
    if not status.is_file():
        return "incomplete"
    return json.loads(status.read_text()).get("state", "incomplete")


def finished_attempt(run_dir: Path) -> Path | None:
    """The latest attempt of a run that finished successfully, if any."""
    done = [a for a in _attempts(run_dir) if run_state(a) == "done"]
    return done[-1] if done else None


def _new_attempt(run_dir: Path) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    existing = _attempts(run_dir)
    number = int(existing[-1].name.split("-")[1]) + 1 if existing else 1
    while True:
        path = run_dir / f"attempt-{number}"
        try:
            path.mkdir()
            return path
        except FileExistsError:
            number += 1


def _error_summary(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    for line in reversed(lines):
        if "Error" in line or "Exception" in line:
            return line.strip()[:500]
    return (lines[-1] if lines else "papermill failed without a message")[:500]


def _execute(run: RunSpec, attempt: Path, notebook: Path, kernel: str, device: str, threads: int) -> tuple[bool, str, float]:
    params: dict[str, Any] = {**run.params, "output_dir": str(attempt.resolve()), "device": device}
    start = time.perf_counter()
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
        yaml.safe_dump(params, handle)
        params_file = handle.name
    source_dir = tempfile.mkdtemp()
    source = materialise_notebook(notebook, Path(source_dir) / f"{notebook.stem}.ipynb")
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "papermill", str(source), str(attempt / source.name),
             "-f", params_file, "-k", kernel, "--cwd", str(attempt), "--no-progress-bar"],
            capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)},
        )
    finally:
        Path(params_file).unlink(missing_ok=True)
        source.unlink(missing_ok=True)
        Path(source_dir).rmdir()
    seconds = time.perf_counter() - start
    (attempt / "papermill.log").write_text(proc.stdout + proc.stderr)
    ok = proc.returncode == 0
    error = "" if ok else _error_summary(proc.stderr)
    write_json(attempt / STATUS_FILE, {"state": "done" if ok else "failed", "error": error, "seconds": seconds,
                                        "params_hash": run.digest, "params": params,
                                        "finished": time.strftime("%Y-%m-%dT%H:%M:%S")})
    return ok, error, seconds


def _devices(device: str, jobs: int) -> list[str]:
    """One device per parallel job: round-robin over GPUs when CUDA is asked for, else the same."""
    if device in ("auto", "cuda"):
        import torch

        if torch.cuda.is_available():
            return [f"cuda:{i % torch.cuda.device_count()}" for i in range(jobs)]
        if device == "cuda":
            raise ValueError("device 'cuda' requested but CUDA is not available on this machine")
        return ["cpu"] * jobs
    return [device] * jobs


def run_grid(grid: GridSpec, grid_dir: str | Path, jobs: int = 1, device: str = "auto", kernel_name: str | None = None,
             progress: bool = True, retry_failed: bool = True) -> GridOutcome:
    """Execute every run of ``grid`` under ``grid_dir/runs``; skip those already done.

    A failed or interrupted run is retried in a new ``attempt-N`` folder (the old one is
    kept, with its executed notebook and error). ``jobs`` runs go in parallel, each in
    its own kernel process; on CUDA each job gets its own GPU (round-robin).
    """
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    notebook = notebook_source(grid.notebook)
    kernel = kernel_name or default_kernel()
    devices = _devices(device, jobs)
    threads = max(1, (os.cpu_count() or 1) // jobs)  # CPU threads per kernel, so parallel jobs do not oversubscribe
    runs_dir = Path(grid_dir) / "runs"
    outcome = GridOutcome()
    todo: list[tuple[RunSpec, Path]] = []
    for run in expand_grid(grid):
        done = finished_attempt(runs_dir / run.name)
        if done is not None:
            outcome.skipped.append(run.name)
            outcome.folders[run.name] = done
        elif retry_failed or not _attempts(runs_dir / run.name):
            todo.append((run, _new_attempt(runs_dir / run.name)))
        else:  # reported, never silently dropped
            outcome.failed[run.name] = "an earlier attempt failed or was interrupted; not retried (retry_failed=False)"
    slots: queue.Queue[str] = queue.Queue()
    for name in devices:
        slots.put(name)

    def execute_in_slot(run: RunSpec, attempt: Path) -> tuple[bool, str, float]:
        slot = slots.get()  # a device no other running job holds
        try:
            return _execute(run, attempt, notebook, kernel, slot, threads)
        finally:
            slots.put(slot)

    bar = tqdm(total=len(todo), desc=f"grid {grid.name}", disable=not progress or not todo)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(execute_in_slot, run, attempt): (run, attempt) for run, attempt in todo}
        for future in as_completed(futures):
            run, attempt = futures[future]
            ok, error, _ = future.result()
            if ok:
                outcome.executed.append(run.name)
                outcome.folders[run.name] = attempt
            else:
                outcome.failed[run.name] = error
            bar.update(1)
    bar.close()
    return outcome

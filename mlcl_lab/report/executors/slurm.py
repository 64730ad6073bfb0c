"""The SLURM executor: a grid's tasks as one submitit job array.

Each array task runs :func:`execute_in_slurm`: :func:`mlcl_lab.report.claims.execute_claimed`
— the local backend's entry (:func:`mlcl_lab.report.execute.execute_task`) under a per-run
claim — into the same run folders on the shared filesystem, so
resumption, skipping and the report are the same whichever backend ran the runs.

A job that ends without a result (``scancel``, time limit, preemption, node failure,
out of memory) leaves its runs without ``status.json``; the executor then writes one with
state ``failed`` and the scheduler's reason (``interrupted by SLURM: job 12_0 CANCELLED by 0``),
read back by :mod:`mlcl_lab.report.runs` like any failure, and the next invocation retries
the run in a new attempt. A job whose Python raised is ``failed`` with the remote traceback.
Scheduler states need accounting (``sacct``): without it submitit never sees a cancelled
job end (``scripts/slurm_cluster.sh`` starts slurmdbd for that reason).

Options (:class:`SlurmOptions`) come from the CLI (``--slurm-*``) or the grid file's
``slurm:`` mapping (CLI wins): partition, time limit, GPUs / CPUs / memory per run, array
parallelism, extra sbatch flags. Each invocation logs into a fresh
``<grid_dir>/slurm/<stamp>-<hex>/`` folder: submitit keys its files by job id, and ids
restart when a cluster's state is wiped (an old result pickle would be taken for the new
job's).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import yaml

from ..claims import execute_claimed
from ..execute import PlannedRun, RunOutcome, RunTask
from ..runs import RunFolder, new_run_folder, read_attempt, write_status

__all__ = ["SlurmOptions", "SlurmExecutor", "execute_in_slurm", "slurm_options_from_grid", "add_slurm_arguments",
           "executor_from_args", "INSTALL_HINT"]

INSTALL_HINT = "the SLURM executor needs submitit: pip install 'mlcl-lab[slurm]'"


@dataclass(frozen=True)
class SlurmOptions:
    """Resources of one run (one array task) and of the array."""

    partition: str | None = None          # None: the cluster's default partition
    time_min: int = 120                   # time limit per run
    gpus_per_run: int = 0
    cpus_per_run: int = 2                 # also the kernel's thread count
    mem_gb: float = 8.0
    array_parallelism: int = 64           # at most this many runs at once
    sbatch: tuple[str, ...] = ()          # extra sbatch flags, e.g. ("--account=abc", "--qos=short", "--exclusive")
    signal_delay_s: int = 90              # USR2 this long before the time limit (submitit's default)
    poll_s: float = 1.0                   # how often job states are polled

    def __post_init__(self) -> None:
        for name in ("time_min", "cpus_per_run", "array_parallelism", "signal_delay_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"slurm option {name} must be an integer >= 1, got {value!r}")
        if isinstance(self.gpus_per_run, bool) or not isinstance(self.gpus_per_run, int) or self.gpus_per_run < 0:
            raise ValueError(f"slurm option gpus_per_run must be an integer >= 0, got {self.gpus_per_run!r}")
        if not isinstance(self.mem_gb, (int, float)) or isinstance(self.mem_gb, bool) or self.mem_gb <= 0:
            raise ValueError(f"slurm option mem_gb must be a number > 0, got {self.mem_gb!r}")
        if not isinstance(self.poll_s, (int, float)) or self.poll_s <= 0:
            raise ValueError(f"slurm option poll_s must be > 0, got {self.poll_s!r}")
        for flag in self.sbatch:
            if not isinstance(flag, str) or not flag.startswith("--") or len(flag) < 3:
                raise ValueError(f"extra sbatch flags are written --name=value or --name, got {flag!r}")

    def sbatch_parameters(self) -> dict[str, Any]:
        """``--name=value`` / ``--name`` flags as submitit's ``slurm_additional_parameters``."""
        out: dict[str, Any] = {}
        for flag in self.sbatch:
            name, sep, value = flag[2:].partition("=")
            out[name.replace("-", "_")] = value if sep else True
        return out


def slurm_options_from_grid(grid_file: str | Path | None) -> dict[str, Any]:
    """The grid file's ``slurm:`` mapping (field names of :class:`SlurmOptions`), or {}."""
    if grid_file is None:
        return {}
    raw = yaml.safe_load(Path(grid_file).read_text()) or {}
    section = raw.get("slurm") if isinstance(raw, dict) else None
    if section is None:
        return {}
    valid = [f.name for f in fields(SlurmOptions)]
    if not isinstance(section, dict):
        raise ValueError(f"{grid_file}: 'slurm' must be a mapping with keys among {valid}")
    unknown = [k for k in section if k not in valid]
    if unknown:
        raise ValueError(f"{grid_file}: unknown slurm key(s) {unknown}; valid keys: {', '.join(valid)}")
    if "sbatch" in section:
        section = {**section, "sbatch": tuple(section["sbatch"] or ())}
    return dict(section)


class _TimeLimit(BaseException):
    """USR2 from SLURM (``--signal=USR2@signal_delay_s``): the time limit is near, or preemption.

    A BaseException, so that the per-run entry's ``except Exception`` (which records a failed
    notebook) lets it through and this job records the interruption itself.
    """


def _on_usr2(signum: int, frame: Any) -> None:
    raise _TimeLimit()


def execute_in_slurm(task: RunTask) -> list[RunOutcome]:
    """The array task's entry: :func:`execute_claimed`, with SLURM's USR2 recorded as an
    interruption (status ``failed``, reason: time limit or preemption) of the runs that had
    not finished; the job then ends normally and the next invocation retries them."""
    previous = signal.signal(signal.SIGUSR2, _on_usr2)
    try:
        return execute_claimed(task)
    except _TimeLimit:
        job = os.environ.get("SLURM_ARRAY_JOB_ID", os.environ.get("SLURM_JOB_ID", "?"))
        index = os.environ.get("SLURM_ARRAY_TASK_ID")
        reason = (f"interrupted by SLURM: job {job}{'_' + index if index else ''} reached its time limit (or was "
                  f"preempted: USR2) before the run finished (retried next time)")
        return [SlurmExecutor._record(run, task, reason) for run in task.runs]
    finally:
        signal.signal(signal.SIGUSR2, previous)


def _submitit() -> Any:
    try:
        import submitit
    except ImportError:
        raise RuntimeError(INSTALL_HINT) from None
    return submitit


class SlurmExecutor:
    """Submit every task as one task of a submitit job array and yield outcomes as jobs end."""

    def __init__(self, options: SlurmOptions, log_root: str | Path, *, device: str = "auto",
                 name: str = "mlcl-lab") -> None:
        self.submitit = _submitit()
        if shutil.which("sbatch") is None:
            raise RuntimeError("--executor slurm: sbatch is not on PATH (no SLURM client on this machine)")
        self.options = options
        self.log_root = Path(log_root)
        self.device = device
        self.name = name
        self.last_folder: Path | None = None

    def _executor(self) -> Any:
        folder = new_run_folder(self.log_root)  # fresh per invocation: job ids may restart
        self.last_folder = folder
        executor = self.submitit.AutoExecutor(folder=str(folder / "%j"), cluster="slurm")
        o = self.options
        params: dict[str, Any] = {
            "name": self.name, "timeout_min": o.time_min, "cpus_per_task": o.cpus_per_run, "mem_gb": o.mem_gb,
            "tasks_per_node": 1, "nodes": 1, "slurm_array_parallelism": o.array_parallelism,
            "slurm_signal_delay_s": o.signal_delay_s, "slurm_additional_parameters": o.sbatch_parameters()}
        if o.partition:
            params["slurm_partition"] = o.partition
        if o.gpus_per_run:
            params["gpus_per_node"] = o.gpus_per_run
        executor.update_parameters(**params)
        return executor

    def run(self, tasks: Iterable[RunTask]) -> Iterator[list[RunOutcome]]:
        tasks = [replace(t, device=self.device, threads=self.options.cpus_per_run) for t in tasks]
        if not tasks:
            return
        jobs = self._executor().map_array(execute_in_slurm, tasks)
        pending = {job.job_id: (job, task) for job, task in zip(jobs, tasks, strict=True)}
        while pending:
            for job_id, (job, task) in list(pending.items()):
                if job.done():
                    del pending[job_id]
                    yield self._outcomes(job, task)
            if pending:
                time.sleep(self.options.poll_s)

    def _outcomes(self, job: Any, task: RunTask) -> list[RunOutcome]:
        try:
            return list(job.result())
        except self.submitit.core.utils.UncompletedJobError as error:  # FailedJobError is a subclass
            reason = self._reason(job, error)
        return [self._record(run, task, reason) for run in task.runs]

    def _reason(self, job: Any, error: Exception) -> str:
        """What the scheduler (or submitit's signal handler) says ended the job."""
        text = str(error)
        if "timed-out" in text:  # submitit's USR2 handler at the time limit (the entry is not checkpointable)
            return (f"interrupted by SLURM: job {job.job_id} reached its time limit before the run finished "
                    f"(retried next time)")
        found = re.search(r"\(state: ([^)]*)\)", text)
        state = found.group(1) if found else self._state(job)
        if not isinstance(error, self.submitit.core.utils.FailedJobError):  # ended without a result
            return f"interrupted by SLURM: job {job.job_id} {state} before the run finished (retried next time)"
        return f"failed in SLURM job {job.job_id} ({state}): {text[-2000:]}"

    @staticmethod
    def _state(job: Any) -> str:
        try:
            info = job.get_info(mode="force")  # the cached job.state lags behind (notes: pitfall 14)
        except Exception:  # noqa: BLE001 (the reason is best effort; the failure is recorded anyway)
            return "state unknown"
        return str(info.get("State", "state unknown"))

    @staticmethod
    def _record(run: PlannedRun, task: RunTask, reason: str) -> RunOutcome:
        """Keep a status the run wrote itself; else record the scheduler's reason as failed."""
        attempt = Path(run.attempt)
        folder = RunFolder(attempt)
        if folder.status.exists():
            state = read_attempt(attempt)
            return RunOutcome(run.name, attempt, state.state == "done", state.problem, 0.0)
        params = {**run.params, "output_dir": str(attempt.resolve()), "device": task.device}
        attempt.mkdir(parents=True, exist_ok=True)
        try:
            write_status(attempt, ok=False, error=reason, seconds=0.0, params_hash=run.params_hash, params=params)
        except FileExistsError:  # the run's own status landed in between: it wins
            state = read_attempt(attempt)
            return RunOutcome(run.name, attempt, state.state == "done", state.problem, 0.0)
        return RunOutcome(run.name, attempt, False, reason, 0.0)


def add_slurm_arguments(parser: argparse.ArgumentParser) -> None:
    """``--executor`` and the ``--slurm-*`` options of ``mlcl-lab report``."""
    parser.add_argument("--executor", choices=("local", "slurm"), default="local",
                        help="where runs execute: local kernel processes, or a SLURM job array (submitit)")
    group = parser.add_argument_group("SLURM (--executor slurm; defaults from the grid file's 'slurm:' mapping)")
    group.add_argument("--slurm-partition", default=None)
    group.add_argument("--slurm-time", type=int, default=None, metavar="MIN", help="time limit per run (minutes)")
    group.add_argument("--slurm-gpus", type=int, default=None, help="GPUs per run")
    group.add_argument("--slurm-cpus", type=int, default=None, help="CPUs per run (the kernel's threads)")
    group.add_argument("--slurm-mem-gb", type=float, default=None, help="memory per run (GB)")
    group.add_argument("--slurm-array-parallelism", type=int, default=None, help="runs at once, at most")
    group.add_argument("--slurm-sbatch", action="append", default=None, metavar="FLAG",
                       help="extra sbatch flag, e.g. --slurm-sbatch=--account=abc (repeatable)")


def executor_from_args(args: argparse.Namespace, grid_file: str | Path | None, grid_dir: str | Path,
                       device: str = "auto") -> SlurmExecutor | None:
    """The executor ``mlcl-lab report`` asked for: None for local (the runner's default pool)."""
    if args.executor != "slurm":
        return None
    values = slurm_options_from_grid(grid_file)
    cli = {"partition": args.slurm_partition, "time_min": args.slurm_time, "gpus_per_run": args.slurm_gpus,
           "cpus_per_run": args.slurm_cpus, "mem_gb": args.slurm_mem_gb,
           "array_parallelism": args.slurm_array_parallelism,
           "sbatch": tuple(args.slurm_sbatch) if args.slurm_sbatch else None}
    values.update({k: v for k, v in cli.items() if v is not None})
    return SlurmExecutor(SlurmOptions(**values), Path(grid_dir) / "slurm", device=device,
                         name=f"mlcl-{Path(grid_dir).name}")


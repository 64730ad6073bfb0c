"""Run a grid resumably: skip the done runs, redo the others in a new attempt folder.

The states come from the one reader (:class:`~mlcl_lab.report.runs.GridRuns`): a run
with a done attempt is skipped; a failed or interrupted one is retried in a new
``attempt-N`` (the old folder kept, with its notebook and error); an unreadable one
(damaged files) is reported with the file and the error and redone in a new attempt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from .execute import PlannedRun, RunTask, default_kernel
from .executors import Executor
from .grid import GridSpec
from .notebooks import notebook_source
from .runs import GridRuns, new_attempt

__all__ = ["GridOutcome", "run_grid", "plan_tasks"]


@dataclass
class GridOutcome:
    """Which runs were executed, skipped (already done), redone after being found
    unreadable, or failed in this invocation."""

    executed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)      # run name -> error summary
    unreadable: dict[str, str] = field(default_factory=dict)  # run name -> damaged file and error (redone)
    folders: dict[str, Path] = field(default_factory=dict)    # run name -> attempt folder that holds its result

    @property
    def ok(self) -> bool:
        return not self.failed


def plan_tasks(runs: GridRuns, outcome: GridOutcome, *, kernel: str, retry_failed: bool = True) -> list[RunTask]:
    """One task per run that is not done (a new attempt folder each); done runs are
    recorded as skipped, unreadable ones as such, in ``outcome``."""
    notebook = notebook_source(runs.grid.notebook)
    tasks = []
    for record in runs:
        if record.done is not None:
            outcome.skipped.append(record.spec.name)
            outcome.folders[record.spec.name] = record.done.path
            continue
        if record.state == "unreadable":
            outcome.unreadable[record.spec.name] = record.problem
        elif record.attempts and not retry_failed:  # reported, never silently dropped
            outcome.failed[record.spec.name] = (f"an earlier attempt is {record.state}; not retried (retry_failed=False): "
                                                f"{record.problem}")
            continue
        attempt = new_attempt(record.folder)
        run = PlannedRun(record.spec.name, attempt, dict(record.spec.params), record.spec.digest)
        tasks.append(RunTask(notebook=notebook, runs=(run,), kernel=kernel))
    return tasks


def run_grid(grid: GridSpec, grid_dir: str | Path, *, executor: Executor | None = None, jobs: int = 1,
             device: str = "auto", kernel_name: str | None = None, progress: bool = True,
             retry_failed: bool = True) -> GridOutcome:
    """Execute every run of ``grid`` under ``grid_dir/runs`` that is not done.

    Without ``executor``, a :class:`~mlcl_lab.report.executors.local.LocalExecutor` with
    ``jobs`` parallel kernels on ``device``.
    """
    if executor is None:
        from .executors.local import LocalExecutor

        executor = LocalExecutor(jobs=jobs, device=device)
    outcome = GridOutcome()
    tasks = plan_tasks(GridRuns(grid, grid_dir), outcome, kernel=kernel_name or default_kernel(),
                       retry_failed=retry_failed)
    bar = tqdm(total=sum(len(t.runs) for t in tasks), desc=f"grid {grid.name}", disable=not progress or not tasks)
    for results in executor.run(tasks):
        for result in results:
            if result.ok:
                outcome.executed.append(result.name)
                outcome.folders[result.name] = result.attempt
            else:
                outcome.failed[result.name] = result.error
            bar.update(1)
    bar.close()
    return outcome

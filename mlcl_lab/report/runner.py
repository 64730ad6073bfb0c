"""Run a grid resumably: skip the done runs, redo the others in a new attempt folder.

The states come from the one reader (:class:`~mlcl_lab.report.runs.GridRuns`): a run
with a done attempt is skipped; a failed or interrupted one is retried in a new
``attempt-N`` (the old folder kept, with its notebook and error); an unreadable one
(damaged files) is reported with the file and the error and redone in a new attempt.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from .. import files
from .execute import PlannedRun, RunTask, default_kernel
from .executors import Executor
from .grid import GridSpec
from .notebooks import notebook_source
from .runs import GridRuns, new_attempt

__all__ = ["BATCH_AXES", "STATUS_STATES", "GridOutcome", "batch_size", "grid_status", "run_grid", "plan_tasks"]


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


#: The axes along which the runs of one batch may differ (one kernel: one dataset, any losses,
#: seeds and fractions; everything else, the dataset's options included, equal).
BATCH_AXES = ("losses", "seeds", "train_fraction")
#: The default cut's largest batch. A kernel's start and imports (3–4 s on 2 cores) are then
#: ~0.06 s of each run: at 5 % of yeast (runs of ~0.6 s) 30 runs per kernel left 28–31 % of
#: a run outside training, 60 leave 23 % (benchmarks/grid_costs.py). The executed notebook
#: (one section per run, no progress widgets) stays readable: ~300 kB for 60 yeast runs.
MAX_RUNS_PER_KERNEL = 60
#: Kernels per parallel job the default cut aims at, so that the jobs finish close together.
KERNELS_PER_JOB = 2


def _batch_key(params: Mapping[str, Any]) -> str:
    return json.dumps({k: v for k, v in params.items() if k not in BATCH_AXES}, sort_keys=True, default=str)


def batch_size(group_sizes: Sequence[int], runs_per_kernel: int | None, min_tasks: int) -> int:
    """Runs per kernel: ``runs_per_kernel`` when given, else the groups (the runs of a
    dataset) are cut into kernels of at most :data:`MAX_RUNS_PER_KERNEL` runs, small enough
    that there are :data:`KERNELS_PER_JOB` kernels per parallel job (``min_tasks``) for the
    grid's runs in all, and never larger than the largest group."""
    if runs_per_kernel is not None:
        if isinstance(runs_per_kernel, bool) or not isinstance(runs_per_kernel, int) or runs_per_kernel < 1:
            raise ValueError(f"runs_per_kernel must be an integer >= 1, got {runs_per_kernel!r}")
        return runs_per_kernel
    if not group_sizes:
        return 1
    wanted = max(1, min_tasks) * KERNELS_PER_JOB
    return max(1, min(max(group_sizes), MAX_RUNS_PER_KERNEL, math.ceil(sum(group_sizes) / wanted)))


def plan_tasks(runs: GridRuns, outcome: GridOutcome, *, kernel: str, retry_failed: bool = True,
               runs_per_kernel: int | None = None, min_tasks: int = 1) -> list[RunTask]:
    """The tasks (kernels) that execute the runs that are not done, each with a new attempt
    folder; done runs are recorded as skipped, unreadable ones as such, in ``outcome``.

    The runs of a task share everything but their losses, seed and training fraction (one
    dataset): one kernel computes them (:mod:`mlcl_lab.report.batch`), at most
    :func:`batch_size` of them, ordered by training fraction, then in the grid's order (runs
    sharing a split and its prepared inputs adjacent).
    """
    notebook = notebook_source(runs.grid.notebook)
    groups: dict[str, list[PlannedRun]] = {}
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
        groups.setdefault(_batch_key(run.params), []).append(run)
    size = batch_size([len(g) for g in groups.values()], runs_per_kernel, min_tasks)
    groups = {key: sorted(group, key=lambda run: float(run.params["train_fraction"])) for key, group in groups.items()}
    tasks = [RunTask(notebook=notebook, runs=tuple(group[i:i + size]), kernel=kernel)
             for group in groups.values() for i in range(0, len(group), size)]
    # the longest kernels first (their summed training fractions as the cost proxy), so that
    # the parallel jobs end close together instead of one job starting a long kernel last
    return sorted(tasks, key=lambda task: -sum(float(run.params["train_fraction"]) for run in task.runs))


def warm_splits(tasks: Sequence[RunTask]) -> list[str]:
    """Compute (or verify) in this process, before kernels start in parallel, every split
    and training subset the tasks' runs will read from the split cache
    (:func:`mlcl_lab.data.warm_split_cache`, with :func:`mlcl_lab.train.prepare_inputs`'s
    validation and test fractions), so that parallel kernels do not each compute the same
    split. Returns a line per dataset that could not be warmed (e.g. not available: its
    runs then fail in their kernel with the loader's own error)."""
    import inspect

    from ..data import warm_split_cache
    from ..train.study import prepare_inputs
    from .parameters import StudyParameters, load_study_dataset

    defaults = inspect.signature(prepare_inputs).parameters
    wanted: dict[tuple[str, int], set[float]] = {}
    values: dict[str, Any] = {}  # a dataset may be a mapping (options): keyed by its canonical JSON
    for task in tasks:
        for run in task.runs:
            p = StudyParameters.from_mapping(run.params)
            key = json.dumps(p.dataset, sort_keys=True, default=str)
            values[key] = p.dataset
            wanted.setdefault((key, p.split_seed), set()).add(p.train_fraction)
    problems = []
    for (key, split_seed), fractions in wanted.items():
        name = values[key]
        try:
            warm_split_cache(load_study_dataset(name), seeds=[split_seed], train_fractions=sorted(fractions),
                             val_fraction=defaults["val_fraction"].default,
                             test_fraction=defaults["test_fraction"].default)
        except Exception as error:  # noqa: BLE001 (the kernel reports it with the run)
            problems.append(f"split cache of {name} (split seed {split_seed}) not warmed: {type(error).__name__}: {error}")
    return problems


def run_grid(grid: GridSpec, grid_dir: str | Path, *, executor: Executor | None = None, jobs: int = 1,
             device: str = "auto", kernel_name: str | None = None, progress: bool = True,
             retry_failed: bool = True, runs_per_kernel: int | None = None, jobs_per_gpu: int = 1) -> GridOutcome:
    """Execute every run of ``grid`` under ``grid_dir/runs`` that is not done.

    Without ``executor``, a :class:`~mlcl_lab.report.executors.local.LocalExecutor` with
    ``jobs`` parallel kernels on ``device`` (``jobs_per_gpu`` per GPU). ``runs_per_kernel``: see :func:`batch_size`
    (default: runs of one dataset, cut to give each parallel job about two kernels).
    """
    if executor is None:
        from .executors.local import LocalExecutor

        executor = LocalExecutor(jobs=jobs, device=device, jobs_per_gpu=jobs_per_gpu)
    outcome = GridOutcome()
    tasks = plan_tasks(GridRuns(grid, grid_dir), outcome, kernel=kernel_name or default_kernel(),
                       retry_failed=retry_failed, runs_per_kernel=runs_per_kernel,
                       min_tasks=getattr(executor, "jobs", 1))
    if len(tasks) > 1:
        for problem in warm_splits(tasks):
            print(problem)
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


#: The states :func:`grid_status` reports, in its order.
STATUS_STATES = ("done", "running", "queued", "incomplete", "failed", "unreadable", "missing")


def grid_status(runs: GridRuns) -> pd.DataFrame:
    """What each run of a grid is doing now, without waiting (``mlcl-lab report --status``):
    one row per run with ``state`` and ``detail``. ``done``, ``failed`` and ``unreadable``
    come from the reader (:class:`~mlcl_lab.report.runs.GridRuns`); a run that is not done
    is ``running`` while a live holder has its claim (a local kernel or a SLURM job,
    :mod:`mlcl_lab.report.claims`), ``queued`` when its newest attempt folder was planned
    but nothing is written yet (waiting for a slot or a SLURM job), ``incomplete`` when
    that attempt has files but no status and no live holder (interrupted), ``missing``
    when it was never planned."""
    from .claims import current_claim, holder_alive

    rows = []
    for record in runs:
        state, detail = record.state, record.problem
        if record.done is None:
            try:
                held = current_claim(record.folder)
            except (FileNotFoundError, files.CorruptFileError):  # changing hands or damaged: not a live claim
                held = None
            alive = holder_alive(held.holder) if held is not None and not held.released else (False, "")
            if alive[0]:
                state, detail = "running", alive[1]
            elif state == "incomplete":
                newest = record.attempts[-1].path
                empty = not any(newest.iterdir())
                state = "queued" if empty else "incomplete"
                detail = f"planned, nothing written yet ({newest})" if empty else detail
        rows.append({"run": record.spec.name, "state": state, "detail": detail})
    return pd.DataFrame(rows, columns=["run", "state", "detail"])

"""A batch: several runs of a grid computed by one kernel, each into its own attempt folder.

One papermill execution of the study notebook pays the kernel start, the imports and the
dataset load once for all its runs (issue 13 item 3). The executor
(:func:`mlcl_lab.report.execute.execute_task`) passes the notebook the parameters of its
first run plus ``batch``: one entry per run (:func:`batch_entry`). The notebook computes
the runs one after the other (:func:`batch_runs`, :class:`BatchInputs`,
:func:`run_in_batch`) and each run, once its files are written, gets its ``status.json``
(``done``) from inside the kernel. Hence the resume granularity stays the run: a batch
stopped half-way leaves its finished runs done and the others without a status (redone
by the next invocation); a failed cell leaves the runs after it to the executor, which
records them ``failed`` with the notebook's error.

The executed notebook (and ``papermill.log``) is kept in the first run's attempt folder;
every run's ``status.json`` (``notebook``) and ``params.json`` (``batch.notebook``) give
its path relative to the run's own attempt folder.

Timings: the phases done once per kernel (``kernel_start_imports``, ``data_load``) are
shared evenly by the batch's runs (each run records its share; ``params.json``
``batch.shared_phases`` keeps the totals); the split and the inputs are prepared once per
(split seed, train fraction, train config) of the batch and shared evenly by the runs
that use them (``RunResult.timings``); the other phases are the run's own.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..runtime import PhaseTimer
from .parameters import StudyParameters
from .runs import RunFolder, write_status

if TYPE_CHECKING:
    from ..data import MultiLabelDataset
    from ..train import StudyResult

__all__ = ["BATCH_PARAMETER", "SHARED_PHASES", "BatchRun", "BatchInputs", "RunContext", "batch_entry", "batch_runs", "run_in_batch"]

#: The papermill parameter (last in the parameters cell, not a study parameter) that lists a batch's runs.
BATCH_PARAMETER = "batch"
#: The phases a kernel does once for all the runs of its batch.
SHARED_PHASES = ("kernel_start_imports", "data_load")


def batch_entry(name: str, attempt: Path, params: Mapping[str, Any], params_hash: str, notebook: Path) -> dict[str, Any]:
    """One run of a batch as the notebook receives it: ``params`` are the run's full study
    parameters (its ``output_dir`` is ``attempt``); ``notebook`` is the executed notebook."""
    attempt = Path(attempt).resolve()
    return {"name": name, "params": dict(params), "params_hash": params_hash,
            "notebook": os.path.relpath(Path(notebook).resolve(), attempt)}


@dataclass(frozen=True)
class BatchRun:
    """One run as the notebook computes it: where it writes, with which parameters, its
    place in the batch and the executed notebook's path relative to its folder.
    ``writes_status`` is False for a notebook executed without a batch (a user's own
    execution): the folder is the notebook's ``output_dir`` and nobody waits for a status."""

    name: str
    folder: RunFolder
    params: StudyParameters
    params_hash: str = ""
    index: int = 0
    size: int = 1
    notebook: str = "study.ipynb"
    writes_status: bool = False
    status_params: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def record(self) -> dict[str, Any]:
        """What params.json records under ``batch`` ({} for a run computed alone)."""
        if self.size == 1:
            return {}
        return {"notebook": self.notebook, "index": self.index, "runs": self.size}


def batch_runs(params: StudyParameters, batch: Sequence[Mapping[str, Any]] | None) -> list[BatchRun]:
    """The runs a study notebook computes: ``batch``'s entries, or, without a batch, the
    notebook's own parameters into its ``output_dir``. Every run of a batch must be on the
    notebook's dataset (it is loaded once): otherwise ``ValueError`` naming the run."""
    if not batch:
        return [BatchRun(Path(params.output_dir).resolve().name, RunFolder(Path(params.output_dir)), params)]
    runs = []
    for index, entry in enumerate(batch):
        run_params = StudyParameters.from_mapping(entry["params"], where=f"batch entry {entry.get('name')!r}")
        if run_params.dataset != params.dataset:
            raise ValueError(f"batch entry {entry['name']!r} is on dataset {run_params.dataset!r}, but the notebook "
                             f"loaded {params.dataset!r}: a batch computes runs of one dataset")
        runs.append(BatchRun(str(entry["name"]), RunFolder(Path(run_params.output_dir)), run_params,
                             str(entry["params_hash"]), index, len(batch), str(entry["notebook"]), True,
                             dict(entry["params"])))
    return runs


def _inputs_key(params: StudyParameters) -> str:
    """Runs with equal keys train on the same prepared split and inputs."""
    return json.dumps([params.split_seed, params.train_fraction, params.train_config().to_dict()], sort_keys=True,
                      default=str)


class BatchInputs:
    """The split and inputs of a batch's runs, prepared once per (split seed, train
    fraction, train config) and shared by the runs that use them (the latest one is kept:
    the runner orders a batch's runs so that runs sharing inputs are adjacent)."""

    def __init__(self, dataset: MultiLabelDataset, runs: Sequence[BatchRun]) -> None:
        self.dataset = dataset
        self.shares: dict[str, int] = {}
        for run in runs:
            key = _inputs_key(run.params)
            self.shares[key] = self.shares.get(key, 0) + len(run.params.losses) * len(run.params.seeds)
        self._key: str | None = None
        self._data: Any = None
        #: seconds of split + inputs preparation done so far, and so far charged to the runs
        #: (each (loss, seed) is charged its even share, :func:`~mlcl_lab.train.study.run_prepared`)
        self.prepared_s = 0.0
        self.charged_s = 0.0

    def study(self, run: BatchRun, *, progress: bool | None = None) -> StudyResult:
        """:func:`mlcl_lab.train.run_study` of ``run``'s parameters on the shared inputs.

        ``progress`` (default: only for a notebook computing its own run, not for a grid's
        batch): the training progress bars. Nobody watches a grid's kernel, and in it each
        bar was a widget whose state nbclient stored in the executed notebook (580 kB of
        the 900 kB notebook of a 30-run yeast batch) after one message per epoch."""
        from ..runtime import resolve_device
        from ..train.loss_spec import parse_loss_spec
        from ..train.study import prepare_inputs, run_prepared

        config = run.params.train_config()
        for name in run.params.losses:
            parse_loss_spec(name)
        key = _inputs_key(run.params)
        if key != self._key:
            self._data = None  # release the previous inputs before preparing the next
            self._data = prepare_inputs(self.dataset, resolve_device(config.device), split_seed=run.params.split_seed,
                                        train_fraction=run.params.train_fraction, config=config)
            self._key = key
            self.prepared_s += sum(self._data.timings.values())
        self.charged_s += (sum(self._data.timings.values()) * len(run.params.losses) * len(run.params.seeds)
                           / self.shares[key])
        show = (not run.writes_status) if progress is None else progress
        return run_prepared(self.dataset, self._data, run.params.losses, run.params.seeds, config, progress=show,
                            shared_by=self.shares[key])


@dataclass(frozen=True)
class RunContext:
    """What :func:`run_in_batch` yields: the run's own ``timer`` (its share of the shared
    phases, then its own phases) and ``record``, params.json's ``batch`` entry."""

    timer: PhaseTimer
    record: dict[str, Any]


@contextmanager
def run_in_batch(run: BatchRun, timer: PhaseTimer, inputs: BatchInputs | None = None) -> Iterator[RunContext]:
    """Time one run of a batch: the yielded timer holds the run's share of the kernel's
    shared phases (``timer``'s :data:`SHARED_PHASES`); once the block has ended without
    error, the run's ``status.json`` says ``done``. An error propagates and writes no
    status (the executor records it).

    The status's ``seconds`` is the run's cost, on the same terms as its phases: the
    block's wall time plus its share of the shared phases, and, with ``inputs``, with the
    split and inputs preparation counted as the share charged to it rather than as the
    whole preparation this block may have done for the runs after it (so that the phases
    and the rest of the block add up to it: :meth:`~mlcl_lab.report.runs.GridRuns.timings`)."""
    totals = {name: timer.seconds[name] for name in SHARED_PHASES if name in timer.seconds}
    shared = {name: seconds / run.size for name, seconds in totals.items()}
    record = {**run.record, "shared_phases": totals} if run.record else {}
    prepared, charged = (inputs.prepared_s, inputs.charged_s) if inputs is not None else (0.0, 0.0)
    start = time.perf_counter()
    yield RunContext(PhaseTimer.from_seconds(shared), record)
    seconds = time.perf_counter() - start + sum(shared.values())
    if inputs is not None:
        seconds += (inputs.charged_s - charged) - (inputs.prepared_s - prepared)
    if run.writes_status:
        write_status(run.folder.path, ok=True, error="", seconds=seconds,
                     params_hash=run.params_hash, params=run.status_params, notebook=run.notebook)

"""The run-folder contract: every file of a run folder and of a report folder, written
once and read back through one reader.

A grid's runs live in ``<grid_dir>/runs/<run name>/attempt-N/``; each attempt folder holds

==========================  =======================================================  ==========
file                         content                                                  written by
==========================  =======================================================  ==========
``study.ipynb``              the executed notebook (kept also when a cell failed)     executor
``papermill.log``            papermill's stdout + stderr                              executor
``status.json``              state ``done``/``failed``, error, seconds, params hash,   kernel or
                             the executed notebook (relative path)                    executor
``metrics.json``             every (loss, seed)'s metrics, geometry, summary, split    :func:`write_run`
``results.csv``              one row per (loss, seed): loss, kind, seed, seconds, ...  :func:`write_run`
``history.csv``              per-epoch history with loss and seed columns              :func:`write_run`
``embeddings/<stem>.npz``    test features, scores, labels, indices, label geometry    :func:`write_run`
``checkpoints/<stem>.pt``    the trained model (stage 1 or supervised)                 :func:`write_run`
``params.json``              parameters, train config, environment, timings (last)     :func:`write_run`
==========================  =======================================================  ==========

with ``<stem> = <loss>-seed<seed>``. When one kernel computed several runs (a batch,
:mod:`mlcl_lab.report.batch`), ``study.ipynb`` and ``papermill.log`` are in the first
run's attempt folder only; each run's ``status.json`` ``notebook`` and ``params.json``
``batch`` point at them. Every file goes through :mod:`mlcl_lab.files`
(atomic, never overwritten). Adding a file to a run folder means adding it to
:class:`RunFolder` (its name), to :func:`write_run` (how it is written) and, when a done
run cannot be used without it, to :meth:`RunFolder.required`: the reader then treats a
done attempt that lacks it as unreadable.

Reading: :class:`GridRuns` is the one reader over a grid's runs. Each attempt is
``done``, ``failed``, ``incomplete`` (no status: interrupted or still running) or
``unreadable`` (a truncated or invalid ``status.json``/``metrics.json``/``params.json``,
a broken embeddings file, or a done attempt missing a required file). An unreadable
attempt counts as not done: it is kept as it is, reported with the file and the error,
and the runner redoes the run in a new ``attempt-N``.
"""

from __future__ import annotations

import secrets
import time
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import files
from ..files import CorruptFileError

if TYPE_CHECKING:
    from ..data import MultiLabelDataset
    from ..train import StudyResult, TrainConfig
    from ..viz.embedding_figures import EmbeddingPanels
    from .grid import GridSpec, RunSpec
    from .parameters import StudyParameters

__all__ = ["RunFolder", "ReportFolder", "AttemptState", "RunRecord", "GridRuns", "write_run", "write_status",
           "run_params_payload", "metrics_payload", "new_run_folder", "new_attempt", "attempts", "read_attempt", "STATES",
           "EMBEDDING_ARRAYS", "METRICS"]

#: The attempt states, in the order the report lists them.
STATES = ("done", "failed", "incomplete", "unreadable")
#: The main classification metrics (results.csv columns after loss/kind/seed/seconds; main table).
METRICS = ("hamming_loss", "micro_f1", "macro_f1", "map_macro")
#: The columns that identify a (loss, seed) row of a grid's tables.
KEY_COLUMNS = ("dataset", "train_fraction", "loss", "kind", "seed")
#: Arrays of an embeddings file, with their shapes.
EMBEDDING_ARRAYS = ("test_features", "test_scores", "test_labels", "test_indices", "centroid_cosine", "pmi")
#: The phases a run times, in the order they happen (RunResult.timings and the notebook's), then
#: ``other``: the rest of the run's wall time (status.json ``seconds``), which no phase holds — the
#: notebook's display of the run's tables, params.json and status.json — derived by the reader
#: (:meth:`GridRuns.timings`), so that the phases of a run add up to its wall time.
PHASES = ("kernel_start_imports", "data_load", "split", "inputs", "stage1", "probe", "evaluation", "representation",
          "umap", "write_outputs", "other")
#: The training phases; every other phase is a run's overhead (issue 13's cost targets).
TRAINING_PHASES = ("stage1", "probe")
#: zlib level of a run's embeddings files (see :func:`~mlcl_lab.data.storage.save_npz_reproducible`).
EMBEDDINGS_COMPRESSLEVEL = 1
#: The schema version of the files written by :func:`write_run` (recorded in params.json).
CONTRACT_VERSION = 2


@dataclass(frozen=True)
class RunFolder:
    """The names of the files of one run (attempt) folder."""

    path: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))

    notebook = property(lambda self: self.path / "study.ipynb")
    log = property(lambda self: self.path / "papermill.log")
    status = property(lambda self: self.path / "status.json")
    params = property(lambda self: self.path / "params.json")
    metrics = property(lambda self: self.path / "metrics.json")
    results = property(lambda self: self.path / "results.csv")
    history = property(lambda self: self.path / "history.csv")

    def embeddings(self, loss: str, seed: int) -> Path:
        """``embeddings/<loss>-seed<seed>.npz``: arrays :data:`EMBEDDING_ARRAYS`."""
        return self.path / "embeddings" / f"{loss}-seed{seed}.npz"

    def checkpoint(self, loss: str, seed: int) -> Path:
        return self.path / "checkpoints" / f"{loss}-seed{seed}.pt"

    def figure(self, name: str) -> Path:
        """A figure's path without extension (``save_figure`` writes .png and .svg)."""
        return self.path / name

    def required(self, entries: list[Mapping[str, Any]]) -> list[Path]:
        """The files a done run cannot be used without, given its metrics.json ``runs`` entries."""
        return [self.params, self.metrics, self.results, self.history,
                *(self.embeddings(e["loss"], e["seed"]) for e in entries)]


@dataclass(frozen=True)
class ReportFolder:
    """The names of the files of one report folder (``<grid_dir>/report-<stamp>/``)."""

    path: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))

    notebook = property(lambda self: self.path / "report.ipynb")
    html = property(lambda self: self.path / "report.html")
    log = property(lambda self: self.path / "papermill.log")
    params = property(lambda self: self.path / "params.json")
    metrics = property(lambda self: self.path / "metrics.json")
    results = property(lambda self: self.path / "results.csv")
    tables = property(lambda self: self.path / "tables")
    figures = property(lambda self: self.path / "figures")

    def table(self, name: str) -> Path:
        """A table's path without extension (``.csv`` and ``.md`` are written)."""
        return self.tables / name

    def figure(self, name: str) -> Path:
        return self.figures / name


# ----------------------------------------------------------------------------- folders

def new_run_folder(root: str | Path, prefix: str = "") -> Path:
    """Create and return ``root/[prefix-]YYYYmmdd-HHMMSS-<6 hex>`` (never an existing folder)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    for _ in range(100):
        stamp = time.strftime("%Y%m%d-%H%M%S")
        name = f"{prefix}-{stamp}-{secrets.token_hex(3)}" if prefix else f"{stamp}-{secrets.token_hex(3)}"
        try:
            (root / name).mkdir()
        except FileExistsError:
            continue
        return root / name
    raise RuntimeError(f"could not create a new run folder under {root}")


def attempts(run_dir: Path) -> list[Path]:
    """The ``attempt-N`` folders of a run, by N."""
    found = [p for p in Path(run_dir).glob("attempt-*") if p.is_dir() and p.name[8:].isdigit()]
    return sorted(found, key=lambda p: int(p.name[8:]))


def new_attempt(run_dir: Path) -> Path:
    """Create the next ``attempt-N`` folder of a run (earlier attempts are never reused)."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    existing = attempts(run_dir)
    number = int(existing[-1].name[8:]) + 1 if existing else 1
    while True:
        path = run_dir / f"attempt-{number}"
        try:
            path.mkdir()
            return path
        except FileExistsError:
            number += 1


# ----------------------------------------------------------------------------- writing

def metrics_payload(study: StudyResult, dataset: MultiLabelDataset) -> dict[str, Any]:
    """The content of metrics.json: every run's metrics (and geometry), the per-loss
    mean ± std, the dataset's statistics and label names, the split used and where it came
    from (``split``: ``SplitRecord.to_json()``, issue 12 item 2) and the inputs
    ``make_source`` chose (``inputs``: in-memory or streaming, and why)."""
    from ..data import dataset_statistics
    from .tables import summarise

    runs = [{"loss": r.loss, "kind": r.kind, "seed": r.seed, "seconds": r.seconds, "metrics": r.metrics, **r.extra}
            for r in study.runs]
    summary = {loss: {k: row[k] for k in row.index} for loss, row in summarise(study.results, METRICS).iterrows()}
    return {"dataset": study.dataset, "runs": runs, "summary": summary,
            "dataset_statistics": dataset_statistics(dataset), "label_names": list(dataset.label_names),
            "split": dict(study.split_info), "inputs": dict(study.input_info)}


def run_params_payload(params: StudyParameters, config: TrainConfig, timings: Mapping[str, Any],
                       run_timings: list[dict[str, Any]] | None = None,
                       batch: Mapping[str, Any] | None = None,
                       environment: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The content of params.json: the notebook's parameters, the train config, the
    environment (:func:`mlcl_lab.runtime.environment_info`), the seconds per phase of the
    whole notebook (``timings``) and of each (loss, seed) (``run_timings``), and ``batch``:
    for a run computed by a kernel shared with other runs, the executed notebook (relative
    path), the run's position, the batch size and the shared phases' total seconds
    (:mod:`mlcl_lab.report.batch`); ``{}`` for a run computed alone. ``environment``: the
    environment already captured (default: captured now)."""
    from ..runtime import environment_info, resolve_device

    if environment is None:
        environment = environment_info(resolve_device(params.device))
    return {"contract": CONTRACT_VERSION, "parameters": params.to_dict(), "train_config": config.to_dict(),
            "environment": dict(environment), "timings": dict(timings),
            "run_timings": list(run_timings or []), "batch": dict(batch or {})}


def _label_geometry(features: np.ndarray, labels: np.ndarray) -> dict[str, np.ndarray]:
    """(L, L) label-centroid cosine and PMI of a run's test set (the report's heatmaps)."""
    from ..metrics import label_correlation

    corr = label_correlation(features, labels, n_pairs=2)  # the pair part (n_pairs) is not used here
    return {"centroid_cosine": np.asarray(corr.centroid_cosine), "pmi": np.asarray(corr.pmi)}


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    with files.atomic_write(path) as tmp:
        frame.to_csv(tmp, index=False)
    return path


def write_run(folder: str | Path, study: StudyResult, params: StudyParameters, *, config: TrainConfig,
              dataset: MultiLabelDataset, timings: Mapping[str, float] | None = None,
              batch: Mapping[str, Any] | None = None) -> RunFolder:
    """Write every file of a run folder that a study produces (see the module docstring).

    ``timings`` (seconds per phase) are merged with each run's ``RunResult.timings``
    (summed over runs) and ``write_outputs``; ``batch`` is recorded as in
    :func:`run_params_payload`; params.json is written last. Existing files
    are never replaced (``FileExistsError``).
    """
    from ..data.storage import save_npz_reproducible
    from ..runtime import environment_info, resolve_device
    from ..train.checkpoint import save_checkpoint

    start = time.perf_counter()
    run = RunFolder(Path(folder))
    run.path.mkdir(parents=True, exist_ok=True)
    files.write_json(run.metrics, metrics_payload(study, dataset))
    _write_csv(study.results, run.results)
    _write_csv(study.histories, run.history)
    labels = np.asarray(study.test_labels)
    for result in study.runs:
        geometry = _label_geometry(result.test_features, labels)
        with files.atomic_write(run.embeddings(result.loss, result.seed)) as tmp:
            save_npz_reproducible(tmp, {"test_features": result.test_features, "test_scores": result.test_scores,
                                        "test_labels": labels, "test_indices": study.test_indices, **geometry},
                                  compresslevel=EMBEDDINGS_COMPRESSLEVEL)
        if result.model is not None:
            meta = {"loss": result.loss, "kind": result.kind, "seed": result.seed, "dataset": study.dataset,
                    "input_shape": list(study.input_shape), "n_labels": int(labels.shape[1])}
            with files.atomic_write(run.checkpoint(result.loss, result.seed)) as tmp:
                save_checkpoint(result.model, config, tmp, meta)
    phases: dict[str, float] = {}
    for result in study.runs:
        for name, seconds in result.timings.items():
            phases[name] = phases.get(name, 0.0) + float(seconds)
    phases.update(timings or {})
    environment = environment_info(resolve_device(params.device))
    # everything but params.json itself, which holds this number
    phases["write_outputs"] = time.perf_counter() - start
    per_run = [{"loss": r.loss, "seed": r.seed, **r.timings} for r in study.runs]
    files.write_json(run.params, run_params_payload(params, config, phases, per_run, batch, environment))
    return run


def write_status(attempt: Path, *, ok: bool, error: str, seconds: float, params_hash: str,
                 params: Mapping[str, Any], notebook: str = "study.ipynb") -> Path:
    """``status.json`` of an attempt: written once the run has ended (by the kernel of a
    batch as each of its runs ends, by the executor for a run the kernel did not finish).
    ``notebook`` is the executed notebook that computed the run, relative to the attempt
    folder (another run's attempt folder when a batch computed it)."""
    return files.write_json(RunFolder(attempt).status, {
        "state": "done" if ok else "failed", "error": error, "seconds": seconds, "params_hash": params_hash,
        "params": dict(params), "notebook": notebook, "finished": time.strftime("%Y-%m-%dT%H:%M:%S")})


# ----------------------------------------------------------------------------- reading

@dataclass(frozen=True)
class AttemptState:
    """One attempt folder as the reader found it.

    ``problem`` says why a ``failed``/``unreadable`` attempt is not done (for unreadable:
    the file's path and the error); ``metrics`` is the parsed metrics.json of a done one.
    """

    path: Path
    state: str
    problem: str = ""
    metrics: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)
    params: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)
    #: a done attempt's wall seconds (status.json ``seconds``), None when not recorded
    seconds: float | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise ValueError(f"unknown attempt state {self.state!r}; valid states: {', '.join(STATES)}")


def _check_embeddings(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = {name.removesuffix(".npy") for name in archive.namelist()}
    except (OSError, zipfile.BadZipFile) as error:
        raise CorruptFileError(path, f"is not a readable .npz archive ({error})") from None
    missing = [name for name in EMBEDDING_ARRAYS if name not in names]
    if missing:
        raise CorruptFileError(path, f"lacks the array(s) {missing}")


def _read_csv(path: Path) -> pd.DataFrame:
    """A table of a run folder; an unparsable one is :class:`CorruptFileError` naming it."""
    try:
        frame = pd.read_csv(path)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise CorruptFileError(path, f"is not a readable CSV table ({type(error).__name__}: {error})") from None
    if frame.empty:
        raise CorruptFileError(path, "has no rows")
    return frame


def _check_metrics(path: Path, payload: Any) -> list[Mapping[str, Any]]:
    entries = payload.get("runs") if isinstance(payload, dict) else None
    if not isinstance(entries, list) or not entries:
        raise CorruptFileError(path, "has no 'runs' list")
    for entry in entries:
        if not (isinstance(entry, dict) and {"loss", "kind", "seed", "seconds"} <= set(entry)
                and isinstance(entry.get("metrics"), dict)):
            raise CorruptFileError(path, f"has a run entry without loss/kind/seed/seconds/metrics: {entry!r:.200}")
    return entries


def read_attempt(path: Path) -> AttemptState:
    """The state of one attempt folder; never raises for a damaged folder."""
    run = RunFolder(path)
    if not run.status.exists():
        return AttemptState(run.path, "incomplete", "no status.json (interrupted, or still running)")
    try:
        status = files.read_json(run.status)
        if not isinstance(status, dict) or status.get("state") not in ("done", "failed"):
            raise CorruptFileError(run.status, f"has no state 'done' or 'failed': {status!r:.200}")
        if status["state"] == "failed":
            return AttemptState(run.path, "failed", str(status.get("error", "")))
        payload = files.read_json(run.metrics) if run.metrics.exists() else None
        entries = _check_metrics(run.metrics, payload) if payload is not None else []
        missing = [p for p in run.required(entries) if not p.is_file()]
        if missing:
            raise CorruptFileError(missing[0], "is missing (required in a done run)")
        params = files.read_json(run.params)
        if not isinstance(params, dict):
            raise CorruptFileError(run.params, "does not hold a mapping")
        for entry in entries:
            _check_embeddings(run.embeddings(entry["loss"], entry["seed"]))
        if len(_read_csv(run.results)) != len(entries):
            raise CorruptFileError(run.results, f"does not have one row per run of {run.metrics.name}")
        _read_csv(run.history)
    except CorruptFileError as error:
        return AttemptState(run.path, "unreadable", str(error))
    seconds = status.get("seconds")
    wall = float(seconds) if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) else None
    return AttemptState(run.path, "done", metrics=payload, params=params, seconds=wall)


@dataclass(frozen=True)
class RunRecord:
    """A planned run of a grid with the states of its attempts (oldest first)."""

    spec: RunSpec
    folder: Path
    attempts: tuple[AttemptState, ...]

    @property
    def done(self) -> AttemptState | None:
        """The latest done attempt, if any."""
        return next((a for a in reversed(self.attempts) if a.state == "done"), None)

    @property
    def state(self) -> str:
        """``done`` if an attempt is done, else the latest attempt's state (``missing``: none yet)."""
        if self.done is not None:
            return "done"
        return self.attempts[-1].state if self.attempts else "missing"

    @property
    def problem(self) -> str:
        """Why the run is not done: the latest attempt's problem (and its folder)."""
        if self.done is not None:
            return ""
        if not self.attempts:
            return "not run yet"
        last = self.attempts[-1]
        return f"{last.problem} ({last.path})" if last.state != "unreadable" else last.problem


class GridRuns:
    """The one reader over a grid's runs (runner skip/resume, report tables and figures).

    Reading never fails on a damaged run folder: such a run is not done and says why.
    """

    def __init__(self, grid: GridSpec, grid_dir: str | Path) -> None:
        from .grid import expand_grid

        self.grid = grid
        self.grid_dir = Path(grid_dir)
        self.records = [self._record(spec) for spec in expand_grid(grid)]

    def _record(self, spec: RunSpec) -> RunRecord:
        folder = self.grid_dir / "runs" / spec.name
        return RunRecord(spec, folder, tuple(read_attempt(a) for a in attempts(folder)))

    def refresh(self) -> GridRuns:
        """A new reader over the current files (after runs executed)."""
        return GridRuns(self.grid, self.grid_dir)

    def __iter__(self) -> Iterator[RunRecord]:
        return iter(self.records)

    def done(self) -> list[RunRecord]:
        return [r for r in self.records if r.done is not None]

    def not_done(self) -> list[RunRecord]:
        return [r for r in self.records if r.done is None]

    def skipped(self) -> pd.DataFrame:
        """The runs a report leaves out: run, state, reason (one row each)."""
        rows = [{"run": r.spec.name, "state": r.state, "reason": r.problem} for r in self.not_done()]
        return pd.DataFrame(rows, columns=["run", "state", "reason"])

    def _entries(self) -> Iterator[tuple[RunRecord, AttemptState, Mapping[str, Any]]]:
        for record in self.done():
            attempt = record.done
            assert attempt is not None and attempt.metrics is not None
            for entry in attempt.metrics["runs"]:
                yield record, attempt, entry

    def results(self) -> pd.DataFrame:
        """One row per done (loss, seed): dataset, train_fraction, loss, kind, seed,
        n_labels, seconds, run, folder, then every metric (these columns also when empty)."""
        rows: list[dict[str, Any]] = []
        for record, attempt, entry in self._entries():
            stats = attempt.metrics.get("dataset_statistics", {})  # type: ignore[union-attr]
            rows.append({"dataset": record.spec.dataset_label, "train_fraction": record.spec.params["train_fraction"],
                         "loss": entry["loss"], "kind": entry["kind"], "seed": entry["seed"],
                         "n_labels": stats.get("n_labels", np.nan), "seconds": entry["seconds"],
                         "run": record.spec.name, "folder": str(attempt.path), **entry["metrics"]})
        return pd.DataFrame(rows) if rows else pd.DataFrame(columns=[*KEY_COLUMNS, "n_labels", "seconds", "run", "folder",
                                                                     *METRICS])

    def geometry(self) -> pd.DataFrame:
        """One row per done (loss, seed) with the representation metrics its run recorded."""
        rows = [{"dataset": record.spec.dataset_label, "train_fraction": record.spec.params["train_fraction"],
                 "loss": entry["loss"], "kind": entry["kind"], "seed": entry["seed"], **entry["geometry"]}
                for record, _, entry in self._entries() if entry.get("geometry")]
        return pd.DataFrame(rows) if rows else pd.DataFrame(columns=list(KEY_COLUMNS))

    def timings(self) -> pd.DataFrame:
        """One row per done run: dataset, train_fraction, loss, seed, then the seconds of
        each phase its params.json records (training phases and the notebook's own) and
        ``other``: status.json's wall seconds minus those phases (0 when the phases hold it
        all, within 1 ms; absent when the status has no seconds)."""
        rows = []
        for record in self.done():
            p, attempt = record.spec.params, record.done
            timings = {k: float(v) for k, v in ((attempt.params or {}).get("timings") or {}).items()  # type: ignore[union-attr]
                       if k != "other"}
            if attempt.seconds is not None:  # type: ignore[union-attr]
                rest = attempt.seconds - sum(timings.values())  # type: ignore[union-attr]
                timings["other"] = rest if rest > 1e-3 else 0.0
            ordered = sorted(timings, key=lambda k: (PHASES.index(k) if k in PHASES else len(PHASES), k))
            rows.append({"dataset": record.spec.dataset_label, "train_fraction": p["train_fraction"], "loss": p["losses"][0],
                         "seed": p["seeds"][0], **{k: timings[k] for k in ordered}})
        return pd.DataFrame(rows) if rows else pd.DataFrame(columns=["dataset", "train_fraction", "loss", "seed"])

    def histories(self, train_fraction: float | None = None) -> pd.DataFrame:
        """Per-epoch histories of the done runs at ``train_fraction`` (default: the grid's
        largest), with a dataset column."""
        fraction = max(self.grid.train_fractions) if train_fraction is None else train_fraction
        frames = []
        for record in self.done():
            if record.spec.params["train_fraction"] == fraction:
                path = RunFolder(record.done.path).history  # type: ignore[union-attr]
                frames.append(_read_csv(path).assign(dataset=record.spec.dataset_label))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["dataset", "loss", "seed", "epoch"])

    def embedding_panels(self, dataset: str) -> EmbeddingPanels:
        """The first-seed run of each loss on ``dataset`` at the largest training fraction
        its done runs have, as the embedding figures draw them (features, labels and the
        label geometry each run stored). All runs share the split: the same points."""
        from ..viz.embedding_figures import EmbeddingPanels

        chosen = [r for r in self.done() if r.spec.dataset_label == dataset]
        if not chosen:
            raise ValueError(f"no done run of dataset {dataset!r}")
        fraction = max(r.spec.params["train_fraction"] for r in chosen)
        chosen = [r for r in chosen if r.spec.params["train_fraction"] == fraction]
        seed = min(r.spec.params["seeds"][0] for r in chosen)
        panels = None
        for record in chosen:
            loss = record.spec.params["losses"][0]
            if record.spec.params["seeds"] != [seed]:
                continue
            attempt = record.done
            assert attempt is not None and attempt.metrics is not None
            with np.load(RunFolder(attempt.path).embeddings(loss, seed)) as blob:
                arrays = {name: blob[name] for name in ("test_labels", "test_features", "centroid_cosine", "pmi")}
            if panels is None:
                labels = arrays["test_labels"]
                names = attempt.metrics.get("label_names") or [f"label {i}" for i in range(labels.shape[1])]
                panels = EmbeddingPanels(labels=labels, label_names=list(names), features={}, pmi=arrays["pmi"],
                                         title=dataset if fraction == 1.0 else f"{dataset} ({fraction:g} of the training data)")
            elif not np.array_equal(panels.labels, arrays["test_labels"]):
                raise ValueError(f"runs of {dataset} do not share their test set; were they made with different splits?")
            panels.features[loss] = arrays["test_features"]
            panels.centroid_cosine[loss] = arrays["centroid_cosine"]
            entry = next(e for e in attempt.metrics["runs"] if e["loss"] == loss and e["seed"] == seed)
            rho = (entry.get("geometry") or {}).get("centroid_pmi_spearman")
            if rho is not None:
                panels.centroid_pmi_spearman[loss] = float(rho)
        assert panels is not None
        return panels

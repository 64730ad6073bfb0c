"""The two main jobs: a grid and its report (``mlcl-lab report``), one study (``mlcl-lab study``)."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .. import files
from .execute import (
    NotebookOutcome,
    PlannedRun,
    RunTask,
    default_kernel,
    execute_notebook,
    execute_task,
)
from .executors import Executor
from .grid import GridSpec, load_grid, params_hash, resolve_grid
from .notebooks import notebook_source
from .parameters import StudyParameters
from .runner import GridOutcome, run_grid
from .runs import ReportFolder, RunFolder, new_run_folder

__all__ = ["GridReport", "run_grid_report", "run_study_report", "export_html", "REPORT_NOTEBOOK", "STUDY_NOTEBOOK"]

REPORT_NOTEBOOK = "report"
STUDY_NOTEBOOK = "study"


@dataclass
class GridReport:
    grid: GridSpec
    grid_dir: Path
    runs: GridOutcome
    folder: ReportFolder
    notebook: NotebookOutcome
    html: Path | None
    figures_copy: Path | None

    @property
    def ok(self) -> bool:
        return self.runs.ok and self.notebook.ok


def export_html(notebook: Path) -> Path:
    """Export an executed notebook to HTML next to it (never replacing a file)."""
    import nbformat
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nbformat.read(notebook, as_version=4))
    return files.write_text(notebook.with_suffix(".html"), body)


def _copy_figures(source: Path, figures_root: Path, grid_name: str) -> Path | None:
    """Replace ``figures_root/<grid>/`` (the 'latest' view) by a copy of the report's figures.

    The copy is built next to the target and swapped in, so the view is never half
    written; the originals stay in the report folder, so the replaced view loses nothing.
    """
    if not source.is_dir():
        return None
    target = figures_root / grid_name
    figures_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".tmp-{grid_name}-", dir=figures_root))
    for path in sorted(source.rglob("*")):
        if path.is_file():
            files.write_bytes(staging / path.relative_to(source), path.read_bytes())
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".old-{grid_name}-", dir=figures_root))
        os.replace(target, old / grid_name)
    os.replace(staging, target)
    if old is not None:
        shutil.rmtree(old)
    return target


def run_grid_report(grid: GridSpec | str | Path = "default", out_root: str | Path = "runs", *, jobs: int = 1,
                    device: str = "auto", kernel_name: str | None = None, umap_backend: str = "auto",
                    figures_root: str | Path | None = None, progress: bool = True,
                    executor: Executor | None = None, runs_per_kernel: int | None = None,
                    jobs_per_gpu: int = 1) -> GridReport:
    """Run (or resume) every run of ``grid`` under ``out_root/<grid name>``, then build a new
    ``report-<stamp>`` folder with the executed report notebook, its HTML, tables and figures.

    The report is built from the done runs even when some runs failed; failures are
    listed in the outcome, the runs left out (and why) in the report. ``runs_per_kernel``:
    :func:`~mlcl_lab.report.runner.batch_size`.
    """
    path = resolve_grid(grid) if not isinstance(grid, GridSpec) else None
    spec = grid if isinstance(grid, GridSpec) else load_grid(path)  # type: ignore[arg-type]
    grid_file = path if path is not None else spec.path
    grid_dir = Path(out_root) / spec.name
    outcome = run_grid(spec, grid_dir, executor=executor, jobs=jobs, device=device, kernel_name=kernel_name,
                       progress=progress, runs_per_kernel=runs_per_kernel,
                       jobs_per_gpu=jobs_per_gpu)
    folder = ReportFolder(new_run_folder(grid_dir, prefix="report"))
    parameters = {"grid_file": str(grid_file.resolve()), "grid_dir": str(grid_dir.resolve()),
                  "output_dir": str(folder.path.resolve()), "umap_backend": umap_backend}
    notebook = execute_notebook(REPORT_NOTEBOOK, folder.notebook, parameters, log=folder.log, kernel=kernel_name)
    html = export_html(notebook.notebook) if notebook.notebook.exists() else None
    copy = _copy_figures(folder.figures, Path(figures_root), spec.name) if figures_root and notebook.ok else None
    return GridReport(spec, grid_dir, outcome, folder, notebook, html, copy)


def run_study_report(params: StudyParameters, root: str | Path = "runs", notebook: str | Path | None = None,
                     kernel_name: str | None = None) -> tuple[Path, NotebookOutcome]:
    """Execute the study notebook once into a new run folder under ``root`` (with its
    ``status.json``, like a grid's attempt). A failed notebook is kept in the folder."""
    source = notebook_source(notebook or STUDY_NOTEBOOK)
    from .parameters import dataset_label

    folder = new_run_folder(root, prefix=dataset_label(params.dataset))
    values = {k: v for k, v in params.to_dict().items() if k not in ("output_dir", "device")}
    run = PlannedRun(folder.name, folder, values, params_hash(values))
    [result] = execute_task(RunTask(notebook=source, runs=(run,), kernel=kernel_name or default_kernel(),
                                    device=params.device))
    return folder, NotebookOutcome(RunFolder(folder).notebook, result.ok, result.error, result.seconds)

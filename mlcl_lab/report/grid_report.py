"""The main job: run a grid, then the report notebook over its finished runs."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from .grid import GridSpec, default_grid_path, load_grid
from .grid_runner import GridOutcome, run_grid
from .notebooks import NotebookOutcome, execute_notebook, notebooks_dir
from .run_folder import new_run_folder

__all__ = ["GridReport", "resolve_grid", "run_grid_report", "export_html"]

REPORT_NOTEBOOK = "report.py"


@dataclass
class GridReport:
    grid: GridSpec
    grid_dir: Path
    runs: GridOutcome
    folder: Path
    notebook: NotebookOutcome
    html: Path | None
    figures_copy: Path | None

    @property
    def ok(self) -> bool:
        return self.runs.ok and self.notebook.ok


def resolve_grid(grid: str | Path) -> Path:
    """A shipped grid name (``default``, ``full``) or a path to a grid YAML file."""
    path = Path(grid)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise FileNotFoundError(f"grid file {path} does not exist")
        return path
    return default_grid_path(str(grid))


def export_html(notebook: Path) -> Path:
    """Export an executed notebook to HTML next to it (never replacing a file)."""
    from nbconvert import HTMLExporter
    import nbformat

    target = notebook.with_suffix(".html")
    if target.exists():
        raise FileExistsError(f"{target} already exists")
    body, _ = HTMLExporter().from_notebook_node(nbformat.read(notebook, as_version=4))
    target.write_text(body, encoding="utf-8")
    return target


def _copy_figures(source: Path, figures_root: Path, grid_name: str) -> Path | None:
    """Copy the report's figures to ``figures_root/<grid>/`` (the 'latest' view).

    The originals stay in the report folder, so replacing the previous latest copy
    loses nothing.
    """
    if not source.is_dir():
        return None
    target = figures_root / grid_name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    return target


def run_grid_report(grid: str | Path = "default", out_root: str | Path = "runs", jobs: int = 1, device: str = "auto",
                    kernel_name: str | None = None, umap_backend: str = "auto",
                    figures_root: str | Path | None = None, progress: bool = True) -> GridReport:
    """Run (or resume) every run of ``grid`` under ``out_root/<grid name>``, then build a new
    ``report-<stamp>`` folder with the executed report notebook, its HTML, tables and figures.

    The report is built from the finished runs even when some runs failed; failures are
    listed in the outcome and in the report.
    """
    spec = load_grid(resolve_grid(grid))
    grid_dir = Path(out_root) / spec.name
    outcome = run_grid(spec, grid_dir, jobs=jobs, device=device, kernel_name=kernel_name, progress=progress)
    folder = new_run_folder(grid_dir, prefix="report")
    parameters = {"grid_file": str(resolve_grid(grid).resolve()), "grid_dir": str(grid_dir.resolve()),
                  "output_dir": str(folder.resolve()), "umap_backend": umap_backend}
    notebook = execute_notebook(notebooks_dir() / REPORT_NOTEBOOK, folder, parameters, kernel_name=kernel_name)
    html = export_html(notebook.notebook) if notebook.notebook.exists() else None
    figures_copy = _copy_figures(folder / "figures", Path(figures_root), spec.name) if figures_root and notebook.ok else None
    return GridReport(spec, grid_dir, outcome, folder, notebook, html, figures_copy)

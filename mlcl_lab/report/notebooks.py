"""Execute a parameterised notebook with papermill into a run folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..resources import notebooks_dir  # the wheel's copy or the clone's notebooks/

__all__ = ["NotebookOutcome", "execute_notebook", "notebooks_dir", "default_kernel", "notebook_source", "materialise_notebook"]


@dataclass(frozen=True)
class NotebookOutcome:
    """Where the executed notebook is, and whether it ran to the end."""

    notebook: Path
    ok: bool
    error: str = ""


def notebook_source(name: str | Path) -> Path:
    """The jupytext source of a notebook: ``study``, ``study.py`` or the legacy ``study.ipynb``
    name resolve to ``notebooks/study.py``; any other existing path is returned as is."""
    path = Path(name)
    if path.is_file():
        return path
    if path.parent == Path("."):
        candidate = notebooks_dir() / f"{path.stem}.py"
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"notebook {name} not found (looked for {path} and notebooks/{path.stem}.py)")


def materialise_notebook(source: str | Path, target: str | Path) -> Path:
    """Write the ``.ipynb`` that papermill executes from a jupytext ``.py`` source (an
    ``.ipynb`` source is copied). The target must not exist."""
    import jupytext
    import nbformat

    source, target = Path(source), Path(target)
    if target.exists():
        raise FileExistsError(f"{target} already exists; notebooks are never overwritten")
    nb = jupytext.read(source) if source.suffix == ".py" else nbformat.read(source, as_version=4)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, target)
    return target


def default_kernel() -> str:
    """The project's kernel 'mlcl-lab' when installed (``make setup`` installs it), else 'python3'."""
    from jupyter_client.kernelspec import KernelSpecManager

    names = KernelSpecManager().find_kernel_specs()
    return "mlcl-lab" if "mlcl-lab" in names else "python3"


def execute_notebook(
    notebook: str | Path,
    out_dir: str | Path,
    parameters: dict[str, Any],
    kernel_name: str | None = None,
    log_output: bool = False,
) -> NotebookOutcome:
    """Run ``notebook`` with ``parameters``; the executed copy goes to ``out_dir``.

    The executed copy is kept whether or not a cell fails; a failure is reported in
    the outcome (``ok=False`` and the error's first lines), never raised or hidden.
    An existing executed copy is never overwritten.
    """
    import tempfile

    source = notebook_source(notebook)
    target = Path(out_dir) / f"{source.stem}.ipynb"
    if target.exists():
        raise FileExistsError(f"{target} already exists; executed notebooks are never overwritten")
    with tempfile.TemporaryDirectory() as tmp:
        return _execute(materialise_notebook(source, Path(tmp) / target.name), target, parameters, out_dir,
                        kernel_name, log_output)


def _execute(source: Path, target: Path, parameters: dict[str, Any], out_dir: str | Path, kernel_name: str | None,
             log_output: bool) -> NotebookOutcome:
    import papermill as pm

    try:
        pm.execute_notebook(
            str(source),
            str(target),
            parameters=parameters,
            kernel_name=kernel_name or default_kernel(),
            cwd=str(out_dir),
            progress_bar=False,
            log_output=log_output,
        )
    except pm.PapermillExecutionError as error:
        summary = f"{error.ename}: {error.evalue}"
        return NotebookOutcome(target, False, summary)
    return NotebookOutcome(target, True)

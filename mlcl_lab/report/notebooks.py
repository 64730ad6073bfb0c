"""Execute a parameterised notebook with papermill into a run folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["NotebookOutcome", "execute_notebook", "notebooks_dir", "default_kernel"]


@dataclass(frozen=True)
class NotebookOutcome:
    """Where the executed notebook is, and whether it ran to the end."""

    notebook: Path
    ok: bool
    error: str = ""


def notebooks_dir() -> Path:
    """The repository's ``notebooks/`` folder (the toolkit is used from a clone)."""
    path = Path(__file__).resolve().parents[2] / "notebooks"
    if not path.is_dir():
        raise FileNotFoundError(
            f"notebooks folder not found at {path}; install mlcl-lab from a clone with `pip install -e .`"
        )
    return path


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
    import papermill as pm

    source = Path(notebook)
    if not source.is_file():
        raise FileNotFoundError(f"notebook {source} does not exist")
    target = Path(out_dir) / source.name
    if target.exists():
        raise FileExistsError(f"{target} already exists; executed notebooks are never overwritten")
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

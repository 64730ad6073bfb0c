"""Where the notebooks are, and the ``.ipynb`` papermill executes built from their jupytext source.

Executing a notebook is :mod:`mlcl_lab.report.execute`'s job.
"""

from __future__ import annotations

from pathlib import Path

from ..resources import notebooks_dir  # the wheel's copy or the clone's notebooks/

__all__ = ["notebooks_dir", "notebook_source", "materialise_notebook"]


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

    from ..files import write_text

    source, target = Path(source), Path(target)
    nb = jupytext.read(source) if source.suffix == ".py" else nbformat.read(source, as_version=4)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return write_text(target, nbformat.writes(nb))

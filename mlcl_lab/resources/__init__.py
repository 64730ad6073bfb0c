"""What mlcl-lab ships besides code: the jupytext notebooks, the grid files and the built-in data.

One place decides where they are read from (through :mod:`importlib.resources`):

* **installed from a wheel** (``pip install .``, ``pip install git+<url>``): the build step in
  ``setup.py`` copies the repository's ``notebooks/*.py`` and the files of ``data/`` into this
  package, as ``mlcl_lab/resources/notebooks/`` and ``mlcl_lab/resources/data/``;
* **used from a clone** (editable install, or ``PYTHONPATH`` at a checkout): nothing is
  copied, the repository's top-level ``notebooks/`` and ``data/`` are read, so an edit there is
  what runs. The repository folders stay the one source; the wheel carries a build-time copy.

The grid files (``grid_<kind>.yaml``) always lie in this package's folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

__all__ = ["CopiedNotebooks", "builtin_data_dir", "copy_notebooks", "grid_file", "notebook_files", "notebooks_dir"]

_REPO = Path(__file__).resolve().parents[2]


def _package_dir() -> Path:
    """This package's folder on disk (a wheel installs packages as plain folders)."""
    root = files(__name__)
    if not isinstance(root, Path):
        raise RuntimeError(f"mlcl_lab.resources is not a folder on disk ({root!r}); install mlcl-lab with pip")
    return root


def _shipped_or_clone(name: str) -> Path:
    """``mlcl_lab/resources/<name>`` of a wheel install, else the clone's top-level ``<name>/``."""
    shipped = _package_dir() / name
    if shipped.is_dir():
        return shipped
    clone = _REPO / name
    if clone.is_dir():
        return clone
    raise FileNotFoundError(
        f"mlcl-lab's {name}/ folder is missing: neither the installed copy {shipped} nor the clone's {clone} "
        "exists; reinstall mlcl-lab (`pip install .` from a clone builds a wheel that carries it)"
    )


def notebooks_dir() -> Path:
    """Folder of the jupytext notebooks (``*.py`` percent files): installed copy or the clone's ``notebooks/``."""
    return _shipped_or_clone("notebooks")


def builtin_data_dir() -> Path:
    """Folder of the built-in data files (``yeast.npz``, ``debtags.json.gz``, their cards)."""
    return _shipped_or_clone("data")


def notebook_files() -> list[Path]:
    """Every shipped jupytext notebook, sorted by name."""
    return sorted(p for p in notebooks_dir().glob("*.py") if p.is_file())


def grid_file(kind: str) -> Path:
    """The shipped grid ``grid_<kind>.yaml``; an unknown kind names the available ones."""
    folder = _package_dir()
    path = folder / f"grid_{kind}.yaml"
    if not path.is_file():
        available = sorted(p.stem.removeprefix("grid_") for p in folder.glob("grid_*.yaml"))
        raise ValueError(f"unknown shipped grid {kind!r}; available: {', '.join(available)}")
    return path


@dataclass(frozen=True)
class CopiedNotebooks:
    """What :func:`copy_notebooks` did: the files it wrote and the ones it left alone (already there)."""

    target: Path
    copied: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)


def copy_notebooks(target: str | Path) -> CopiedNotebooks:
    """Copy every shipped notebook into ``target`` (created if needed) for editing.

    An existing file of the same name is never overwritten: it is listed in ``skipped``.
    ``target`` must not be an existing non-folder.
    """
    from ..files import write_bytes

    target = Path(target)
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(f"{target} exists and is not a folder; give a folder for the notebooks")
    copied, skipped = [], []
    for source in notebook_files():
        destination = target / source.name
        if destination.exists():
            skipped.append(destination)
            continue
        try:
            write_bytes(destination, source.read_bytes())
        except FileExistsError:  # appeared between the check and the write: still never overwritten
            skipped.append(destination)
            continue
        copied.append(destination)
    return CopiedNotebooks(target, copied, skipped)

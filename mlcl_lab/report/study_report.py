"""The main job: run the study notebook with papermill into a new run folder."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .notebooks import NotebookOutcome, execute_notebook, notebooks_dir
from .run_folder import new_run_folder

__all__ = ["StudyParameters", "run_study_report", "DEFAULT_LOSSES", "STUDY_NOTEBOOK"]

STUDY_NOTEBOOK = "study.py"
#: The default study: the BCE baseline next to the contrastive losses of the paper.
DEFAULT_LOSSES = ("bce", "base")


@dataclass
class StudyParameters:
    """The papermill parameters of ``notebooks/study.py`` (names match its parameters cell)."""

    dataset: str = "yeast"
    losses: list[str] = field(default_factory=lambda: list(DEFAULT_LOSSES))
    seeds: list[int] = field(default_factory=lambda: [0, 1, 2])
    epochs: int = 30
    batch_size: int = 128
    probe_epochs: int = 40
    lr: float = 1e-3
    temperature: float = 0.1
    loss_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    queue_size: int = 0
    train_fraction: float = 1.0
    split_seed: int = 0
    device: str = "auto"
    umap_backend: str = "auto"
    color_label: int = 0
    make_figures: bool = True
    make_umap: bool = True
    output_dir: str = "."

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_study_report(params: StudyParameters, root: str | Path = "runs", notebook: str | Path | None = None,
                     kernel_name: str | None = None) -> tuple[Path, NotebookOutcome]:
    """Create a new run folder under ``root`` and execute the study notebook there.

    Returns the folder and the outcome; a failed notebook is kept in the folder.
    """
    source = Path(notebook) if notebook else notebooks_dir() / STUDY_NOTEBOOK
    folder = new_run_folder(root, prefix=params.dataset)
    values = params.to_dict()
    values["output_dir"] = str(folder.resolve())
    outcome = execute_notebook(source, folder, values, kernel_name=kernel_name)
    return folder, outcome

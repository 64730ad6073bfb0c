"""Reports: run folders, papermill execution, study outputs and figures."""

from .notebooks import NotebookOutcome, default_kernel, execute_notebook, notebooks_dir
from .run_folder import new_run_folder, to_jsonable, write_json
from .study_outputs import METRIC_COLUMNS, metrics_payload, summarise, write_study_outputs
from .study_report import DEFAULT_LOSSES, StudyParameters, run_study_report

__all__ = [
    "NotebookOutcome", "default_kernel", "execute_notebook", "notebooks_dir", "new_run_folder", "to_jsonable",
    "write_json", "METRIC_COLUMNS", "metrics_payload", "summarise", "write_study_outputs", "DEFAULT_LOSSES",
    "StudyParameters", "run_study_report",
]

"""Multi-label datasets, stratified splits and encoder inputs for mlcl_lab.

Public API (see /work/contracts.md): :class:`MultiLabelDataset`,
:func:`available_datasets`, :func:`load_dataset`, :func:`dataset_statistics`,
:func:`make_synthetic`, :class:`Split`, :func:`split_indices`,
:func:`training_subset`, :func:`encoder_inputs`; :class:`DatasetSpec` / :func:`load_spec`
(a dataset as grids and the CLI name it), :func:`resolve_split` / :class:`SplitRecord`
(the split a run uses and where it came from), :func:`attach_split` /
:func:`with_split_files` (user-given splits).
"""

from . import catalog as _catalog  # noqa: F401  (registers the datasets)
from .dataset import MultiLabelDataset, dataset_statistics
from .errors import DatasetNotFoundError, DatasetUnavailable, MalformedFileError
from .inputs import encoder_inputs
from .registry import available_datasets, load_dataset
from .spec import DatasetSpec, load_spec
from .splits import (
    TRAINING_FRACTIONS,
    CoverageWarning,
    Split,
    SplitRecord,
    coverage_report,
    dataset_split,
    resolve_split,
    split_indices,
    training_subset,
    warm_split_cache,
)
from .storage import DataIntegrityError
from .synthetic import make_synthetic
from .table import datasets_table
from .text_encoders import HashingTextEncoder, MiniLMEncoder
from .user_split import attach_split, with_split_files

__all__ = [
    "TRAINING_FRACTIONS",
    "CoverageWarning",
    "DataIntegrityError",
    "DatasetNotFoundError",
    "DatasetSpec",
    "DatasetUnavailable",
    "HashingTextEncoder",
    "MalformedFileError",
    "MiniLMEncoder",
    "MultiLabelDataset",
    "Split",
    "SplitRecord",
    "attach_split",
    "available_datasets",
    "coverage_report",
    "dataset_split",
    "dataset_statistics",
    "datasets_table",
    "encoder_inputs",
    "load_dataset",
    "load_spec",
    "make_synthetic",
    "resolve_split",
    "split_indices",
    "training_subset",
    "warm_split_cache",
    "with_split_files",
]

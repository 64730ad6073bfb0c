"""Multi-label datasets, stratified splits and encoder inputs for mlcl_lab.

Public API (see /work/contracts.md): :class:`MultiLabelDataset`,
:func:`available_datasets`, :func:`load_dataset`, :func:`dataset_statistics`,
:func:`make_synthetic`, :class:`Split`, :func:`split_indices`,
:func:`training_subset`, :func:`encoder_inputs`.
"""

from . import catalog as _catalog  # noqa: F401  (registers the datasets)
from .dataset import MultiLabelDataset, dataset_statistics
from .errors import DatasetNotFoundError, MalformedFileError
from .inputs import encoder_inputs
from .registry import available_datasets, load_dataset
from .splits import (
    TRAINING_FRACTIONS,
    CoverageWarning,
    Split,
    coverage_report,
    dataset_split,
    split_indices,
    training_subset,
)
from .storage import DataIntegrityError
from .synthetic import make_synthetic
from .table import datasets_table
from .text_encoders import HashingTextEncoder, MiniLMEncoder

__all__ = [
    "TRAINING_FRACTIONS",
    "CoverageWarning",
    "DataIntegrityError",
    "DatasetNotFoundError",
    "HashingTextEncoder",
    "MalformedFileError",
    "MiniLMEncoder",
    "MultiLabelDataset",
    "Split",
    "available_datasets",
    "coverage_report",
    "dataset_split",
    "dataset_statistics",
    "datasets_table",
    "encoder_inputs",
    "load_dataset",
    "make_synthetic",
    "split_indices",
    "training_subset",
]

"""Classification and embedding-geometry metrics (numpy or torch, CPU or CUDA)."""

from mlcl_lab.metrics.accumulator import MetricAccumulator
from mlcl_lab.metrics.classification import (
    binarize,
    classification_metrics,
    default_threshold_grid,
    tune_thresholds,
)

__all__ = [
    "MetricAccumulator",
    "binarize",
    "classification_metrics",
    "default_threshold_grid",
    "tune_thresholds",
]

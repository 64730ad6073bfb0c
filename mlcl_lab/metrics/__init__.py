"""Classification and embedding-geometry metrics (numpy or torch, CPU or CUDA).

Every F1-like number comes from one stat-scores core (:mod:`.stat_scores`). The geometry
metrics share the losses' policies (:mod:`mlcl_lab.core`): empty inputs are refused
(``z needs at least 2 row(s), got N=0``), all-zero rows are refused wherever embeddings
are L2-normalised, and the normalisation (or, for raw Euclidean scores, an exact
power-of-two rescale) cannot overflow, so scale-invariant metrics are scale-invariant up
to the dtype's max.
"""

from mlcl_lab.metrics.accumulator import MetricAccumulator
from mlcl_lab.metrics.alignment import alignment
from mlcl_lab.metrics.classification import (
    binarize,
    classification_metrics,
    default_threshold_grid,
    tune_thresholds,
)
from mlcl_lab.metrics.clustering import (
    frequent_label_sets,
    knn_label_precision,
    label_set_clustering,
)
from mlcl_lab.metrics.label_correlation import LabelCorrelation, label_correlation, sample_pairs
from mlcl_lab.metrics.stat_scores import (
    StatScores,
    f1_from_stats,
    micro_f1_from_stats,
    multilabel_stat_scores,
    multilabel_stat_scores_at_thresholds,
)
from mlcl_lab.metrics.uniformity import uniformity

__all__ = [
    "LabelCorrelation",
    "MetricAccumulator",
    "StatScores",
    "alignment",
    "binarize",
    "classification_metrics",
    "default_threshold_grid",
    "f1_from_stats",
    "frequent_label_sets",
    "knn_label_precision",
    "label_correlation",
    "label_set_clustering",
    "micro_f1_from_stats",
    "multilabel_stat_scores",
    "multilabel_stat_scores_at_thresholds",
    "sample_pairs",
    "tune_thresholds",
    "uniformity",
]

"""Rules shared by the losses and the metrics, written once.

* :mod:`.precision` — the compute dtype (half precisions are computed in float32);
* :mod:`.normalize` — L2 normalisation that cannot overflow or underflow, and the
  all-zero-row policy;
* :mod:`.positives` — who is a positive of whom (``any`` / ``all`` / ``jaccard``);
* :mod:`.checks` — the empty-input policy.

Nothing here depends on another part of mlcl-lab (only on torch), so ``losses`` and
``metrics`` can both use it without depending on each other.
"""

from mlcl_lab.core.checks import check_nonempty
from mlcl_lab.core.normalize import NORM_FLOOR, check_nonzero_rows, pow2_rescale, unit_rows
from mlcl_lab.core.positives import (
    POSITIVE_RULES,
    all_positive,
    any_positive,
    intersections,
    jaccard,
    jaccard_paired,
    positive_weights,
    unions,
)
from mlcl_lab.core.precision import compute_dtype

__all__ = [
    "NORM_FLOOR",
    "POSITIVE_RULES",
    "all_positive",
    "any_positive",
    "check_nonempty",
    "check_nonzero_rows",
    "compute_dtype",
    "intersections",
    "jaccard",
    "jaccard_paired",
    "positive_weights",
    "pow2_rescale",
    "unions",
    "unit_rows",
]

"""Multi-label stat scores: the one core behind every F1-like number of mlcl-lab.

Three named stages, as in torchmetrics' ``stat_scores``:

1. **validate** (:func:`_validate_predictions`, :func:`_validate_thresholds`): bool
   truth (N, L), predictions (..., N, L) or scores (N, L) + thresholds (G,);
2. **stats** (:func:`_stats_from_predictions`, :func:`_stats_at_thresholds`): exact
   counts tp / fp / fn / tn per label (or per sample), float64, in a :class:`StatScores`;
3. **compute** (:func:`f1_from_stats`, :func:`micro_f1_from_stats`): the F1 values.

Consumers: :func:`mlcl_lab.metrics.classification_metrics` (Hamming loss, subset
accuracy, micro / macro / samples F1), :func:`mlcl_lab.metrics.tune_thresholds`
(per-label F1 at every grid threshold), and model selection in ``mlcl_lab.train``
(the probe's per-label (lr, wd) choice and the supervised best-epoch micro-F1).

F1 = 2 tp / (2 tp + fp + fn) (paper 1 §7); when 2 tp + fp + fn = 0 (no true and no
predicted positive) the value is ``zero_division`` (scikit-learn's convention; 0.0 or
1.0). Counts are exact integers in float64 (up to 2^53 samples), so the result does not
depend on the order in which they were summed.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from mlcl_lab.core.checks import check_nonempty
from mlcl_lab.metrics._validation import check_choice

STAT_AXES = ("labels", "samples")
THRESHOLD_RULES = (">=", ">")


@dataclass(frozen=True)
class StatScores:
    """Exact confusion counts, float64 tensors of one shape (..., K).

    K is the number of labels (``axis="labels"``: counts summed over samples) or of
    samples (``axis="samples"``: counts summed over labels); leading axes are batch axes
    (probe grid points, thresholds).
    """

    tp: torch.Tensor
    fp: torch.Tensor
    fn: torch.Tensor
    tn: torch.Tensor

    @property
    def support(self) -> torch.Tensor:
        """Number of true positives in the truth, tp + fn, shape (..., K)."""
        return self.tp + self.fn

    @property
    def total(self) -> torch.Tensor:
        """tp + fp + fn + tn: the number of (sample, label) cells counted, (..., K)."""
        return self.tp + self.fp + self.fn + self.tn


def _validate_predictions(y_true: torch.Tensor, y_pred: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Check (N, L) truth against (..., N, L) predictions; return both as bool tensors.

    Inputs must already be tensors with values in {0, 1} (bool, integer or float); the
    public metric functions convert and validate arbitrary arrays before this stage.
    N = 0 or L = 0 is refused (``y_true needs at least 1 row(s), got N=0 ...``).
    """
    for name, t in (("y_true", y_true), ("y_pred", y_pred)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
        if t.dtype != torch.bool and not bool(((t == 0) | (t == 1)).all()):
            raise ValueError(f"{name} must hold 0/1 (or bool) values")
    if y_true.ndim != 2:
        raise ValueError(f"y_true must be 2-D (N, L), got shape {tuple(y_true.shape)}")
    check_nonempty(y_true, "y_true")  # an F1 over no sample (or no label) is undefined
    if y_pred.ndim < 2 or tuple(y_pred.shape[-2:]) != tuple(y_true.shape):
        raise ValueError(
            f"y_pred must have shape (..., N, L) = (..., {y_true.shape[0]}, {y_true.shape[1]}), "
            f"got {tuple(y_pred.shape)}"
        )
    if y_pred.device != y_true.device:
        raise ValueError(f"y_true is on {y_true.device} but y_pred on {y_pred.device}")
    return y_true.bool(), y_pred.bool()


def _stats_from_predictions(truth: torch.Tensor, pred: torch.Tensor, axis: str) -> StatScores:
    """Counts of bool (N, L) truth vs bool (..., N, L) predictions along ``axis``.

    ``"labels"``: one count per label (summed over the N samples) -> (..., L);
    ``"samples"``: one count per sample (summed over the L labels) -> (..., N).
    """
    dim = -2 if axis == "labels" else -1
    tp = (pred & truth).sum(dim).to(torch.float64)
    fp = (pred & ~truth).sum(dim).to(torch.float64)
    fn = (~pred & truth).sum(dim).to(torch.float64)
    n_cells = truth.shape[dim]
    tn = n_cells - tp - fp - fn
    return StatScores(tp=tp, fp=fp, fn=fn, tn=tn)


def _validate_thresholds(thresholds: torch.Tensor) -> torch.Tensor:
    """A non-empty 1-D float64 tensor of finite thresholds, sorted ascending."""
    if thresholds.ndim != 1 or thresholds.shape[0] < 1:
        raise ValueError(f"thresholds must be a non-empty 1-D tensor, got shape {tuple(thresholds.shape)}")
    t = thresholds.to(torch.float64)
    if not bool(torch.isfinite(t).all()):
        raise ValueError("thresholds contain NaN/Inf values")
    return torch.sort(t).values


def _stats_at_thresholds(
    truth: torch.Tensor, score: torch.Tensor, thresholds: torch.Tensor, rule: str
) -> StatScores:
    """Per-label counts of ``score rule threshold`` for every threshold, shape (G, L).

    One sort per label and a ``searchsorted`` over the G thresholds, so the cost is
    O(N L log N) whatever G (no (G, N, L) tensor). A cell is predicted positive when
    ``score >= g`` (rule ``">="``) or ``score > g`` (``">"``): exactly the counts of
    :func:`_stats_from_predictions` applied to ``binarize(score, g, rule)``.

    Args:
        truth: (N, L) bool; score: (N, L) float64; thresholds: (G,) float64 sorted.
    """
    n = score.shape[0]
    right = rule == ">"  # count of values > g = n - #(values <= g): searchsorted side="right"
    ordered_all = torch.sort(score, dim=0).values.T.contiguous()  # (L, N) per-label ascending
    # scores of negatives pushed to -inf: they are never counted as predicted positives
    pos_only = torch.where(truth, score, torch.full_like(score, float("-inf")))
    ordered_pos = torch.sort(pos_only, dim=0).values.T.contiguous()  # (L, N)
    grid = thresholds.to(score.device)[None, :].expand(score.shape[1], -1).contiguous()  # (L, G)
    predicted = n - torch.searchsorted(ordered_all, grid, right=right)  # (L, G)
    tp = n - torch.searchsorted(ordered_pos, grid, right=right)
    tp, predicted = tp.T.to(torch.float64), predicted.T.to(torch.float64)  # (G, L)
    support = truth.sum(0).to(torch.float64)[None, :]
    fp = predicted - tp
    fn = support - tp
    tn = n - tp - fp - fn
    return StatScores(tp=tp, fp=fp, fn=fn, tn=tn)


def _f1_ratio(tp: torch.Tensor, fp: torch.Tensor, fn: torch.Tensor, zero_division: float) -> torch.Tensor:
    """2 tp / (2 tp + fp + fn), ``zero_division`` where the denominator is 0 (never NaN)."""
    den = 2 * tp + fp + fn
    return torch.where(den > 0, 2 * tp / den.clamp_min(1.0), torch.full_like(den, float(zero_division)))


def f1_from_stats(stats: StatScores, zero_division: float = 0.0) -> torch.Tensor:
    """F1 of every label (or sample) of ``stats``, shape (..., K), float64."""
    check_choice(zero_division, "zero_division", (0.0, 1.0))
    return _f1_ratio(stats.tp, stats.fp, stats.fn, zero_division)


def micro_f1_from_stats(stats: StatScores, zero_division: float = 0.0) -> torch.Tensor:
    """Micro F1 (counts pooled over the last axis), shape (...), float64."""
    check_choice(zero_division, "zero_division", (0.0, 1.0))
    return _f1_ratio(stats.tp.sum(-1), stats.fp.sum(-1), stats.fn.sum(-1), zero_division)


def multilabel_stat_scores(y_true: torch.Tensor, y_pred: torch.Tensor, *, axis: str = "labels") -> StatScores:
    """validate -> stats for bool (N, L) truth and (..., N, L) predictions.

    Example:
        >>> s = multilabel_stat_scores(torch.tensor([[1, 0]]), torch.tensor([[1, 1]]))
        >>> s.tp, s.fp
        (tensor([1., 0.], dtype=torch.float64), tensor([0., 1.], dtype=torch.float64))
    """
    check_choice(axis, "axis", STAT_AXES)
    truth, pred = _validate_predictions(y_true, y_pred)
    return _stats_from_predictions(truth, pred, axis)


def multilabel_stat_scores_at_thresholds(
    y_true: torch.Tensor, y_score: torch.Tensor, thresholds: torch.Tensor, *, rule: str = ">="
) -> StatScores:
    """validate -> stats per label at each of G thresholds: (G, L) counts.

    ``y_true`` (N, L) 0/1, ``y_score`` (N, L) finite scores, ``thresholds`` (G,); the
    result rows follow the thresholds sorted ascending.
    """
    check_choice(rule, "rule", THRESHOLD_RULES)
    truth, _ = _validate_predictions(y_true, y_true)
    if not isinstance(y_score, torch.Tensor) or tuple(y_score.shape) != tuple(truth.shape):
        raise ValueError(f"y_score must be a tensor of shape {tuple(truth.shape)}")
    score = y_score.to(torch.float64)
    if not bool(torch.isfinite(score).all()):
        raise ValueError("y_score contains NaN/Inf values")
    return _stats_at_thresholds(truth, score, _validate_thresholds(thresholds), rule)

"""Multi-label classification metrics (paper 1 §7 / paper 2: Hamming, micro/macro F1;
ranking metrics mAP, LRAP, ranking loss, coverage, P@k, nDCG@k).

One vectorised torch implementation serves numpy arrays and CPU/CUDA tensors; all
arithmetic is float64 and every value is returned as a Python float.

Conventions (explicit arguments, documented defaults):

* **Threshold rule** ``threshold_rule``: ``">="`` (default) predicts label j when
  ``p_j >= threshold_j``; ``">"`` predicts when ``p_j > threshold_j``. ``">"`` with 0.5
  reproduces the official code's ``prob.round()`` (0.5 rounds to 0).
* **Logits** are never guessed: ``from_logits=True`` applies the sigmoid before
  thresholding; with ``from_logits=False`` scores outside [0, 1] raise. Ranking metrics
  use the raw scores (the sigmoid is monotone; ranking on logits avoids ties created by
  float saturation of the sigmoid).
* **F1 zero division** ``zero_division`` (default 0.0, scikit-learn's default score):
  the F1 of a label (macro) or sample (samples) with no true and no predicted positive,
  and micro F1 when there is no positive anywhere.
* **Labels without positives in y_true**: ``f1_empty_labels`` and ``ap_empty_labels``,
  ``"include"`` (default: such a label enters the macro mean, F1 by the usual formula /
  ``zero_division``, AP = 0 as in scikit-learn) or ``"exclude"`` (dropped from the macro
  mean; if every label is dropped the macro value is ``zero_division`` for F1 and 0.0
  for AP).
* Ranking metrics follow scikit-learn: LRAP = 1 and ranking loss = 0 for samples with
  no or all labels relevant; coverage error counts 0 for samples with no label.
  ``map_micro`` is AP over the flattened matrix (0.0 if there is no positive at all).
* **P@k** = mean over samples of |top-k ∩ Y_i| / k (denominator k, also when k > L);
  **nDCG@k** uses gains 1/log2(rank+1) and the ideal DCG of min(k, |Y_i|) hits; a sample
  with no label scores 0 for both. Ties in the scores are averaged (expected value over
  random tie orders), as scikit-learn's ``ndcg_score``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from mlcl_lab.metrics._ties import rowwise_average_precision, rowwise_tie_averaged_gain
from mlcl_lab.metrics._validation import (
    ArrayLike,
    as_multihot,
    as_tensor,
    check_2d,
    check_choice,
    check_finite,
)
from mlcl_lab.metrics.stat_scores import (
    THRESHOLD_RULES,
    StatScores,
    _stats_at_thresholds,
    _stats_from_predictions,
    _validate_thresholds,
    f1_from_stats,
    micro_f1_from_stats,
)

EMPTY_LABEL_POLICIES = ("include", "exclude")
DEFAULT_KS = (1, 3, 5)


def _prepare(
    y_true: ArrayLike, y_score: ArrayLike, from_logits: bool
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Validate inputs; return (truth bool, ranking scores f64, probabilities f64)."""
    if not isinstance(from_logits, bool):
        raise TypeError(f"from_logits must be a bool, got {type(from_logits).__name__}")
    score = as_tensor(y_score, "y_score")
    check_2d(score, "y_score")
    score = score.to(torch.float64)
    check_finite(score, "y_score")
    truth = as_multihot(y_true, "y_true", device=score.device)
    if truth.shape != score.shape:
        raise ValueError(
            f"y_true and y_score must have the same (N, L) shape, got "
            f"{tuple(truth.shape)} and {tuple(score.shape)}"
        )
    if from_logits:
        prob = torch.sigmoid(score)
    else:
        if bool((score < 0).any()) or bool((score > 1).any()):
            raise ValueError(
                "y_score has values outside [0, 1]; pass probabilities or set "
                "from_logits=True for logits"
            )
        prob = score
    return truth, score, prob


def _threshold_tensor(threshold: float | ArrayLike, n_labels: int, device) -> torch.Tensor:
    """Scalar or (L,) threshold as a float64 tensor broadcastable to (N, L)."""
    if isinstance(threshold, (int, float)) and not isinstance(threshold, bool):
        thr = torch.tensor(float(threshold), dtype=torch.float64, device=device)
    else:
        thr = as_tensor(threshold, "threshold").to(device=device, dtype=torch.float64)
        if thr.ndim == 0:
            pass
        elif thr.ndim != 1 or thr.shape[0] != n_labels:
            raise ValueError(
                f"threshold must be a float or a (L,) array with L={n_labels}, "
                f"got shape {tuple(thr.shape)}"
            )
    check_finite(thr, "threshold")
    if bool((thr < 0).any()) or bool((thr > 1).any()):
        raise ValueError("threshold must lie in [0, 1] (it applies to probabilities)")
    return thr


def binarize(
    prob: torch.Tensor, threshold: torch.Tensor, threshold_rule: str = ">="
) -> torch.Tensor:
    """(N, L) bool predictions from probabilities with the given rule (">=" or ">")."""
    check_choice(threshold_rule, "threshold_rule", THRESHOLD_RULES)
    return prob >= threshold if threshold_rule == ">=" else prob > threshold


def _safe_ratio(num: torch.Tensor, den: torch.Tensor, fill: float) -> torch.Tensor:
    """num / den where den > 0, else ``fill`` (never NaN)."""
    return torch.where(den > 0, num / den.clamp_min(1e-300), torch.full_like(num, fill))


def _f1_scores(
    label_stats: StatScores,
    sample_stats: StatScores,
    zero_division: float,
    f1_empty_labels: str,
) -> dict[str, float]:
    """micro / macro / samples F1 from the stat-scores core (per-label and per-sample counts)."""
    f1_l = f1_from_stats(label_stats, zero_division)
    keep = torch.ones_like(f1_l, dtype=torch.bool)
    if f1_empty_labels == "exclude":
        keep = label_stats.support > 0
    macro = f1_l[keep].mean() if bool(keep.any()) else torch.tensor(zero_division)
    micro = micro_f1_from_stats(label_stats, zero_division)
    samples = f1_from_stats(sample_stats, zero_division).mean()
    return {"micro_f1": float(micro), "macro_f1": float(macro), "samples_f1": float(samples)}


def _ranking_scores(
    truth: torch.Tensor, score: torch.Tensor, ap_empty_labels: str, ks: Sequence[int]
) -> dict[str, float]:
    n, n_labels = truth.shape
    out: dict[str, float] = {}
    ap_l, npos_l = rowwise_average_precision(score.T, truth.T)
    keep = npos_l > 0 if ap_empty_labels == "exclude" else torch.ones_like(npos_l, dtype=torch.bool)
    out["map_macro"] = float(ap_l[keep].mean()) if bool(keep.any()) else 0.0
    ap_micro, _ = rowwise_average_precision(score.reshape(1, -1), truth.reshape(1, -1))
    out["map_micro"] = float(ap_micro[0])

    ap_s, npos_s = rowwise_average_precision(score, truth)
    degenerate = (npos_s == 0) | (npos_s == n_labels)
    out["lrap"] = float(torch.where(degenerate, torch.ones_like(ap_s), ap_s).mean())
    out["ranking_loss"] = float(_ranking_loss(score, truth, npos_s, degenerate))
    out["coverage_error"] = float(_coverage_error(score, truth))

    for k in ks:
        disc_p = (torch.arange(n_labels, device=score.device) < k).to(torch.float64)
        hits = rowwise_tie_averaged_gain(score, truth, disc_p)
        out[f"p_at_{k}"] = float((hits / k).mean())
        pos = torch.arange(n_labels, device=score.device, dtype=torch.float64)
        disc = torch.where(pos < k, 1.0 / torch.log2(pos + 2.0), torch.zeros_like(pos))
        dcg = rowwise_tie_averaged_gain(score, truth, disc)
        ideal_cum = torch.zeros(n_labels + 1, dtype=torch.float64, device=score.device)
        ideal_cum[1:] = disc.cumsum(0)
        idcg = ideal_cum[npos_s.long()]
        out[f"ndcg_at_{k}"] = float(_safe_ratio(dcg, idcg, 0.0).mean())
    return out


def _ranking_loss(
    score: torch.Tensor, truth: torch.Tensor, npos: torch.Tensor, degenerate: torch.Tensor
) -> torch.Tensor:
    """Mean fraction of (relevant, irrelevant) pairs with s_rel <= s_irr (sklearn)."""
    from mlcl_lab.metrics._ties import sorted_tie_groups

    rel_sorted, start, _, tp = sorted_tie_groups(score, truth)
    n_labels = score.shape[1]
    tp_excl = tp - rel_sorted  # relevant strictly before each position
    rel_before_group = torch.gather(tp_excl, 1, start)
    wrong = ((npos[:, None] - rel_before_group) * (1 - rel_sorted)).sum(1)
    den = npos * (n_labels - npos)
    loss = torch.where(degenerate, torch.zeros_like(wrong), wrong / den.clamp_min(1.0))
    return loss.mean()


def _coverage_error(score: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
    """Mean number of top-ranked labels needed to cover all true labels (sklearn)."""
    inf = torch.full_like(score, float("inf"))
    min_rel = torch.where(truth, score, inf).min(dim=1, keepdim=True).values
    cov = (score >= min_rel).sum(1).to(torch.float64)
    return cov.mean()


def classification_metrics(
    y_true: ArrayLike,
    y_score: ArrayLike,
    threshold: float | ArrayLike = 0.5,
    *,
    from_logits: bool = False,
    threshold_rule: str = ">=",
    zero_division: float = 0.0,
    f1_empty_labels: str = "include",
    ap_empty_labels: str = "include",
    ks: Sequence[int] = DEFAULT_KS,
) -> dict[str, float]:
    """All multi-label metrics of the study in one call.

    Args:
        y_true: (N, L) multi-hot {0, 1} (bool/int/float), numpy or torch (CPU/CUDA).
        y_score: (N, L) probabilities in [0, 1], or logits with ``from_logits=True``.
        threshold: float or (L,) per-label thresholds (see :func:`tune_thresholds`),
            applied to probabilities.
        from_logits: apply the sigmoid to ``y_score`` before thresholding.
        threshold_rule: ``">="`` (default) or ``">"``.
        zero_division: F1 value (0.0 or 1.0) when no true and no predicted positive.
        f1_empty_labels / ap_empty_labels: ``"include"`` or ``"exclude"`` labels with
            no positive in ``y_true`` from macro F1 / macro AP (see module docstring).
        ks: cut-offs for ``p_at_k`` and ``ndcg_at_k`` (default 1, 3, 5).

    Returns:
        dict with hamming_loss, subset_accuracy, micro_f1, macro_f1, samples_f1,
        map_macro, map_micro, lrap, ranking_loss, coverage_error, p_at_{k},
        ndcg_at_{k} (Python floats).
    """
    check_choice(threshold_rule, "threshold_rule", THRESHOLD_RULES)
    check_choice(f1_empty_labels, "f1_empty_labels", EMPTY_LABEL_POLICIES)
    check_choice(ap_empty_labels, "ap_empty_labels", EMPTY_LABEL_POLICIES)
    check_choice(zero_division, "zero_division", (0.0, 1.0))
    ks = tuple(ks)
    if not ks or any(
        isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1 for k in ks
    ):
        raise ValueError(f"ks must be a non-empty sequence of positive ints, got {ks!r}")
    truth, score, prob = _prepare(y_true, y_score, from_logits)
    thr = _threshold_tensor(threshold, truth.shape[1], score.device)
    pred = binarize(prob, thr, threshold_rule)

    label_stats = _stats_from_predictions(truth, pred, "labels")
    sample_stats = _stats_from_predictions(truth, pred, "samples")
    wrong = label_stats.fp + label_stats.fn  # (L,) cells predicted wrongly per label
    exact = (sample_stats.fp + sample_stats.fn) == 0  # (N,) samples predicted exactly
    out: dict[str, float] = {
        "hamming_loss": float(wrong.sum() / truth.numel()),
        "subset_accuracy": float(exact.to(torch.float64).mean()),
    }
    out.update(_f1_scores(label_stats, sample_stats, float(zero_division), f1_empty_labels))
    out.update(_ranking_scores(truth, score, ap_empty_labels, ks))
    return out


def default_threshold_grid() -> np.ndarray:
    """The default tuning grid: 0.05, 0.10, ..., 0.95 (19 values)."""
    return np.round(np.linspace(0.05, 0.95, 19), 10)


def tune_thresholds(
    y_true_val: ArrayLike,
    y_score_val: ArrayLike,
    grid: ArrayLike | None = None,
    *,
    from_logits: bool = False,
    threshold_rule: str = ">=",
    zero_division: float = 0.0,
    default: float = 0.5,
) -> np.ndarray:
    """Per-label thresholds maximising the binary F1 of each label on validation data.

    This is the study's per-label selection on validation (paper 1 §7). For every label
    the grid value with the highest F1 is chosen; ties (including labels whose F1 is
    the same everywhere, e.g. no positive in validation) go to the grid value closest
    to ``default``, then to the smaller one.

    Args:
        y_true_val: (N, L) multi-hot; y_score_val: (N, L) probabilities (or logits with
            ``from_logits=True``).
        grid: 1-D candidate thresholds in [0, 1]; default :func:`default_threshold_grid`.

    Returns:
        (L,) float64 numpy array, usable as ``threshold`` of
        :func:`classification_metrics`.
    """
    check_choice(threshold_rule, "threshold_rule", THRESHOLD_RULES)
    check_choice(zero_division, "zero_division", (0.0, 1.0))
    truth, _, prob = _prepare(y_true_val, y_score_val, from_logits)
    g = as_tensor(default_threshold_grid() if grid is None else grid, "grid")
    g = g.to(device=prob.device, dtype=torch.float64)
    if g.ndim != 1 or g.shape[0] < 1:
        raise ValueError(f"grid must be a non-empty 1-D array, got shape {tuple(g.shape)}")
    check_finite(g, "grid")
    if bool((g < 0).any()) or bool((g > 1).any()):
        raise ValueError("grid values must lie in [0, 1]")
    g = _validate_thresholds(g)
    stats = _stats_at_thresholds(truth, prob, g, threshold_rule)  # (G, L) counts
    f1 = f1_from_stats(stats, float(zero_division))  # (G, L)
    best = f1.max(dim=0, keepdim=True).values
    dist = (g - float(default)).abs()[:, None].expand_as(f1)
    dist = torch.where(f1 == best, dist, torch.full_like(dist, float("inf")))
    idx = dist.argmin(dim=0)  # first occurrence = smaller threshold on equal distance
    return g[idx].cpu().numpy()

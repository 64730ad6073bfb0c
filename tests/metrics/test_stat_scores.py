"""The stat-scores core against scikit-learn, torchmetrics and loops from the definition."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.metrics as skm
import torch
import torchmetrics.functional.classification as tmf

from mlcl_lab.metrics.stat_scores import (
    f1_from_stats,
    micro_f1_from_stats,
    multilabel_stat_scores,
    multilabel_stat_scores_at_thresholds,
)


def _data(n=40, l=6, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.random((n, l)) < 0.3
    y[:, 1] = False  # a label without positives
    pred = rng.random((n, l)) < 0.4
    pred[:, 1] = False  # ...never predicted either: F1 = zero_division
    return y, pred


def test_per_label_counts_match_sklearn_confusion_matrices():
    y, pred = _data()
    s = multilabel_stat_scores(torch.from_numpy(y), torch.from_numpy(pred))
    cm = skm.multilabel_confusion_matrix(y, pred)  # (L, 2, 2): [[tn, fp], [fn, tp]]
    np.testing.assert_array_equal(s.tn.numpy(), cm[:, 0, 0])
    np.testing.assert_array_equal(s.fp.numpy(), cm[:, 0, 1])
    np.testing.assert_array_equal(s.fn.numpy(), cm[:, 1, 0])
    np.testing.assert_array_equal(s.tp.numpy(), cm[:, 1, 1])
    assert s.tp.dtype == torch.float64
    np.testing.assert_array_equal(s.support.numpy(), y.sum(0))
    np.testing.assert_array_equal(s.total.numpy(), np.full(y.shape[1], y.shape[0]))


def test_per_sample_counts_match_sklearn_samplewise():
    y, pred = _data(seed=1)
    s = multilabel_stat_scores(torch.from_numpy(y), torch.from_numpy(pred), axis="samples")
    cm = skm.multilabel_confusion_matrix(y, pred, samplewise=True)
    np.testing.assert_array_equal(s.tp.numpy(), cm[:, 1, 1])
    np.testing.assert_array_equal(s.fp.numpy(), cm[:, 0, 1])
    np.testing.assert_array_equal(s.fn.numpy(), cm[:, 1, 0])
    np.testing.assert_array_equal(s.tn.numpy(), cm[:, 0, 0])


def test_counts_match_torchmetrics_stat_scores():
    y, pred = _data(seed=2)
    s = multilabel_stat_scores(torch.from_numpy(y), torch.from_numpy(pred))
    ref = tmf.multilabel_stat_scores(
        torch.from_numpy(pred).int(), torch.from_numpy(y).int(), num_labels=y.shape[1], average=None
    )  # (L, 5): tp, fp, tn, fn, support
    np.testing.assert_array_equal(s.tp.numpy(), ref[:, 0].numpy())
    np.testing.assert_array_equal(s.fp.numpy(), ref[:, 1].numpy())
    np.testing.assert_array_equal(s.tn.numpy(), ref[:, 2].numpy())
    np.testing.assert_array_equal(s.fn.numpy(), ref[:, 3].numpy())


@pytest.mark.parametrize("zd", [0.0, 1.0])
def test_f1_values_match_sklearn_batched(zd):
    y, _ = _data(seed=3)
    rng = np.random.default_rng(3)
    preds = rng.random((4, *y.shape)) < 0.35
    preds[2, :, 1] = False
    s = multilabel_stat_scores(torch.from_numpy(y), torch.from_numpy(preds))
    per_label = f1_from_stats(s, zd).numpy()
    micro = micro_f1_from_stats(s, zd).numpy()
    assert per_label.shape == (4, y.shape[1]) and micro.shape == (4,)
    for g in range(4):
        np.testing.assert_allclose(per_label[g], skm.f1_score(y, preds[g], average=None, zero_division=zd),
                                   rtol=0, atol=1e-15)
        assert micro[g] == pytest.approx(skm.f1_score(y, preds[g], average="micro", zero_division=zd), abs=1e-15)


def test_f1_by_the_formula_loop():
    y, pred = _data(seed=4)
    s = multilabel_stat_scores(torch.from_numpy(y), torch.from_numpy(pred))
    f1 = f1_from_stats(s).numpy()
    for j in range(y.shape[1]):
        tp = sum(1 for i in range(len(y)) if y[i, j] and pred[i, j])
        fp = sum(1 for i in range(len(y)) if not y[i, j] and pred[i, j])
        fn = sum(1 for i in range(len(y)) if y[i, j] and not pred[i, j])
        assert f1[j] == (0.0 if 2 * tp + fp + fn == 0 else 2 * tp / (2 * tp + fp + fn))


@pytest.mark.parametrize("rule", [">=", ">"])
def test_counts_at_thresholds_equal_counts_of_binarised_scores(rule):
    rng = np.random.default_rng(5)
    y = torch.from_numpy(rng.random((50, 5)) < 0.3)
    score = torch.from_numpy(np.round(rng.random((50, 5)), 1))  # many ties, also at the thresholds
    grid = torch.tensor([0.0, 0.1, 0.3, 0.5, 0.55, 0.9, 1.0], dtype=torch.float64)
    at = multilabel_stat_scores_at_thresholds(y, score, grid, rule=rule)
    for g, thr in enumerate(grid):
        pred = score >= thr if rule == ">=" else score > thr
        ref = multilabel_stat_scores(y, pred)
        for field in ("tp", "fp", "fn", "tn"):
            torch.testing.assert_close(getattr(at, field)[g], getattr(ref, field), rtol=0, atol=0)


def test_thresholds_are_sorted_and_validated():
    y = torch.tensor([[1, 0], [0, 1]])
    s = torch.tensor([[0.9, 0.2], [0.4, 0.6]], dtype=torch.float64)
    at = multilabel_stat_scores_at_thresholds(y, s, torch.tensor([0.5, 0.1]))
    assert at.tp[:, 0].tolist() == [1.0, 1.0] and at.fp[:, 0].tolist() == [1.0, 0.0]  # 0.1 first
    with pytest.raises(ValueError, match="non-empty 1-D"):
        multilabel_stat_scores_at_thresholds(y, s, torch.tensor([]))
    with pytest.raises(ValueError, match="NaN/Inf"):
        multilabel_stat_scores_at_thresholds(y, s, torch.tensor([float("nan")]))
    with pytest.raises(ValueError, match="rule"):
        multilabel_stat_scores_at_thresholds(y, s, torch.tensor([0.5]), rule="=>")


def test_validation_errors():
    y = torch.zeros(3, 2, dtype=torch.bool)
    with pytest.raises(ValueError, match=r"\(\.\.\., N, L\)"):
        multilabel_stat_scores(y, torch.zeros(3, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match="0/1"):
        multilabel_stat_scores(y, torch.full((3, 2), 0.5))
    with pytest.raises(ValueError, match="2-D"):
        multilabel_stat_scores(torch.zeros(3, dtype=torch.bool), torch.zeros(3, dtype=torch.bool))
    with pytest.raises(TypeError, match="torch.Tensor"):
        multilabel_stat_scores(np.zeros((3, 2)), y)
    with pytest.raises(ValueError, match=r"y_true needs at least 1 row\(s\), got N=0"):
        multilabel_stat_scores(torch.zeros(0, 2, dtype=torch.bool), torch.zeros(0, 2, dtype=torch.bool))
    with pytest.raises(ValueError, match="at least one column"):
        multilabel_stat_scores(torch.zeros(3, 0, dtype=torch.bool), torch.zeros(3, 0, dtype=torch.bool))
    with pytest.raises(ValueError, match="axis"):
        multilabel_stat_scores(y, y, axis="rows")
    with pytest.raises(ValueError, match="zero_division"):
        f1_from_stats(multilabel_stat_scores(y, y), zero_division=0.5)


def test_no_positive_anywhere_gives_zero_division():
    y = torch.zeros(4, 3, dtype=torch.bool)
    s = multilabel_stat_scores(y, y)
    assert f1_from_stats(s).tolist() == [0.0, 0.0, 0.0]
    assert f1_from_stats(s, 1.0).tolist() == [1.0, 1.0, 1.0]
    assert float(micro_f1_from_stats(s)) == 0.0 and float(micro_f1_from_stats(s, 1.0)) == 1.0


def test_every_f1_consumer_reads_the_same_core():
    """classification_metrics, tune_thresholds and the training selection agree exactly."""
    from mlcl_lab.metrics import classification_metrics, tune_thresholds
    from mlcl_lab.train.selection import micro_f1, per_label_f1

    rng = np.random.default_rng(6)
    y = rng.random((60, 5)) < 0.3
    score = np.round(rng.random((60, 5)), 2)
    pred = torch.from_numpy(score >= 0.5)
    m = classification_metrics(y, score)
    assert m["micro_f1"] == micro_f1(torch.from_numpy(y), pred)
    assert m["macro_f1"] == float(per_label_f1(torch.from_numpy(y), pred).mean())
    grid = np.array([0.2, 0.5, 0.8])
    thr = tune_thresholds(y, score, grid=grid)
    at = multilabel_stat_scores_at_thresholds(torch.from_numpy(y), torch.from_numpy(score), torch.from_numpy(grid))
    best = f1_from_stats(at).max(0).values
    chosen = per_label_f1(torch.from_numpy(y), torch.from_numpy(score >= thr[None, :]))
    assert torch.equal(chosen, best)

"""classification_metrics / tune_thresholds against scikit-learn, torchmetrics and loops."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from mlcl_lab.metrics import MetricAccumulator, classification_metrics, tune_thresholds

TOL = 1e-10


def _data(n=60, l=7, seed=0, ties=True, empty_label=True, empty_sample=True):
    rng = np.random.default_rng(seed)
    y = (rng.random((n, l)) < 0.3).astype(np.int64)
    s = rng.random((n, l))
    if ties:
        s = np.round(s, 1)  # many ties, including exactly 0.5
    if empty_label:
        y[:, 2] = 0
    if empty_sample:
        y[0] = 0
    return y, s


def _sk(y, s, thr=0.5, rule=">=", zd=0.0):
    pred = (s >= thr) if rule == ">=" else (s > thr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "hamming_loss": skm.hamming_loss(y, pred),
            "subset_accuracy": skm.accuracy_score(y, pred),
            "micro_f1": skm.f1_score(y, pred, average="micro", zero_division=zd),
            "macro_f1": skm.f1_score(y, pred, average="macro", zero_division=zd),
            "samples_f1": skm.f1_score(y, pred, average="samples", zero_division=zd),
            "map_macro": skm.average_precision_score(y, s, average="macro"),
            "map_micro": skm.average_precision_score(y, s, average="micro"),
            "lrap": skm.label_ranking_average_precision_score(y, s),
            "ranking_loss": skm.label_ranking_loss(y, s),
            "coverage_error": skm.coverage_error(y, s),
            **{f"ndcg_at_{k}": skm.ndcg_score(y, s, k=k) for k in (1, 3, 5)},
        }


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("ties", [True, False])
@pytest.mark.parametrize("rule", [">=", ">"])
def test_matches_sklearn(seed, ties, rule):
    y, s = _data(seed=seed, ties=ties)
    ours = classification_metrics(y, s, threshold=0.5, threshold_rule=rule)
    ref = _sk(y, s, rule=rule)
    for key, val in ref.items():
        assert ours[key] == pytest.approx(val, abs=TOL), key


def test_zero_division_one_matches_sklearn():
    y, s = _data(seed=3)
    s[:, 2] = 0.1  # label 2: no true and no predicted positive
    s[0] = 0.2  # sample 0: no true and no predicted label
    ours = classification_metrics(y, s, zero_division=1.0)
    ref = _sk(y, s, zd=1.0)
    for key in ("macro_f1", "samples_f1", "micro_f1"):
        assert ours[key] == pytest.approx(ref[key], abs=TOL)
    assert ours["macro_f1"] != pytest.approx(classification_metrics(y, s)["macro_f1"])


def test_ap_with_heavy_ties_exact():
    rng = np.random.default_rng(5)
    y = (rng.random((200, 4)) < 0.4).astype(int)
    s = rng.integers(0, 3, size=(200, 4)) / 2.0  # only 3 distinct values
    ours = classification_metrics(y, s)
    assert ours["map_macro"] == pytest.approx(skm.average_precision_score(y, s), abs=1e-12)
    assert ours["map_micro"] == pytest.approx(
        skm.average_precision_score(y, s, average="micro"), abs=1e-12
    )


def test_exclude_policies():
    y, s = _data(seed=4)
    ours = classification_metrics(y, s, f1_empty_labels="exclude", ap_empty_labels="exclude")
    keep = y.sum(0) > 0
    pred = s >= 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f1 = skm.f1_score(y[:, keep], pred[:, keep], average="macro", zero_division=0.0)
        ap = skm.average_precision_score(y[:, keep], s[:, keep], average="macro")
    assert ours["macro_f1"] == pytest.approx(f1, abs=TOL)
    assert ours["map_macro"] == pytest.approx(ap, abs=TOL)


def _loop_p_at_k(y, s, k):
    """Expected precision@k over every ordering of tied scores (brute force)."""
    vals = []
    for yi, si in zip(y, s, strict=True):
        order_keys = sorted(set(si), reverse=True)
        groups = [[j for j in range(len(si)) if si[j] == v] for v in order_keys]
        perms = list(itertools.product(*[list(itertools.permutations(g)) for g in groups]))
        tot = 0.0
        for p in perms:
            ranking = [j for grp in p for j in grp]
            tot += sum(yi[j] for j in ranking[:k]) / k
        vals.append(tot / len(perms))
    return float(np.mean(vals))


@pytest.mark.parametrize("k", [1, 3, 5])
def test_precision_at_k_loop_oracle(k):
    rng = np.random.default_rng(7)
    y = (rng.random((25, 5)) < 0.4).astype(int)
    s = rng.integers(0, 4, size=(25, 5)) / 4.0
    ours = classification_metrics(y, s, ks=(k,))
    assert ours[f"p_at_{k}"] == pytest.approx(_loop_p_at_k(y, s, k), abs=TOL)


def test_precision_at_k_tie_free_topk():
    rng = np.random.default_rng(8)
    y = (rng.random((40, 9)) < 0.3).astype(int)
    s = rng.random((40, 9))
    top = np.argsort(-s, axis=1)[:, :3]
    ref = np.take_along_axis(y, top, 1).sum(1).mean() / 3
    assert classification_metrics(y, s)["p_at_3"] == pytest.approx(ref, abs=TOL)


def test_torchmetrics_agrees():
    """torchmetrics computes in float32 (hence 1e-6) and thresholds with ">"; its
    ranking loss treats ties differently from scikit-learn, so tie-free scores here."""
    tmf = pytest.importorskip("torchmetrics.functional.classification")
    y, s = _data(seed=9, ties=False)
    ours = classification_metrics(torch.tensor(y), torch.tensor(s), threshold_rule=">")
    yt, st = torch.tensor(y), torch.tensor(s)
    ref = {
        "lrap": tmf.multilabel_ranking_average_precision(st, yt, num_labels=7),
        "coverage_error": tmf.multilabel_coverage_error(st, yt, num_labels=7),
        "ranking_loss": tmf.multilabel_ranking_loss(st, yt, num_labels=7),
        "hamming_loss": tmf.multilabel_hamming_distance(st, yt, num_labels=7),
        "subset_accuracy": tmf.multilabel_exact_match(st, yt, num_labels=7),
        "micro_f1": tmf.multilabel_f1_score(st, yt, num_labels=7, average="micro"),
        "macro_f1": tmf.multilabel_f1_score(st, yt, num_labels=7, average="macro"),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref["map_macro"] = tmf.multilabel_average_precision(st, yt, num_labels=7, average="macro")
    for key, val in ref.items():
        assert ours[key] == pytest.approx(float(val), abs=1e-6), key


def test_k_larger_than_n_labels():
    y, s = _data(seed=16, l=4)
    ours = classification_metrics(y, s, ks=(10,))
    assert ours["ndcg_at_10"] == pytest.approx(skm.ndcg_score(y, s, k=10), abs=TOL)
    assert ours["p_at_10"] == pytest.approx(y.sum(1).mean() / 10, abs=TOL)  # all L ranked


@settings(max_examples=60, deadline=None)
@given(
    st_arrays=st.integers(min_value=1, max_value=12).flatmap(
        lambda n: st.tuples(
            st.lists(st.lists(st.integers(0, 1), min_size=3, max_size=3), min_size=n, max_size=n),
            st.lists(st.lists(st.integers(0, 4), min_size=3, max_size=3), min_size=n, max_size=n),
        )
    )
)
def test_property_matches_sklearn_with_ties(st_arrays):
    y = np.array(st_arrays[0])
    s = np.array(st_arrays[1]) / 4.0  # 5 distinct values -> many ties, includes 0.5
    ours = classification_metrics(y, s)
    ref = _sk(y, s)
    for key, val in ref.items():
        assert ours[key] == pytest.approx(val, abs=TOL), key


def test_numpy_and_torch_and_dtypes_agree():
    y, s = _data(seed=10)
    a = classification_metrics(y, s)
    b = classification_metrics(
        torch.tensor(y, dtype=torch.bool), torch.tensor(s, dtype=torch.float64)
    )
    c = classification_metrics(y.astype(np.float32), s)
    assert a == b == c


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu():
    y, s = _data(seed=11)
    a = classification_metrics(y, s)
    b = classification_metrics(torch.tensor(y).cuda(), torch.tensor(s).cuda())
    for key in a:
        assert b[key] == pytest.approx(a[key], abs=1e-12)


def test_from_logits_is_explicit():
    y, s = _data(seed=12, ties=False)
    logits = np.log(s) - np.log1p(-s)
    a = classification_metrics(y, s)
    b = classification_metrics(y, logits, from_logits=True)
    for key in a:
        assert b[key] == pytest.approx(a[key], abs=1e-9), key
    with pytest.raises(ValueError, match="from_logits"):
        classification_metrics(y, logits)


def test_threshold_rule_at_exactly_half():
    y = np.array([[1, 0]])
    s = np.array([[0.5, 0.5]])
    assert classification_metrics(y, s, threshold_rule=">=")["hamming_loss"] == 0.5
    assert classification_metrics(y, s, threshold_rule=">")["hamming_loss"] == 0.5
    assert classification_metrics(y, s, threshold_rule=">=")["micro_f1"] == pytest.approx(2 / 3)
    assert classification_metrics(y, s, threshold_rule=">")["micro_f1"] == 0.0


def test_n_equals_one():
    y = np.array([[0, 1, 1, 0]])
    s = np.array([[0.2, 0.9, 0.4, 0.4]])
    ours = classification_metrics(y, s)
    ref = _sk(y, s)
    for key, val in ref.items():
        assert ours[key] == pytest.approx(val, abs=TOL), key


def test_degenerate_one_label_and_no_positives():
    y = np.zeros((5, 1), dtype=int)
    s = np.full((5, 1), 0.3)
    m = classification_metrics(y, s)
    assert all(np.isfinite(v) for v in m.values())
    assert m["macro_f1"] == 0.0 and m["map_macro"] == 0.0 and m["lrap"] == 1.0
    assert m["hamming_loss"] == 0.0 and m["subset_accuracy"] == 1.0
    m2 = classification_metrics(y, s, ap_empty_labels="exclude", f1_empty_labels="exclude")
    assert m2["map_macro"] == 0.0 and m2["macro_f1"] == 0.0


def test_per_label_threshold_array():
    y, s = _data(seed=13)
    thr = np.linspace(0.2, 0.8, 7)
    ours = classification_metrics(y, s, threshold=thr)
    pred = s >= thr[None, :]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ours["macro_f1"] == pytest.approx(
            skm.f1_score(y, pred, average="macro", zero_division=0), abs=TOL
        )
    assert ours["hamming_loss"] == pytest.approx(skm.hamming_loss(y, pred), abs=TOL)


def test_tune_thresholds_matches_loop():
    y, s = _data(n=120, seed=14, ties=False)
    grid = np.array([0.1, 0.3, 0.5, 0.7])
    thr = tune_thresholds(y, s, grid=grid)
    assert thr.shape == (7,)
    for j in range(7):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f1s = [skm.f1_score(y[:, j], s[:, j] >= g, zero_division=0) for g in grid]
        best = max(f1s)
        cands = [g for g, f in zip(grid, f1s, strict=True) if f == best]
        expected = min(cands, key=lambda g: (abs(g - 0.5), g))
        assert thr[j] == expected
    assert thr[2] == 0.5  # label without positives keeps the default
    tuned = classification_metrics(y, s, threshold=thr)["macro_f1"]
    assert tuned >= classification_metrics(y, s)["macro_f1"] - 1e-12


def test_accumulator_equals_single_call():
    y, s = _data(n=101, seed=15)
    acc = MetricAccumulator(threshold=0.4, threshold_rule=">")
    for lo in range(0, 101, 17):
        acc.update(torch.tensor(y[lo : lo + 17]), torch.tensor(s[lo : lo + 17]))
    assert acc.n_samples == 101
    assert acc.compute() == classification_metrics(y, s, threshold=0.4, threshold_rule=">")
    acc.reset()
    with pytest.raises(ValueError, match="before any update"):
        acc.compute()
    acc.update(y[:3], s[:3])
    with pytest.raises(ValueError, match="labels"):
        acc.update(y[:3, :5], s[:3, :5])


@pytest.mark.parametrize(
    "y, s, kwargs, match",
    [
        (np.ones((3, 2)), np.ones((3, 3)) / 2, {}, "same"),
        (np.ones(3), np.ones(3) / 2, {}, "2-D"),
        (np.full((3, 2), 2), np.ones((3, 2)) / 2, {}, "multi-hot"),
        (np.ones((3, 2)), np.full((3, 2), np.nan), {}, "NaN"),
        (np.ones((0, 2)), np.ones((0, 2)), {}, "at least 1"),
        (np.ones((3, 2)), np.ones((3, 2)) / 2, {"threshold_rule": "=>"}, "threshold_rule"),
        (np.ones((3, 2)), np.ones((3, 2)) / 2, {"threshold": np.ones(3) / 2}, "threshold"),
        (np.ones((3, 2)), np.ones((3, 2)) / 2, {"threshold": 1.5}, r"\[0, 1\]"),
        (np.ones((3, 2)), np.ones((3, 2)) / 2, {"ap_empty_labels": "skip"}, "ap_empty_labels"),
        (np.ones((3, 2)), np.ones((3, 2)) / 2, {"ks": (0,)}, "ks"),
        (np.ones((3, 2)), np.ones((3, 2)) / 2, {"zero_division": "warn"}, "zero_division"),
    ],
)
def test_bad_input(y, s, kwargs, match):
    with pytest.raises(ValueError, match=match):
        classification_metrics(y, s, **kwargs)


def test_bad_types():
    with pytest.raises(TypeError):
        classification_metrics("abc", np.ones((2, 2)))
    with pytest.raises(TypeError):
        classification_metrics(np.ones((2, 2)), np.ones((2, 2)) / 2, from_logits=1)

import numpy as np
import pytest
import torch
from sklearn.metrics import f1_score

from mlcl_lab.train.selection import micro_f1, per_label_f1


def test_per_label_f1_matches_sklearn_with_empty_label():
    rng = np.random.default_rng(0)
    y = rng.random((50, 6)) < 0.3
    y[:, 2] = False  # a label with no positive
    pred = rng.random((3, 50, 6)) < 0.4
    pred[1, :, 2] = False  # ...and also never predicted in grid point 1
    ours = per_label_f1(torch.from_numpy(y), torch.from_numpy(pred)).numpy()
    for g in range(3):
        ref = f1_score(y, pred[g], average=None, zero_division=0)
        np.testing.assert_allclose(ours[g], ref, rtol=0, atol=1e-12)


def test_micro_f1_matches_sklearn_and_empty_case():
    rng = np.random.default_rng(1)
    y = rng.random((40, 5)) < 0.3
    pred = rng.random((40, 5)) < 0.3
    assert micro_f1(torch.from_numpy(y), torch.from_numpy(pred)) == pytest.approx(f1_score(y, pred, average="micro"), abs=1e-12)
    empty = torch.zeros(4, 3, dtype=torch.bool)
    assert micro_f1(empty, empty) == 0.0

"""The any / all / Jaccard positive rules against loops over Python sets."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlcl_lab.core import (
    POSITIVE_RULES,
    all_positive,
    any_positive,
    jaccard,
    jaccard_paired,
    positive_weights,
)


def _labels(n, l, seed):
    y = (torch.rand(n, l, generator=torch.Generator().manual_seed(seed)) < 0.4).double()
    y[0] = 0  # an unlabelled sample: nobody's positive
    y[1] = y[2]  # an identical label set
    return y


def _sets(y):
    return [set(np.flatnonzero(r.numpy())) for r in y]


def _ref(a, b, rule):
    if rule == "any":
        return float(bool(a & b))
    if rule == "all":
        return float(bool(a) and a == b)
    return len(a & b) / len(a | b) if a | b else 0.0


@pytest.mark.parametrize("rule", POSITIVE_RULES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_rules_match_set_loops(rule, dtype):
    ya, yb = _labels(8, 5, 0), _labels(6, 5, 1)
    w = positive_weights(ya, yb, rule, dtype=dtype)
    assert w.dtype == dtype and w.shape == (8, 6)
    sa, sb = _sets(ya), _sets(yb)
    for i in range(8):
        for j in range(6):
            assert float(w[i, j]) == pytest.approx(_ref(sa[i], sb[j], rule), abs=1e-7)


def test_exclude_mask_and_bool_results():
    y = _labels(7, 4, 2)
    eye = torch.eye(7, dtype=torch.bool)
    assert not bool((any_positive(y, y, eye) & eye).any())
    assert not bool((all_positive(y, y, eye) & eye).any())
    assert bool(all_positive(y, y)[1, 2]) and not bool(all_positive(y, y)[0, 0])  # empty set


def test_jaccard_eps_is_the_authors_placement_and_paired_rows():
    y = _labels(6, 4, 3)
    inter = y @ y.T
    union = y.sum(1, keepdim=True) + y.sum(1)[None, :] - inter
    torch.testing.assert_close(jaccard(y, y, eps=1e-8), inter / (union + 1e-8), rtol=0, atol=0)
    i = torch.tensor([0, 1, 3, 5])
    j = torch.tensor([2, 2, 4, 0])
    torch.testing.assert_close(jaccard_paired(y[i], y[j]), jaccard(y, y)[i, j], rtol=0, atol=0)


def test_unknown_rule_lists_the_valid_ones():
    y = _labels(3, 2, 4)
    with pytest.raises(ValueError, match=r"positives='some' is not valid; choose one of \['any', 'all', 'jaccard'\]"):
        positive_weights(y, y, "some")

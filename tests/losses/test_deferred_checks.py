"""Fast paths that check their inputs on the way (``proto``'s fused normalisation, MulSupCon's
closed form on CPU: nonzero labels + normalisation) raise the same errors as the up-front checks."""
from __future__ import annotations

import pytest
import torch

from mlcl_lab.losses import get_loss
from mlcl_lab.losses.mulsupcon import EXPLICIT_W_MAX


def _large_batch(b: int = 256, n_lab: int = 300):
    assert b * b * n_lab > EXPLICIT_W_MAX            # MulSupCon takes its closed form
    g = torch.Generator().manual_seed(0)
    y = (torch.rand(b, n_lab, generator=g) < 0.02).float()
    y[:, 0] = 1
    return torch.randn(b, 16, generator=g), y, torch.randn(n_lab, 16, generator=g)


BAD_INPUTS = [
    ("z", lambda z, y: z.index_put_((torch.tensor([3]), torch.tensor([2])), torch.tensor(float("nan"))),
     r"z contains NaN or Inf values"),
    ("z", lambda z, y: z.index_put_((torch.tensor([5]), torch.tensor([0])), torch.tensor(float("inf"))),
     r"z contains NaN or Inf values"),
    ("z", lambda z, y: z[7].zero_(), r"z has 1 all-zero row\(s\) \(first: row 7\)"),
    ("y", lambda z, y: y.index_put_((torch.tensor([1]), torch.tensor([4])), torch.tensor(0.5)),
     r"y must be binary \(0/1 multi-hot\)"),
    ("y", lambda z, y: y.index_put_((torch.tensor([2]), torch.tensor([9])), torch.tensor(float("nan"))),
     r"y contains NaN or Inf values"),
    ("y", lambda z, y: y.index_put_((torch.tensor([0]), torch.tensor([3])), torch.tensor(-1.0)),
     r"y must be binary"),
]


@pytest.mark.parametrize("name", ["mulsupcon", "proto"])
@pytest.mark.parametrize("which,corrupt,message", BAD_INPUTS)
def test_fast_path_checks_raise_the_up_front_errors(name, which, corrupt, message):
    z, y, p = _large_batch()
    corrupt(z, y)
    kwargs = {"prototypes": p} if name == "proto" else {}
    with pytest.raises(ValueError, match=message):
        get_loss(name)(z, y, **kwargs)


def test_closed_form_accepts_valid_and_rescaled_inputs_with_the_checks_on():
    z, y, _ = _large_batch()
    z[4] *= 1e30                                      # a finite row whose norm overflows: rescaled, not refused
    checked = get_loss("mulsupcon")(z, y)
    unchecked = get_loss("mulsupcon", validate=False)(z, y)
    assert torch.equal(checked, unchecked) and bool(torch.isfinite(checked))

"""Equality with the authors' code: golden float64 numbers (see golden/README.md)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from mlcl_lab.losses import get_loss

GOLDEN = Path(__file__).parent / "golden"
CONTRASTIVE = ["base", "proto", "mulsupcon", "msc", "mscwrg", "reg"]


def _cases(name: str):
    data = np.load(GOLDEN / f"{name}.npz")
    meta = json.loads(str(data["meta"]))
    return data, meta


@pytest.mark.parametrize("name", CONTRASTIVE)
def test_contrastive_matches_authors_code(name):
    data, meta = _cases(name)
    assert meta["commit"].startswith("0e509a5")
    for case in meta["cases"]:
        k = case["case"]
        hyper = {"temperature": case["temperature"]}
        if name in ("msc", "mscwrg", "reg"):
            hyper["alpha"] = case["alpha"]
        if name == "msc":
            hyper["beta"] = case["beta"]
        loss = get_loss(name, **hyper)
        z = torch.tensor(data[f"c{k}_z"], requires_grad=True)
        y = torch.tensor(data[f"c{k}_y"])
        p = torch.tensor(data[f"c{k}_p"], requires_grad=True)
        value = loss(z, y, prototypes=p if loss.uses_prototypes else None)
        np.testing.assert_allclose(value.item(), data[f"c{k}_value"], rtol=1e-6, err_msg=f"{name} case {case}")
        inputs = [z, p] if loss.uses_prototypes else [z]
        grads = torch.autograd.grad(value, inputs)
        np.testing.assert_allclose(grads[0].numpy(), data[f"c{k}_grad_z"], rtol=1e-6, atol=1e-12,
                                   err_msg=f"{name} grad z {case}")
        if loss.uses_prototypes:
            np.testing.assert_allclose(grads[1].numpy(), data[f"c{k}_grad_p"], rtol=1e-6, atol=1e-12,
                                       err_msg=f"{name} grad P {case}")


def test_zlpr_gradient_matches_authors_and_value_differs_by_detached_maxima():
    data, meta = _cases("supervised")
    for case in meta["cases"]:
        k = case["case"]
        x = torch.tensor(data[f"c{k}_x"], requires_grad=True)
        y = torch.tensor(data[f"c{k}_y"])
        value = get_loss("zlpr")(x, y)
        g, = torch.autograd.grad(value, x)
        np.testing.assert_allclose(g.numpy(), data[f"zlpr_c{k}_grad"], rtol=1e-6, atol=1e-12)
        xd = x.detach()
        m_pos = (-xd).masked_fill(y == 0, -np.inf).max(1).values
        m_neg = xd.masked_fill(y == 1, -np.inf).max(1).values
        offset = (m_pos + m_neg).mean().item()
        np.testing.assert_allclose(value.item(), data[f"zlpr_c{k}_value"] + offset, rtol=1e-6)


@pytest.mark.parametrize("kind,hyper", [("asl_default", {}),
                                        ("asl_4_1_005", {"gamma_neg": 4.0, "gamma_pos": 1.0, "clip": 0.05})])
def test_asl_with_authors_clamp_matches_authors(kind, hyper):
    data, meta = _cases("supervised")
    for case in meta["cases"]:
        k = case["case"]
        x = torch.tensor(data[f"c{k}_x"], requires_grad=True)
        y = torch.tensor(data[f"c{k}_y"])
        value = get_loss("asl", eps=1e-5, **hyper)(x, y)
        g, = torch.autograd.grad(value, x)
        np.testing.assert_allclose(value.item(), data[f"{kind}_c{k}_value"], rtol=1e-6)
        np.testing.assert_allclose(g.numpy(), data[f"{kind}_c{k}_grad"], rtol=1e-6, atol=1e-12)

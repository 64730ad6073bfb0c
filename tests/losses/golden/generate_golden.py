"""Regenerate the golden numbers from the authors' loss files (documentation; not run by tests).

Usage:  python generate_golden.py SCRATCH_DIR OUT_DIR
SCRATCH_DIR holds copies of ``src/trainer/loss/*.py`` from
audibert-alexandre-fra/Multi-label-contrastive-comprehensive (commit 0e509a5e...) with
only the hard-coded ``'cuda'`` device replaced by ``'cpu'``. Nothing of their code is
stored here; this script imports it from SCRATCH_DIR and writes inputs and outputs
(float64) to OUT_DIR/<loss>.npz.
"""
from __future__ import annotations

import importlib
import itertools
import json
import sys
from pathlib import Path

import numpy as np
import torch

REPO = "audibert-alexandre-fra/Multi-label-contrastive-comprehensive"
COMMIT = "0e509a5e5affaa0b137fd233f8e76857f7b115d8"

# (our name, their module, their class, uses prototypes)
LOSSES = {
    "base": ("loss_contrastive_base", "LossContrastiveBase", False),
    "proto": ("loss_contrastive_proto_only", "LossContrastiveProtoOnly", True),
    "mulsupcon": ("loss_contrastive_mulsupcon", "LossContrastiveMulSupCon", False),
    "msc": ("loss_contrastive_msc", "LossContrastiveMSC", True),
    "mscwrg": ("loss_contrastive_mscwrg", "LossContrastiveMSCWRG", True),
    "reg": ("loss_contrastive_mscrg", "LossContrastiveMSCRG", True),
}
SIZES = [(4, 10, 3), (16, 5, 8), (48, 12, 16)]          # (B, L, D)
TEMPS = [0.05, 0.1, 0.5]
ALPHAS = {"msc": [0.5, 1.0, 2.0], "mscwrg": [-1.0, 0.0, 0.5, 1.0, 2.0], "reg": [-1.0, 0.0, 0.5, 1.0, 2.0]}
BETAS = {"msc": [0.1, 0.5, 1.0]}


def make_inputs(b: int, l: int, d: int, seed: int):
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(b, d, generator=g, dtype=torch.float64) * 3
    y = (torch.rand(b, l, generator=g) < torch.linspace(0.6, 0.05, l)).to(torch.float64)
    y[y.sum(1) == 0, l - 1] = 1.0                      # every sample labelled (their code needs it)
    y[0] = 0
    y[0, : min(3, l)] = 1.0
    p = torch.randn(l, d, generator=g, dtype=torch.float64)
    return z, y, p


def main(scratch: str, out: str) -> None:
    torch.set_default_dtype(torch.float64)
    sys.path.insert(0, scratch)
    Path(out).mkdir(parents=True, exist_ok=True)
    for name, (mod, cls, uses_p) in LOSSES.items():
        klass = getattr(importlib.import_module(mod), cls)
        arrays, cases = {}, []
        grid = itertools.product(range(len(SIZES)), TEMPS, ALPHAS.get(name, [0.0]), BETAS.get(name, [1.0]))
        for k, (si, tau, alpha, beta) in enumerate(grid):
            z, y, p = make_inputs(*SIZES[si], seed=1000 * si + k)
            z.requires_grad_(True)
            p.requires_grad_(True)
            loss = klass(alpha=alpha, beta=beta, temp=tau)
            value = loss(z, y, p) if uses_p else loss(z, y)
            gz, gp = torch.autograd.grad(value, [z, p], allow_unused=True)
            arrays[f"c{k}_z"], arrays[f"c{k}_y"], arrays[f"c{k}_p"] = z.detach().numpy(), y.numpy(), p.detach().numpy()
            arrays[f"c{k}_value"] = np.array(value.item())
            arrays[f"c{k}_grad_z"] = gz.numpy()
            if uses_p:
                arrays[f"c{k}_grad_p"] = gp.numpy()
            cases.append({"case": k, "temperature": tau, "alpha": alpha, "beta": beta, "uses_prototypes": uses_p})
        meta = {"repo": REPO, "commit": COMMIT, "file": f"src/trainer/loss/{mod}.py", "class": cls,
                "patch": "device 'cuda' -> 'cpu' only", "dtype": "float64 (torch default dtype set to float64)",
                "cases": cases}
        np.savez_compressed(Path(out) / f"{name}.npz", meta=np.array(json.dumps(meta)), **arrays)
        print(name, len(cases), "cases")

    zl = importlib.import_module("zlpr")
    arrays, cases = {}, []
    for k, (b, l) in enumerate([(5, 4), (16, 12), (32, 30)]):
        g = torch.Generator().manual_seed(77 + k)
        x = (torch.randn(b, l, generator=g, dtype=torch.float64) * 4).requires_grad_(True)
        y = (torch.rand(b, l, generator=g) < 0.3).to(torch.float64)
        y[:, 0], y[:, 1] = 1.0, 0.0                        # ≥ 1 positive and ≥ 1 negative per row
        for kind, fn in [("zlpr", zl.Zlpr()), ("asl_default", zl.AsymmetricLoss()),
                         ("asl_4_1_005", zl.AsymmetricLoss(gamma_neg=4, gamma_pos=1, clip=0.05))]:
            v = fn(x, y)
            gx, = torch.autograd.grad(v, x)
            arrays[f"{kind}_c{k}_value"], arrays[f"{kind}_c{k}_grad"] = np.array(v.item()), gx.numpy()
        arrays[f"c{k}_x"], arrays[f"c{k}_y"] = x.detach().numpy(), y.numpy()
        cases.append({"case": k})
    meta = {"repo": REPO, "commit": COMMIT, "file": "src/trainer/loss/zlpr.py",
            "classes": {"zlpr": "Zlpr()", "asl_default": "AsymmetricLoss()",
                        "asl_4_1_005": "AsymmetricLoss(gamma_neg=4, gamma_pos=1, clip=0.05)"},
            "dtype": "float64", "cases": cases}
    np.savez_compressed(Path(out) / "supervised.npz", meta=np.array(json.dumps(meta)), **arrays)
    print("supervised", len(cases), "cases")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

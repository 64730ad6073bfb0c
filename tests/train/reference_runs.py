"""Reference outputs of tiny runs, computed by the OLD training code (before the train/ refactor).

``compute()`` uses only what both the old and the new code offer (``prepare_inputs``,
``run_one``), so the same function produces the reference (old code) and the value under
test (new code). Regenerate the stored reference with the old main on the path::

    PYTHONPATH=$PWD python tests/train/reference_runs.py --old /work/oldmain

(the old code runs in a subprocess with ``PYTHONPATH=<old>``; the result is written to
``tests/train/data/reference_runs.json`` through ``mlcl_lab.files``). Single thread.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REFERENCE = Path(__file__).with_name("data") / "reference_runs.json"
KINDS = ("bce", "base", "msc", "reg", "base+bce")


def compute() -> dict:
    """Every number of a tiny run per kind (exact floats), with whatever mlcl_lab is importable."""
    import torch

    from mlcl_lab.data import make_synthetic
    from mlcl_lab.train import ProbeConfig, TrainConfig, prepare_inputs, run_one

    torch.set_num_threads(1)
    ds = make_synthetic(n_samples=300, n_features=12, n_labels=5, seed=3)
    cfg = TrainConfig(epochs=4, batch_size=64, hidden_dim=32, projection_dim=16, device="cpu",
                      probe=ProbeConfig(epochs=3, learning_rates=(0.5, 0.1), weight_decays=(1e-2, 1e-4)))
    out: dict = {}
    for fraction in (1.0, 0.5):
        data = prepare_inputs(ds, torch.device("cpu"), split_seed=1, train_fraction=fraction)
        for name in KINDS:
            run = run_one(data, name, 2, cfg, progress=False, geometry=True)
            history = {c: [float(v) for v in run.history[c]] for c in ("train_loss", "val_loss", "val_micro_f1")
                       if c in run.history}
            out[f"{name}@{fraction:g}"] = {
                "metrics": run.metrics,
                "extra": json.loads(json.dumps(run.extra)),
                "history": history,
                "test_features_sum": float(run.test_features.astype("float64").sum()),
                "test_features_row0": [float(v) for v in run.test_features[0]],
                "test_scores_row0": [float(v) for v in run.test_scores[0]],
            }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, help="root of the old code; computes there and stores the reference")
    parser.add_argument("--emit", action="store_true", help="print compute() as JSON (used in the subprocess)")
    args = parser.parse_args()
    if args.emit:
        print(json.dumps(compute()))
        return
    if args.old is None:
        parser.error("--old is required (the old code's root)")
    env = {**os.environ, "PYTHONPATH": str(args.old), "OMP_NUM_THREADS": "1"}
    text = subprocess.run([sys.executable, __file__, "--emit"], env=env, cwd=str(args.old), check=True,
                          capture_output=True, text=True).stdout
    from mlcl_lab.files import write_json

    write_json(REFERENCE, {"made_by": f"tests/train/reference_runs.py --old {args.old}", "runs": json.loads(text)},
               overwrite=True)
    print(f"wrote {REFERENCE}")


if __name__ == "__main__":
    main()

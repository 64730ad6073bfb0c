"""Benchmark: the linear probe (stage 2, ``fit_linear_probe``) of an older checkout vs this one.

Each measurement is a fresh process (``PYTHONPATH`` = the old or the new tree, one CPU
thread) that trains the probe on seeded random features of the given size and prints its
seconds and a SHA-256 of the trained probe (weights, biases, the per-label choice). Old and
new alternate ``--repeat`` times; each keeps its fastest. The run fails (exit 1) when the two
trees' probes are not bit-identical.

    python benchmarks/bench_probe.py --old /work/oldmain                       # yeast- and debtags-sized
    python benchmarks/bench_probe.py --old /work/oldmain --sizes 20000x256x378 --epochs 4 --json probe.json
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

NEW = Path(__file__).resolve().parents[1]
DEFAULT_SIZES = ("1500x256x14", "20000x256x378")  # yeast-like (14 labels), debtags-like (378 labels)

CHILD = r"""
import hashlib, json, sys, time
import torch
from mlcl_lab.train.config import ProbeConfig
from mlcl_lab.train.probe import fit_linear_probe

torch.set_num_threads(1)
n, f, l, epochs = (int(v) for v in sys.argv[1:5])
g = torch.Generator().manual_seed(0)
x = torch.randn(n, f, generator=g)
y = (torch.rand(n, l, generator=g) < 0.05).to(torch.uint8)
vx = torch.randn(n // 4, f, generator=g)
vy = (torch.rand(n // 4, l, generator=g) < 0.05).to(torch.uint8)
start = time.perf_counter()
result = fit_linear_probe(x, y, vx, vy, ProbeConfig(epochs=epochs), seed=1)
seconds = time.perf_counter() - start
digest = hashlib.sha256()
for tensor in (result.probe.weight, result.probe.bias, torch.as_tensor(result.chosen)):
    digest.update(tensor.detach().contiguous().numpy().tobytes())
print(json.dumps({"seconds": seconds, "sha256": digest.hexdigest()}))
"""


def measure(tree: Path, size: tuple[int, int, int], epochs: int) -> dict:
    """One fresh process of ``tree``: seconds of ``fit_linear_probe`` and the probe's digest."""
    env = {**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", CHILD, *map(str, size), str(epochs)], env=env, cwd=tree,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def parse_size(text: str) -> tuple[int, int, int]:
    try:
        n, f, l = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must be NxFxL (samples x features x labels), got {text!r}") from None
    if min(n, f, l) < 1 or n < 8:
        raise argparse.ArgumentTypeError(f"size {text!r}: need N >= 8 and F, L >= 1")
    return n, f, l


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True, help="the older checkout (its root)")
    parser.add_argument("--sizes", type=parse_size, nargs="+", default=[parse_size(s) for s in DEFAULT_SIZES])
    parser.add_argument("--epochs", type=int, default=2, help="probe epochs per measurement (the study uses 40)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    rows, identical = [], True
    for size in args.sizes:
        best: dict[str, dict] = {}
        for _ in range(args.repeat):
            for side, tree in (("old", args.old), ("new", NEW)):
                got = measure(tree, size, args.epochs)
                if side not in best or got["seconds"] < best[side]["seconds"]:
                    best[side] = got
        same = best["old"]["sha256"] == best["new"]["sha256"]
        identical &= same
        rows.append({"size": "x".join(map(str, size)), "epochs": args.epochs, "old_s": best["old"]["seconds"],
                     "new_s": best["new"]["seconds"], "ratio": best["old"]["seconds"] / best["new"]["seconds"],
                     "bit_identical": same})
        r = rows[-1]
        print(f"{r['size']:>16} {args.epochs} epochs: old {r['old_s']:.2f} s, new {r['new_s']:.2f} s, "
              f"{r['ratio']:.2f}x, bit-identical: {same}", flush=True)
    if args.json:
        from mlcl_lab.files import write_json

        write_json(args.json, {"old": str(args.old), "repeat": args.repeat, "rows": rows}, overwrite=True)
    if not identical:
        print("the two trees' probes differ", file=sys.stderr)
    return 0 if identical else 1


if __name__ == "__main__":
    sys.path.insert(0, str(NEW))
    raise SystemExit(main())

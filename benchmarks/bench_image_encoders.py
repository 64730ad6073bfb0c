"""Benchmark: forward + backward of the image encoders with channels-last convolution weights
(what ``SmallCNN`` and ``ResNetEncoder`` use) against contiguous weights, and with the heap
policy of the study kernels (:func:`mlcl_lab.runtime.keep_heap_memory`) against glibc's
default, in the same run.

One training step's model work (forward, ``sum().backward()``) on random images, the best of
``--repeats`` interleaved calls, process CPU time at ``--threads`` threads (default 1). Each
heap policy runs in its own fresh process (a policy cannot be undone). Ratios (> 1: faster):
``layout`` = contiguous / channels-last time (kept heap), ``heap`` = default / kept heap
(channels-last), ``both`` = contiguous on the default heap (before) / channels-last on the
kept heap (now). Sizes: the fashion-mosaic images (1 × 56 × 56, batch 128) for ``cnn``,
3 × 112 × 112 (batch 16) for ResNet-18.

    python benchmarks/bench_image_encoders.py --quick     # a few seconds (tests)
    python benchmarks/bench_image_encoders.py --json out.json
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from mlcl_lab.files import write_json  # noqa: E402
from mlcl_lab.models.encoders import build_encoder  # noqa: E402
from mlcl_lab.runtime import environment_info, keep_heap_memory  # noqa: E402

#: (encoder, input shape (C, H, W), batch) of each measured case; --quick shrinks them.
CASES = (("cnn", (1, 56, 56), 128), ("resnet18", (3, 112, 112), 16))


def step_seconds(model: torch.nn.Module, x: torch.Tensor) -> float:
    """Process CPU seconds of one forward + backward of ``model`` on ``x``."""
    model.zero_grad(set_to_none=True)
    start = time.process_time()
    model(x).sum().backward()
    return time.process_time() - start


def measure(name: str, shape: tuple[int, int, int], batch: int, repeats: int) -> dict:
    """Best step time with the encoder as built (channels-last) and with contiguous weights."""
    torch.manual_seed(0)
    channels_last = build_encoder(name, shape)
    contiguous = build_encoder(name, shape)
    contiguous.load_state_dict(channels_last.state_dict())
    contiguous.to(memory_format=torch.contiguous_format)
    x = torch.randn(batch, *shape, generator=torch.Generator().manual_seed(1))
    models = {"channels_last": channels_last, "contiguous": contiguous}
    times: dict[str, list[float]] = {k: [] for k in models}
    for model in models.values():
        step_seconds(model, x)                             # warm-up (oneDNN primitive creation)
    for _ in range(repeats):
        for key, model in models.items():
            times[key].append(step_seconds(model, x))
    best = {k: min(v) for k, v in times.items()}
    return {"encoder": name, "input": list(shape), "batch": batch, "channels_last_s": best["channels_last"],
            "contiguous_s": best["contiguous"], "speedup": best["contiguous"] / best["channels_last"]}


def child(policy: str, cases: list, repeats: int, threads: int, out: Path) -> None:
    """One process: set the heap ``policy`` ("kept" or "default"), measure every case, write ``out``."""
    applied = keep_heap_memory() if policy == "kept" else "default"
    if threads:
        torch.set_num_threads(threads)
    rows = [measure(n, tuple(s), b, repeats) for n, s, b in cases]
    out.write_text(json.dumps({"policy": applied, "rows": rows}))


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small images, 1 repeat (a few seconds)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads (0: torch default)")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--child", nargs=2, metavar=("POLICY", "OUT"), help=argparse.SUPPRESS)
    ap.add_argument("--cases", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    cases = [(n, (c, 24, 24), 8) for n, (c, _, _), _ in CASES] if args.quick else list(CASES)
    repeats = 1 if args.quick else args.repeats
    if args.child:
        child(args.child[0], json.loads(args.cases), repeats, args.threads, Path(args.child[1]))
        return {}
    by_policy = {}
    with tempfile.TemporaryDirectory() as tmp:
        for policy in ("default", "kept"):
            out = Path(tmp) / f"{policy}.json"
            cmd = [sys.executable, __file__, "--child", policy, str(out), "--cases", json.dumps(cases),
                   "--repeats", str(repeats), "--threads", str(args.threads)]
            subprocess.run(cmd, check=True, env={**os.environ, "MLCL_LAB_KEEP_HEAP": "1"})
            by_policy[policy] = json.loads(out.read_text())
    rows = []
    for default, kept in zip(by_policy["default"]["rows"], by_policy["kept"]["rows"], strict=True):
        rows.append({"encoder": kept["encoder"], "input": kept["input"], "batch": kept["batch"],
                     "kept_heap": {k: kept[k] for k in ("channels_last_s", "contiguous_s")},
                     "default_heap": {k: default[k] for k in ("channels_last_s", "contiguous_s")},
                     "layout_speedup": kept["contiguous_s"] / kept["channels_last_s"],
                     "heap_speedup": default["channels_last_s"] / kept["channels_last_s"],
                     "both_speedup": default["contiguous_s"] / kept["channels_last_s"]})
    print(f"heap policies: {by_policy['default']['policy']} vs {by_policy['kept']['policy']}; seconds per step "
          "(fwd + bwd), best of the repeats")
    print(f"{'encoder':<10}{'input':>12}{'batch':>6} | {'default heap: contig':>20} {'chan-last':>9} | "
          f"{'kept heap: contig':>17} {'chan-last':>9} | {'layout':>7} {'heap':>6} {'both':>6}")
    for r in rows:
        d, k = r["default_heap"], r["kept_heap"]
        print(f"{r['encoder']:<10}{'x'.join(map(str, r['input'])):>12}{r['batch']:>6} | {d['contiguous_s']:20.3f} "
              f"{d['channels_last_s']:9.3f} | {k['contiguous_s']:17.3f} {k['channels_last_s']:9.3f} | "
              f"{r['layout_speedup']:6.2f}x {r['heap_speedup']:5.2f}x {r['both_speedup']:5.2f}x")
    result = {"environment": environment_info(torch.device("cpu")), "policies": {k: v["policy"] for k, v in by_policy.items()},
              "rows": rows}
    if args.json is not None:
        write_json(args.json, result, overwrite=True)
    return result


if __name__ == "__main__":
    main()

"""A process's first umap-learn fit with and without numba's on-disk cache (mlcl_lab.viz.umap_cache).

Three fresh processes fit the same (N, D) Gaussian points (seed 0), one after the other:
``cold`` (cache on, an empty ``NUMBA_CACHE_DIR``: compiles and writes the cache), ``off``
(``MLCL_LAB_UMAP_CACHE=0``: umap-learn as shipped, its functions compiled in the process;
pynndescent's, which are ``cache=True`` already, load from the cold run's folder, as on any
machine after its first UMAP) and ``warm`` (cache on, the same folder: loads it). Each prints the seconds of ``import`` and of the first
fit; the coordinates of the three must be equal (exit 1 otherwise). The ratio is
off / warm of the first fit.

Usage::

    python benchmarks/bench_umap_start.py                  # N = 368, D = 256 (a yeast test set)
    python benchmarks/bench_umap_start.py --quick --json out.json
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

import numpy as np

MODES = ("cold", "off", "warm")


def worker(n: int, dim: int, n_epochs: int, out: Path) -> None:
    """In a fresh process: import, time the first fit, save the coordinates and the seconds."""
    start = time.perf_counter()
    from mlcl_lab.viz.umap import umap_embed
    from mlcl_lab.viz.umap_cache import cached_function_count, import_umap_learn

    import_umap_learn()
    imported = time.perf_counter() - start
    x = np.random.default_rng(0).normal(size=(n, dim)).astype(np.float32)
    start = time.perf_counter()
    xy = umap_embed(x, backend="umap-learn", device="cpu", seed=0, n_epochs=n_epochs)
    fit = time.perf_counter() - start
    np.save(out.with_suffix(".npy"), xy)
    out.write_text(json.dumps({"import_s": imported, "first_fit_s": fit, "cached_functions": cached_function_count()}))


def measure(n: int, dim: int, n_epochs: int, cache_dir: Path, modes: tuple[str, ...] = MODES) -> dict:
    """Run ``modes`` in that order, each in a fresh process; ``cache_dir`` must start empty."""
    rows, coords = {}, {}
    for mode in modes:
        env = {**os.environ, "NUMBA_CACHE_DIR": str(cache_dir), "MLCL_LAB_UMAP_CACHE": "0" if mode == "off" else "1"}
        out = cache_dir.parent / f"umap_start_{mode}.json"
        subprocess.run([sys.executable, __file__, "--worker", str(n), str(dim), str(n_epochs), str(out)],
                       env=env, check=True, capture_output=True, text=True)
        rows[mode] = json.loads(out.read_text())
        coords[mode] = np.load(out.with_suffix(".npy"))
    first = modes[0]
    return {"n": n, "dim": dim, "n_epochs": n_epochs, "modes": rows,
            "same_coordinates": all(np.array_equal(coords[first], coords[m]) for m in modes),
            "cache_files": sorted(str(p.relative_to(cache_dir)) for p in cache_dir.rglob("*.nbi"))}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=368)
    parser.add_argument("--dim", type=int, default=256)
    parser.add_argument("--n-epochs", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="N = 60, D = 8, 20 epochs")
    parser.add_argument("--json", type=Path, help="write the result here")
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        n, dim, epochs, out = args.worker
        worker(int(n), int(dim), int(epochs), Path(out))
        return {}
    n, dim, epochs = (60, 8, 20) if args.quick else (args.n, args.dim, args.n_epochs)
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "numba"
        cache.mkdir()
        result = measure(n, dim, epochs, cache)
    modes = result["modes"]
    result["first_fit_speedup"] = modes["off"]["first_fit_s"] / modes["warm"]["first_fit_s"]
    for mode, row in modes.items():
        print(f"{mode:5s} import {row['import_s']:6.2f} s  first fit {row['first_fit_s']:6.2f} s  "
              f"({row['cached_functions']} functions cached)")
    print(f"first fit off / warm: {result['first_fit_speedup']:.1f}x; same coordinates: {result['same_coordinates']}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    if not result["same_coordinates"]:
        raise SystemExit("the cached fit gave other coordinates")
    return result


if __name__ == "__main__":
    main()

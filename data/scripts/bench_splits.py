"""Split cost with and without the split cache, and how well the splits are stratified.

For each dataset: seconds of today's uncached ``split_indices`` (what every run paid),
of the first cached call (compute + write) and of a cache hit (read + verify), the same
for the nested low-data ordering (``training_subset`` at 10%), all in the same process; then the label-proportion deviation of the default split (seed 0, val 0.15,
test 0.15): for each part, max and mean over labels of |p_part - p_all|, next to a random
split of the same sizes (numpy permutation, seed 0) as the baseline.

    python data/scripts/bench_splits.py            # yeast, debtags, imdb (imdb ~1-2 min)
    python data/scripts/bench_splits.py --quick    # yeast only, a few seconds
    python data/scripts/bench_splits.py --json out.json

Speed claims come from here (ratios in one run), never from timed tests.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings

import numpy as np

from mlcl_lab.data import load_dataset, split_indices, training_subset
from mlcl_lab.data.split_cache import cached_split_indices
from mlcl_lab.files import write_json


def deviation(y: np.ndarray, parts: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """Per part: max and mean over labels of |label frequency in part - in all rows|."""
    p_all = y.mean(axis=0)
    out = {}
    for name, idx in parts.items():
        d = np.abs(y[idx].mean(axis=0) - p_all)
        out[name] = {"max": float(d.max()), "mean": float(d.mean())}
    return out


def bench(name: str, seed: int = 0, val: float = 0.15, test: float = 0.15) -> dict:
    ds = load_dataset(name)
    y = ds.labels.astype(bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        ref = split_indices(ds.labels, val, test, seed)
        t_plain = time.perf_counter() - t0
        with tempfile.TemporaryDirectory() as cache:
            t0 = time.perf_counter()
            _, s_miss = cached_split_indices(ds.labels, val, test, seed, cache_dir=cache)
            t_miss = time.perf_counter() - t0
            t0 = time.perf_counter()
            hit, s_hit = cached_split_indices(ds.labels, val, test, seed, cache_dir=cache)
            t_hit = time.perf_counter() - t0
            assert (s_miss, s_hit) == ("miss", "hit")
            assert all(np.array_equal(getattr(ref, p), getattr(hit, p))
                       for p in ("train", "val", "test"))
            t0 = time.perf_counter()
            sub = training_subset(ref.train, ds.labels, 0.1, seed, cache_dir=False)
            t_subset = time.perf_counter() - t0
            training_subset(ref.train, ds.labels, 0.1, seed, cache_dir=cache)
            t0 = time.perf_counter()
            sub_hit = training_subset(ref.train, ds.labels, 0.1, seed, cache_dir=cache)
            t_subset_hit = time.perf_counter() - t0
            assert np.array_equal(sub, sub_hit)
    perm = np.random.default_rng(seed).permutation(len(y))
    n_te, n_va = len(ref.test), len(ref.val)
    rand = {"test": perm[:n_te], "val": perm[n_te:n_te + n_va], "train": perm[n_te + n_va:]}
    parts = {"train": ref.train, "val": ref.val, "test": ref.test}
    return {"dataset": name, "n": len(y), "labels": int(y.shape[1]),
            "seconds_split_indices": t_plain, "seconds_cache_miss": t_miss,
            "seconds_cache_hit": t_hit, "speedup_hit_vs_uncached": t_plain / t_hit,
            "seconds_training_subset_0.1": t_subset,
            "seconds_training_subset_0.1_cache_hit": t_subset_hit,
            "deviation_iterative": deviation(y, parts), "deviation_random": deviation(y, rand)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="yeast only (a few seconds)")
    ap.add_argument("--datasets", nargs="*", default=None)
    ap.add_argument("--json", default=None, help="write the results to this JSON file")
    args = ap.parse_args()
    names = args.datasets or (["yeast"] if args.quick else ["yeast", "debtags", "imdb"])
    results = []
    for name in names:
        r = bench(name)
        results.append(r)
        di, dr = r["deviation_iterative"], r["deviation_random"]
        print(f"{name:8s} N={r['n']:6d} L={r['labels']:4d}  split_indices {r['seconds_split_indices']:7.2f} s"
              f"  cache miss {r['seconds_cache_miss']:7.2f} s  hit {r['seconds_cache_hit']:.4f} s"
              f"  (x{r['speedup_hit_vs_uncached']:.0f})  training_subset(0.1) "
              f"{r['seconds_training_subset_0.1']:.2f} s, cached {r['seconds_training_subset_0.1_cache_hit']:.4f} s")
        for part in ("train", "val", "test"):
            print(f"    {part:5s} max|dev| iterative {di[part]['max']:.4f} random {dr[part]['max']:.4f}"
                  f"   mean|dev| iterative {di[part]['mean']:.5f} random {dr[part]['mean']:.5f}")
    if args.json:
        write_json(args.json, results)


if __name__ == "__main__":
    main()

"""Speed and memory of the chunked geometry metrics and of the UMAP backends.

Compares, in one run and on the same data:
  * uniformity / alignment (mlcl_lab, exact, chunked, float64 accumulation) against
    - ``pdist``: the plain ``torch.pdist`` formulation (baseline only, never used in
      the package: it is silently wrong at N = 100k on an H100),
    - ``naive``: a chunk-free formulation materialising the N x N matrix,
    for N in {10k, 100k, 1M}, D = 128, on CPU and on CUDA when present;
  * UMAP: torchdr vs umap-learn at N in {20k, 100k}.

Configurations whose estimated memory exceeds ``--mem-cap-gb`` (or, with ``--quick``,
whose estimated time exceeds ``--time-cap-s``) are skipped and reported as such.
Ratios are time(baseline) / time(ours) (> 1: ours is faster).

Usage:
    python benchmarks/bench_geometry.py --quick          # CPU ~1-2 minutes
    python benchmarks/bench_geometry.py --device cuda    # full GPU run
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from mlcl_lab.metrics import alignment, uniformity

T = 2.0
D = 128
N_LABELS = 20


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _timed(fn, device: str, *args) -> tuple[float, float]:
    _sync(device)
    start = time.perf_counter()
    value = fn(*args)
    _sync(device)
    return float(value), time.perf_counter() - start


def uniformity_pdist(z: torch.Tensor) -> float:
    """Baseline (benchmark only): Wang & Isola's one-liner with torch.pdist."""
    zn = torch.nn.functional.normalize(z, dim=1)
    return float(torch.pdist(zn, p=2).pow(2).mul(-T).exp().mean().log())


def uniformity_naive(z: torch.Tensor) -> float:
    """Chunk-free: full N x N squared-distance matrix, off-diagonal mean."""
    zn = torch.nn.functional.normalize(z, dim=1)
    d2 = (2.0 - 2.0 * zn @ zn.T).clamp_min(0.0)
    n = z.shape[0]
    e = torch.exp(-T * d2)
    return float(torch.log((e.sum() - e.diagonal().sum()) / (n * (n - 1))))


def alignment_pdist(z: torch.Tensor, y: torch.Tensor) -> float:
    """Baseline: pdist distances with a condensed 'share >= 1 label' mask."""
    zn = torch.nn.functional.normalize(z, dim=1)
    d2 = torch.pdist(zn, p=2).pow(2)
    n = z.shape[0]
    iu = torch.triu_indices(n, n, offset=1, device=z.device)
    pos = ((y[iu[0]] & y[iu[1]]).any(1)).to(d2.dtype)
    return float((d2 * pos).sum() / pos.sum())


def alignment_naive(z: torch.Tensor, y: torch.Tensor) -> float:
    """Chunk-free: full N x N distances and positive mask."""
    zn = torch.nn.functional.normalize(z, dim=1)
    d2 = (2.0 - 2.0 * zn @ zn.T).clamp_min(0.0)
    yf = y.to(zn.dtype)
    pos = torch.triu((yf @ yf.T) > 0, diagonal=1).to(zn.dtype)
    return float((d2 * pos).sum() / pos.sum())


METHODS = {
    "uniformity": {
        "ours": lambda z, y: uniformity(z, t=T),
        "pdist": lambda z, y: uniformity_pdist(z),
        "naive": lambda z, y: uniformity_naive(z),
    },
    "alignment": {
        "ours": lambda z, y: alignment(z, y, positives="any"),
        "pdist": alignment_pdist,
        "naive": alignment_naive,
    },
}


def _mem_gb(method: str, metric: str, n: int) -> float:
    """Rough peak memory (GB) of each formulation."""
    if method == "ours":
        return 0.3
    pairs = n * (n - 1) / 2
    if method == "pdist":
        # condensed float32 distances + temporaries; alignment adds two int64 index rows
        return (
            pairs * 4 * 3 + (pairs * 16 * 2 + pairs * N_LABELS if metric == "alignment" else 0)
        ) / 1e9
    return n * n * 4 * (3 if metric == "uniformity" else 5) / 1e9


def bench_geometry(
    device: str, sizes: list[int], mem_cap: float, quick: bool, time_cap: float
) -> None:
    print(f"\n== geometry on {device} (D={D}, t={T}, L={N_LABELS}) ==")
    print(
        f"{'metric':<11}{'N':>9}  {'ours s':>9}  {'pdist s':>9}  {'naive s':>9}  "
        f"{'pdist/ours':>10}  {'naive/ours':>10}  {'|pdist-ours|':>12}"
    )
    rate: dict[str, float] = {}  # seconds per pair for ours, measured at the smallest N
    for n in sizes:
        gen = torch.Generator().manual_seed(n)
        z = torch.randn(n, D, generator=gen).to(device)
        y = (torch.rand(n, N_LABELS, generator=gen) < 0.1).to(device)
        for metric in ("uniformity", "alignment"):
            row: dict[str, tuple[float, float] | str] = {}
            for method in ("ours", "pdist", "naive"):
                need = _mem_gb(method, metric, n)
                est = rate.get(metric, 0.0) * n * (n - 1) / 2
                if need > mem_cap:
                    row[method] = f"skip:{need:.0f}GB>cap"
                    continue
                if quick and est > time_cap:
                    row[method] = f"skip:~{est:.0f}s"
                    continue
                fn = METHODS[metric][method]
                try:
                    row[method] = _timed(fn, device, z, y)
                except (RuntimeError, MemoryError) as err:  # OOM on the device
                    row[method] = f"fail:{type(err).__name__}"
                if method == "ours" and isinstance(row[method], tuple) and metric not in rate:
                    rate[metric] = row[method][1] / (n * (n - 1) / 2)
            _print_row(metric, n, row)
        del z, y
        if device.startswith("cuda"):
            torch.cuda.empty_cache()


def _fmt(cell) -> str:
    return f"{cell[1]:9.3f}" if isinstance(cell, tuple) else f"{cell:>9}"


def _print_row(metric: str, n: int, row: dict) -> None:
    ours = row["ours"]

    def ratio(key):
        c = row[key]
        return (
            f"{c[1] / ours[1]:10.2f}"
            if isinstance(c, tuple) and isinstance(ours, tuple)
            else f"{'-':>10}"
        )

    err = "-"
    if isinstance(ours, tuple) and isinstance(row["pdist"], tuple):
        err = f"{abs(row['pdist'][0] - ours[0]):.2e}"
    print(
        f"{metric:<11}{n:>9}  {_fmt(ours)}  {_fmt(row['pdist'])}  {_fmt(row['naive'])}  "
        f"{ratio('pdist')}  {ratio('naive')}  {err:>12}"
    )


def bench_umap(
    sizes: list[int], device: str, umap_iter: int | None, torchdr_threads: int | None
) -> None:
    from mlcl_lab.viz import umap_embed

    print(f"\n== UMAP (torchdr on {device} vs umap-learn on cpu, seeded) ==")
    print(f"{'N':>8}  {'torchdr s':>10}  {'umap-learn s':>12}  {'umap-learn/torchdr':>18}")
    # untimed numba compilation; umap-learn switches to nearest-neighbour descent
    # (other compiled code) above 4096 points, so warm up on the same side
    n_warm = 4500 if max(sizes) > 4096 else 300
    warm = np.random.default_rng(0).normal(size=(n_warm, 8)).astype(np.float32)
    umap_embed(warm, backend="umap-learn", device="cpu", seed=0, n_epochs=5)
    for n in sizes:
        rng = np.random.default_rng(n)
        centers = rng.normal(size=(20, D)) * 3
        x = (centers[rng.integers(0, 20, n)] + rng.normal(size=(n, D))).astype(np.float32)
        kw_t = {} if umap_iter is None else {"max_iter": umap_iter}
        kw_u = {} if umap_iter is None else {"n_epochs": umap_iter}
        _, info_t = umap_embed(
            x,
            backend="torchdr",
            device=device,
            seed=0,
            return_info=True,
            num_threads=torchdr_threads,
            **kw_t,
        )
        _, info_u = umap_embed(
            x, backend="umap-learn", device="cpu", seed=0, return_info=True, **kw_u
        )
        print(
            f"{n:>8}  {info_t['seconds']:10.2f}  {info_u['seconds']:12.2f}  "
            f"{info_u['seconds'] / info_t['seconds']:18.2f}   (torchdr knn={info_t['knn']})"
        )


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--quick", action="store_true", help="CPU run of ~1-2 min: skip slow configs")
    p.add_argument("--device", default="all", help="cpu, cuda or all (cuda when present)")
    p.add_argument("--sizes", default="10000,100000,1000000")
    p.add_argument("--umap-sizes", default="20000,100000")
    p.add_argument("--mem-cap-gb", type=float, default=8.0)
    p.add_argument("--time-cap-s", type=float, default=20.0, help="per config, with --quick")
    p.add_argument("--skip-umap", action="store_true")
    p.add_argument(
        "--torchdr-threads",
        type=int,
        default=None,
        help="torch CPU threads for torchdr (1 avoids OpenMP oversubscription on busy CPUs)",
    )
    args = p.parse_args()

    devices = ["cpu", "cuda"] if args.device == "all" else [args.device]
    if "cuda" in devices and not torch.cuda.is_available():
        print("CUDA not available: GPU benchmarks skipped")
        devices = [d for d in devices if d != "cuda"]
    print(
        f"torch {torch.__version__}, threads={torch.get_num_threads()}, devices={devices}, "
        f"quick={args.quick}, mem cap {args.mem_cap_gb} GB"
    )
    sizes = [int(s) for s in args.sizes.split(",")]
    for dev in devices:
        bench_geometry(dev, sizes, args.mem_cap_gb, args.quick and dev == "cpu", args.time_cap_s)
    if not args.skip_umap:
        usizes = [int(s) for s in args.umap_sizes.split(",")]
        umap_dev = "cuda" if "cuda" in devices else "cpu"
        umap_iter = None
        if args.quick and umap_dev == "cpu":
            usizes, umap_iter = [2000], 200
            print(
                "\n--quick on CPU: UMAP only at N=2000 with 200 iterations/epochs "
                "(N=20k: torchdr ~115 s, umap-learn ~14 s on 2 cores; run without --quick)"
            )
        bench_umap(usizes, umap_dev, umap_iter, args.torchdr_threads)


if __name__ == "__main__":
    main()

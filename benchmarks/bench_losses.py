"""Benchmark: forward+backward time and peak memory of each loss vs a naive per-label formulation.

The naive versions are written here in the style of the authors' code (paper.md §3): they
build the (anchors × candidates × labels) tensor of per-label positive masks, as their
``base``/``msc``/``mscwrg``/``mscrg`` do, and MulSupCon's per-(sample, label) expansion.
Ours builds every weight with matrix products, O((B+L)²) memory.

Peak memory: CUDA → ``torch.cuda.max_memory_allocated``; CPU → growth of the process
peak RSS (VmHWM, reset through /proc/self/clear_refs; large allocations forced to mmap so
frees return to the OS). Naive configurations whose (A·C·L) tensor would exceed
``--mem-cap-gb`` are skipped and reported as such.

    python benchmarks/bench_losses.py --quick            # ~1 min on 2 CPU cores
    python benchmarks/bench_losses.py --batch-sizes 256 1024 4096 --labels 20 1000
"""
from __future__ import annotations

import argparse
import ctypes
import gc
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from mlcl_lab.losses import get_loss  # noqa: E402

EPS = 1e-8
CONTRASTIVE = ["base", "proto", "mulsupcon", "msc", "mscwrg", "reg", "supcon_any", "supcon_all", "sd"]
SUPERVISED = ["bce", "focal", "asl", "zlpr"]
PROTO = {"proto", "msc", "mscwrg", "reg"}


# ----------------------------- naive per-label formulations -----------------------------
def _lsm(u: torch.Tensor, member: torch.Tensor) -> torch.Tensor:
    m = u.max(1, keepdim=True).values.detach()
    e = (u - m).exp()
    return u - m - (e * member).sum(1, keepdim=True).log()


def naive_base(z, y, p, tau):
    zn = F.normalize(z, dim=-1)
    b = y.shape[0]
    off = 1 - torch.eye(b, dtype=z.dtype, device=z.device)
    inter = torch.einsum("ac,bc->abc", y, y).sum(2)
    union = ((y.unsqueeze(1) + y.unsqueeze(0)) > 0).to(z.dtype).sum(2)
    jac = inter / (union + EPS) * off
    w = jac / (jac.sum(1, keepdim=True) + EPS)
    return -(_lsm(zn @ zn.T / tau, off) * w).sum() / ((w.sum(1) != 0).sum() + EPS)


def _per_label_pool_weights(ay, f):
    both = torch.einsum("ac,bc->abc", ay, ay)
    norm = (f.unsqueeze(2) * both).sum(1)
    w = (f.unsqueeze(2) * both / (norm.unsqueeze(1) + EPS)).sum(2)
    return w / ay.sum(1, keepdim=True)


def naive_pooled(z, y, p, tau, alpha=0.0, reg=False):
    az = torch.cat([F.normalize(z, dim=-1), F.normalize(p, dim=-1)])
    ay = torch.cat([y, torch.eye(p.shape[0], dtype=y.dtype, device=y.device)])
    n = az.shape[0]
    off = 1 - torch.eye(n, dtype=z.dtype, device=z.device)
    x = ay @ ay.T / ay.sum(1).unsqueeze(0)
    f = ((x >= 1 - EPS).to(z.dtype) if alpha < 0 else x**alpha) * off
    w = _per_label_pool_weights(ay, f)
    u = az @ az.T / tau
    lsm = _lsm(u, off)
    loss = -(lsm * w)
    if reg:
        sigma = lsm.detach().exp()
        loss = loss - torch.clamp(sigma - w, min=0) * (w != 0) * u
    return loss.sum() / (w.sum(1) != 0).sum()


def naive_mscwrg(z, y, p, tau):
    return naive_pooled(z, y, p, tau, 0.0, False)


def naive_reg(z, y, p, tau):
    return naive_pooled(z, y, p, tau, 0.0, True)


def naive_msc(z, y, p, tau, alpha=1.0, beta=0.1):
    zn, pn = F.normalize(z, dim=-1), F.normalize(p, dim=-1)
    b, n_lab = y.shape
    off = 1 - torch.eye(b, dtype=z.dtype, device=z.device)
    both = torch.einsum("ac,bc->abc", y, y)
    union = ((y.unsqueeze(1) + y.unsqueeze(0)) > 0).to(z.dtype).sum(2)
    both = both / union.unsqueeze(2) * alpha
    norm = both.sum(1) + (1 - alpha / y.sum(1, keepdim=True)) * y
    w = torch.cat([(both / (norm.unsqueeze(1) + EPS)).sum(2) * off, y / (norm + EPS)], 1)
    member = torch.cat([off * beta, torch.ones(b, n_lab, dtype=z.dtype, device=z.device)], 1)
    lsm = _lsm(torch.cat([zn @ zn.T, zn @ pn.T], 1) / tau, member)
    return (-(lsm * w).sum(1) / y.sum(1)).mean()


def naive_mulsupcon(z, y, p, tau):
    zn = F.normalize(z, dim=-1)
    rows, labels = torch.nonzero(y, as_tuple=True)
    s = (zn @ zn.T)[rows]                                   # one row per (sample, label)
    pos = y[:, labels].T.clone()                            # (Σ|Y|, B) carriers of the sub-anchor's label
    keep = torch.ones_like(pos, dtype=torch.bool)
    keep[torch.arange(len(rows), device=z.device), rows] = False
    s = s[keep].view(len(rows), -1)
    pos = pos[keep].view(len(rows), -1)
    lsm = torch.log_softmax(s / tau, dim=1)
    return (-(lsm * pos).sum(1) / (pos.sum(1) + EPS)).sum() / len(rows)


NAIVE = {"base": naive_base, "mscwrg": naive_mscwrg, "reg": naive_reg, "msc": naive_msc,
         "mulsupcon": naive_mulsupcon}


def naive_bytes(name: str, b: int, n_lab: int, elem: int) -> int:
    """Size of the largest tensor a naive formulation builds."""
    if name in ("mscwrg", "reg"):
        return (b + n_lab) ** 2 * n_lab * elem
    if name in ("base", "msc"):
        return b * b * n_lab * elem
    if name == "mulsupcon":
        return b * b * 4 * elem
    return 0


# ----------------------------------- measurement ----------------------------------------
class PeakMemory:
    def __init__(self, device: torch.device) -> None:
        self.device = device
        if device.type == "cpu":
            try:
                ctypes.CDLL("libc.so.6").mallopt(-3, 1 << 16)   # M_MMAP_THRESHOLD: big blocks via mmap
            except OSError:
                pass

    @staticmethod
    def _status(key: str) -> int:
        """VmRSS / VmHWM in bytes (0 where /proc is unavailable: memory columns then read 0)."""
        try:
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith(key):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def start(self) -> None:
        gc.collect()
        if self.device.type == "cuda":
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            self.base = torch.cuda.memory_allocated()
        else:
            try:
                with open("/proc/self/clear_refs", "w") as f:
                    f.write("5")                                 # reset the peak-RSS mark
            except OSError:
                pass
            self.base = self._status("VmRSS")

    def peak(self) -> int:
        if self.device.type == "cuda":
            torch.cuda.synchronize()
            return torch.cuda.max_memory_allocated() - self.base
        return max(self._status("VmHWM") - self.base, 0)


def make_inputs(b: int, n_lab: int, d: int, device: torch.device, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    freq = 1.0 / torch.arange(1, n_lab + 1, dtype=torch.float64) ** 0.8    # long-tailed label frequency
    prob = (freq / freq.sum() * 3.0).clamp(max=0.9)                         # ≈ 3 labels per sample
    y = (torch.rand(b, n_lab, generator=g, dtype=torch.float64) < prob).float()
    y[y.sum(1) == 0, 0] = 1
    z = torch.randn(b, d, generator=g)
    p = torch.randn(n_lab, d, generator=g)
    return z.to(device), y.to(device), p.to(device)


def run_once(fn, z, y, p, device) -> float:
    """Seconds for one forward+backward: CUDA wall time, or CPU time of this process on CPU
    (robust to other jobs sharing the machine; includes all intra-op threads)."""
    zz = z.clone().requires_grad_(True)
    pp = p.clone().requires_grad_(True)
    clock = time.perf_counter if device.type == "cuda" else time.process_time
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = clock()
    fn(zz, y, pp).backward()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return clock() - t0


def measure(fn, z, y, p, device, repeats: int, mem: PeakMemory) -> tuple[float, int]:
    """Median fwd+bwd seconds over ``repeats`` runs; peak memory of the first run."""
    mem.start()
    times = [run_once(fn, z, y, p, device)]
    peak = mem.peak()
    times += [run_once(fn, z, y, p, device) for _ in range(repeats - 1)]
    return statistics.median(times), peak


def ours_fn(name: str, tau: float):
    loss = get_loss(name, temperature=tau) if name in CONTRASTIVE else get_loss(name)
    if name in SUPERVISED:
        return lambda z, y, p: loss(z @ p.T, y)               # logits from a linear head
    if name in PROTO:
        return lambda z, y, p: loss(z, y, prototypes=p)
    return lambda z, y, p: loss(z, y)


def check_naive(device: torch.device) -> float:
    """Max relative difference ours vs naive on a small float64 batch (sanity line)."""
    z, y, p = make_inputs(24, 7, 8, device, seed=1)
    z, p = z.double(), p.double()
    worst = 0.0
    for name, fn in NAIVE.items():
        a = ours_fn(name, 0.1)(z, y.double(), p)
        b = fn(z, y.double(), p, 0.1)
        worst = max(worst, abs(a.item() - b.item()) / abs(b.item()))
    return worst


def fmt_mem(n: int) -> str:
    return f"{n / 2**20:8.1f}"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="B 256/1024, L 20/1000, 1 repeat, naive cap 0.5 GB (about a minute on 2 CPU cores)")
    ap.add_argument("--batch-sizes", type=int, nargs="+", default=[256, 1024, 4096])
    ap.add_argument("--labels", type=int, nargs="+", default=[20, 1000])
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--losses", nargs="+", default=CONTRASTIVE + SUPERVISED)
    ap.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    ap.add_argument("--mem-cap-gb", type=float, default=1.5, help="skip naive configs above this tensor size")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch default)")
    args = ap.parse_args(argv)
    if args.quick:
        args.batch_sizes, args.labels, args.repeats = [256, 1024], [20, 1000], 1
        args.mem_cap_gb = min(args.mem_cap_gb, 0.5)
        args.threads = args.threads or 1
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = [torch.device("cpu")]
    if args.device in ("auto", "cuda") and torch.cuda.is_available():
        devices = [torch.device("cuda")] if args.device == "cuda" else devices + [torch.device("cuda")]
    if args.device == "cuda" and not torch.cuda.is_available():
        print("CUDA requested but not available; running on CPU")
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, D={args.dim}, float32, "
          f"median of {args.repeats} fwd+bwd (CPU: process CPU time; CUDA: wall time); "
          f"CUDA available: {torch.cuda.is_available()}")
    print(f"sanity: max relative difference ours vs naive (float64, B=24, L=7): {check_naive(devices[0]):.2e}")
    for device in devices:
        mem = PeakMemory(device)
        wz, wy, wp = make_inputs(32, 8, args.dim, device, seed=2)          # warm-up every code path once
        for name in args.losses:
            run_once(ours_fn(name, 0.1), wz, wy, wp, device)
            if name in NAIVE:
                run_once(lambda a, b, c, f=NAIVE[name]: f(a, b, c, 0.1), wz, wy, wp, device)
        print(f"\n== device {device} ==")
        print(f"{'loss':<11}{'B':>6}{'L':>6} | {'ours ms':>9}{'ours MiB':>9} | {'naive ms':>9}{'naive MiB':>10}"
              f" | {'time x':>7}{'mem x':>7}")
        for b in args.batch_sizes:
            for n_lab in args.labels:
                z, y, p = make_inputs(b, n_lab, args.dim, device)
                for name in args.losses:
                    t, m = measure(ours_fn(name, 0.1), z, y, p, device, args.repeats, mem)
                    line = f"{name:<11}{b:>6}{n_lab:>6} | {t * 1e3:9.1f}{fmt_mem(m):>9} | "
                    if name not in NAIVE:
                        line += f"{'-':>9}{'-':>10} | {'-':>7}{'-':>7}"
                    elif naive_bytes(name, b, n_lab, 4) > args.mem_cap_gb * 2**30:
                        gb = naive_bytes(name, b, n_lab, 4) / 2**30
                        line += f"skipped: naive tensor {gb:.1f} GB > cap {args.mem_cap_gb} GB"
                    else:
                        fn = NAIVE[name]
                        tn, mn = measure(lambda zz, yy, pp: fn(zz, yy, pp, 0.1), z, y, p, device, args.repeats, mem)
                        line += f"{tn * 1e3:9.1f}{fmt_mem(mn):>10} | {tn / t:7.2f}{mn / max(m, 1):7.2f}"
                    print(line, flush=True)
                del z, y, p


if __name__ == "__main__":
    main()

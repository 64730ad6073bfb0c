"""Benchmark: forward+backward time (and peak memory) of every loss vs the authors' formulation and
pytorch-metric-learning, as ratios measured in the same run.

"Authors' formulation" = the computation the official code performs (paper.md §3), written
here from the formulas (not copied): per-label positive masks as (anchors × candidates ×
labels) tensors for ``base``/``msc``/``mscwrg``/``reg``, MulSupCon's one row per (sample,
label) with a one-hot × labelsᵀ mask product and boolean self-column removal, a plain
max-shifted log-softmax with a label mask for ``proto``, the masked ZLPR and the ASL of
paper.md §3.2–3.3, and ``BCEWithLogits`` for ``bce``. pytorch-metric-learning's
``SupConLoss`` is the third column where our loss reduces to SupCon: ``supcon_all``,
``supcon_any`` and ``base`` on single-label batches (one class per sample, L classes).

Timing: best of ``--repeats`` fwd+bwd calls, ours and the references interleaved
round-robin (stopping early past ``--budget-s`` per cell); CPU: process CPU time at ``--threads`` threads (default 1, robust to other jobs on
a shared machine); CUDA: wall time between synchronisations after one warm-up call.
Peak memory of the first call: CUDA ``max_memory_allocated``; CPU growth of the peak RSS
only with ``--cpu-memory`` (it forces large allocations through mmap, which slows them).
Authors' configurations whose largest tensor exceeds ``--mem-cap-gb`` are reported as
skipped. ``speed-up`` = reference time / our time (> 1: ours is faster); ours is called as in
training (``validate=False``, :func:`mlcl_lab.train.loop.step_loss_options`: the labels were
checked when the dataset was built and the loop checks the loss); the ``checked`` columns
time a direct call with the per-call input checks (``validate=True``: shapes, 0/1 labels,
finite values), i.e. what those checks cost.

    python benchmarks/bench_losses.py --quick                   # a few seconds (tests)
    python benchmarks/bench_losses.py --json results.json       # B 256/1024/4096 × L 20/80/200/1000
    python benchmarks/bench_losses.py --device cuda --batch-sizes 4096 --labels 80 1000
"""
from __future__ import annotations

import argparse
import ctypes
import gc
import sys
import time
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from mlcl_lab.files import write_json  # noqa: E402
from mlcl_lab.losses import get_loss  # noqa: E402
from mlcl_lab.runtime import environment_info  # noqa: E402
from mlcl_lab.train.loop import step_loss_options  # noqa: E402

EPS = 1e-8
CONTRASTIVE = ["base", "proto", "mulsupcon", "msc", "mscwrg", "reg", "supcon_any", "supcon_all", "sd"]
SUPERVISED = ["bce", "focal", "asl", "zlpr"]
PROTO = {"proto", "msc", "mscwrg", "reg"}
PML_LOSSES = ("supcon_all", "supcon_any", "base")
Fn = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


# ------------------------------ the authors' formulations ------------------------------
def _lsm(u: torch.Tensor, member: torch.Tensor) -> torch.Tensor:
    """Their log-softmax: shift by the detached row max, mask the exponentials, log of the sum."""
    m = u.max(1, keepdim=True).values.detach()
    e = (u - m).exp()
    return u - m - (e * member).sum(1, keepdim=True).log()


def authors_base(z, y, p, tau):
    zn = F.normalize(z, dim=-1)
    b = y.shape[0]
    off = 1 - torch.eye(b, dtype=z.dtype, device=z.device)
    inter = (y @ y.T) * off
    union = (y.unsqueeze(1) + y.unsqueeze(0)).clamp(max=1).sum(2)          # their (B, B, L) "or"
    jac = inter / (union + EPS)
    w = jac / (jac.sum(1, keepdim=True) + EPS)
    return (-(_lsm(zn @ zn.T / tau, off) * w).sum(1) / ((w.sum(1) != 0).sum() + EPS)).sum()


def authors_proto(z, y, p, tau):
    zn, pn = F.normalize(z, dim=-1), F.normalize(p, dim=-1)
    lsm = _lsm(zn @ pn.T / tau, torch.ones_like(y))
    return (-(lsm * y).sum(1) / y.sum(1)).mean()


def authors_mulsupcon(z, y, p, tau):
    zn = F.normalize(z, dim=-1)
    scores = zn @ zn.T
    rows, labels = torch.nonzero(y == 1, as_tuple=True)                     # one row per (sample, label)
    scores = scores[rows]
    onehot = torch.zeros(len(rows), y.shape[1], dtype=z.dtype, device=z.device)
    onehot[torch.arange(len(rows), device=z.device), labels] = 1
    masks = (onehot @ y.T).to(torch.bool)                                    # carriers of the row's label
    keep = torch.ones_like(masks)
    keep[torch.arange(len(rows), device=z.device), rows] = False             # drop the anchor's own column
    masks = masks[keep].reshape(len(rows), -1).to(z.dtype)
    scores = scores[keep].reshape(len(rows), -1)
    weight = torch.full((len(rows),), 1.0 / len(rows), dtype=z.dtype, device=z.device)
    per_row = -(torch.log(F.softmax(scores / tau, dim=1)) * masks).sum(1) / (masks.sum(1) + EPS)
    return (per_row * weight).sum()


def _per_label_pool_weights(ay, f):
    both = torch.einsum("ac,bc->abc", ay, ay)                                # (N, N, L) per-label masks
    norm = (f.unsqueeze(2) * both).sum(1)
    w = (f.unsqueeze(2) * both / (norm.unsqueeze(1) + EPS)).sum(2)
    return w / ay.sum(1, keepdim=True)


def authors_pooled(z, y, p, tau, alpha=0.0, reg=False):
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


def authors_mscwrg(z, y, p, tau):
    return authors_pooled(z, y, p, tau, 0.0, False)


def authors_reg(z, y, p, tau):
    return authors_pooled(z, y, p, tau, 0.0, True)


def authors_msc(z, y, p, tau, alpha=1.0, beta=0.1):
    zn, pn = F.normalize(z, dim=-1), F.normalize(p, dim=-1)
    b, n_lab = y.shape
    off = 1 - torch.eye(b, dtype=z.dtype, device=z.device)
    both = torch.einsum("ac,bc->abc", y, y)                                  # (B, B, L)
    union = (y.unsqueeze(1) + y.unsqueeze(0)).clamp(max=1).sum(2)
    both = both / union.unsqueeze(2) * alpha
    norm = both.sum(1) + (1 - alpha / y.sum(1, keepdim=True)) * y
    w = torch.cat([(both / (norm.unsqueeze(1) + EPS)).sum(2) * off, y / (norm + EPS)], 1)
    member = torch.cat([off * beta, torch.ones(b, n_lab, dtype=z.dtype, device=z.device)], 1)
    lsm = _lsm(torch.cat([zn @ zn.T, zn @ pn.T], 1) / tau, member)
    return (-(lsm * w).sum(1) / y.sum(1)).mean()


def authors_bce(x, y):
    return torch.nn.BCEWithLogitsLoss()(x, y)


def authors_zlpr(x, y):
    """paper.md §3.2, their stabilised form (value offset by the detached maxima)."""
    pos = ((-x) * y).masked_fill((-x) * y == 0, float("-inf"))
    neg = (x * (1 - y)).masked_fill(x * (1 - y) == 0, float("-inf"))
    m_pos = pos.max(1, keepdim=True).values.detach()
    m_neg = neg.max(1, keepdim=True).values.detach()
    s_pos = ((-x - m_pos).exp() * y).sum(1, keepdim=True)
    s_neg = ((x - m_neg).exp() * (1 - y)).sum(1, keepdim=True)
    return (torch.log(s_pos + (-m_pos).exp()) + torch.log(s_neg + (-m_neg).exp())).mean()


def authors_asl(x, y, gamma_neg=1.0, gamma_pos=0.0, eps=1e-5):
    """paper.md §3.3 with the trainer's defaults (γ− = 1, γ+ = 0, no clip, eps 1e-5)."""
    p = torch.sigmoid(x)
    q = 1 - p
    loss = y * torch.log(p.clamp(min=eps)) + (1 - y) * torch.log(q.clamp(min=eps))
    pt = p * y + q * (1 - y)
    loss = loss * torch.pow(1 - pt, gamma_pos * y + gamma_neg * (1 - y))
    return -loss.mean()


AUTHORS: dict[str, Fn] = {
    "base": lambda z, y, p: authors_base(z, y, p, 0.1),
    "proto": lambda z, y, p: authors_proto(z, y, p, 0.1),
    "mulsupcon": lambda z, y, p: authors_mulsupcon(z, y, p, 0.1),
    "msc": lambda z, y, p: authors_msc(z, y, p, 0.1),
    "mscwrg": lambda z, y, p: authors_mscwrg(z, y, p, 0.1),
    "reg": lambda z, y, p: authors_reg(z, y, p, 0.1),
    "bce": lambda z, y, p: authors_bce(z @ p.T, y),
    "zlpr": lambda z, y, p: authors_zlpr(z @ p.T, y),
    "asl": lambda z, y, p: authors_asl(z @ p.T, y),
}


def authors_bytes(name: str, b: int, n_lab: int, elem: int) -> int:
    """Size of the largest tensor the authors' formulation builds."""
    if name in ("mscwrg", "reg"):
        return (b + n_lab) ** 2 * n_lab * elem
    if name in ("base", "msc"):
        return b * b * n_lab * elem
    if name == "mulsupcon":
        return 4 * b * b * elem                      # ≈ 3 labels per sample: (Σ|Y|, B) rows (+ copies)
    return 0


# ------------------------------ pytorch-metric-learning --------------------------------
def pml_fn(name: str, tau: float) -> Fn | None:
    """PML's SupConLoss on integer class labels (our loss on the one-hot y), or None if unavailable."""
    if name not in PML_LOSSES:
        return None
    try:
        from pytorch_metric_learning.losses import SupConLoss
    except ImportError:
        return None
    loss = SupConLoss(temperature=tau)
    return lambda z, y, p: loss(z, y.argmax(1))


# ----------------------------------- measurement ----------------------------------------
class PeakMemory:
    """Peak memory of a block: CUDA allocator peak, or (``cpu=True``) CPU growth of the peak RSS.

    The CPU measure needs big blocks to go through mmap (so frees return to the OS), which
    makes every large allocation page-fault: it slows all calls and distorts the time ratios,
    so it is off unless asked for (``--cpu-memory``); ``peak()`` then returns None.
    """

    def __init__(self, device: torch.device, cpu: bool = False) -> None:
        self.device = device
        self.base = 0
        self.enabled = device.type == "cuda" or cpu
        if device.type == "cpu" and cpu:
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
        if not self.enabled:
            return
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

    def peak(self) -> int | None:
        if not self.enabled:
            return None
        if self.device.type == "cuda":
            torch.cuda.synchronize()
            return torch.cuda.max_memory_allocated() - self.base
        return max(self._status("VmHWM") - self.base, 0)


def make_inputs(b: int, n_lab: int, d: int, device: torch.device, seed: int = 0, single_label: bool = False):
    """z (B, D), multi-hot y (B, L) with a long-tailed label frequency (≈ 3 labels per sample,
    every sample labelled) or one class per sample, prototypes / linear head p (L, D)."""
    g = torch.Generator().manual_seed(seed)
    if single_label:
        y = F.one_hot(torch.randint(0, n_lab, (b,), generator=g), n_lab).float()
    else:
        freq = 1.0 / torch.arange(1, n_lab + 1, dtype=torch.float64) ** 0.8
        prob = (freq / freq.sum() * 3.0).clamp(max=0.9)
        y = (torch.rand(b, n_lab, generator=g, dtype=torch.float64) < prob).float()
        y[y.sum(1) == 0, 0] = 1
    z = torch.randn(b, d, generator=g)
    p = torch.randn(n_lab, d, generator=g)
    return z.to(device), y.to(device), p.to(device)


def run_once(fn: Fn, z, y, p, device: torch.device) -> float:
    """Seconds for one forward+backward (CUDA: wall time; CPU: CPU time of this process)."""
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


def measure(fns: dict[str, Fn], z, y, p, device: torch.device, repeats: int, budget_s: float,
            mem: PeakMemory) -> dict[str, tuple[float, int | None, int]]:
    """name -> (best seconds, peak bytes of its first call, calls timed) for competing functions.

    The calls are interleaved round-robin so that a shared machine's load drifts hit every
    competitor alike, the order rotating every round (ours, ref, checked; ref, checked, ours;
    ...): a function called right after one that allocates large tensors finds cold caches
    and a fresh heap, and a fixed order always gave that seat to the same function. The best
    (minimum) time is kept, the least disturbed estimate of the intrinsic cost (as ``timeit``
    advises). Repeats stop past ``budget_s`` of cumulated time.
    """
    times: dict[str, list[float]] = {k: [] for k in fns}
    peaks: dict[str, int | None] = {}
    for name, fn in fns.items():
        if device.type == "cuda":
            run_once(fn, z, y, p, device)                  # kernels / cuBLAS heuristics warm-up
        mem.start()
        times[name].append(run_once(fn, z, y, p, device))
        peaks[name] = mem.peak()
    names = list(fns)
    rounds = 0
    while min(len(t) for t in times.values()) < repeats and sum(map(sum, times.values())) < budget_s:
        rounds += 1
        for name in names[rounds % len(names):] + names[:rounds % len(names)]:
            times[name].append(run_once(fns[name], z, y, p, device))
    return {k: (min(t), peaks[k], len(t)) for k, t in times.items()}


def ours_fn(name: str, tau: float = 0.1, checked: bool = False) -> Fn:
    """Our loss called as in training (the options of ``step_loss_options``); ``checked``: a
    direct call, with the per-call input checks (``validate=True``)."""
    hyper = {"temperature": tau} if name in CONTRASTIVE else {}
    loss = get_loss(name, **{**step_loss_options(), **hyper, **({"validate": True} if checked else {})})
    if name in SUPERVISED:
        return lambda z, y, p: loss(z @ p.T, y)               # logits from a linear head
    if name in PROTO:
        return lambda z, y, p: loss(z, y, prototypes=p)
    return lambda z, y, p: loss(z, y)


def _grads(fn: Fn, z, y, p):
    zz, pp = z.clone().requires_grad_(True), p.clone().requires_grad_(True)
    value = fn(zz, y, pp)
    gz, gp = torch.autograd.grad(value, [zz, pp], allow_unused=True)
    return value.detach(), gz, gp


def _rel(a: torch.Tensor | None, b: torch.Tensor | None) -> float:
    if a is None or b is None:
        return 0.0 if (a is None or not bool(a.abs().max() > 0)) and (b is None or not bool(b.abs().max() > 0)) else 1.0
    return float((a - b).abs().max() / b.abs().max().clamp_min(1e-30))


def check_references(device: torch.device) -> dict[str, float]:
    """Max relative difference ours vs each reference (value and gradients), float64, small batches.

    ZLPR: the authors' value is offset by detached maxima (paper.md §3.2), so only its
    gradient is compared; ASL is compared with the authors' eps = 1e-5.
    """
    z, y, p = make_inputs(24, 7, 8, device, seed=1)
    z, y, p = z.double(), y.double(), p.double()
    out: dict[str, float] = {}
    for name, ref in AUTHORS.items():
        ours = ours_fn(name)
        if name == "asl":
            asl = get_loss("asl", eps=1e-5)
            ours = lambda a, b, c, loss=asl: loss(a @ c.T, b)  # noqa: E731
        va, gza, gpa = _grads(ours, z, y, p)
        vb, gzb, gpb = _grads(ref, z, y, p)
        worst = max(_rel(gza, gzb), _rel(gpa, gpb))
        if name != "zlpr":
            worst = max(worst, _rel(va, vb))
        out[f"authors:{name}"] = worst
    zs, ys, ps = make_inputs(24, 5, 8, device, seed=2, single_label=True)
    zs, ys, ps = zs.double(), ys.double(), ps.double()
    for name in PML_LOSSES:
        ref = pml_fn(name, 0.1)
        if ref is None:
            continue
        va, gza, _ = _grads(ours_fn(name), zs, ys, ps)
        vb, gzb, _ = _grads(ref, zs, ys, ps)
        out[f"pml:{name}"] = max(_rel(va, vb), _rel(gza, gzb))
    return out


# -------------------------------------- driver ------------------------------------------
def _mib(n: int | None) -> float | None:
    return None if n is None else n / 2**20


def bench_cell(name: str, b: int, n_lab: int, device: torch.device, args, mem: PeakMemory) -> dict:
    """One (loss, B, L) row: ours, the authors' formulation and PML (where they apply)."""
    z, y, p = make_inputs(b, n_lab, args.dim, device)
    row: dict = {"device": device.type, "loss": name, "B": b, "L": n_lab}
    fns = {"ours": ours_fn(name), "ours_checked": ours_fn(name, checked=True)}
    if name in AUTHORS:
        need = authors_bytes(name, b, n_lab, 4)
        if need > args.mem_cap_gb * 2**30:
            row["authors_skipped"] = f"largest tensor {need / 2**30:.1f} GB > cap {args.mem_cap_gb} GB"
        else:
            fns["authors"] = AUTHORS[name]
    res = measure(fns, z, y, p, device, args.repeats, args.budget_s, mem)
    t, m, k = res["ours"]
    checked = res["ours_checked"][0]
    row.update(ours_ms=t * 1e3, ours_mib=_mib(m), ours_calls=k, ours_checked_ms=checked * 1e3)
    if "authors" in res:
        ta, ma, ka = res["authors"]
        row.update(authors_ms=ta * 1e3, authors_mib=_mib(ma), authors_calls=ka, speedup_vs_authors=ta / t,
                   checked_speedup_vs_authors=ta / checked)
    ref = pml_fn(name, 0.1)
    if ref is not None:
        zs, ys, ps = make_inputs(b, n_lab, args.dim, device, seed=3, single_label=True)
        single = measure({"ours": ours_fn(name), "pml": ref}, zs, ys, ps, device, args.repeats, args.budget_s, mem)
        ts, tp = single["ours"][0], single["pml"][0]
        row.update(single_label_ours_ms=ts * 1e3, pml_ms=tp * 1e3, speedup_vs_pml=tp / ts)
    return row


def format_row(r: dict) -> str:
    auth = (f"{r['authors_ms']:10.2f} {r['speedup_vs_authors']:8.2f}x" if "authors_ms" in r
            else f"{'skipped':>10} {'':>9}" if "authors_skipped" in r else f"{'-':>10} {'':>9}")
    pml = (f"{r['single_label_ours_ms']:9.2f} {r['pml_ms']:9.2f} {r['speedup_vs_pml']:7.2f}x" if "pml_ms" in r
           else f"{'-':>9} {'-':>9} {'':>8}")
    checked = (f" {r['checked_speedup_vs_authors']:7.2f}x" if "authors_ms" in r else f" {'':>8}")
    return (f"{r['loss']:<11}{r['B']:>6}{r['L']:>6} | {r['ours_ms']:9.2f} {r['ours_checked_ms']:9.2f} | "
            f"{auth}{checked} | {pml}")


HEADER = (f"{'loss':<11}{'B':>6}{'L':>6} | {'ours ms':>9} {'checked':>9} | {'authors ms':>10} {'speed-up':>9}"
          f" {'checked':>8} | "
          f"{'1-lab ms':>9} {'PML ms':>9} {'speed-up':>8}")


def summary(rows: list[dict]) -> dict[str, dict[str, float]]:
    """Per loss: min / max speed-up vs the authors and vs PML over the measured cells."""
    out: dict[str, dict[str, float]] = {}
    for key in ("speedup_vs_authors", "checked_speedup_vs_authors", "speedup_vs_pml"):
        for r in rows:
            if key in r:
                s = out.setdefault(f"{r['device']}:{r['loss']}", {})
                s[f"{key}_min"] = min(s.get(f"{key}_min", float("inf")), r[key])
                s[f"{key}_max"] = max(s.get(f"{key}_max", 0.0), r[key])
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="B 32/128, L 8/64, D 16, 1 repeat (a few seconds)")
    ap.add_argument("--batch-sizes", type=int, nargs="+", default=[256, 1024, 4096])
    ap.add_argument("--labels", type=int, nargs="+", default=[20, 80, 200, 1000])
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--budget-s", type=float, default=3.0, help="stop repeating a cell past this many seconds")
    ap.add_argument("--losses", nargs="+", default=CONTRASTIVE + SUPERVISED)
    ap.add_argument("--device", choices=["auto", "cpu", "cuda"], default="cpu",
                    help="auto: CPU, then CUDA when present")
    ap.add_argument("--mem-cap-gb", type=float, default=None,
                    help="skip authors' configurations above this tensor size (default 1.5 CPU, 24 CUDA)")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads (0: torch default)")
    ap.add_argument("--cpu-memory", action="store_true",
                    help="also measure CPU peak memory (slows large allocations: time ratios less faithful)")
    ap.add_argument("--json", type=Path, default=None, help="write the rows and the summary here")
    args = ap.parse_args(argv)
    if args.quick:
        args.batch_sizes, args.labels, args.repeats, args.dim = [32, 128], [8, 64], 1, 16
    unknown = sorted(set(args.losses) - set(CONTRASTIVE + SUPERVISED))
    if unknown:
        ap.error(f"unknown losses {unknown}; valid: {CONTRASTIVE + SUPERVISED}")
    return args


def devices_for(choice: str) -> list[torch.device]:
    if choice == "cuda":
        if not torch.cuda.is_available():
            raise SystemExit("--device cuda: CUDA is not available on this machine")
        return [torch.device("cuda")]
    if choice == "auto" and torch.cuda.is_available():
        return [torch.device("cpu"), torch.device("cuda")]
    return [torch.device("cpu")]


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark, print the table; returns (and with --json writes) rows + summary."""
    args = parse_args(argv)
    threads = torch.get_num_threads()
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        result = _run(args)
    finally:
        torch.set_num_threads(threads)
    if args.json is not None:
        write_json(args.json, result, overwrite=True)
        print(f"wrote {args.json}")
    return result


def _run(args: argparse.Namespace) -> dict:
    print(f"torch {torch.__version__}, CPU threads {torch.get_num_threads()}, D={args.dim}, float32, "
          f"best of <= {args.repeats} interleaved fwd+bwd (CPU: process CPU time; CUDA: wall time); "
          f"speed-up = reference time / ours")
    rows: list[dict] = []
    checks: dict[str, dict[str, float]] = {}
    for device in devices_for(args.device):
        cap = args.mem_cap_gb if args.mem_cap_gb is not None else (24.0 if device.type == "cuda" else 1.5)
        cell_args = argparse.Namespace(**{**vars(args), "mem_cap_gb": cap})
        checks[device.type] = check_references(device)
        print(f"\n== device {device} ==  correctness (max relative difference, float64): "
              + ", ".join(f"{k} {v:.1e}" for k, v in checks[device.type].items()))
        mem = PeakMemory(device, cpu=args.cpu_memory)
        wz, wy, wp = make_inputs(32, 8, args.dim, device, seed=2)             # warm every code path once
        for name in args.losses:
            run_once(ours_fn(name), wz, wy, wp, device)
            if name in AUTHORS:
                run_once(AUTHORS[name], wz, wy, wp, device)
        print(HEADER)
        for b in args.batch_sizes:
            for n_lab in args.labels:
                for name in args.losses:
                    row = bench_cell(name, b, n_lab, device, cell_args, mem)
                    rows.append(row)
                    print(format_row(row), flush=True)
    result = {"environment": environment_info(devices_for(args.device)[-1]), "settings": {k: (str(v) if isinstance(v, Path) else v)
                                                              for k, v in vars(args).items()},
              "checks": checks, "rows": rows, "summary": summary(rows)}
    slower = [f"{r['device']}:{r['loss']} B={r['B']} L={r['L']} ({r['speedup_vs_authors']:.2f}x)"
              for r in rows if r.get("speedup_vs_authors", 2.0) < 1.0]
    print("\nslower than the authors' formulation (as in training): " + (", ".join(slower) if slower else "none"))
    checked_slower = [f"{r['device']}:{r['loss']} B={r['B']} L={r['L']} ({r['checked_speedup_vs_authors']:.2f}x)"
                      for r in rows if r.get("checked_speedup_vs_authors", 2.0) < 1.0]
    print("slower with the per-call input checks (a direct call): "
          + (", ".join(checked_slower) if checked_slower else "none"))
    return result


if __name__ == "__main__":
    main()

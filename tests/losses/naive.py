"""Deliberately naive loop implementations written straight from the formulas (paper.md §3).

Python loops over anchors / candidates / labels on float64 scalars; used only in tests.
"""
from __future__ import annotations


import torch
from torch import Tensor

EPS = 1e-8


def unit(x: Tensor) -> Tensor:
    return x / x.norm(dim=1, keepdim=True).clamp_min(1e-12)


def labelset(row: Tensor) -> set[int]:
    return {int(l) for l in torch.nonzero(row).flatten()}


def lse(values: list[Tensor]) -> Tensor:
    m = max(float(v.detach()) for v in values)
    return m + torch.log(sum(torch.exp(v - m) for v in values))


def naive_bce(x: Tensor, y: Tensor) -> Tensor:
    total = 0.0
    for i in range(x.shape[0]):
        for l in range(x.shape[1]):
            p = 1 / (1 + torch.exp(-x[i, l]))
            total = total - (y[i, l] * torch.log(p) + (1 - y[i, l]) * torch.log(1 - p))
    return total / x.numel()


def naive_base(z: Tensor, y: Tensor, tau: float) -> Tensor:
    zn = unit(z)
    n = z.shape[0]
    sets = [labelset(r) for r in y]
    total, count = 0.0, 0
    for i in range(n):
        others = [j for j in range(n) if j != i]
        jac = {j: len(sets[i] & sets[j]) / (len(sets[i] | sets[j]) + EPS) for j in others}
        s = sum(jac.values())
        log_den = lse([zn[i] @ zn[k] / tau for k in others])
        li = 0.0
        for j in others:
            li = li - jac[j] / (s + EPS) * (zn[i] @ zn[j] / tau - log_den)
        total = total + li
        count += int(s > 0)
    return total / (count + EPS)


def naive_focal(x: Tensor, y: Tensor, gamma: float, alpha: float | None) -> Tensor:
    total = 0.0
    for i in range(x.shape[0]):
        for l in range(x.shape[1]):
            p = 1 / (1 + torch.exp(-x[i, l]))
            pt = p if y[i, l] == 1 else 1 - p
            at = 1.0 if alpha is None else (alpha if y[i, l] == 1 else 1 - alpha)
            total = total - at * (1 - pt) ** gamma * torch.log(pt)
    return total / x.numel()


def naive_asl(x: Tensor, y: Tensor, gneg: float, gpos: float, clip: float) -> Tensor:
    total = 0.0
    for i in range(x.shape[0]):
        for l in range(x.shape[1]):
            p = 1 / (1 + torch.exp(-x[i, l]))
            q = torch.clamp(1 - p + clip, max=1.0) if clip > 0 else 1 - p
            if y[i, l] == 1:
                total = total - torch.log(p) * (1 - p) ** gpos
            else:
                total = total - torch.log(q) * (1 - q) ** gneg
    return total / x.numel()


def naive_zlpr(x: Tensor, y: Tensor) -> Tensor:
    total = 0.0
    for i in range(x.shape[0]):
        pos = sum(torch.exp(-x[i, l]) for l in range(x.shape[1]) if y[i, l] == 1)
        neg = sum(torch.exp(x[i, l]) for l in range(x.shape[1]) if y[i, l] == 0)
        total = total + torch.log(1 + torch.as_tensor(pos)) + torch.log(1 + torch.as_tensor(neg))
    return total / x.shape[0]


def _points(z: Tensor, y: Tensor):
    return [(z[i], labelset(y[i])) for i in range(z.shape[0])]


def naive_supcon(z, y, tau, mode="any", ref=None, weighting=None, decoupled=False):
    """SupCon over batch (+ ref candidates); weighting(Si, Sj) multiplies each positive (sd)."""
    zn = unit(z)
    anchors = _points(zn, y)
    cands = anchors + (_points(unit(ref[0]), ref[1]) if ref is not None else [])
    total, count = 0.0, 0
    for i, (zi, si) in enumerate(anchors):
        others = [c for j, c in enumerate(cands) if j != i]
        if mode == "any":
            pos = [c for c in others if si & c[1]]
        else:
            pos = [c for c in others if si and c[1] == si]
        if not pos:
            continue
        den_set = [c for c in others if not any(c is p for p in pos)] if decoupled else others
        if not den_set:
            continue
        log_den = lse([zi @ c[0] / tau for c in den_set])
        li = 0.0
        for zj, sj in pos:
            k = 1.0 if weighting is None else weighting(si, sj)
            li = li - k * (zi @ zj / tau - log_den) / len(pos)
        total, count = total + li, count + 1
    return total / count if count else z.sum() * 0


def sd_weight(si: set, sj: set) -> float:
    return len(si & sj) / len(si) * 1.0 / (1 + len(sj - si))


def naive_proto(z, y, p, tau):
    zn, pn = unit(z), unit(p)
    total, count = 0.0, 0
    for i in range(z.shape[0]):
        si = labelset(y[i])
        if not si:
            continue
        log_den = lse([zn[i] @ pn[l] / tau for l in range(p.shape[0])])
        total = total - sum(zn[i] @ pn[l] / tau - log_den for l in si) / len(si)
        count += 1
    return total / count


def naive_mulsupcon_port(z, y, tau, ref=None, with_weight=False):
    zn = unit(z)
    anchors = _points(zn, y)
    cands = anchors + (_points(unit(ref[0]), ref[1]) if ref is not None else [])
    total, div = 0.0, 0
    for i, (zi, si) in enumerate(anchors):
        others = [c for j, c in enumerate(cands) if j != i]
        log_den = lse([zi @ c[0] / tau for c in others])
        for l in si:
            pos = [c for c in others if l in c[1]]
            li = -sum((zi @ c[0] / tau - log_den for c in pos), torch.zeros((), dtype=z.dtype)) / (len(pos) + EPS)
            total = total + (li / len(si) if with_weight else li)
        div += (1 if si else 0) if with_weight else len(si)
    return total / div


def naive_mulsupcon_original(q, y, k, ky, tau):
    qn = unit(q)
    cands = _points(unit(k), ky)
    total, div = 0.0, 0
    for i in range(q.shape[0]):
        si = labelset(y[i])
        log_den = lse([qn[i] @ c[0] / tau for c in cands])
        for l in si:
            pos = [c for c in cands if l in c[1]]
            total = total - sum(qn[i] @ c[0] / tau - log_den for c in pos) / len(pos)
        div += len(si)
    return total / div


def naive_msc(z, y, p, tau, alpha, beta, ref=None):
    zn, pn = unit(z), unit(p)
    anchors = _points(zn, y)
    extra = _points(unit(ref[0]), ref[1]) if ref is not None else []
    total, count = 0.0, 0
    for i, (zi, si) in enumerate(anchors):
        if not si:
            continue
        inst = [c for j, c in enumerate(anchors) if j != i] + extra
        norm = {l: 1 + alpha * sum(1 / len(si | sj) for _, sj in inst if l in sj) for l in si}
        log_den = torch.log(beta * sum(torch.exp(zi @ zj / tau) for zj, _ in inst)
                            + sum(torch.exp(zi @ pn[l] / tau) for l in range(p.shape[0])))
        li = 0.0
        for zj, sj in inst:
            w = sum(alpha / len(si | sj) / (norm[l] + EPS) for l in si & sj)
            li = li - w * (zi @ zj / tau - log_den)
        for l in si:
            li = li - 1 / (norm[l] + EPS) * (zi @ pn[l] / tau - log_den)
        total, count = total + li / len(si), count + 1
    return total / count


def naive_mscwrg(z, y, p, tau, alpha, ref=None, reg=False, decoupled=False):
    pool = _points(unit(z), y) + [(unit(p)[l], {l}) for l in range(p.shape[0])]
    cands = pool + (_points(unit(ref[0]), ref[1]) if ref is not None else [])
    total, count = 0.0, 0
    for i, (zi, si) in enumerate(pool):
        others = [c for j, c in enumerate(cands) if j != i]

        def f(sj):
            x = len(si & sj) / len(sj) if sj else 0.0
            return (1.0 if x >= 1 - EPS else 0.0) if alpha < 0 else x**alpha

        m = {l: sum(f(sj) for _, sj in others if l in sj) for l in si}
        if decoupled:                                           # denominator: negatives only
            negs = [c for c in others if not (si & c[1] and f(c[1]) > 0)]   # W_ij = 0
            if not negs or not si:
                continue
            log_den = lse([zi @ c[0] / tau for c in negs])
        else:
            log_den = lse([zi @ c[0] / tau for c in others])
        li, wsum = 0.0, 0.0
        for zj, sj in others:
            w = sum(f(sj) / (m[l] + EPS) for l in si & sj) / len(si) if si else 0.0
            u = zi @ zj / tau
            li = li - w * (u - log_den)
            if reg and w > 0:
                sigma = float(torch.exp(u - log_den).detach())
                li = li - max(sigma - w, 0.0) * u
            wsum += w
        if wsum > 0:
            total, count = total + li, count + 1
    return total / count


def naive_base_ref(z, y, tau, ref):
    """``base`` with extra reference candidates (numerator and denominator, never anchors)."""
    zn = unit(z)
    anchors = _points(zn, y)
    cands = anchors + _points(unit(ref[0]), ref[1])
    total, count = 0.0, 0
    for i, (zi, si) in enumerate(anchors):
        others = [c for j, c in enumerate(cands) if j != i]
        jac = [len(si & sj) / (len(si | sj) + EPS) for _, sj in others]
        s = sum(jac)
        log_den = lse([zi @ c[0] / tau for c in others])
        total = total - sum(jv / (s + EPS) * (zi @ c[0] / tau - log_den) for jv, c in zip(jac, others))
        count += int(s > 0)
    return total / (count + EPS)

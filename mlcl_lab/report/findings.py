"""The paper's qualitative claims, checked on a grid's results (never asserted by hand).

Each check returns rows ``claim, dataset, evidence, verdict`` where the verdict is
``held``, ``not held`` or ``not testable`` (the grid lacks what the claim needs).
Claims (arXiv 2412.00101 abstract; paper.md §2, §9):

1. many labels -> a contrastive loss beats BCE in macro-F1;
2. few labels -> the BCE family is at least as good as the contrastive losses (micro-F1);
3. ranking metrics -> contrastive losses trail BCE in mAP;
4. REG is competitive: best contrastive loss, or within one seed-std of the best, in macro-F1;
5. low data -> REG loses no more macro-F1 (relative) than the median other contrastive loss.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["check_findings", "MANY_LABELS", "FEW_LABELS"]

#: A dataset with at least this many labels counts as "many labels".
MANY_LABELS = 30
#: A dataset with at most this many labels counts as "few labels".
FEW_LABELS = 20


def _means(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    return frame.groupby(["loss", "kind"])[metric].agg(["mean", "std", "count"]).reset_index()


def _row(claim: str, dataset: str, evidence: str, verdict: str) -> dict[str, str]:
    return {"claim": claim, "dataset": dataset, "evidence": evidence, "verdict": verdict}


def _many_labels(ds: str, full: pd.DataFrame, n_labels: float) -> dict[str, str]:
    claim = f"many labels (>= {MANY_LABELS}): a contrastive loss beats BCE in macro-F1"
    if not n_labels >= MANY_LABELS:
        return _row(claim, ds, f"{n_labels:g} labels", "not testable")
    m = _means(full, "macro_f1")
    con, bce = m[m.kind == "contrastive"], m[m.loss == "bce"]
    if con.empty or bce.empty:
        return _row(claim, ds, "needs bce and a contrastive loss", "not testable")
    top = con.loc[con["mean"].idxmax()]
    verdict = "held" if top["mean"] > bce["mean"].iloc[0] else "not held"
    return _row(claim, ds, f"{top.loss} {top['mean']:.4f} vs bce {bce['mean'].iloc[0]:.4f}", verdict)


def _few_labels(ds: str, full: pd.DataFrame, n_labels: float) -> dict[str, str]:
    claim = f"few labels (<= {FEW_LABELS}): the BCE family is at least as good in micro-F1"
    if not n_labels <= FEW_LABELS:
        return _row(claim, ds, f"{n_labels:g} labels", "not testable")
    m = _means(full, "micro_f1")
    con, sup = m[m.kind == "contrastive"], m[m.kind == "supervised"]
    if con.empty or sup.empty:
        return _row(claim, ds, "needs a supervised and a contrastive loss", "not testable")
    best_sup, best_con = sup.loc[sup["mean"].idxmax()], con.loc[con["mean"].idxmax()]
    verdict = "held" if best_sup["mean"] >= best_con["mean"] else "not held"
    return _row(claim, ds, f"{best_sup.loss} {best_sup['mean']:.4f} vs {best_con.loss} {best_con['mean']:.4f}", verdict)


def _ranking(ds: str, full: pd.DataFrame) -> dict[str, str]:
    claim = "ranking metrics: contrastive losses trail BCE in mAP"
    if "map_macro" not in full:
        return _row(claim, ds, "no mAP recorded", "not testable")
    m = _means(full, "map_macro")
    con, bce = m[m.kind == "contrastive"], m[m.loss == "bce"]
    if con.empty or bce.empty:
        return _row(claim, ds, "needs bce and a contrastive loss", "not testable")
    top = con.loc[con["mean"].idxmax()]
    verdict = "held" if top["mean"] < bce["mean"].iloc[0] else "not held"
    return _row(claim, ds, f"best contrastive {top.loss} {top['mean']:.4f} vs bce {bce['mean'].iloc[0]:.4f}", verdict)


def _reg_competitive(ds: str, full: pd.DataFrame) -> dict[str, str]:
    claim = "REG is competitive with the other contrastive losses (macro-F1)"
    m = _means(full, "macro_f1")
    con = m[m.kind == "contrastive"]
    if "reg" not in set(con.loss) or len(con) < 2:
        return _row(claim, ds, "needs reg and another contrastive loss", "not testable")
    reg = con[con.loss == "reg"].iloc[0]
    others = con[con.loss != "reg"]
    top = others.loc[others["mean"].idxmax()]
    tolerance = 0.0 if pd.isna(top["std"]) else float(top["std"])
    verdict = "held" if reg["mean"] >= top["mean"] - tolerance else "not held"
    return _row(claim, ds, f"reg {reg['mean']:.4f} vs best other {top.loss} {top['mean']:.4f} ± {tolerance:.4f}", verdict)


def _low_data(ds: str, frame: pd.DataFrame) -> dict[str, str]:
    claim = "low data: REG loses no more macro-F1 than the median other contrastive loss"
    fractions = sorted(frame.train_fraction.unique())
    con = frame[frame.kind == "contrastive"]
    if len(fractions) < 2 or 1.0 not in fractions or "reg" not in set(con.loss) or con.loss.nunique() < 2:
        return _row(claim, ds, "needs reg, another contrastive loss and a fraction < 1", "not testable")
    small = fractions[0]
    means = con.groupby(["loss", "train_fraction"]).macro_f1.mean().unstack()
    if small not in means or 1.0 not in means:
        return _row(claim, ds, "missing runs", "not testable")
    drop = (1 - means[small] / means[1.0].replace(0, np.nan)).dropna()
    if "reg" not in drop:
        return _row(claim, ds, "reg has no finite drop", "not testable")
    median_other = float(drop.drop("reg").median())
    verdict = "held" if drop["reg"] <= median_other else "not held"
    return _row(claim, ds, f"relative drop at fraction {small:g}: reg {drop['reg']:.3f} vs median other {median_other:.3f}", verdict)


def check_findings(results: pd.DataFrame) -> pd.DataFrame:
    """Check every claim on every dataset of ``results`` (from :func:`collect_results`)."""
    rows = []
    for ds, frame in results.groupby("dataset", sort=False):
        full = frame[frame.train_fraction == 1.0]
        n_labels = float(frame.n_labels.iloc[0]) if "n_labels" in frame else float("nan")
        if full.empty:
            rows.append(_row("all claims", ds, "no runs at train_fraction 1", "not testable"))
        else:
            rows += [_many_labels(ds, full, n_labels), _few_labels(ds, full, n_labels), _ranking(ds, full),
                     _reg_competitive(ds, full)]
        rows.append(_low_data(ds, frame))
    return pd.DataFrame(rows, columns=["claim", "dataset", "evidence", "verdict"])

import numpy as np
import pandas as pd

from mlcl_lab.report.findings import check_findings
from mlcl_lab.report.tables import best_marked_markdown, summarise


def _frame(dataset, n_labels, rows):
    out = []
    for loss, kind, fraction, seed, micro, macro, map_ in rows:
        out.append({"dataset": dataset, "n_labels": n_labels, "loss": loss, "kind": kind, "train_fraction": fraction,
                    "seed": seed, "micro_f1": micro, "macro_f1": macro, "map_macro": map_, "hamming_loss": 1 - micro})
    return pd.DataFrame(out)


def test_findings_verdicts_follow_the_numbers():
    many = _frame("many", 100, [
        ("bce", "supervised", 1.0, 0, 0.60, 0.30, 0.50), ("bce", "supervised", 1.0, 1, 0.62, 0.32, 0.52),
        ("reg", "contrastive", 1.0, 0, 0.58, 0.40, 0.45), ("reg", "contrastive", 1.0, 1, 0.60, 0.42, 0.47),
        ("base", "contrastive", 1.0, 0, 0.55, 0.35, 0.44), ("base", "contrastive", 1.0, 1, 0.57, 0.37, 0.46),
        ("reg", "contrastive", 0.1, 0, 0.50, 0.36, 0.40), ("base", "contrastive", 0.1, 0, 0.40, 0.20, 0.30),
    ])
    few = _frame("few", 10, [
        ("bce", "supervised", 1.0, 0, 0.50, 0.40, 0.60), ("base", "contrastive", 1.0, 0, 0.55, 0.45, 0.70),
    ])
    table = check_findings(pd.concat([many, few]))
    verdict = {(r.dataset, r.claim.split(":")[0]): r.verdict for r in table.itertuples()}
    assert verdict[("many", "many labels (>= 30)")] == "held"
    assert verdict[("many", "few labels (<= 20)")] == "not testable"
    assert verdict[("many", "ranking metrics")] == "held"
    assert verdict[("many", "REG is competitive with the other contrastive losses (macro-F1)")] == "held"
    assert verdict[("many", "low data")] == "held"
    assert verdict[("few", "few labels (<= 20)")] == "not held"   # base 0.55 > bce 0.50
    assert verdict[("few", "ranking metrics")] == "not held"
    assert verdict[("few", "low data")] == "not testable"


def test_summary_and_markdown_mark_the_best():
    frame = _frame("d", 10, [
        ("bce", "supervised", 1.0, 0, 0.5, 0.4, 0.6), ("bce", "supervised", 1.0, 1, 0.7, 0.4, 0.6),
        ("base", "contrastive", 1.0, 0, 0.55, 0.5, 0.5), ("base", "contrastive", 1.0, 1, 0.55, 0.5, 0.5),
    ])
    summary = summarise(frame, ("micro_f1", "hamming_loss"), by=("dataset", "loss"))
    assert np.isclose(summary.loc[("d", "bce"), "micro_f1_mean"], 0.6)
    assert np.isclose(summary.loc[("d", "bce"), "micro_f1_std"], np.std([0.5, 0.7], ddof=1))
    md = best_marked_markdown(summary, ("micro_f1", "hamming_loss"))
    bce_line = next(line for line in md.splitlines() if "| bce |" in line)
    assert "**0.6000" in bce_line  # higher micro-F1 is better
    assert "**0.4000" in bce_line  # lower Hamming loss is better

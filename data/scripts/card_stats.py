#!/usr/bin/env python
"""Print the data-card statistics table of registered datasets (markdown).

Usage: ``python data/scripts/card_stats.py yeast debtags``. The rows are the
ones ``tests/data/test_cards.py`` checks against the data files.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mlcl_lab.data import dataset_statistics, load_dataset  # noqa: E402

KEYS = ("n_samples", "n_labels", "n_features", "cardinality", "density", "n_label_sets",
        "n_head_labels", "n_tail_labels", "min_label_count", "max_label_count", "n_empty",
        "mean_ir")


def table(name: str) -> str:
    st = dataset_statistics(load_dataset(name))
    rows = ["| statistic | value |", "|---|---|"]
    for k in KEYS:
        v = st[k]
        cell = f"{v:.4f}" if isinstance(v, float) else f"{v}"
        rows.append(f"| {name}.{k} | {cell} |")
    return "\n".join(rows)


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(table(arg))
        print()

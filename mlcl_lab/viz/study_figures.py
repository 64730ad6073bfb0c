"""The study's figures, drawn from tidy tables; every figure saved as PNG and SVG.

The bar and low-data figures draw summaries made by
:func:`mlcl_lab.report.tables.summarise` (``<metric>_mean`` / ``<metric>_std`` columns):
plotting never computes its own mean ± std. Colours come from
:func:`mlcl_lab.viz.loss_colors`, so a loss has the same colour in every notebook and
report.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .colors import loss_colors
from .plots import save_figure

if TYPE_CHECKING:  # matplotlib is imported by the functions that draw (~0.6 s a kernel that draws nothing saves)
    import matplotlib.pyplot as plt

__all__ = ["plot_training_curves", "plot_metric_bars", "plot_low_data", "METRIC_LABELS"]

METRIC_LABELS = {
    "hamming_loss": "Hamming loss (lower is better)",
    "micro_f1": "micro-F1",
    "macro_f1": "macro-F1",
    "map_macro": "mAP (macro)",
}


def plot_training_curves(histories: pd.DataFrame, path: str | Path | None = None) -> plt.Figure:
    """Training loss per epoch, mean over seeds with a min–max band; one panel per loss kind.

    ``histories`` has columns loss, seed, epoch, train_loss (and val_loss / val_micro_f1).
    Contrastive and supervised losses live on different scales, hence two panels.
    """
    kinds = [("val_loss", "contrastive losses (stage 1)"), ("val_micro_f1", "supervised baselines (end to end)")]
    present = [(col, title) for col, title in kinds if col in histories and histories[col].notna().any()]
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, max(1, len(present)), figsize=(6 * max(1, len(present)), 4), squeeze=False)
    colors = loss_colors(sorted(histories["loss"].unique()))
    for ax, (col, title) in zip(axes[0], present, strict=False):
        part = histories[histories[col].notna()]
        for loss, frame in part.groupby("loss", sort=False):
            stats = frame.groupby("epoch")["train_loss"].agg(["mean", "min", "max"])
            ax.plot(stats.index, stats["mean"], color=colors[loss], label=loss)
            ax.fill_between(stats.index, stats["min"], stats["max"], color=colors[loss], alpha=0.2)
            if "best" in frame:
                best = frame[frame["best"].eq(True)]  # NaN for contrastive rows after a CSV round trip
                ax.scatter(best["epoch"], best["train_loss"], color=colors[loss], marker="*", s=80, zorder=3)
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.set_ylabel("training loss (per batch, mean over epoch)")
        ax.legend(title="loss")
    if "best" in histories and len(present) > 1:
        axes[0][-1].annotate("★ epoch kept by validation micro-F1", xy=(0.02, 0.02), xycoords="axes fraction", fontsize=8)
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path)
    return fig


def _mean_std(summary: pd.DataFrame, metric: str) -> tuple[pd.Series, pd.Series]:
    if f"{metric}_mean" not in summary:
        raise ValueError(f"the summary has no column(s) ['{metric}_mean'] (columns: {list(summary.columns)})")
    return summary[f"{metric}_mean"], summary[f"{metric}_std"].fillna(0)


def plot_metric_bars(summary: pd.DataFrame, path: str | Path | None = None,
                     metrics: Sequence[str] = ("micro_f1", "macro_f1", "hamming_loss"), title: str | None = None) -> plt.Figure:
    """Bar chart of each metric per loss: mean over seeds, error bar = sample std.

    ``summary`` is indexed by loss (``summarise(results, metrics)``).
    """
    missing = [m for m in metrics if f"{m}_mean" not in summary]
    if missing:
        raise ValueError(f"the summary has no column(s) {[f'{m}_mean' for m in missing]} (columns: {list(summary.columns)})")
    losses = [str(loss) for loss in summary.index]
    colors = loss_colors(losses)
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(metrics), figsize=(4 * len(metrics), 4), squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        mean, std = _mean_std(summary, metric)
        ax.bar(range(len(losses)), mean, yerr=std, capsize=4, color=[colors[name] for name in losses])
        ax.set_xticks(range(len(losses)), losses, rotation=30, ha="right")
        ax.set_ylabel(METRIC_LABELS.get(metric, metric))
        ax.set_title(METRIC_LABELS.get(metric, metric).split(" (")[0])
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_low_data(summary: pd.DataFrame, path: str | Path | None = None,
                  metrics: Sequence[str] = ("macro_f1", "micro_f1")) -> plt.Figure:
    """Metric vs training fraction per loss (mean ± std over seeds), one row per dataset.

    ``summary`` is indexed by (dataset, train_fraction, loss)
    (``summarise(results, metrics, by=("dataset", "train_fraction", "loss"))``).
    """
    frame = summary.reset_index()
    datasets = list(dict.fromkeys(frame["dataset"]))
    colors = loss_colors(list(dict.fromkeys(frame["loss"])))
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    fig, axes = plt.subplots(len(datasets), len(metrics), figsize=(5 * len(metrics), 3.6 * len(datasets)), squeeze=False)
    for r, ds in enumerate(datasets):
        part = frame[frame["dataset"] == ds]
        for c, metric in enumerate(metrics):
            ax = axes[r][c]
            for loss, rows in part.groupby("loss", sort=False):
                rows = rows.sort_values("train_fraction")
                mean, std = _mean_std(rows, metric)
                ax.errorbar(rows["train_fraction"] * 100, mean, yerr=std, color=colors[loss], marker="o", capsize=3,
                            label=loss)
            ax.set_xscale("log")
            ax.set_xlabel("training data used (% of the training split)")
            ax.set_ylabel(METRIC_LABELS.get(metric, metric))
            ax.set_title(f"{ds}: {METRIC_LABELS.get(metric, metric)}")
            ticks = sorted(part["train_fraction"].unique() * 100)
            ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
            ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    axes[0][-1].legend(title="loss", bbox_to_anchor=(1.02, 1), loc="upper left")
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path)
    return fig

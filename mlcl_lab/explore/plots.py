"""Figures of the exploration notebooks; loss colours from :func:`mlcl_lab.viz.loss_colors`."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ..viz import loss_colors

__all__ = ["plot_per_epoch", "plot_metric_bars", "plot_fraction_curves", "plot_heatmap_pair"]


def _check_columns(df: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"missing column(s) {missing}; available: {', '.join(map(str, df.columns))}")


def plot_per_epoch(history: pd.DataFrame, metrics: dict[str, str], title: str) -> plt.Figure:
    """One panel per metric (column -> y-axis label), one line per loss, x = epoch."""
    _check_columns(history, ["epoch", "loss", *metrics])
    colours = loss_colors(sorted(history["loss"].unique()))
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.6 * len(metrics), 3.8), squeeze=False)
    for ax, (col, ylabel) in zip(axes[0], metrics.items()):
        for name, g in history.groupby("loss", sort=True):
            ax.plot(g["epoch"], g[col].astype(float), marker="o", ms=3, lw=2, color=colours[name], label=name)
        ax.set_xlabel("epoch (0 = initialisation)")
        ax.set_ylabel(ylabel)
        ax.set_title(ylabel)
        ax.grid(alpha=0.3)
    axes[0][0].legend(title="loss", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_metric_bars(results: pd.DataFrame, metrics: Sequence[str], title: str) -> plt.Figure:
    """Mean (± std over seeds) of each metric per loss, one panel per metric."""
    _check_columns(results, ["loss", *metrics])
    order = list(dict.fromkeys(results["loss"]))
    colours = loss_colors(order)
    fig, axes = plt.subplots(1, len(metrics), figsize=(3.8 * len(metrics), 3.6), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        g = results.groupby("loss")[metric].agg(["mean", "std"]).reindex(order)
        ax.bar(order, g["mean"], yerr=g["std"].fillna(0), color=[colours[n] for n in order], capsize=3)
        ax.set_title(metric)
        ax.set_ylabel(f"{metric} (test, 0–1)" if metric != "hamming_loss" else "hamming loss (test, lower is better)")
        ax.set_xlabel("loss")
        ax.tick_params(axis="x", rotation=30)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_fraction_curves(results: pd.DataFrame, metrics: Sequence[str], title: str) -> plt.Figure:
    """Test metric vs training fraction (log x), one line per loss, mean ± std over seeds."""
    _check_columns(results, ["loss", "fraction", *metrics])
    colours = loss_colors(sorted(results["loss"].unique()))
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.6 * len(metrics), 3.8), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for name, g in results.groupby("loss", sort=True):
            s = g.groupby("fraction")[metric].agg(["mean", "std"]).sort_index()
            ax.errorbar(s.index * 100, s["mean"], yerr=s["std"].fillna(0), marker="o", ms=4, lw=2, capsize=3,
                        color=colours[name], label=name)
        ax.set_xscale("log")
        ax.set_xlabel("training data used (% of the training split, log scale)")
        ax.set_ylabel(f"{metric} (test)")
        ax.set_title(metric)
        ax.grid(alpha=0.3, which="both")
    axes[0][0].legend(title="loss", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_heatmap_pair(left: np.ndarray, right: np.ndarray, names: Sequence[str], titles: tuple[str, str],
                      suptitle: str) -> plt.Figure:
    """Two (L, L) label×label heatmaps side by side (e.g. prototype similarity vs co-occurrence)."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 5))
    for ax, m, t, cmap in zip(axes, (left, right), titles, ("vlag", "rocket_r")):
        sns.heatmap(m, ax=ax, cmap=cmap, xticklabels=names, yticklabels=names, square=True,
                    center=0 if cmap == "vlag" else None, cbar_kws={"shrink": 0.7})
        ax.set_title(t)
        ax.set_xlabel("label")
        ax.set_ylabel("label")
    fig.suptitle(suptitle)
    fig.tight_layout()
    return fig

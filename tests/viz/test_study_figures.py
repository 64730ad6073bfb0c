"""The study's figures draw summaries (report.tables.summarise) and the runs' stored geometry."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from mlcl_lab.metrics import label_correlation
from mlcl_lab.report.tables import summarise
from mlcl_lab.viz.embedding_figures import EmbeddingPanels, plot_centroid_heatmaps
from mlcl_lab.viz.study_figures import (
    plot_low_data,
    plot_metric_bars,
    plot_training_curves,
)


def _results():
    rows = []
    for fraction in (0.25, 1.0):
        for loss in ("bce", "reg"):
            for seed in (0, 1, 2):
                rows.append({"dataset": "d", "train_fraction": fraction, "loss": loss, "seed": seed,
                             "micro_f1": 0.5 + 0.1 * seed + fraction * (loss == "reg"), "macro_f1": 0.3 + 0.05 * seed,
                             "hamming_loss": 0.2})
    return pd.DataFrame(rows)


def test_metric_bars_draw_the_summary_mean_and_std(tmp_path):
    results = _results()
    full = results[results.train_fraction == 1.0]
    summary = summarise(full, ("micro_f1", "macro_f1"))
    fig = plot_metric_bars(summary, tmp_path / "bars", metrics=("micro_f1", "macro_f1"), title="d")
    bars = fig.axes[0].patches
    assert [b.get_height() for b in bars] == pytest.approx(list(summary["micro_f1_mean"]))
    assert (tmp_path / "bars.png").is_file() and (tmp_path / "bars.svg").is_file()
    plt.close(fig)
    with pytest.raises(ValueError, match=r"no column\(s\) \['micro_f1_mean'\]"):
        plot_metric_bars(summary.drop(columns=["micro_f1_mean"]).assign(micro_f1_std=0), metrics=("micro_f1",))


def test_low_data_and_training_curves(tmp_path):
    summary = summarise(_results(), ("macro_f1", "micro_f1"), by=("dataset", "train_fraction", "loss"))
    fig = plot_low_data(summary, tmp_path / "low")
    line = fig.axes[1].lines[0]  # micro-F1 of bce, one point per fraction
    assert list(line.get_xdata()) == [25.0, 100.0]
    plt.close(fig)
    history = pd.DataFrame({"loss": ["bce"] * 4, "seed": [0, 0, 1, 1], "epoch": [1, 2, 1, 2],
                            "train_loss": [1.0, 0.5, 0.8, 0.4], "val_micro_f1": [0.1, 0.2, 0.1, 0.3]})
    fig = plot_training_curves(history, tmp_path / "curves")
    assert list(fig.axes[0].lines[0].get_ydata()) == pytest.approx([0.9, 0.45])
    plt.close(fig)


def test_centroid_heatmaps_draw_the_stored_matrices(tmp_path):
    rng = np.random.default_rng(0)
    labels = (rng.random((60, 4)) < 0.4).astype(int)
    feats = {"bce": rng.normal(size=(60, 8)), "reg": rng.normal(size=(60, 8))}
    corr = {loss: label_correlation(f, labels).to_dict() for loss, f in feats.items()}
    panels = EmbeddingPanels(labels=labels, label_names=list("abcd"), features=feats,
                             centroid_cosine={k: c["centroid_cosine"] for k, c in corr.items()}, pmi=corr["bce"]["pmi"],
                             centroid_pmi_spearman={k: c["centroid_pmi_spearman"] for k, c in corr.items()}, title="d")
    fig = plot_centroid_heatmaps(panels, tmp_path / "centroids")
    assert "Spearman vs PMI" in fig.axes[1].get_title() and "label co-occurrence" in fig.axes[0].get_title()
    order = np.argsort(-labels.sum(0), kind="stable")                    # most frequent labels first
    pmi = np.asarray(corr["bce"]["pmi"], dtype=float)[np.ix_(order, order)]
    drawn = fig.axes[0].images[0].get_array()
    assert np.array_equal(drawn.mask, ~np.isfinite(pmi))                  # never-together pairs blank
    assert np.allclose(drawn.filled(0.0), np.where(np.isfinite(pmi), pmi, 0.0))
    for ax, loss in zip(fig.axes[1:3], ("bce", "reg")):
        assert ax.get_title().startswith(loss)
        assert np.allclose(ax.images[0].get_array(), np.asarray(corr[loss]["centroid_cosine"])[np.ix_(order, order)])
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == [list("abcd")[i] for i in order]
    assert (tmp_path / "centroids.png").is_file()
    plt.close(fig)
    with pytest.raises(ValueError, match="needs the PMI"):
        plot_centroid_heatmaps(EmbeddingPanels(labels=labels, label_names=list("abcd"), features=feats))

"""The playground's widget callbacks (no browser needed) and the shared exploration figures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from mlcl_lab.explore.playground import PlaygroundSettings, analyse, train_steps  # noqa: E402
from mlcl_lab.explore.plots import plot_fraction_curves, plot_heatmap_pair, plot_metric_bars, plot_per_epoch  # noqa: E402
from mlcl_lab.explore.plots_playground import plot_playground, plot_trajectory  # noqa: E402
from mlcl_lab.explore.widgets import Playground  # noqa: E402
from mlcl_lab.viz import loss_colors  # noqa: E402


def test_moving_a_control_recomputes_the_state() -> None:
    pg = Playground(PlaygroundSettings(loss="base", n_points=8), steps=4, frames=2)
    pg.redraw()
    before = pg.status.value
    pg.controls["temperature"].value = 0.1  # what the slider does in the browser
    assert pg.settings.temperature == pytest.approx(0.1)
    assert pg.status.value != before and "base" in pg.status.value
    pg.controls["loss"].value = "reg"
    assert pg.settings.loss == "reg" and "reg" in pg.status.value
    pg.animate()
    assert "4 steps" in pg.status.value
    plt.close("all")


@pytest.mark.parametrize("dim", [2, 3])
def test_playground_figures_have_titles_and_labelled_axes(dim: int) -> None:
    state = analyse(PlaygroundSettings(loss="msc", dim=dim, overlap=0.5))
    fig = plot_playground(state)
    points, weights, softmax = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert points.get_title() and weights.get_title() and softmax.get_title()
    assert weights.get_xlabel() and weights.get_ylabel()
    frames, values = train_steps(PlaygroundSettings(loss="msc", dim=dim), n_steps=4)
    fig2 = plot_trajectory(frames, values, state.y, "msc")
    assert any(ax.get_xlabel() for ax in fig2.axes)
    plt.close("all")


def test_per_epoch_and_metric_figures_use_the_shared_loss_colours() -> None:
    history = pd.DataFrame({"epoch": [0, 1, 0, 1], "loss": ["base", "base", "reg", "reg"], "alignment": [1, .8, 1, .7]})
    fig = plot_per_epoch(history, {"alignment": "alignment (lower = tighter)"}, "geometry")
    lines = {line.get_label(): line.get_color() for line in fig.axes[0].get_lines()}
    colours = loss_colors(["base", "reg"])
    assert matplotlib.colors.same_color(lines["base"], colours["base"])
    assert matplotlib.colors.same_color(lines["reg"], colours["reg"])
    assert fig.axes[0].get_xlabel() and fig.axes[0].get_ylabel()
    with pytest.raises(ValueError, match="missing column"):
        plot_per_epoch(history, {"uniformity": "u"}, "x")
    results = pd.DataFrame({"loss": ["bce", "bce", "reg", "reg"], "fraction": [0.5, 1.0, 0.5, 1.0],
                            "macro_f1": [.3, .4, .35, .42], "micro_f1": [.5, .6, .5, .58]})
    assert plot_metric_bars(results, ["macro_f1"], "bars").axes
    curves = plot_fraction_curves(results, ["macro_f1", "micro_f1"], "low data")
    assert len(curves.axes[0].get_lines()) >= 2 and curves.axes[0].get_xlabel()
    heat = plot_heatmap_pair(np.eye(3), np.ones((3, 3)), ["a", "b", "c"], ("left", "right"), "pair")
    assert [ax.get_title() for ax in heat.axes[:2]] == ["left", "right"]
    plt.close("all")

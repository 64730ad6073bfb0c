"""ipywidgets front-end of the loss playground; the callbacks are plain methods (testable)."""

from __future__ import annotations

from dataclasses import asdict

import matplotlib.pyplot as plt
from IPython.display import display

from .playground import PlaygroundSettings, analyse, playground_losses, train_steps, with_changes
from .plots_playground import plot_playground, plot_trajectory

__all__ = ["Playground", "FIGURE_CLASS"]

FIGURE_CLASS = "mlcl-playground-figure"  # CSS class of the figure output (the browser test looks for it)


class Playground:
    """Controls (loss, τ, α, β, labels, overlap, dimension, seed), a live figure and a
    "train a few steps" button that animates the points. ``redraw()`` and ``animate()``
    are what the widgets call."""

    def __init__(self, settings: PlaygroundSettings = PlaygroundSettings(), steps: int = 30, lr: float = 0.3,
                 frames: int = 10) -> None:
        import ipywidgets as w

        self.settings, self.steps, self.lr, self.n_frames = settings, steps, lr, frames
        slider = dict(continuous_update=False, style={"description_width": "110px"},
                      layout=w.Layout(width="360px"))
        self.controls = {
            "loss": w.Dropdown(options=playground_losses(), value=settings.loss, description="loss",
                               style=slider["style"]),
            "temperature": w.FloatLogSlider(value=settings.temperature, base=10, min=-1.3, max=0.3, step=0.05,
                                            description="temperature τ", readout_format=".2f", **slider),
            "alpha": w.FloatSlider(value=settings.alpha, min=0.0, max=2.0, step=0.1, description="α (overlap)", **slider),
            "beta": w.FloatSlider(value=settings.beta, min=0.01, max=1.0, step=0.01, description="β (msc repulsion)", **slider),
            "n_labels": w.IntSlider(value=settings.n_labels, min=2, max=6, description="number of labels", **slider),
            "overlap": w.FloatSlider(value=settings.overlap, min=0.0, max=1.0, step=0.05, description="label overlap", **slider),
            "dim": w.ToggleButtons(options=[("circle (2-D)", 2), ("sphere (3-D)", 3)], value=settings.dim,
                                   description="space", style={"description_width": "110px"}),
            "seed": w.IntSlider(value=settings.seed, min=0, max=20, description="batch seed", **slider),
        }
        for name, control in self.controls.items():
            control.add_class(f"mlcl-control-{name.replace('_', '-')}")
            control.observe(self._changed, names="value")
        self.button = w.Button(description="train a few steps", icon="play", button_style="primary")
        self.button.add_class("mlcl-train-button")
        self.button.on_click(lambda _: self.animate())
        self.status = w.HTML()
        self.figure = w.Output(layout=w.Layout(min_height="420px"))
        self.figure.add_class(FIGURE_CLASS)
        left = w.VBox([self.controls[k] for k in ("loss", "temperature", "alpha", "beta")])
        right = w.VBox([self.controls[k] for k in ("n_labels", "overlap", "dim", "seed")])
        self.widget = w.VBox([w.HBox([left, right]), w.HBox([self.button, self.status]), self.figure])

    def current(self) -> PlaygroundSettings:
        values = {k: c.value for k, c in self.controls.items()}
        return with_changes(self.settings, **values)

    def _changed(self, _change: object = None) -> None:
        self.redraw()

    def redraw(self) -> None:
        """Recompute the state for the current controls and redraw the figure."""
        self.settings = self.current()
        state = analyse(self.settings)
        self.status.value = f"<b>{self.settings.loss}</b>: loss {state.loss_value:.4f}"
        with self.figure:
            self.figure.clear_output(wait=True)
            fig = plot_playground(state)
            display(fig)
            plt.close(fig)

    def animate(self) -> None:
        """Train the toy points a few steps and show the frames one after another."""
        self.settings = self.current()
        frames, values = train_steps(self.settings, self.steps, self.lr, record_every=max(1, self.steps // self.n_frames))
        y = self.settings.batch().y
        for k in range(1, len(frames) + 1):
            with self.figure:
                self.figure.clear_output(wait=True)
                fig = plot_trajectory(frames[:k], values[:k], y, self.settings.loss, n_panels=min(k, 4))
                display(fig)
                plt.close(fig)
        self.status.value = f"<b>{self.settings.loss}</b>: {self.steps} steps, loss {values[0]:.4f} → {values[-1]:.4f}"

    def settings_dict(self) -> dict:
        return asdict(self.settings)

"""Exploration and teaching helpers used by the notebooks (the notebooks only glue and plot).

* toy.py / playground.py / plots_playground.py / widgets.py: the loss playground (paper.md §3–§4).
"""

from .playground import PlaygroundSettings, PlaygroundState, analyse, loss_hyper, playground_losses, train_steps
from .toy import ToyBatch, make_toy_batch

__all__ = ["PlaygroundSettings", "PlaygroundState", "analyse", "loss_hyper", "playground_losses", "train_steps",
           "ToyBatch", "make_toy_batch"]

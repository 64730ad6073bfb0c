"""Exploration and teaching helpers used by the notebooks (the notebooks only glue and plot).

* toy, playground, plots_playground, widgets: the loss playground (paper.md §3–§4);
* gradient_share, tracking: σ > w shares and geometry per epoch on real data (§4, §8);
* neighbours: nearest neighbours, prototype similarity vs label co-occurrence;
* lowdata: all losses over training fractions; plots: shared figures (mlcl_lab.viz colours).
"""

from .gradient_share import positive_repulsion_share
from .lowdata import low_data_study
from .neighbours import label_centroid_similarity, label_cooccurrence, nearest_neighbours, prototype_similarity
from .playground import PlaygroundSettings, PlaygroundState, analyse, loss_hyper, playground_losses, train_steps
from .toy import ToyBatch, make_toy_batch
from .tracking import TrackedRun, embed_split, prototypes_of, track_losses, train_tracked

__all__ = ["PlaygroundSettings", "PlaygroundState", "analyse", "loss_hyper", "playground_losses", "train_steps",
           "ToyBatch", "make_toy_batch", "positive_repulsion_share", "TrackedRun", "track_losses", "train_tracked", "embed_split", "prototypes_of",
           "nearest_neighbours", "label_cooccurrence", "prototype_similarity", "label_centroid_similarity",
           "low_data_study"]

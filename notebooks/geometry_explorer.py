# %% [markdown]
# # Geometry explorer: what the embedding space looks like, epoch by epoch
#
# Representation metrics over training for each loss (paper.md §8): alignment and uniformity (Wang & Isola
# 2020; lower is better for both), Spearman correlation between label-set Jaccard and cosine similarity,
# silhouette of the most frequent label sets (paper 2, Table 4) and kNN label precision. Then, for one loss:
# UMAP coloured by a chosen label, label cardinality and head vs tail labels; learned prototype similarity
# (or label-centroid similarity) next to label co-occurrence; and the nearest neighbours of one sample.

# %% tags=["parameters"]
dataset = "yeast"        # a built-in name (mlcl_lab.data.available_datasets())
dataset_kwargs = {}      # e.g. {"path": "..."} for local datasets, make_synthetic kwargs for "synthetic"
epochs = 30
batch_size = 128
probe_epochs = 40
seed = 0
device = "auto"          # "cpu", "cuda" or "auto"
out_dir = "runs/geometry_explorer"  # figures and metrics.json of this run

losses = ["base", "msc", "reg"]
focus_loss = "reg"       # the loss looked at in detail (must be in `losses`)
every = 5
max_eval = 512
run_umap = True
umap_label = 0           # label index coloured in the first UMAP panel
sample_index = 0         # test sample whose nearest neighbours are listed
n_neighbours = 8

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from mlcl_lab.data import dataset_statistics, load_dataset
from mlcl_lab.train import ProbeConfig, TrainConfig, prepare_inputs, resolve_device
from mlcl_lab.viz import save_figure

# %matplotlib inline
out = Path(out_dir)
out.mkdir(parents=True, exist_ok=True)
config = TrainConfig(epochs=epochs, batch_size=batch_size, device=device, probe=ProbeConfig(epochs=probe_epochs))
ds = load_dataset(dataset, **dataset_kwargs)
pd.Series(dataset_statistics(ds), name=ds.name).to_frame()

# %%
from mlcl_lab.explore import track_losses

data = prepare_inputs(ds, resolve_device(device), split_seed=seed)
history, runs = track_losses(losses, data, config, seed=seed, every=every, gradients=False, max_eval=max_eval)

# %%
from mlcl_lab.explore.plots import plot_per_epoch

fig = plot_per_epoch(history, {
    "alignment": "alignment (squared distance, lower = tighter)",
    "uniformity": "uniformity (log E e^{-2d²}, lower = spread)",
    "spearman_jaccard_cosine": "Spearman(Jaccard, cosine)",
    "silhouette": "silhouette of label sets (−1..1)",
    "knn_label_precision": "kNN label precision (0..1)",
}, f"{ds.name}: embedding geometry over training (validation split)")
save_figure(fig, out / "geometry_over_epochs")
plt.show()

# %%
from mlcl_lab.explore import embed_split

features, labels = embed_split(runs[focus_loss].model, data, "test")
if run_umap:
    from mlcl_lab.viz import UmapColoring, plot_umap, umap_embed

    xy = umap_embed(features, seed=seed)
    fig, axes = plt.subplots(1, 3, figsize=(18, 5))
    plot_umap(xy, labels, UmapColoring(by="label", label=umap_label, label_names=ds.label_names), ax=axes[0],
              title=f"{focus_loss}: label {ds.label_names[umap_label]}")
    plot_umap(xy, labels, UmapColoring(by="cardinality"), ax=axes[1], title=f"{focus_loss}: labels per sample")
    plot_umap(xy, labels, UmapColoring(by="head_tail"), ax=axes[2], title=f"{focus_loss}: head vs tail labels")
    for ax in axes:
        ax.set_xlabel("UMAP 1 (a.u.)")
        ax.set_ylabel("UMAP 2 (a.u.)")
    fig.tight_layout()
    save_figure(fig, out / "umap_focus")
    plt.show()

# %%
from mlcl_lab.explore import label_centroid_similarity, label_cooccurrence, prototype_similarity, prototypes_of
from mlcl_lab.explore.plots import plot_heatmap_pair

protos = prototypes_of(runs[focus_loss].model)
if protos is not None:
    left, left_title = prototype_similarity(protos), f"{focus_loss}: prototype cosine similarity"
else:
    left, left_title = label_centroid_similarity(features, labels), f"{focus_loss}: label-centroid cosine similarity"
fig = plot_heatmap_pair(left, label_cooccurrence(labels), ds.label_names,
                        (left_title, "label co-occurrence (Jaccard, test split)"),
                        "Does the geometry of labels follow how often they occur together?")
save_figure(fig, out / "prototypes_vs_cooccurrence")
plt.show()

# %%
from mlcl_lab.explore import nearest_neighbours

nearest_neighbours(features, labels, sample_index, k=n_neighbours, label_names=ds.label_names).round(3)

# %%
final = history.sort_values("epoch").groupby("loss").tail(1).set_index("loss")
(out / "metrics.json").write_text(final.drop(columns=["train_loss"]).to_json(indent=1))
final.drop(columns=["train_loss"]).round(3)

# %% [markdown]
# ## What to look at
# - **Alignment vs uniformity** trade off: a loss that only attracts collapses (alignment → 0, uniformity → 0).
# - **Spearman(Jaccard, cosine)** > 0 means that samples sharing more labels sit closer: the multi-label
#   structure is in the geometry, not only in the probe.
# - **Head vs tail**: are tail-label samples isolated or absorbed by head clusters? Prototypes (msc, reg)
#   give every label an anchor.
# - **Prototype similarity vs co-occurrence**: labels that co-occur should have close prototypes.
# - **Neighbours**: a high Jaccard in the first ranks is what kNN label precision summarises.

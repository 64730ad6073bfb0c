"""Cell sources of the exploration/teaching notebooks (see make_notebooks.py)."""

from __future__ import annotations

PLAYGROUND = [
    ("md", """
# Loss playground: what a multi-label contrastive loss does to a batch

A dozen points on the unit circle (or sphere), each with one or two labels. For the chosen loss
you see **who counts as a positive and how much** (the positive-weight matrix *W*), **where the softmax
puts its mass** (σ), and each point's gradient split into the three components of paper.md §4:
attraction to positives, repulsion from negatives, and the **repulsion between positives** that appears
whenever a positive already holds more softmax mass than its target weight (σ > w). REG (§3.10) removes
exactly that third component. Move the sliders: the figure updates live. "Train a few steps" animates how
the points move. With `interactive = False` (batch runs with papermill, which has no live front-end) the
notebook draws the same figures statically.
"""),
    ("parameters", """
loss = "base"            # any contrastive loss of mlcl_lab.losses
temperature = 0.5        # τ
alpha = 1.0              # overlap exponent (msc, mscwrg, reg)
beta = 0.1               # repulsion weight of other instances (msc)
n_labels = 3
overlap = 0.4            # probability that a point carries a second label
dim = 2                  # 2: circle, 3: sphere
n_points = 12
seed = 0
compare_losses = ["base", "mulsupcon", "msc", "reg"]
train_steps_count = 30
interactive = True       # the ipywidgets playground; set False for batch runs (papermill has no live front-end)
"""),
    ("code", """
import matplotlib.pyplot as plt
from mlcl_lab.explore import PlaygroundSettings, analyse, train_steps
from mlcl_lab.explore.plots_playground import plot_playground, plot_trajectory

%matplotlib inline
settings = PlaygroundSettings(loss=loss, temperature=temperature, alpha=alpha, beta=beta, n_labels=n_labels,
                              overlap=overlap, dim=dim, n_points=n_points, seed=seed)
"""),
    ("md", "## The interactive playground\nChange the loss, τ, α, β, the number of labels or the overlap."),
    ("code", """
if interactive:
    from IPython.display import display
    from mlcl_lab.explore.widgets import Playground

    playground = Playground(settings, steps=train_steps_count)
    display(playground.widget)
    playground.redraw()
"""),
    ("md", "## Static view: the same batch under several losses"),
    ("code", """
for name in compare_losses:
    state = analyse(PlaygroundSettings(**{**settings.__dict__, "loss": name}))
    fig = plot_playground(state)
    plt.show()
"""),
    ("md", "## A few training steps"),
    ("code", """
frames, values = train_steps(settings, n_steps=train_steps_count, lr=0.3, record_every=max(1, train_steps_count // 10))
fig = plot_trajectory(frames, values, settings.batch().y, settings.loss)
plt.show()
"""),
    ("md", """
## What to look at
- **Orange arrows** (repulsion between positives): they appear on points whose positives do not all carry
  the same weight (partial overlaps). Switch the loss to `reg`: they vanish, attraction and repulsion from
  negatives stay (paper.md §3.10, §4).
- **W vs σ**: training pushes σ towards W row by row. Where σ already exceeds W on a positive, the plain
  losses push that positive away.
- **Temperature**: a small τ sharpens σ, so more positives cross σ > w.
- **Overlap**: at 0 every positive is an exact match and the third component is nearly absent; raise it.
- **Prototypes** (★, for `msc`, `mscwrg`, `reg`, `proto`): every label gets a positive even when the batch has none.
"""),
]


_COMMON_PARAMS = """
dataset = "yeast"        # a built-in name (mlcl_lab.data.available_datasets())
dataset_kwargs = {}      # e.g. {"path": "..."} for local datasets, make_synthetic kwargs for "synthetic"
epochs = 30
batch_size = 128
probe_epochs = 40
seed = 0
device = "auto"          # "cpu", "cuda" or "auto"
out_dir = "runs/{name}"  # figures and metrics.json of this run
"""


def _params(name: str, extra: str) -> str:
    return _COMMON_PARAMS.replace("{name}", name) + extra


_SETUP = """
import json
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from mlcl_lab.data import dataset_statistics, load_dataset
from mlcl_lab.train import ProbeConfig, TrainConfig, prepare_inputs, resolve_device
from mlcl_lab.viz import save_figure

%matplotlib inline
out = Path(out_dir)
out.mkdir(parents=True, exist_ok=True)
config = TrainConfig(epochs=epochs, batch_size=batch_size, device=device, probe=ProbeConfig(epochs=probe_epochs))
ds = load_dataset(dataset, **dataset_kwargs)
pd.Series(dataset_statistics(ds), name=ds.name).to_frame()
"""

QUICK_START = [
    ("md", """
# Quick start: one contrastive loss against BCE

Loads a dataset, trains one multi-label contrastive loss (stage 1, then a linear probe on the frozen
encoder, paper.md §5.1) and the BCE baseline trained end to end (§3.1), compares their test metrics and
looks at the test embeddings with UMAP. With the defaults (yeast, 30 epochs) it runs in under two
minutes on a laptop CPU. Everything below is a call into `mlcl_lab`; change the parameters and rerun.
"""),
    ("parameters", _params("quick_start", """
contrastive_loss = "reg"   # any contrastive loss: mlcl_lab.losses.available_losses()
run_umap = True
""")),
    ("code", _SETUP),
    ("md", "## Train both runs"),
    ("code", """
from mlcl_lab.train import run_study

study = run_study(ds, [contrastive_loss, "bce"], [seed], config, progress=False)
results = study.results
results[["loss", "kind", "seconds", "micro_f1", "macro_f1", "hamming_loss", "map_macro"]]
"""),
    ("code", """
from mlcl_lab.explore.plots import plot_metric_bars

fig = plot_metric_bars(results, ["micro_f1", "macro_f1", "hamming_loss"], f"{ds.name}: test metrics")
save_figure(fig, out / "metric_bars")
plt.show()
"""),
    ("md", "## The test embeddings (UMAP of the frozen encoder features)"),
    ("code", """
if run_umap:
    from mlcl_lab.viz import plot_umap, umap_embed

    fig, axes = plt.subplots(1, len(study.runs), figsize=(6 * len(study.runs), 5), squeeze=False)
    for ax, run in zip(axes[0], study.runs):
        xy = umap_embed(run.test_features, seed=seed)
        plot_umap(xy, study.test_labels, color_by="cardinality", ax=ax, title=f"{run.loss}: labels per sample")
        ax.set_xlabel("UMAP 1 (a.u.)")
        ax.set_ylabel("UMAP 2 (a.u.)")
    fig.tight_layout()
    save_figure(fig, out / "umap_test")
    plt.show()
"""),
    ("code", """
(out / "metrics.json").write_text(json.dumps({"dataset": ds.name, "runs": results.to_dict(orient="records")}, indent=1, default=float))
print("wrote", out.resolve())
"""),
    ("md", """
## What to look at
- **Micro vs macro F1**: contrastive pre-training typically helps macro-F1 (rare labels) more than micro-F1 (paper.md §10).
- **UMAP**: does the contrastive space group samples by label set (coloured islands) where BCE spreads them?
- Try `contrastive_loss = "base"`, `"mulsupcon"` or `"msc"`; the loss playground explains how they differ.
"""),
]

GRADIENTS = [
    ("md", """
# Gradient analysis: positives that repel each other

For an anchor with positive weights w and softmax σ, the gradient on a positive pair is σ − w (paper.md §4).
When a positive already holds more softmax mass than its target weight (σ > w), the loss **pushes it away**:
positives compete for a shared denominator. Multi-label weights are unequal (Jaccard, per-label
normalisation), so this happens systematically. REG (§3.10) removes exactly this component. This notebook
trains several losses on real data and measures, every epoch on the validation split, the share of positive
pairs with σ > w and the share whose gradient actually repels.
"""),
    ("parameters", _params("gradient_analysis", """
losses = ["base", "mulsupcon", "mscwrg", "reg"]
every = 1                # measure every `every` epochs
max_eval = 512           # validation samples used for the measurements
""")),
    ("code", _SETUP),
    ("code", """
from mlcl_lab.explore import track_losses

data = prepare_inputs(ds, resolve_device(device), split_seed=seed)
history, runs = track_losses(losses, data, config, seed=seed, every=every, geometry=False, max_eval=max_eval)
history[["loss", "epoch", "train_loss", "share_sigma_gt_w", "share_repelled", "repulsion_to_attraction"]].round(3)
"""),
    ("code", """
from mlcl_lab.explore.plots import plot_per_epoch

fig = plot_per_epoch(history, {
    "share_sigma_gt_w": "positive pairs with σ > w (fraction)",
    "share_repelled": "positive pairs repelled (fraction)",
    "repulsion_to_attraction": "positive repulsion / attraction (norm ratio)",
}, f"{ds.name}: the positive–positive repulsion during training (validation split)")
save_figure(fig, out / "gradient_shares")
plt.show()
"""),
    ("code", """
final = history.sort_values("epoch").groupby("loss").tail(1).set_index("loss")
(out / "metrics.json").write_text(final[["share_sigma_gt_w", "share_repelled", "repulsion_to_attraction"]].to_json(indent=1))
final[["share_sigma_gt_w", "share_repelled", "repulsion_to_attraction"]]
"""),
    ("md", """
## What to look at
- **σ > w** is a property of the embedding; **repelled** is what the gradient does with it. For every
  loss but `reg` the two curves coincide; for `reg` the second is 0 by construction, while its σ > w share
  stays comparable: REG does not prevent the situation, it stops pushing positives apart.
- The **norm ratio** tells how strong the competing term is compared with the attraction it fights.
- Compare with the toy picture in `loss_playground.ipynb` (orange arrows).
"""),
]

GEOMETRY = [
    ("md", """
# Geometry explorer: what the embedding space looks like, epoch by epoch

Representation metrics over training for each loss (paper.md §8): alignment and uniformity (Wang & Isola
2020; lower is better for both), Spearman correlation between label-set Jaccard and cosine similarity,
silhouette of the most frequent label sets (paper 2, Table 4) and kNN label precision. Then, for one loss:
UMAP coloured by a chosen label, label cardinality and head vs tail labels; learned prototype similarity
(or label-centroid similarity) next to label co-occurrence; and the nearest neighbours of one sample.
"""),
    ("parameters", _params("geometry_explorer", """
losses = ["base", "msc", "reg"]
focus_loss = "reg"       # the loss looked at in detail (must be in `losses`)
every = 5
max_eval = 512
run_umap = True
umap_label = 0           # label index coloured in the first UMAP panel
sample_index = 0         # test sample whose nearest neighbours are listed
n_neighbours = 8
""")),
    ("code", _SETUP),
    ("code", """
from mlcl_lab.explore import track_losses

data = prepare_inputs(ds, resolve_device(device), split_seed=seed)
history, runs = track_losses(losses, data, config, seed=seed, every=every, gradients=False, max_eval=max_eval)
"""),
    ("code", """
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
"""),
    ("code", """
from mlcl_lab.explore import embed_split

features, labels = embed_split(runs[focus_loss].model, data, "test")
if run_umap:
    from mlcl_lab.viz import plot_umap, umap_embed

    xy = umap_embed(features, seed=seed)
    fig, axes = plt.subplots(1, 3, figsize=(18, 5))
    plot_umap(xy, labels, color_by="label", label=umap_label, label_names=ds.label_names, ax=axes[0],
              title=f"{focus_loss}: label {ds.label_names[umap_label]}")
    plot_umap(xy, labels, color_by="cardinality", ax=axes[1], title=f"{focus_loss}: labels per sample")
    plot_umap(xy, labels, color_by="head_tail", ax=axes[2], title=f"{focus_loss}: head vs tail labels")
    for ax in axes:
        ax.set_xlabel("UMAP 1 (a.u.)")
        ax.set_ylabel("UMAP 2 (a.u.)")
    fig.tight_layout()
    save_figure(fig, out / "umap_focus")
    plt.show()
"""),
    ("code", """
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
"""),
    ("code", """
from mlcl_lab.explore import nearest_neighbours

nearest_neighbours(features, labels, sample_index, k=n_neighbours, label_names=ds.label_names).round(3)
"""),
    ("code", """
final = history.sort_values("epoch").groupby("loss").tail(1).set_index("loss")
(out / "metrics.json").write_text(final.drop(columns=["train_loss"]).to_json(indent=1))
final.drop(columns=["train_loss"]).round(3)
"""),
    ("md", """
## What to look at
- **Alignment vs uniformity** trade off: a loss that only attracts collapses (alignment → 0, uniformity → 0).
- **Spearman(Jaccard, cosine)** > 0 means that samples sharing more labels sit closer: the multi-label
  structure is in the geometry, not only in the probe.
- **Head vs tail**: are tail-label samples isolated or absorbed by head clusters? Prototypes (msc, reg)
  give every label an anchor.
- **Prototype similarity vs co-occurrence**: labels that co-occur should have close prototypes.
- **Neighbours**: a high Jaccard in the first ranks is what kNN label precision summarises.
"""),
]

LOW_DATA = [
    ("md", """
# Low-data regime: all losses at shrinking training sets

Contrastive pre-training is argued to help most when labels are scarce (paper.md §10). This notebook trains
every chosen loss on nested label-stratified subsets of one training split (`training_subset`: a smaller
fraction's samples are inside every larger one) and plots test metrics against the fraction used.
"""),
    ("parameters", _params("low_data", """
losses = ["bce", "zlpr", "base", "mulsupcon", "msc", "reg"]
fractions = [0.05, 0.1, 0.25, 0.5, 1.0]
seeds = [0, 1, 2]
""")),
    ("code", _SETUP),
    ("code", """
from mlcl_lab.explore import low_data_study

results = low_data_study(ds, losses, fractions, seeds, config)
results.groupby(["fraction", "loss"])[["micro_f1", "macro_f1"]].mean().unstack("loss").round(3)
"""),
    ("code", """
from mlcl_lab.explore.plots import plot_fraction_curves

fig = plot_fraction_curves(results, ["micro_f1", "macro_f1", "map_macro"], f"{ds.name}: test metrics vs training data")
save_figure(fig, out / "low_data_curves")
plt.show()
results.to_csv(out / "results.csv", index=False)
(out / "metrics.json").write_text(results.to_json(orient="records", indent=1))
"""),
    ("md", """
## What to look at
- Where do the contrastive curves cross BCE? The gap at the smallest fractions is the claim under test.
- Macro-F1 (rare labels) usually reacts first: tail labels lose their few examples first.
- Error bars are the spread over seeds; with 3 seeds, treat small gaps as ties.
"""),
]

BYOD = [
    ("md", """
# Bring your own data

How to run the study on your own multi-label data. `mlcl_lab.data.load_dataset` reads:
- **svmlight / LIBSVM** multi-label files: `load_dataset("svmlight", path="train.svm")`
- **MULAN / MEKA ARFF**: `load_dataset("arff", path="yeast.arff", n_labels=14)` (or `xml_path=` the MULAN XML)
- **CSV** with a text column and a label-list column: `load_dataset("csv", path="data.csv")`
- **JSONL** with `text` and `labels` fields: `load_dataset("jsonl", path="data.jsonl")`
- the **paper's datasets** from a local copy: `load_dataset("aapd", path=...)`, `"rcv1v2"`, `"uklex"`, `"coco2014"`, `"voc2007"`, …
  (`mlcl_lab.data.available_datasets()` lists them with what to download).

Text datasets are embedded once by a frozen sentence encoder and cached (`encoder_inputs`). Without a
`data_path`, this notebook writes a small svmlight file from the built-in yeast data to show the round trip.
The protocol is paper.md §5.1.
"""),
    ("parameters", """
data_format = "svmlight"   # "svmlight", "arff", "csv", "jsonl" or a paper dataset name
data_path = None           # your file; None: write a demo svmlight file from yeast
format_kwargs = {}         # e.g. {"n_labels": 14} for arff
losses = ["bce", "reg"]
seeds = [0]
epochs = 30
batch_size = 128
probe_epochs = 40
device = "auto"
out_dir = "runs/bring_your_own_data"
demo_samples = 600         # size of the demo file
"""),
    ("code", """
import json
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from mlcl_lab.data import available_datasets, dataset_statistics, load_dataset
from mlcl_lab.train import ProbeConfig, TrainConfig, run_study
from mlcl_lab.viz import save_figure

%matplotlib inline
out = Path(out_dir)
out.mkdir(parents=True, exist_ok=True)
"""),
    ("code", """
if data_path is None:
    from mlcl_lab.explore.byod import write_demo_svmlight

    data_path = write_demo_svmlight(out / "demo.svm", n_samples=demo_samples)
    data_format = "svmlight"
print(data_format, "<-", data_path)
ds = load_dataset(data_format, path=str(data_path), **format_kwargs)
pd.Series(dataset_statistics(ds), name=ds.name).to_frame()
"""),
    ("code", """
config = TrainConfig(epochs=epochs, batch_size=batch_size, device=device, probe=ProbeConfig(epochs=probe_epochs))
study = run_study(ds, losses, seeds, config, progress=False)
study.results[["loss", "seed", "micro_f1", "macro_f1", "hamming_loss"]].round(4)
"""),
    ("code", """
from mlcl_lab.explore.plots import plot_metric_bars

fig = plot_metric_bars(study.results, ["micro_f1", "macro_f1"], f"{ds.name}: test metrics")
save_figure(fig, out / "metric_bars")
plt.show()
study.results.to_csv(out / "results.csv", index=False)
(out / "metrics.json").write_text(study.results.to_json(orient="records", indent=1))
"""),
    ("md", """
## What to look at
- The statistics table: label cardinality, number of label sets and head/tail counts tell you which
  losses to expect to differ (many partial overlaps → REG vs the rest).
- For a full report with seeds, figures and a run folder use `mlcl-lab report` (README) on the same dataset.
"""),
]

NOTEBOOKS = {
    "quick_start": QUICK_START,
    "loss_playground": PLAYGROUND,
    "gradient_analysis": GRADIENTS,
    "geometry_explorer": GEOMETRY,
    "low_data": LOW_DATA,
    "bring_your_own_data": BYOD,
}

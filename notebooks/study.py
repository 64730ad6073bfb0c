# %% [markdown]
# # Multi-label contrastive learning: a small study
#
# This notebook trains an encoder with each requested loss, evaluates it with the study's
# protocol and writes a run folder (`params.json`, `metrics.json`, `results.csv`,
# `history.csv`, figures).
#
# * **Contrastive losses** (e.g. `base`, the Jaccard-weighted SupCon of Audibert et al.,
#   arXiv 2412.00101) train encoder + projection head; a **linear probe** on the frozen
#   encoder features, with per-label choice of (learning rate, weight decay) on the
#   validation set, then predicts labels at threshold 0.5.
# * **Supervised baselines** (e.g. `bce`) train encoder + linear classifier end to end,
#   keeping the epoch with the best validation micro-F1.
#
# All computation lives in the `mlcl_lab` package; this notebook only calls it, shows the
# numbers and draws the figures. Papermill sets the parameters below.

# %% tags=["parameters"]
# Parameters (papermill overrides these)
dataset = "yeast"
losses = ["bce", "base"]
seeds = [0, 1, 2]
epochs = 30
batch_size = 128
probe_epochs = 40
lr = 1e-3
temperature = 0.1
loss_options = {}  # per loss, e.g. {"reg": {"alpha": 0.5}, "msc": {"beta": 0.1}}
queue_size = 0     # > 0: memory queue of momentum-encoder keys (paper 2)
train_fraction = 1.0
split_seed = 0
device = "auto"
umap_backend = "auto"
color_label = 0
make_figures = True  # training curves and metric bars (a grid's report draws its own)
make_umap = True
output_dir = "."

# %%
from pathlib import Path

import pandas as pd

from mlcl_lab.data import dataset_statistics, load_dataset
from mlcl_lab.report import summarise, write_study_outputs
from mlcl_lab.report.embedding_figures import plot_umap_panels
from mlcl_lab.report.figures import plot_metric_bars, plot_training_curves
from mlcl_lab.train import ProbeConfig, TrainConfig, environment_info, resolve_device, run_study

out = Path(output_dir)
out.mkdir(parents=True, exist_ok=True)
config = TrainConfig(epochs=epochs, batch_size=batch_size, lr=lr, temperature=temperature, loss_options=loss_options,
                     queue_size=queue_size, device=device, probe=ProbeConfig(epochs=probe_epochs))

# %% [markdown]
# ## The dataset

# %%
ds = load_dataset(dataset)
pd.Series(dataset_statistics(ds), name=ds.name).to_frame()

# %% [markdown]
# ## Training and evaluation
#
# One run per loss and seed, on one seeded, label-stratified train/validation/test split.

# %%
study = run_study(ds, losses, seeds, config, split_seed=split_seed, train_fraction=train_fraction)
params = {
    "notebook": {"dataset": dataset, "losses": losses, "seeds": seeds, "epochs": epochs, "batch_size": batch_size,
                 "probe_epochs": probe_epochs, "lr": lr, "temperature": temperature,
                 "loss_options": loss_options, "queue_size": queue_size, "train_fraction": train_fraction, "split_seed": split_seed,
                 "device": device, "umap_backend": umap_backend, "color_label": color_label, "make_figures": make_figures,
                 "make_umap": make_umap},
    "train_config": config.to_dict(),
    "environment": environment_info(resolve_device(device)),
}
extra = {"dataset_statistics": dataset_statistics(ds), "label_names": list(ds.label_names)}
paths = write_study_outputs(study, out, params, config=config, extra_metrics=extra)
study.results

# %% [markdown]
# ## Results: mean ± standard deviation over seeds (test set)

# %%
summarise(study.results)

# %% [markdown]
# ## Figures

# %%
fig = plot_training_curves(study.histories, out / "training_curves") if make_figures else None
fig

# %%
fig = plot_metric_bars(study.results, out / "metric_bars") if make_figures else None
fig

# %%
if make_umap and make_figures:
    first_seed = {run.loss: run.test_features for run in study.runs if run.seed == seeds[0]}
    fig, umap_info = plot_umap_panels(first_seed, study.test_labels, study.label_names, out / "umap_test",
                                      color_label=color_label, backend=umap_backend, seed=split_seed, title=ds.name)
    print("\n".join(umap_info))
else:
    fig = None
    print("UMAP skipped (make_umap or make_figures is False)")
fig

# %% [markdown]
# ## What to look at
#
# * **Micro- vs macro-F1.** The study reports that contrastive losses shine in macro-F1 on
#   datasets with many labels and that BCE-type losses hold up when labels are few
#   (yeast has 14): compare the bars.
# * **Training curves.** The contrastive loss should decrease smoothly; the supervised
#   panel marks the epoch kept by validation.
# * **UMAP.** Test samples of the coloured label should gather in the space learnt by a
#   loss that encodes label structure.

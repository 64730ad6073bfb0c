# %% [markdown]
# # Low-data regime: all losses at shrinking training sets
#
# Contrastive pre-training is argued to help most when labels are scarce (paper.md §10). This notebook trains
# every chosen loss on nested label-stratified subsets of one training split (`training_subset`: a smaller
# fraction's samples are inside every larger one) and plots test metrics against the fraction used.

# %% tags=["parameters"]
dataset = "yeast"        # a built-in name (mlcl_lab.data.available_datasets())
dataset_kwargs = {}      # e.g. {"path": "..."} for local datasets, make_synthetic kwargs for "synthetic"
epochs = 30
batch_size = 128
probe_epochs = 40
seed = 0
device = "auto"          # "cpu", "cuda" or "auto"
out_dir = "runs/low_data"  # figures and metrics.json of this run

losses = ["bce", "zlpr", "base", "mulsupcon", "msc", "reg"]
fractions = [0.05, 0.1, 0.25, 0.5, 1.0]
seeds = [0, 1, 2]

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from mlcl_lab.data import dataset_statistics, load_dataset
from mlcl_lab.train import ProbeConfig, TrainConfig
from mlcl_lab.viz import save_figure

# %matplotlib inline
out = Path(out_dir)
out.mkdir(parents=True, exist_ok=True)
config = TrainConfig(epochs=epochs, batch_size=batch_size, device=device, probe=ProbeConfig(epochs=probe_epochs))
ds = load_dataset(dataset, **dataset_kwargs)
pd.Series(dataset_statistics(ds), name=ds.name).to_frame()

# %%
from mlcl_lab.explore import low_data_study

results = low_data_study(ds, losses, fractions, seeds, config)
results.groupby(["fraction", "loss"])[["micro_f1", "macro_f1"]].mean().unstack("loss").round(3)

# %%
from mlcl_lab.explore.plots import plot_fraction_curves

fig = plot_fraction_curves(results, ["micro_f1", "macro_f1", "map_macro"], f"{ds.name}: test metrics vs training data")
save_figure(fig, out / "low_data_curves")
plt.show()
results.to_csv(out / "results.csv", index=False)
(out / "metrics.json").write_text(results.to_json(orient="records", indent=1))

# %% [markdown]
# ## What to look at
# - Where do the contrastive curves cross BCE? The gap at the smallest fractions is the claim under test.
# - Macro-F1 (rare labels) usually reacts first: tail labels lose their few examples first.
# - Error bars are the spread over seeds; with 3 seeds, treat small gaps as ties.

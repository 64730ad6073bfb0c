# %% [markdown]
# # Gradient analysis: positives that repel each other
#
# For an anchor with positive weights w and softmax σ, the gradient on a positive pair is σ − w (paper.md §4).
# When a positive already holds more softmax mass than its target weight (σ > w), the loss **pushes it away**:
# positives compete for a shared denominator. Multi-label weights are unequal (Jaccard, per-label
# normalisation), so this happens systematically. REG (§3.10) removes exactly this component. This notebook
# trains several losses on real data and measures, every epoch on the validation split, the share of positive
# pairs with σ > w and the share whose gradient actually repels.

# %% tags=["parameters"]
dataset = "yeast"        # a built-in name (mlcl_lab.data.available_datasets())
dataset_kwargs = {}      # e.g. {"path": "..."} for local datasets, make_synthetic kwargs for "synthetic"
epochs = 30
batch_size = 128
probe_epochs = 40
seed = 0
device = "auto"          # "cpu", "cuda" or "auto"
out_dir = "runs/gradient_analysis"  # figures and metrics.json of this run

losses = ["base", "mulsupcon", "mscwrg", "reg"]
every = 1                # measure every `every` epochs
max_eval = 512           # validation samples used for the measurements

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
history, runs = track_losses(losses, data, config, seed=seed, every=every, geometry=False, max_eval=max_eval)
history[["loss", "epoch", "train_loss", "share_sigma_gt_w", "share_repelled", "repulsion_to_attraction"]].round(3)

# %%
from mlcl_lab.explore.plots import plot_per_epoch

fig = plot_per_epoch(history, {
    "share_sigma_gt_w": "positive pairs with σ > w (fraction)",
    "share_repelled": "positive pairs repelled (fraction)",
    "repulsion_to_attraction": "positive repulsion / attraction (norm ratio)",
}, f"{ds.name}: the positive–positive repulsion during training (validation split)")
save_figure(fig, out / "gradient_shares")
plt.show()

# %%
final = history.sort_values("epoch").groupby("loss").tail(1).set_index("loss")
(out / "metrics.json").write_text(final[["share_sigma_gt_w", "share_repelled", "repulsion_to_attraction"]].to_json(indent=1))
final[["share_sigma_gt_w", "share_repelled", "repulsion_to_attraction"]]

# %% [markdown]
# ## What to look at
# - **σ > w** is a property of the embedding; **repelled** is what the gradient does with it. For every
#   loss but `reg` the two curves coincide; for `reg` the second is 0 by construction, while its σ > w share
#   stays comparable: REG does not prevent the situation, it stops pushing positives apart.
# - The **norm ratio** tells how strong the competing term is compared with the attraction it fights.
# - Compare with the toy picture in `loss_playground.py` (orange arrows).

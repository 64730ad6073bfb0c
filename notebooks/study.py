# %% [markdown]
# # Multi-label contrastive learning: a small study
#
# This notebook trains an encoder with each requested loss, evaluates it with the study's
# protocol and writes a run folder (`params.json`, `metrics.json`, `results.csv`,
# `history.csv`, embeddings, checkpoints, figures; see `mlcl_lab.report.runs`).
#
# * **Contrastive losses** (e.g. `base`, the Jaccard-weighted SupCon of Audibert et al.,
#   arXiv 2412.00101) train encoder + projection head; a **linear probe** on the frozen
#   encoder features, with per-label choice of (learning rate, weight decay) on the
#   validation set, then predicts labels at threshold 0.5.
# * **Supervised baselines** (e.g. `bce`) train encoder + linear classifier end to end,
#   keeping the epoch with the best validation micro-F1.
#
# All computation lives in the `mlcl_lab` package; this notebook only calls it, shows the
# numbers and draws the figures. Papermill sets the parameters below; their types, defaults
# and meaning are declared once in `mlcl_lab.report.parameters.StudyParameters`.

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
from mlcl_lab.data import dataset_statistics
from mlcl_lab.report.parameters import StudyParameters, load_study_dataset
from mlcl_lab.report.runs import RunFolder, write_run
from mlcl_lab.report.tables import summarise
from mlcl_lab.runtime import PhaseTimer
from mlcl_lab.train import run_study
from mlcl_lab.viz.embedding_figures import EmbeddingPanels, plot_umap_panels
from mlcl_lab.viz.study_figures import plot_metric_bars, plot_training_curves

timer = PhaseTimer()
params = StudyParameters.from_namespace(globals())  # the cell above, checked (names, types, ranges)
config = params.train_config()
run_folder = RunFolder(params.output_dir)

# %% [markdown]
# ## The dataset

# %%
with timer.phase("data_load"):
    ds = load_study_dataset(params.dataset)
dataset_statistics(ds)

# %% [markdown]
# ## Training and evaluation
#
# One run per loss and seed, on one seeded, label-stratified train/validation/test split.

# %%
study = run_study(ds, params.losses, params.seeds, config, split_seed=params.split_seed,
                  train_fraction=params.train_fraction)
study.results

# %% [markdown]
# ## Results: mean ± standard deviation over seeds (test set)

# %%
summarise(study.results)

# %% [markdown]
# ## Figures

# %%
fig = plot_training_curves(study.histories, run_folder.figure("training_curves")) if params.make_figures else None
fig

# %%
fig = plot_metric_bars(summarise(study.results), run_folder.figure("metric_bars")) if params.make_figures else None
fig

# %%
if params.make_umap and params.make_figures:
    panels = EmbeddingPanels(labels=study.test_labels, label_names=study.label_names, title=ds.name,
                             features={run.loss: run.test_features for run in study.runs if run.seed == params.seeds[0]})
    with timer.phase("umap"):
        fig, umap_info = plot_umap_panels(panels, run_folder.figure("umap_test"), color_label=params.color_label,
                                          backend=params.umap_backend, seed=params.split_seed)
    print("\n".join(umap_info))
else:
    fig = None
    print("UMAP skipped (make_umap or make_figures is False)")
fig

# %% [markdown]
# ## The run folder
#
# Every file of the run folder (metrics, tables, embeddings, checkpoints, and last
# `params.json` with the parameters, train config, environment and timings) is written by
# one call; `mlcl_lab.report.runs` documents each file.

# %%
write_run(run_folder.path, study, params, config=config, dataset=ds, timings=timer.seconds)
sorted(str(p.relative_to(run_folder.path)) for p in run_folder.path.rglob("*") if p.is_file())

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

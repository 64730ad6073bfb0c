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
train_options = {}  # more TrainConfig fields, e.g. {"encoder": "resnet50", "image_size": 224}
train_fraction = 1.0
split_seed = 0
device = "auto"
threads = 1        # CPU threads; the numbers depend on it (README: Reproducibility)
umap_backend = "auto"
color_label = 0
make_figures = True  # training curves and metric bars (a grid's report draws its own)
make_umap = True
output_dir = "."
batch = []  # set by a grid's executor: the runs this kernel computes (mlcl_lab.report.batch)

# %%
from IPython.display import Markdown, display

from mlcl_lab.data import dataset_statistics
from mlcl_lab.report.batch import BatchInputs, batch_runs, run_in_batch
from mlcl_lab.report.parameters import StudyParameters, load_study_dataset
from mlcl_lab.report.runs import write_run
from mlcl_lab.report.tables import summarise
from mlcl_lab.runtime import PhaseTimer, keep_heap_memory, set_threads
from mlcl_lab.viz import saved_png
from mlcl_lab.viz.embedding_figures import EmbeddingPanels, plot_umap_panels
from mlcl_lab.viz.study_figures import plot_metric_bars, plot_training_curves

timer = PhaseTimer()
params = StudyParameters.from_namespace(globals())  # the cell above, checked (names, types, ranges)
set_threads(params.threads)  # before any computation: every entry point computes with the same thread count
keep_heap_memory()  # large activations reuse freed memory instead of page-faulting in (numbers unchanged)
# `batch`: the runs this one kernel computes, each into its own folder; empty: the one
# run of the cell above, into output_dir.
runs = batch_runs(params, batch)
print(f"{len(runs)} run(s) in this notebook: " + ", ".join(run.name for run in runs))

# %% [markdown]
# ## The dataset

# %%
with timer.phase("data_load"):
    ds = load_study_dataset(params.dataset)
dataset_statistics(ds)

# %% [markdown]
# ## Training, evaluation, figures and the run folder of each run
#
# One run per loss and seed, on one seeded, label-stratified train/validation/test split
# (prepared once and shared by the runs that use it). For each run: its results (test
# set), the mean ± standard deviation over its seeds, its figures, and its run folder —
# every file (metrics, tables, embeddings, checkpoints, and last `params.json` with the
# parameters, train config, environment and timings) is written by one call;
# `mlcl_lab.report.runs` documents each file.

# %%
inputs = BatchInputs(ds, runs)
for run in runs:
    display(Markdown(f"### Run `{run.name}`\n\nlosses {run.params.losses}, seeds {run.params.seeds}, "
                     f"training fraction {run.params.train_fraction:g} → `{run.folder.path}`"))
    with run_in_batch(run, timer, inputs) as current:
        config = run.params.train_config()
        study = inputs.study(run)
        display(study.results)
        if len(study.results) > 1:  # mean ± std over the seeds; a single (loss, seed) is its own summary
            display(summarise(study.results))
        if run.params.make_figures:
            curves, bars = run.folder.figure("training_curves"), run.folder.figure("metric_bars")
            display(saved_png(plot_training_curves(study.histories, curves), curves))  # shown once, from its file
            display(saved_png(plot_metric_bars(summarise(study.results), bars), bars))
        if run.params.make_umap and run.params.make_figures:
            first_seed = run.params.seeds[0]
            panels = EmbeddingPanels(labels=study.test_labels, label_names=study.label_names, title=ds.name,
                                     features={r.loss: r.test_features for r in study.runs if r.seed == first_seed})
            with current.timer.phase("umap"):
                fig, umap_info = plot_umap_panels(panels, run.folder.figure("umap_test"),
                                                  color_label=run.params.color_label,
                                                  backend=run.params.umap_backend, seed=run.params.split_seed)
            print("\n".join(umap_info))
            display(saved_png(fig, run.folder.figure("umap_test")))
        write_run(run.folder.path, study, run.params, config=config, dataset=ds, timings=current.timer.seconds,
                  batch=current.record)
    print(sorted(str(p.relative_to(run.folder.path)) for p in run.folder.path.rglob("*") if p.is_file()))

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

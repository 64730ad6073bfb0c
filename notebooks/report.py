# %% [markdown]
# # Study report
#
# Aggregates the finished runs of a grid (datasets × losses × seeds × training fractions)
# into the study's tables and figures, following Audibert, Gauffre & Amini, *Multi-Label
# Contrastive Learning: A Comprehensive Study* (arXiv 2412.00101) and the ABALONE paper
# (arXiv 2404.08720). Every number is read from the runs' own `metrics.json`; the findings
# table recomputes each qualitative claim of the paper from them.
#
# `mlcl-lab report` executes this notebook with papermill after the grid's runs.

# %% tags=["parameters"]
# Parameters (papermill overrides these)
grid_file = ""
grid_dir = ""
output_dir = "."
umap_backend = "auto"
umap_seed = 0
color_label = 0

# %%
from IPython.display import Markdown, display

from mlcl_lab.report.findings import check_findings
from mlcl_lab.report.grid import load_grid
from mlcl_lab.report.runs import GridRuns, ReportFolder
from mlcl_lab.report.tables import (
    METRICS,
    best_marked_markdown,
    frame_markdown,
    summarise,
    write_report_payload,
    write_table,
)
from mlcl_lab.viz import saved_png
from mlcl_lab.viz.embedding_figures import plot_centroid_heatmaps, plot_umap_panels
from mlcl_lab.viz.study_figures import plot_low_data, plot_metric_bars, plot_training_curves

folder = ReportFolder(output_dir)
runs = GridRuns(load_grid(grid_file), grid_dir)
results = runs.results()
skipped = runs.skipped()
print(f"grid {runs.grid.name!r}: {len(runs.done())} done runs ({len(results)} loss x seed rows), {len(skipped)} left out")
write_report_payload(folder, runs, results)
display(Markdown(frame_markdown(skipped) if len(skipped) else "_every run of the grid is done_"))

# %% [markdown]
# ## 1. Main results (largest training fraction, test set)
#
# Mean ± sample standard deviation over seeds; the best loss per dataset and column is in
# bold (lowest Hamming loss, highest F1 and mAP). The grid's largest training fraction
# (normally 1, the full training split) is shown.

# %%
main_fraction = max(runs.grid.train_fractions)
print(f"training fraction {main_fraction:g}")
full = results[results.train_fraction == main_fraction]
main = summarise(full, METRICS, by=("dataset", "loss"))
write_table(main, folder.table("main_results"), markdown=best_marked_markdown(main, METRICS))
display(Markdown(best_marked_markdown(main, METRICS)))

# %%
bar_metrics = ("micro_f1", "macro_f1", "hamming_loss", "map_macro")
for ds, part in full.groupby("dataset", sort=False):
    path = folder.figure(f"metric_bars_{ds}")
    display(saved_png(plot_metric_bars(summarise(part, bar_metrics), path, metrics=bar_metrics, title=ds), path))

# %% [markdown]
# ## 2. Low-data regime
#
# Macro- and micro-F1 against the share of the training split used (nested, label-stratified subsets).

# %%
if results.train_fraction.nunique() > 1:
    low = summarise(results, ("macro_f1", "micro_f1"), by=("dataset", "train_fraction", "loss"))
    write_table(low, folder.table("low_data"))
    path = folder.figure("low_data")
    display(saved_png(plot_low_data(low, path), path))
else:
    print("the grid has a single training fraction: no low-data figure")

# %% [markdown]
# ## 3. Representation quality (test set, frozen encoder features)
#
# Alignment and uniformity (Wang & Isola 2020; lower is better for both), Spearman
# correlation between label Jaccard and cosine similarity, silhouette / Davies–Bouldin on
# the frequent label sets (as in paper 2, Table 4) and kNN label precision, as each run
# recorded them.

# %%
geometry = runs.geometry()
geometry_full = geometry[geometry.train_fraction == main_fraction]
geo_cols = tuple(c for c in geometry.columns if c not in ("dataset", "train_fraction", "loss", "kind", "seed"))
representation = summarise(geometry_full, geo_cols, by=("dataset", "loss"))
write_table(representation, folder.table("representation"), markdown=best_marked_markdown(representation, geo_cols))
display(Markdown(best_marked_markdown(representation, geo_cols)))

# %% [markdown]
# ## 4. Embedding space: UMAP per loss and label-centroid geometry
#
# Same test points and same colouring in every panel (first-seed run of each loss at the
# largest training fraction); the centroid geometry is the one each run stored.

# %%
for ds in results.dataset.unique():
    panels = runs.embedding_panels(ds)
    umap_path, centroids_path = folder.figure(f"umap_{ds}"), folder.figure(f"centroids_{ds}")
    fig, info = plot_umap_panels(panels, umap_path, color_label=color_label, backend=umap_backend, seed=umap_seed)
    print(info)
    display(saved_png(fig, umap_path))  # each figure shown once, from its file (not drawn again)
    display(saved_png(plot_centroid_heatmaps(panels, centroids_path), centroids_path))

# %% [markdown]
# ## 5. Training curves

# %%
histories = runs.histories()
for ds, part in histories.groupby("dataset", sort=False):
    path = folder.figure(f"training_curves_{ds}")
    display(saved_png(plot_training_curves(part, path), path))

# %% [markdown]
# ## 6. Cost: seconds per phase (mean over seeds)
#
# As each run recorded them in its `params.json`: the kernel's start and imports, data
# loading, the training phases (split, inputs, stage 1, probe, evaluation,
# representation), UMAP and writing the run folder, then `other`: the rest of the run's
# wall time (its `status.json`), which no phase holds (the notebook's display of the run's
# tables, its `params.json` and `status.json`).

# %%
timings = runs.timings()
phases = tuple(c for c in timings.columns if c not in ("dataset", "train_fraction", "loss", "seed"))
costs = summarise(timings, phases, by=("dataset", "train_fraction", "loss"))
costs = costs[[c for c in costs.columns if not c.endswith("_std")]]
write_table(costs, folder.table("costs"))
display(Markdown(frame_markdown(costs)))

# %% [markdown]
# ## 7. The paper's claims, checked on these runs
#
# Each verdict is computed from the table above (thresholds and rules in
# `mlcl_lab.report.findings`); `not testable` means the grid lacks what the claim needs.

# %%
findings = check_findings(results)
write_table(findings, folder.table("findings"))
display(Markdown(frame_markdown(findings)))

# %% [markdown]
# ## What to look at
#
# * Few labels (yeast: 14): does the BCE family hold its ground, as the paper reports?
# * Many labels: do contrastive losses win in macro-F1?
# * REG against `base` and `msc`: the effect of removing positive–positive repulsion.
# * Low data: which loss degrades least when the training set shrinks?

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
from pathlib import Path

import pandas as pd
from IPython.display import Markdown, display

from mlcl_lab.report.aggregate import MAIN_METRICS, best_marked_markdown, collect_geometry, collect_histories, collect_results, summary_table
from mlcl_lab.report.embedding_figures import plot_centroid_heatmaps, plot_umap_panels, reference_embeddings
from mlcl_lab.report.figures import plot_low_data, plot_metric_bars, plot_training_curves
from mlcl_lab.report.findings import check_findings
from mlcl_lab.report.grid import load_grid
from mlcl_lab.report.report_outputs import frame_markdown, write_report_payload, write_table

out = Path(output_dir)
grid = load_grid(grid_file)
results, missing = collect_results(grid, grid_dir)
print(f"grid {grid.name!r}: {len(results)} finished runs, {len(missing)} missing")
for name in missing:
    print("  missing:", name)
write_report_payload(out, grid, results, missing)

# %% [markdown]
# ## 1. Main results (full training data, test set)
#
# Mean ± sample standard deviation over seeds; the best loss per dataset and column is in
# bold (lowest Hamming loss, highest F1 and mAP).

# %%
full = results[results.train_fraction == 1.0]
main = summary_table(full, MAIN_METRICS)
write_table(main, out / "tables" / "main_results", markdown=best_marked_markdown(main, MAIN_METRICS))
display(Markdown(best_marked_markdown(main, MAIN_METRICS)))

# %%
for ds, part in full.groupby("dataset", sort=False):
    display(plot_metric_bars(part, out / "figures" / f"metric_bars_{ds}", metrics=("micro_f1", "macro_f1", "hamming_loss", "map_macro"), title=ds))

# %% [markdown]
# ## 2. Low-data regime
#
# Macro- and micro-F1 against the share of the training split used (nested, label-stratified subsets).

# %%
if results.train_fraction.nunique() > 1:
    low = summary_table(results, ("macro_f1", "micro_f1"), by=("dataset", "train_fraction", "loss"))
    write_table(low, out / "tables" / "low_data")
    display(plot_low_data(results, out / "figures" / "low_data"))
else:
    print("the grid has a single training fraction: no low-data figure")

# %% [markdown]
# ## 3. Representation quality (test set, frozen encoder features)
#
# Alignment and uniformity (Wang & Isola 2020; lower is better for both), Spearman
# correlation between label Jaccard and cosine similarity, silhouette / Davies–Bouldin on
# the frequent label sets (as in paper 2, Table 4) and kNN label precision.

# %%
geometry = collect_geometry(grid, grid_dir)
geometry_full = geometry[geometry.train_fraction == 1.0] if not geometry.empty else geometry
geo_cols = tuple(c for c in geometry.columns if c not in ("dataset", "train_fraction", "loss", "kind", "seed"))
representation = summary_table(geometry_full, geo_cols) if not geometry_full.empty else pd.DataFrame()
write_table(representation, out / "tables" / "representation", markdown=best_marked_markdown(representation, geo_cols))
display(Markdown(best_marked_markdown(representation, geo_cols)))

# %% [markdown]
# ## 4. Embedding space: UMAP per loss and label-centroid geometry
#
# Same test points and same colouring in every panel (seed 0 run of each loss, full data).

# %%
for ds in full.dataset.unique():
    panels, labels, label_names = reference_embeddings(grid, grid_dir, ds)
    fig, info = plot_umap_panels(panels, labels, label_names, out / "figures" / f"umap_{ds}",
                                 color_label=color_label, backend=umap_backend, seed=umap_seed, title=ds)
    print(info)
    display(fig)
    display(plot_centroid_heatmaps(panels, labels, label_names, out / "figures" / f"centroids_{ds}", title=ds))

# %% [markdown]
# ## 5. Training curves

# %%
histories = collect_histories(grid, grid_dir)
for ds, part in histories.groupby("dataset", sort=False):
    display(plot_training_curves(part, out / "figures" / f"training_curves_{ds}"))

# %% [markdown]
# ## 6. The paper's claims, checked on these runs
#
# Each verdict is computed from the table above (thresholds and rules in
# `mlcl_lab.report.findings`); `not testable` means the grid lacks what the claim needs.

# %%
findings = check_findings(results)
write_table(findings, out / "tables" / "findings")
display(Markdown(frame_markdown(findings)))

# %% [markdown]
# ## What to look at
#
# * Few labels (yeast: 14): does the BCE family hold its ground, as the paper reports?
# * Many labels: do contrastive losses win in macro-F1?
# * REG against `base` and `msc`: the effect of removing positive–positive repulsion.
# * Low data: which loss degrades least when the training set shrinks?

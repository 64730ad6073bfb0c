# %% [markdown]
# # Bring your own data
#
# How to run the study on your own multi-label data. `mlcl_lab.data.load_dataset` reads:
# - **svmlight / LIBSVM** multi-label files: `load_dataset("svmlight", path="train.svm")`
# - **MULAN / MEKA ARFF**: `load_dataset("arff", path="yeast.arff", n_labels=14)` (or `xml_path=` the MULAN XML)
# - **CSV** with a text column and a label-list column: `load_dataset("csv", path="data.csv")`
# - **JSONL** with `text` and `labels` fields: `load_dataset("jsonl", path="data.jsonl")`
# - the **paper's datasets** from a local copy: `load_dataset("aapd", path=...)`, `"rcv1v2"`, `"uklex"`, `"coco2014"`, `"voc2007"`, …
#   (`mlcl_lab.data.available_datasets()` lists them with what to download).
#
# Text datasets are embedded once by a frozen sentence encoder and cached (`encoder_inputs`). Without a
# `data_path`, this notebook writes a small svmlight file from the built-in yeast data to show the round trip.
# The protocol is paper.md §5.1.

# %% tags=["parameters"]
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

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from mlcl_lab.data import dataset_statistics, load_dataset
from mlcl_lab.train import ProbeConfig, TrainConfig, run_study
from mlcl_lab.viz import save_figure

# %matplotlib inline
out = Path(out_dir)
out.mkdir(parents=True, exist_ok=True)

# %%
if data_path is None:
    from mlcl_lab.explore.byod import write_demo_svmlight

    data_path = write_demo_svmlight(out / "demo.svm", n_samples=demo_samples)
    data_format = "svmlight"
print(data_format, "<-", data_path)
ds = load_dataset(data_format, path=str(data_path), **format_kwargs)
pd.Series(dataset_statistics(ds), name=ds.name).to_frame()

# %%
config = TrainConfig(epochs=epochs, batch_size=batch_size, device=device, probe=ProbeConfig(epochs=probe_epochs))
study = run_study(ds, losses, seeds, config, progress=False)
study.results[["loss", "seed", "micro_f1", "macro_f1", "hamming_loss"]].round(4)

# %%
from mlcl_lab.explore.plots import plot_metric_bars

fig = plot_metric_bars(study.results, ["micro_f1", "macro_f1"], f"{ds.name}: test metrics")
save_figure(fig, out / "metric_bars")
plt.show()
study.results.to_csv(out / "results.csv", index=False)
(out / "metrics.json").write_text(study.results.to_json(orient="records", indent=1))

# %% [markdown]
# ## What to look at
# - The statistics table: label cardinality, number of label sets and head/tail counts tell you which
#   losses to expect to differ (many partial overlaps → REG vs the rest).
# - For a full report with seeds, figures and a run folder use `mlcl-lab report` (README) on the same dataset.

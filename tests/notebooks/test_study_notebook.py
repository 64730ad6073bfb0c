"""The study notebook, executed by papermill with tiny parameters, as the report runner does."""

import json

import numpy as np
import pandas as pd
import pytest

from mlcl_lab.data import load_dataset
from mlcl_lab.report import StudyParameters, run_study_report
from mlcl_lab.train import ProbeConfig, TrainConfig, run_study

TINY = dict(dataset="yeast", losses=["bce", "base"], seeds=[0], epochs=2, batch_size=128, probe_epochs=2, device="cpu")


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    folder, outcome = run_study_report(StudyParameters(**TINY), root=root)
    return folder, outcome


def test_run_folder_has_every_promised_file(executed):
    folder, outcome = executed
    assert outcome.ok, outcome.error
    for name in ("study.ipynb", "params.json", "metrics.json", "results.csv", "history.csv"):
        assert (folder / name).is_file(), name
    for fig in ("training_curves", "metric_bars", "umap_test"):
        for ext in ("png", "svg"):
            assert (folder / f"{fig}.{ext}").stat().st_size > 1000, f"{fig}.{ext}"
    for loss in ("bce", "base"):
        assert (folder / "embeddings" / f"{loss}-seed0.npz").is_file()
        assert (folder / "checkpoints" / f"{loss}-seed0.pt").is_file()
    results = pd.read_csv(folder / "results.csv")
    assert list(results["loss"]) == ["bce", "base"]
    assert {"hamming_loss", "micro_f1", "macro_f1"} <= set(results.columns)
    params = json.loads((folder / "params.json").read_text())
    assert params["notebook"]["epochs"] == 2 and "torch" in params["environment"]


def test_metrics_json_equals_the_package_api_for_the_same_seed(executed):
    folder, _ = executed
    recorded = json.loads((folder / "metrics.json").read_text())
    config = TrainConfig(epochs=2, batch_size=128, device="cpu", probe=ProbeConfig(epochs=2))
    study = run_study(load_dataset("yeast"), ["bce", "base"], [0], config, progress=False)
    for run, entry in zip(study.runs, recorded["runs"]):
        assert entry["loss"] == run.loss and entry["seed"] == run.seed
        for key, value in run.metrics.items():
            assert entry["metrics"][key] == pytest.approx(value, rel=1e-9, abs=1e-12), key


def test_a_failing_notebook_is_kept_and_reported(tmp_path):
    params = StudyParameters(**{**TINY, "dataset": "no-such-dataset"})
    folder, outcome = run_study_report(params, root=tmp_path)
    assert not outcome.ok
    assert "no-such-dataset" in outcome.error
    assert outcome.notebook.is_file()
    text = outcome.notebook.read_text()
    assert '"output_type": "error"' in text

"""A dataset's own split is the one a run's test metrics use, and the run folder records it
(issue 12 item 2): yeast's MULAN split and a CSV split column, through the run-folder contract."""

from __future__ import annotations

import numpy as np
import pytest

from mlcl_lab import files
from mlcl_lab.metrics import classification_metrics
from mlcl_lab.report.parameters import StudyParameters, load_study_dataset
from mlcl_lab.report.runs import RunFolder, write_run
from mlcl_lab.train import run_study

TINY = {"losses": ["bce"], "seeds": [0], "epochs": 1, "batch_size": 64, "probe_epochs": 1, "make_figures": False,
        "make_umap": False, "device": "cpu"}


def _run(tmp_path, dataset):
    params = StudyParameters(**TINY, dataset=dataset, output_dir=str(tmp_path / "run"))
    config = params.train_config()
    ds = load_study_dataset(params.dataset)
    study = run_study(ds, params.losses, params.seeds, config, progress=False)
    write_run(params.output_dir, study, params, config=config, dataset=ds)
    return ds, RunFolder(tmp_path / "run")


def _check_test_rows(ds, run, expected_test):
    metrics = files.read_json(run.metrics)
    assert metrics["split"]["test"] == expected_test.tolist()
    assert metrics["split"]["n_test"] == len(expected_test)
    assert metrics["inputs"], "what make_source chose is recorded"
    with np.load(run.embeddings("bce", 0)) as npz:
        assert npz["test_indices"].tolist() == expected_test.tolist()
        np.testing.assert_array_equal(npz["test_labels"], np.asarray(ds.labels)[expected_test])
        scores = npz["test_scores"]
    # the recorded test metrics are those of exactly these rows (recomputed from the scores)
    again = classification_metrics(np.asarray(ds.labels)[expected_test], scores, threshold=0.5)
    recorded = metrics["runs"][0]["metrics"]
    for key in ("micro_f1", "macro_f1", "hamming_loss"):
        assert recorded[key] == pytest.approx(again[key], abs=1e-12), key
    return metrics


def test_yeast_mulan_split_is_the_test_set_of_the_run(tmp_path):
    ds, run = _run(tmp_path, {"name": "yeast", "split": "mulan"})
    metrics = _check_test_rows(ds, run, np.arange(1500, 2417))
    assert metrics["split"]["kind"] == "official"
    assert set(metrics["split"]["train"]) | set(metrics["split"]["val"]) == set(range(1500))


def test_a_csv_split_column_is_the_test_set_of_the_run(tmp_path):
    rng = np.random.default_rng(0)
    words = ["cat", "dog", "car", "bus", "tree", "sun"]
    rows = ["text,labels,split"]
    parts = ["train"] * 24 + ["val"] * 8 + ["test"] * 8
    parts = list(rng.permutation(parts))
    for part in parts:
        labs = sorted(rng.choice(["a", "b", "c"], size=int(rng.integers(1, 3)), replace=False).tolist())
        rows.append(f"{' '.join(rng.choice(words, 6))},{'|'.join(labs)},{part}")
    path = tmp_path / "data.csv"
    path.write_text("\n".join(rows) + "\n")
    ds, run = _run(tmp_path, {"name": "csv", "path": str(path), "split_column": "split"})
    metrics = _check_test_rows(ds, run, np.flatnonzero(np.array(parts) == "test"))
    assert metrics["split"]["kind"] == "user" and "split" in metrics["split"]["source"]
    assert metrics["split"]["val"] == np.flatnonzero(np.array(parts) == "val").tolist()

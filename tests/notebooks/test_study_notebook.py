"""The study notebook: its parameters cell is StudyParameters, and executed by papermill
with tiny parameters (as the report runner does) it writes the run folder of the contract."""

import ast
import base64
import json

import jupytext
import pytest

from mlcl_lab.data import load_dataset
from mlcl_lab.report.batch import BATCH_PARAMETER
from mlcl_lab.report.notebooks import notebook_source
from mlcl_lab.report.parameters import StudyParameters, parameter_names
from mlcl_lab.report.pipeline import run_study_report
from mlcl_lab.report.runs import RunFolder, read_attempt
from mlcl_lab.train import ProbeConfig, TrainConfig, run_study

TINY = dict(dataset="yeast", losses=["bce", "base"], seeds=[0], epochs=2, batch_size=128, probe_epochs=2, device="cpu")


def _parameters_cell() -> dict:
    nb = jupytext.read(notebook_source("study"))
    [cell] = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    values = {}
    for node in ast.parse(cell.source).body:
        assert isinstance(node, ast.Assign) and len(node.targets) == 1, "the parameters cell only assigns literals"
        values[node.targets[0].id] = ast.literal_eval(node.value)
    return values


def test_the_parameters_cell_declares_the_study_parameters():
    cell = _parameters_cell()
    assert list(cell) == [*parameter_names(), BATCH_PARAMETER], "same names, same order as StudyParameters, then batch"
    assert cell.pop(BATCH_PARAMETER) == [], "no batch: the notebook's own run"
    defaults = StudyParameters().to_dict()
    for name, value in cell.items():
        assert value == defaults[name] and type(value) is type(defaults[name]), name


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    return run_study_report(StudyParameters(**TINY), root=root)


def test_run_folder_has_every_promised_file(executed):
    folder, outcome = executed
    assert outcome.ok, outcome.error
    run = RunFolder(folder)
    state = read_attempt(folder)
    assert state.state == "done", state.problem  # the reader accepts it: every required file is there
    assert run.notebook.is_file() and run.log.is_file()
    for fig in ("training_curves", "metric_bars", "umap_test"):
        for ext in ("png", "svg"):
            assert (folder / f"{fig}.{ext}").stat().st_size > 1000, f"{fig}.{ext}"
    cells = json.loads(run.notebook.read_text())["cells"]
    shown = [base64.b64decode(out["data"]["image/png"]) for cell in cells for out in cell.get("outputs", [])
             if "image/png" in out.get("data", {})]
    assert sorted(shown) == sorted((folder / f"{fig}.png").read_bytes() for fig in ("training_curves", "metric_bars", "umap_test"))
    for loss in ("bce", "base"):
        assert run.embeddings(loss, 0).is_file() and run.checkpoint(loss, 0).is_file()
    params = json.loads(run.params.read_text())
    assert params["parameters"]["epochs"] == 2 and params["parameters"]["output_dir"] == str(folder.resolve())
    assert "torch" in params["environment"]
    assert {"kernel_start_imports", "data_load", "umap", "write_outputs"} <= set(params["timings"])
    assert json.loads(run.status.read_text())["state"] == "done"


def test_metrics_json_equals_the_package_api_for_the_same_seed(executed):
    folder, _ = executed
    recorded = json.loads(RunFolder(folder).metrics.read_text())
    config = TrainConfig(epochs=2, batch_size=128, device="cpu", probe=ProbeConfig(epochs=2))
    study = run_study(load_dataset("yeast"), ["bce", "base"], [0], config, progress=False)
    for run, entry in zip(study.runs, recorded["runs"], strict=True):
        assert entry["loss"] == run.loss and entry["seed"] == run.seed
        for key, value in run.metrics.items():
            assert entry["metrics"][key] == pytest.approx(value, rel=1e-9, abs=1e-12), key


def test_a_failing_notebook_is_kept_and_reported(tmp_path):
    params = StudyParameters(**{**TINY, "dataset": "no-such-dataset"})
    folder, outcome = run_study_report(params, root=tmp_path)
    assert not outcome.ok
    assert "no-such-dataset" in outcome.error
    assert outcome.notebook.is_file()
    assert '"output_type": "error"' in outcome.notebook.read_text()
    assert read_attempt(folder).state == "failed"

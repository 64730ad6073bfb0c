"""Dataset options through the grid and the CLI (issue 12 item 1): names or mappings, the
data root, run identity without the path (checksum instead), checks before any run."""

from __future__ import annotations

import shutil

import pytest

from mlcl_lab.cli import main
from mlcl_lab.report.grid import GridError, expand_grid, load_grid
from mlcl_lab.report.parameters import ParameterError, StudyParameters, expand_train_options
from tests.fixtures.paper_formats import make_aapd_folder, make_voc_folder

AXES = "losses: [bce]\nseeds: [0]\n"


def _grid(tmp_path, datasets: str, name: str = "g.yaml", extra: str = "") -> object:
    path = tmp_path / name
    path.write_text(f"datasets: {datasets}\n{AXES}{extra}")
    return path


def test_a_dataset_mapping_names_its_runs_by_label_and_passes_absolute_paths(tmp_path, monkeypatch):
    make_voc_folder(tmp_path / "voc", n_images=6, n_test=2)
    monkeypatch.chdir(tmp_path)
    grid = load_grid(_grid(tmp_path, "[{name: voc2007, path: voc, image_size: 32}]"))
    [run] = expand_grid(grid)
    assert run.name.startswith("voc2007-image_size=32__bce__seed0__frac1__")
    assert run.dataset_label == "voc2007-image_size=32"
    assert run.params["dataset"] == {"name": "voc2007", "path": str(tmp_path / "voc"), "image_size": 32}
    StudyParameters.from_mapping(run.params)  # the notebook accepts the mapping


def test_moving_the_data_folder_keeps_the_run_identity_changing_it_does_not(tmp_path):
    first = make_aapd_folder(tmp_path / "a" / "aapd")
    [run_a] = expand_grid(load_grid(_grid(tmp_path, f"[{{name: aapd, path: {first}}}]", "a.yaml")))
    moved = tmp_path / "b" / "aapd"
    shutil.copytree(first, moved)
    [run_b] = expand_grid(load_grid(_grid(tmp_path, f"[{{name: aapd, path: {moved}}}]", "b.yaml")))
    assert run_b.params["dataset"]["path"] != run_a.params["dataset"]["path"]
    assert (run_b.name, run_b.digest) == (run_a.name, run_a.digest)  # same folder name: finished runs are skipped
    (moved / "text_test").write_text((moved / "text_test").read_text().replace("method", "methods"))
    [run_c] = expand_grid(load_grid(_grid(tmp_path, f"[{{name: aapd, path: {moved}}}]", "c.yaml")))
    assert run_c.digest != run_a.digest  # other data, another run
    voc = make_voc_folder(tmp_path / "voc", n_images=6, n_test=2)
    [run_d, run_e] = expand_grid(load_grid(_grid(tmp_path, f"[{{name: voc2007, path: {voc}, image_size: 32}}, "
                                                           f"{{name: voc2007, path: {voc}, image_size: 48}}]", "d.yaml")))
    assert run_d.digest != run_e.digest  # an option is part of the identity


def test_the_data_root_gives_each_paper_dataset_its_folder(tmp_path, monkeypatch):
    make_voc_folder(tmp_path / "root" / "voc2007", n_images=6, n_test=2)
    [spec] = load_grid(_grid(tmp_path, "[voc2007]"), data_root=tmp_path / "root").datasets
    assert spec.options["path"] == str(tmp_path / "root" / "voc2007")
    monkeypatch.setenv("MLCL_LAB_DATA", str(tmp_path / "root"))
    [spec] = load_grid(_grid(tmp_path, "[voc2007]")).datasets
    assert spec.options["path"] == str(tmp_path / "root" / "voc2007")
    spec.check()


@pytest.mark.parametrize("datasets, message", [
    ("[{name: aapd, pth: /x}]", r"g.yaml, line 1, column \d+: grid key 'datasets': dataset 'aapd': unknown option"),
    ("[{path: /x}]", "must be a dataset name or a mapping with a 'name' key"),
    ("[yeast, yeast]", r"dataset\(s\) \['yeast'\] given twice"),
])
def test_bad_dataset_entries_name_the_grid_file(tmp_path, datasets, message):
    with pytest.raises(GridError, match=message):
        load_grid(_grid(tmp_path, datasets))


def test_a_grid_whose_dataset_path_is_missing_stops_before_running(tmp_path, capsys):
    grid = _grid(tmp_path, f"[yeast, {{name: aapd, path: {tmp_path / 'nowhere'}}}]")
    with pytest.raises(SystemExit) as stop:
        main(["report", "--grid", str(grid), "--out", str(tmp_path / "out")])
    assert "mlcl-lab report: dataset 'aapd'" in str(stop.value) and "nowhere does not exist" in str(stop.value)
    assert "arxiv" in str(stop.value).lower() or "SGM" in str(stop.value)  # the loader's download instructions
    assert not (tmp_path / "out").exists()  # nothing started, not even the yeast runs


def test_study_cli_takes_dataset_options_and_a_data_root(tmp_path, monkeypatch):
    import mlcl_lab.report.pipeline as pipeline

    make_voc_folder(tmp_path / "root" / "voc2007", n_images=6, n_test=2)
    seen = {}

    def fake(params, **kwargs):
        seen["params"] = params
        raise SystemExit(0)

    monkeypatch.setattr(pipeline, "run_study_report", fake)
    with pytest.raises(SystemExit):
        main(["study", "--dataset", "voc2007", "--data", "image_size=32", "--data-root", str(tmp_path / "root"),
              "--seeds", "0", "--out", str(tmp_path / "out")])
    assert seen["params"].dataset == {"name": "voc2007", "path": str(tmp_path / "root" / "voc2007"), "image_size": 32}
    with pytest.raises(SystemExit, match="dataset 'aapd' reads local files: give path=.*--data-root"):
        main(["study", "--dataset", "aapd", "--out", str(tmp_path / "out")])


def test_train_options_reach_the_train_config_with_environment_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("MLCL_LAB_MODELS", str(tmp_path))
    params = StudyParameters(train_options={"encoder": "hf:${MLCL_LAB_MODELS}/minilm", "max_len": 32,
                                            "probe": {"batch_size": 8}})
    config = params.train_config()
    assert (config.encoder, config.max_len, config.probe.batch_size, config.probe.epochs) == \
        (f"hf:{tmp_path}/minilm", 32, 8, params.probe_epochs)
    assert params.train_options["encoder"] == "hf:${MLCL_LAB_MODELS}/minilm"  # the identity keeps the text
    monkeypatch.delenv("MLCL_LAB_MODELS")
    with pytest.raises(ParameterError, match=r"train_options.encoder .*\['MLCL_LAB_MODELS'\] not set"):
        expand_train_options(params.train_options)


@pytest.mark.parametrize("options, message", [
    ({"epochs": 3}, "set these through their own study parameter"),
    ({"encodr": "mlp"}, r"unknown TrainConfig field\(s\) \['encodr'\]; valid: .*encoder"),
    ({"probe": {"epochs": 2}}, "train_options.probe must map ProbeConfig fields"),
    ("resnet50", "must be a mapping"),
])
def test_bad_train_options_are_explained(options, message):
    with pytest.raises(ParameterError, match=message):
        StudyParameters(train_options=options)

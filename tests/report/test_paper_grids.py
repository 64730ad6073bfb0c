"""The shipped paper grids (issue 12 item 5): they parse, every run builds its TrainConfig with
the paper's protocol values, and without the data they stop with the download instructions."""

from __future__ import annotations

import pytest

from mlcl_lab.cli import main
from mlcl_lab.report.grid import default_grid_path, load_grid
from mlcl_lab.report.parameters import StudyParameters

PAPER = {"paper-vision": ({"voc2007", "coco2014", "nuswide", "mirflickr25k"}, "resnet50"),
         "paper-text": ({"aapd", "rcv1v2", "uklex", "bgc", "reuters21578"}, "hf:/models/roberta-base")}


@pytest.mark.parametrize("kind", sorted(PAPER))
def test_paper_grids_parse_and_build_the_protocol(kind, monkeypatch, tmp_path):
    monkeypatch.setenv("MLCL_LAB_MODELS", "/models")
    grid = load_grid(default_grid_path(kind), data_root=tmp_path)
    names, encoder = PAPER[kind]
    assert {d.name for d in grid.datasets} == names and grid.seeds == (0, 1, 2)
    assert all(d.options["path"] == str(tmp_path / d.name) for d in grid.datasets)  # the conventional sub-folders
    config = StudyParameters.from_mapping(grid.parameters | {"device": "cpu"}).train_config()
    assert (config.encoder, config.batch_size, config.lr, config.weight_decay, config.warmup_fraction,
            config.temperature, config.amp, config.probe.epochs) == (encoder, 32, 5e-5, 0.01, 0.05, 0.1, True, 40)
    if kind == "paper-text":
        assert (config.max_len, config.pooling) == (300, "cls")
    text = default_grid_path(kind).read_text()
    assert text.count("not given") >= 3  # the values the paper does not give say so


def test_paper_text_without_the_data_stops_with_download_instructions(tmp_path, monkeypatch):
    monkeypatch.setenv("MLCL_LAB_DATA", str(tmp_path))  # restored after the test (--data-root exports it)
    monkeypatch.setenv("MLCL_LAB_MODELS", str(tmp_path / "models"))
    with pytest.raises(SystemExit) as stop:
        main(["report", "--grid", "paper-text", "--data-root", str(tmp_path / "data"), "--out", str(tmp_path / "out")])
    message = str(stop.value)
    assert message.startswith("mlcl-lab report: dataset 'aapd'") and str(tmp_path / "data" / "aapd") in message
    assert "does not exist" in message and ("download" in message.lower() or "http" in message)
    assert not (tmp_path / "out").exists()

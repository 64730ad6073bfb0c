import pytest

from mlcl_lab.report.grid import (
    GridError,
    default_grid_path,
    expand_grid,
    load_grid,
    params_hash,
    resolve_grid,
)
from mlcl_lab.report.parameters import grid_parameter_names

AXES = "datasets: [yeast]\nlosses: [bce]\nseeds: [0]\n"


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
    assert grid.path == path


def test_run_names_are_those_of_the_old_main():
    """The identity hash is unchanged, so run folders made before the restructuring stay found."""
    names = [r.name for r in expand_grid(load_grid(default_grid_path("default")))]
    assert "yeast__bce__seed0__frac0.25__36b04bedbc22" in names
    assert "yeast__reg__seed2__frac1__e39efb9ff359" in names


def test_hash_ignores_device_and_output_dir_but_not_parameters():
    base = {"dataset": "yeast", "losses": ["bce"], "seeds": [0], "epochs": 2}
    assert params_hash(base) == params_hash({**base, "device": "cuda:1", "output_dir": "/x"})
    assert params_hash(base) != params_hash({**base, "epochs": 3})
    assert params_hash(base) == params_hash(dict(reversed(list(base.items()))))


@pytest.mark.parametrize("text, message", [
    (AXES + "lossez: [x]\n", r"line 4, column 1: unknown grid key\(s\) \['lossez'\]; valid keys: name, notebook, datasets"),
    ("datasets: [yeast]\nlosses: [bce]\n", "missing key 'seeds'"),
    (AXES + "train_fractions: [0]\n", r"grid key 'train_fractions': parameter 'train_fraction' must be > 0 and <= 1"),
    (AXES + "train_fractions: [1.5]\n", "must be > 0 and <= 1, got 1.5"),
    (AXES + "parameters: {dataset: x}\n", "dataset is set by the grid axes"),
    (AXES + "parameters: {device: cuda}\n", r"device is set by the runner .*--device"),
    (AXES + "parameters: {output_dir: /x}\n", "output_dir is set by the runner"),
    ("- a\n- b\n", "must hold a mapping"),
    # issue 15: a typo in 'parameters' is an error naming the key, its line and the valid names
    (AXES + "parameters:\n  epochs: 2\n  temprature: 0.5\n",
     r"g.yaml, line 6, column 3: grid parameters: unknown parameter\(s\) \['temprature'\]; valid names: epochs, .*temperature"),
    (AXES + "parameters: {epochs: 1.5}\n", r"line 4, column 14: .*'epochs' must be an integer, got 1.5"),
    (AXES + "parameters: {epochs: 0}\n", "'epochs' must be >= 1, got 0"),
    (AXES + "parameters: {lr: .nan}\n", "'lr' must be finite"),
    (AXES + "parameters: {lr: fast}\n", "'lr' must be a number, got 'fast'"),
    (AXES + "parameters: {make_figures: 'no'}\n", "'make_figures' must be true or false"),
    (AXES + "parameters: {loss_options: [1]}\n", "'loss_options' must be a mapping"),
    (AXES + "parameters: [epochs]\n", "line 4, column 1: 'parameters' must be a mapping"),
    ("datasets: [yeast]\nlosses: []\nseeds: [0]\n", "grid key 'losses' must not be empty"),
    ("datasets: [yeast]\nlosses: [bce]\nseeds: [-1]\n", "'seeds' must be >= 0, got -1"),
    ("datasets: [yeast]\nlosses: [bce]\nseeds: [zero]\n", "'seeds' must be an integer"),
    ("datasets: [yeast]\nlosses: [bce]\nseeds: [0]\nseeds: [1]\n", "line 4, column 1: invalid YAML: .*found the key 'seeds' twice"),
    # malformed YAML names the file, line and column (not "<unicode string>")
    ("datasets: [yeast\nlosses: [bce]\n", r"g.yaml, line 2, column 7: invalid YAML"),
    ("datasets: yeast\n  losses: bce\n", r"g.yaml, line 2, column \d+: invalid YAML"),
])
def test_bad_grid_files_are_explained(tmp_path, text, message):
    with pytest.raises(GridError, match=message):
        load_grid(_write(tmp_path, text))


def test_binary_grid_file_is_named(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(GridError, match="g.yaml is not UTF-8 text"):
        load_grid(path)


def test_every_grid_parameter_is_accepted(tmp_path):
    """The names a grid may set are exactly the study parameters that are neither axes nor runner-set."""
    assert set(grid_parameter_names()) == {"epochs", "batch_size", "probe_epochs", "lr", "temperature", "loss_options",
                                           "queue_size", "train_options", "split_seed", "threads", "umap_backend", "color_label", "make_figures",
                                           "make_umap"}
    grid = load_grid(_write(tmp_path, AXES + "parameters: {lr: 1, loss_options: {reg: {alpha: 0.5}}, queue_size: 0}\n"))
    assert grid.parameters == {"lr": 1, "loss_options": {"reg": {"alpha": 0.5}}, "queue_size": 0}


def test_shipped_grids_parse():
    from mlcl_lab.data import available_datasets
    from mlcl_lab.train.loss_spec import parse_loss_spec

    for kind in ("default", "cpu", "full"):
        grid = load_grid(default_grid_path(kind))
        runs = expand_grid(grid)
        assert len(runs) == len(grid.datasets) * len(grid.losses) * len(grid.seeds) * len(grid.train_fractions)
        assert {d.name for d in grid.datasets} <= set(available_datasets())
        for name in grid.losses:
            parse_loss_spec(name)  # raises on an unknown loss
        assert len(grid.seeds) >= 3, "the report's mean ± std needs at least 3 seeds"
    with pytest.raises(ValueError, match="available: cpu, default, full"):
        default_grid_path("nope")
    assert resolve_grid("default") == default_grid_path("default")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        resolve_grid("missing.yaml")


def test_the_documented_result_grids_parse():
    from pathlib import Path

    files = sorted((Path(__file__).resolve().parents[2] / "docs" / "results").glob("*/grid.yaml"))
    assert files, "docs/results holds the grid files of the documented results"
    for path in files:
        assert expand_grid(load_grid(path))

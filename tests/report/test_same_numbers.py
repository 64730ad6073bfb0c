"""The same (dataset, loss, seed) gives the same metrics through every entry point: the
in-process API, ``mlcl-lab study`` and a grid (issue 15 part 5). The thread count is the
``threads`` study parameter, applied by the notebook whatever the caller's environment."""

import json
import os
import subprocess
import sys

from mlcl_lab.data import load_dataset
from mlcl_lab.report.executors.local import LocalExecutor
from mlcl_lab.report.grid import load_grid
from mlcl_lab.report.parameters import StudyParameters
from mlcl_lab.report.runner import run_grid
from mlcl_lab.report.runs import RunFolder
from mlcl_lab.runtime import set_threads
from mlcl_lab.train import ProbeConfig, TrainConfig, run_study

SETTINGS = dict(epochs=2, probe_epochs=2)


def _metrics(attempt):
    [entry] = json.loads(RunFolder(attempt).metrics.read_text())["runs"]
    return entry["metrics"], json.loads(RunFolder(attempt).params.read_text())["environment"]


def test_run_study_the_study_command_and_a_grid_give_equal_metrics(tmp_path, monkeypatch):
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # the kernels must not depend on the caller's setting
        monkeypatch.delenv(name, raising=False)
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    subprocess.run([sys.executable, "-m", "mlcl_lab.cli", "study", "--dataset", "yeast", "--losses", "bce", "--seeds", "0",
                    "--epochs", "2", "--probe-epochs", "2", "--device", "cpu", "--no-make-figures", "--kernel", "python3",
                    "--out", str(tmp_path / "study")], check=True, env=env, capture_output=True)
    [study_folder] = list((tmp_path / "study").iterdir())
    from_study, study_env = _metrics(study_folder)

    grid_file = tmp_path / "grid.yaml"
    grid_file.write_text("name: same\nnotebook: study.py\ndatasets: [yeast]\nlosses: [bce]\nseeds: [0]\n"
                         "train_fractions: [1.0]\nparameters: {epochs: 2, probe_epochs: 2, make_figures: false}\n")
    outcome = run_grid(load_grid(grid_file), tmp_path / "grid", executor=LocalExecutor(jobs=1, device="cpu"),
                       kernel_name="python3", progress=False)
    assert outcome.ok, outcome.failed
    [attempt] = outcome.folders.values()
    from_grid, grid_env = _metrics(attempt)

    set_threads(StudyParameters().threads)
    config = TrainConfig(device="cpu", batch_size=128, probe=ProbeConfig(epochs=2), epochs=2)
    [run] = run_study(load_dataset("yeast"), ["bce"], [0], config, progress=False).runs

    assert from_study == from_grid == run.metrics
    assert study_env["threads"] == grid_env["threads"] == str(StudyParameters().threads), "the recorded thread count"
    # the kernels keep freed heap memory (glibc), this process does not: the numbers are equal anyway
    assert study_env["heap_policy"] == grid_env["heap_policy"]
    for key in ("torch", "numpy", "deterministic_algorithms", "default_dtype", "float32_matmul_precision", "device"):
        assert study_env[key] == grid_env[key], key

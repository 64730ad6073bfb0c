"""report.executors.slurm without a cluster: options from the CLI and the grid file, and the
install hint when submitit is missing."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from mlcl_lab.report.executors.slurm import SlurmOptions, add_slurm_arguments, slurm_options_from_grid
from mlcl_lab.report.grid import load_grid

GRID = """
name: opts
datasets: [yeast]
losses: [bce]
seeds: [0]
slurm:
  partition: gpu
  time_min: 30
  gpus_per_run: 1
  sbatch: ["--account=abc", "--exclusive"]
"""


def _grid(tmp_path: Path, text: str = GRID) -> Path:
    path = tmp_path / "grid.yaml"
    path.write_text(text)
    return path


def test_grid_file_slurm_mapping_and_sbatch_flags(tmp_path):
    path = _grid(tmp_path)
    assert load_grid(path).name == "opts"  # the grid reader accepts the slurm key
    options = SlurmOptions(**slurm_options_from_grid(path))
    assert (options.partition, options.time_min, options.gpus_per_run) == ("gpu", 30, 1)
    assert options.sbatch_parameters() == {"account": "abc", "exclusive": True}


def test_bad_slurm_options_name_the_problem(tmp_path):
    with pytest.raises(ValueError, match=r"unknown slurm key\(s\) \['gpus'\]"):
        slurm_options_from_grid(_grid(tmp_path, GRID.replace("gpus_per_run", "gpus")))
    with pytest.raises(ValueError, match="time_min must be an integer >= 1"):
        SlurmOptions(time_min=0)
    with pytest.raises(ValueError, match="written --name=value"):
        SlurmOptions(sbatch=("account=abc",))


def test_cli_flags_parse():
    parser = argparse.ArgumentParser()
    add_slurm_arguments(parser)
    args = parser.parse_args(["--executor", "slurm", "--slurm-gpus", "2", "--slurm-sbatch=--qos=short"])
    assert (args.executor, args.slurm_gpus, args.slurm_sbatch) == ("slurm", 2, ["--qos=short"])


def test_without_submitit_the_cli_says_how_to_install(tmp_path):
    grid_file = _grid(tmp_path)
    code = ("import sys, builtins; real = builtins.__import__\n"
            "def imp(name, *a, **k):\n"
            "    if name.split('.')[0] == 'submitit': raise ImportError(name)\n"
            "    return real(name, *a, **k)\n"
            "builtins.__import__ = imp\n"
            "from mlcl_lab.cli import main\n"
            f"sys.exit(main(['report', '--grid', {str(grid_file)!r}, '--out', {str(tmp_path / 'out')!r}, "
            "'--executor', 'slurm', '--device', 'cpu']))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "pip install 'mlcl-lab[slurm]'" in proc.stderr, proc.stderr[-2000:]

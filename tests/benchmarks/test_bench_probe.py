"""benchmarks/bench_probe.py: old vs new probe, timed in fresh processes, bit-identity checked."""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pytest

from tests.scripts import load_script

ROOT = Path(__file__).resolve().parents[2]


def test_the_same_tree_on_both_sides_is_bit_identical(tmp_path, capsys):
    bench = load_script("benchmarks/bench_probe.py")
    out = tmp_path / "probe.json"
    assert bench.main(["--old", str(ROOT), "--sizes", "64x8x5", "--epochs", "1", "--repeat", "1",
                       "--json", str(out)]) == 0
    (row,) = json.loads(out.read_text())["rows"]
    assert row["bit_identical"] and row["size"] == "64x8x5" and row["ratio"] == row["old_s"] / row["new_s"]
    assert "bit-identical: True" in capsys.readouterr().out


def test_a_tree_whose_probe_differs_fails_the_benchmark(tmp_path, capsys):
    """A copy of the package whose probe trains with another learning-rate grid."""
    bench = load_script("benchmarks/bench_probe.py")
    shutil.copytree(ROOT / "mlcl_lab", tmp_path / "mlcl_lab", ignore=shutil.ignore_patterns("__pycache__"))
    config = tmp_path / "mlcl_lab" / "train" / "config.py"
    text = config.read_text()
    assert "learning_rates: tuple[float, ...] = (1.0, 0.1)" in text
    config.write_text(text.replace("learning_rates: tuple[float, ...] = (1.0, 0.1)",
                                   "learning_rates: tuple[float, ...] = (1.0, 0.2)"))
    assert bench.main(["--old", str(tmp_path), "--sizes", "64x8x5", "--epochs", "1", "--repeat", "1"]) == 1
    assert "differ" in capsys.readouterr().err


def test_sizes_are_parsed_and_checked():
    bench = load_script("benchmarks/bench_probe.py")
    assert bench.parse_size("20000x256x378") == (20000, 256, 378)
    for bad in ("20000x256", "ax2x3", "4x2x3"):
        with pytest.raises(argparse.ArgumentTypeError):
            bench.parse_size(bad)

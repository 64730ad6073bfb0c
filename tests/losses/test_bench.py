"""The benchmark's naive per-label formulations agree with the losses; a tiny run completes."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_losses.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_losses", BENCH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_naive_formulations_match(bench):
    assert bench.check_naive(torch.device("cpu")) < 1e-9


def test_tiny_run_prints_ratios_and_skips(bench, capsys):
    threads = torch.get_num_threads()
    bench.main(["--batch-sizes", "12", "--labels", "4", "30", "--dim", "8", "--repeats", "1",
                "--losses", "base", "reg", "bce", "--mem-cap-gb", "1e-5", "--threads", "1"])
    torch.set_num_threads(threads)
    out = capsys.readouterr().out
    assert "sanity" in out and "base" in out and "skipped: naive tensor" in out

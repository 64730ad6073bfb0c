"""benchmarks/bench_papermill_start.py: papermill's start with the IRI grammar deferred and not."""
from __future__ import annotations

import json

from tests.scripts import load_script


def test_one_round_executes_the_notebook_both_ways_with_the_same_outputs(tmp_path, capsys):
    bench = load_script("benchmarks/bench_papermill_start.py")
    out = tmp_path / "start.json"
    assert bench.main(["--rounds", "1", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["same_outputs"] and set(result["runs"]) == {"off", "on"}
    for mode in ("off", "on"):
        (row,) = result["runs"][mode]
        assert 0 < row["first_cell_s"] < row["process_s"]
        assert row["outputs"] == ["answer 45 " + str(tuple(__import__("sys").version_info[:2]))]
    median = result["median"]
    assert result["ratio_first_cell"] == median["off"]["first_cell_s"] / median["on"]["first_cell_s"]
    assert "saved per papermill process" in capsys.readouterr().out


def test_outputs_that_differ_between_the_modes_fail_the_benchmark(tmp_path, monkeypatch, capsys):
    bench = load_script("benchmarks/bench_papermill_start.py")
    monkeypatch.setattr(bench, "execute", lambda notebook, target, mode, kernel: {
        "first_cell_s": 1.0, "process_s": 2.0, "outputs": [f"answer from {mode}"]})
    assert bench.main(["--rounds", "1"]) == 1
    assert "differ" in capsys.readouterr().err

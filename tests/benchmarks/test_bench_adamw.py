"""benchmarks/bench_adamw.py: the three optimisers on the study's models, same numbers."""
from __future__ import annotations

import json

from tests.scripts import load_script


def test_quick_run_times_all_three_and_finds_them_bit_identical(tmp_path, capsys):
    bench = load_script("benchmarks/bench_adamw.py")
    out = tmp_path / "adamw.json"
    result = bench.main(["--steps", "3", "--rounds", "1", "--json", str(out)])
    assert [r["case"].split()[0] for r in result["cases"]] == ["yeast", "movielens", "probe"]
    for row in result["cases"]:
        assert row["bit_identical"] and row["tensors"] >= 12
        assert row["ratio_vs_per_tensor"] == row["per_tensor_us_per_step"] / row["single_buffer_us_per_step"]
        assert row["ratio_vs_torch"] == row["torch_us_per_step"] / row["single_buffer_us_per_step"]
    assert result["bit_identical"]
    assert json.loads(out.read_text()) == json.loads(json.dumps(result))
    assert "single buffer" in capsys.readouterr().out

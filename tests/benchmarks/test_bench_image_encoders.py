"""benchmarks/bench_image_encoders.py: both heap policies in fresh processes, both weight layouts."""
from __future__ import annotations

import json

from tests.scripts import load_script


def test_quick_run_measures_both_layouts_and_both_heap_policies(tmp_path, capsys):
    bench = load_script("benchmarks/bench_image_encoders.py")
    out = tmp_path / "images.json"
    result = bench.main(["--quick", "--json", str(out)])
    assert [r["encoder"] for r in result["rows"]] == ["cnn", "resnet18"]
    for row in result["rows"]:
        for heap in ("kept_heap", "default_heap"):
            assert row[heap]["channels_last_s"] > 0 and row[heap]["contiguous_s"] > 0
        assert row["layout_speedup"] == row["kept_heap"]["contiguous_s"] / row["kept_heap"]["channels_last_s"]
        assert row["heap_speedup"] == row["default_heap"]["channels_last_s"] / row["kept_heap"]["channels_last_s"]
    assert result["policies"]["default"] == "default"
    assert json.loads(out.read_text())["rows"] == json.loads(json.dumps(result["rows"]))
    assert "layout" in capsys.readouterr().out

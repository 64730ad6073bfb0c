"""benchmarks/gpu_check.py on a CPU: the script says it needs CUDA and exits 0; every stage's
CPU-capable part runs at tiny size (tests discovery, loss benchmark, uniformity, UMAP, grid
file + run verification); the driver records failures, timeouts and skips without hiding
the other stages. No timing is asserted."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from mlcl_lab.files import write_json
from tests.scripts import load_script

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "gpu_check.py"


@pytest.fixture(scope="module")
def gc():
    return load_script("benchmarks/gpu_check.py")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA message")
def test_script_on_cpu_says_it_needs_cuda_and_exits_0(tmp_path):
    out = tmp_path / "gpu.json"
    proc = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], capture_output=True, text=True,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "needs a CUDA GPU" in proc.stdout
    assert not out.exists()                                   # nothing was run


def test_finds_the_cuda_only_tests(gc):
    ids = gc.find_cuda_tests(ROOT / "tests")
    assert "tests/metrics/test_uniformity.py::test_cuda_matches_cpu" in ids
    assert not any("test_gpu_check" in i for i in ids)
    assert all(not i.startswith("tests/train/test_device_schedule_config.py::test_cpu") for i in ids)


def test_discovery_patterns(gc, tmp_path):
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_a.py").write_text(
        "import pytest, torch\n"
        "needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason='x')\n"
        "@needs_cuda\ndef test_alias(): pass\n"
        "@pytest.mark.parametrize('d', ['cpu', pytest.param('cuda', marks=pytest.mark.skipif("
        "not torch.cuda.is_available(), reason='x'))])\ndef test_param(d): pass\n"
        "def test_body():\n    if not torch.cuda.is_available():\n        pytest.skip('no cuda')\n"
        "@pytest.mark.skipif(torch.cuda.is_available(), reason='cpu only')\ndef test_inverse(): pass\n"
        "def test_plain(): pass\n"
        "class TestK:\n    @needs_cuda\n    def test_m(self): pass\n")
    (tests / "test_b.py").write_text(
        "import pytest, torch\npytestmark = [pytest.mark.skipif(not torch.cuda.is_available(), reason='x')]\n"
        "def test_x(): pass\n")
    ids = gc.find_cuda_tests(tests)
    assert ids == ["tests/test_a.py::test_alias", "tests/test_a.py::test_param", "tests/test_a.py::test_body",
                   "tests/test_a.py::TestK::test_m", "tests/test_b.py"]


def test_pytest_summary_parsing(gc):
    assert gc.parse_pytest_summary("....\n3 passed, 1 skipped, 2 errors in 2.31s\n") == \
        {"passed": 3, "skipped": 1, "errors": 2}
    assert gc.parse_pytest_summary("1 failed, 4 passed, 1 warning in 1s") == {"failed": 1, "passed": 4}


def test_cuda_tests_stage_tiny_runs_them_skipped(gc, tmp_path):
    rec = gc.run_stage_inline("cuda_tests", "tiny", tmp_path)
    assert rec["status"] == "passed", rec
    counts = rec["result"]["counts"]
    # an id may be a whole module (module-level skip mark), so it can stand for several tests
    assert counts.get("failed", 0) == 0 and sum(counts.values()) >= len(rec["result"]["tests"])
    assert counts.get("skipped", 0) == sum(counts.values())  # no CUDA here: every one of them skips


def test_loss_benchmark_stage_tiny_and_criteria(gc, tmp_path):
    threads = torch.get_num_threads()
    rec = gc.run_stage_inline("loss_benchmark", "tiny", tmp_path)
    torch.set_num_threads(threads)
    assert rec["status"] == "passed", rec
    assert {r["loss"] for r in rec["result"]["rows"]} == {"proto", "mulsupcon", "supcon_all", "bce"}
    assert (tmp_path / "bench_losses.json").exists()
    rows = [{"loss": "proto", "B": 4096, "L": 80, "speedup_vs_authors": 1.2},
            {"loss": "mulsupcon", "B": 4096, "L": 1000, "speedup_vs_authors": 4.0},
            {"loss": "base", "B": 4096, "L": 1000, "authors_skipped": "too big"}]
    crit = gc.loss_criteria(rows)
    assert not crit["passed"] and crit["mulsupcon_min_speedup_L200"] == 4.0 and len(crit["skipped_authors"]) == 1
    rows[1]["speedup_vs_authors"] = 6.0
    assert gc.loss_criteria(rows)["passed"]
    rows[0]["speedup_vs_authors"] = 0.9
    crit = gc.loss_criteria(rows)
    assert not crit["passed"] and crit["slower_than_authors"] == ["proto B=4096 L=80: 0.90x"]


def test_uniformity_stage_tiny_and_sphere_value(gc, tmp_path):
    rec = gc.run_stage_inline("uniformity_1m", "tiny", tmp_path)
    assert rec["status"] == "passed", rec
    assert abs(gc.uniform_sphere_uniformity(128, 2.0) - (-4 + 8 / 128)) < 1e-3   # large-d expansion
    z = torch.randn(50, 3, dtype=torch.float64)
    zn = torch.nn.functional.normalize(z, dim=1)
    loop = [float(torch.exp(-2.0 * ((zn[i] - zn[j]) ** 2).sum())) for i in range(50) for j in range(i + 1, 50)]
    assert abs(gc.dense_uniformity(z, 2.0) - float(torch.tensor(loop, dtype=torch.float64).mean().log())) < 1e-12


@pytest.mark.slow
def test_umap_stage_tiny(gc, tmp_path):
    rec = gc.run_stage_inline("umap_100k", "tiny", tmp_path)
    assert rec["status"] in ("passed", "skipped"), rec
    if rec["status"] == "passed":
        ran = [b for b in ("torchdr", "umap-learn") if rec["result"][b]["status"] == "ran"]
        assert ran and all(0.5 < rec["result"][b]["trustworthiness"] <= 1.0 for b in ran)


def test_missing_packages_are_reported_as_skips(gc, tmp_path, monkeypatch):
    monkeypatch.setattr(gc, "missing", lambda *mods: [gc.OPTIONAL.get(m, m) for m in mods])
    rec = gc.run_stage_inline("grid_cuda_amp", "tiny", tmp_path)
    assert rec["status"] == "skipped" and "papermill" in rec["reason"] and "iterative-stratification" in rec["reason"]
    rec = gc.run_stage_inline("umap_100k", "tiny", tmp_path)
    assert rec["status"] == "skipped" and "scikit-learn" in rec["reason"]


def test_grid_file_and_run_verification(gc, tmp_path):
    from mlcl_lab.report.grid import expand_grid, load_grid
    grid = gc.write_tiny_grid(tmp_path / "g.yaml", epochs=2)
    runs = expand_grid(load_grid(grid))
    assert len(runs) == len(gc.GRID_LOSSES) and all(r.params["epochs"] == 2 for r in runs)
    out = tmp_path / "runs"
    for i, (state, device, amp) in enumerate([("done", "cuda", True), ("failed", "cuda", True),
                                              ("done", "cpu", True), ("done", "cuda", False)]):
        folder = out / f"run{i}" / "attempt-1"
        folder.mkdir(parents=True)
        write_json(folder / "status.json", {"state": state, "seconds": 1.0, "error": "boom" if state != "done" else ""})
        write_json(folder / "params.json", {"train_config": {"device": device, "amp": amp}})
    checked = gc.check_grid_runs(out, expected=5, device="cuda")
    problems = " | ".join(checked["problems"])
    assert "4 run folders, expected 5" in problems and "state failed boom" in problems
    assert "run2/attempt-1: device cpu" in problems and "run3/attempt-1: amp False" in problems
    assert "run0" not in problems
    assert gc.check_grid_runs(out / "run0", expected=1, device="cuda")["problems"] == []


def test_driver_records_timeouts_and_failures_without_hiding_others(gc, tmp_path, monkeypatch):
    monkeypatch.setitem(gc.BUDGETS_S, "cuda_tests", 0.5)          # killed: ran past its budget
    out = tmp_path / "res.json"
    code = gc.main(["--size", "tiny", "--stages", "cuda_tests", "uniformity_1m", "--out", str(out),
                    "--work", str(tmp_path / "w")])
    saved = json.loads(out.read_text())
    assert code == 1 and saved["ok"] is False
    assert saved["stages"]["cuda_tests"]["status"] == "timeout"
    assert saved["stages"]["uniformity_1m"]["status"] == "passed"
    assert saved["stages"]["uniformity_1m"]["result"]["value"] < 0
    assert all("seconds" in r for r in saved["stages"].values())
    assert "missing_optional" in saved["environment"]


def test_stage_exceptions_become_failed_records(gc, tmp_path, monkeypatch):
    def broken(size, work):
        raise RuntimeError("kaputt")
    monkeypatch.setitem(gc.STAGES, "uniformity_1m", broken)
    rec = gc.run_stage_inline("uniformity_1m", "tiny", tmp_path)
    assert rec["status"] == "failed" and "RuntimeError: kaputt" in rec["error"]

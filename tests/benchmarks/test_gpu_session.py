"""benchmarks/gpu_session.sh, on the CPU: the acceptance script says it needs CUDA, the grid
part measures runs per minute at both job counts, and every result file lands in OUT."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_session_script_writes_its_results_on_a_machine_without_cuda(tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "OUT": str(out), "PY": sys.executable, "DEVICE": "cpu", "BUDGET_S": "90",
           "DATASETS": "yeast", "JOBS_A": "1", "JOBS_B": "2", "WHEELS": str(tmp_path / "no-wheels"),
           "WORK": str(tmp_path / "work"), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(["bash", str(ROOT / "benchmarks" / "gpu_session.sh")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "needs a CUDA GPU" in (out / "gpu_check.log").read_text()
    assert not (out / "pip.log").exists(), "no wheels given: nothing installed"
    rates = json.loads((out / "grid_rate.json").read_text())
    assert set(rates) == {"a_jobs_1", "b_jobs_2"}
    done = 0
    for key, jobs in (("a_jobs_1", "1"), ("b_jobs_2", "2")):
        result = rates[key]
        assert result["report_args"][result["report_args"].index("--jobs") + 1] == jobs
        measured = result["datasets"]["yeast"]["measured"]
        assert measured["runs_planned"] == 75 and measured["n_failed"] == 0
        done += measured["runs_done"]
    assert done >= 1, "at least one run finished inside the budget"
    with tarfile.open(out / "rate_runs.tgz") as archive:
        names = archive.getnames()
    assert any(n.endswith("status.json") for n in names) and not any(n.endswith((".npz", ".pt")) for n in names)

"""scripts/slurm_cluster.sh: a real single-node SLURM that submitit can use (notes: slurm-single-node.md)."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from tests.cluster._slurm import SCRIPT, needs_slurm

pytestmark = needs_slurm

DAEMONS = ("munged", "mariadbd", "slurmdbd", "slurmctld", "slurmd")


def _status() -> dict[str, str]:
    proc = subprocess.run(["bash", str(SCRIPT), "status"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return dict(re.findall(r"^(\w+): (running \(pid \d+\)|stopped)$", proc.stdout, flags=re.M))


def test_status_lists_every_daemon_running():
    states = _status()
    assert set(states) == set(DAEMONS)
    assert all(s.startswith("running") for s in states.values()), states


@pytest.mark.skipif(os.geteuid() != 0, reason="start needs root")
def test_start_while_running_changes_nothing():
    before = _status()
    proc = subprocess.run(["bash", str(SCRIPT), "start"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "up:" in proc.stderr
    assert _status() == before  # same pids: nothing restarted


def test_submitit_round_trip_and_failure(tmp_path):
    import submitit

    executor = submitit.AutoExecutor(folder=str(tmp_path / "%j"))  # fresh folder (pitfall 12)
    assert executor.cluster == "slurm"
    executor.update_parameters(slurm_partition="debug", cpus_per_task=1, timeout_min=5, mem_gb=1,
                               slurm_signal_delay_s=10)
    jobs = executor.map_array(abs, [-1, -2, 3])
    assert [job.result() for job in jobs] == [1, 2, 3]

    failing = executor.submit(int, "not a number")
    with pytest.raises(submitit.core.utils.FailedJobError, match="ValueError: invalid literal"):
        failing.result()

    # cancelled jobs (seen only with accounting): test_slurm_executor's scancel test

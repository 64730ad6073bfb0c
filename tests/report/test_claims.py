"""report.claims: racing claimers execute every run exactly once; stale claims are taken over."""

from __future__ import annotations

import ast
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from dataclasses import asdict, replace
from pathlib import Path

import pytest

from mlcl_lab import files
from mlcl_lab.report.claims import Claim, ClaimInfo, claim, current_claim, holder_alive
from tests.cluster._slurm import needs_slurm

ROOT = Path(__file__).resolve().parents[2]

# A worker claims each run in turn; inside a claim it re-checks "done" (the protocol's rule),
# records that it executed the run, and marks it done. Runs are shuffled per worker so the
# workers really collide.
WORKER = textwrap.dedent("""
    import random, sys, time
    from pathlib import Path
    from mlcl_lab import files
    from mlcl_lab.report.claims import claim
    root, name, n_runs = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    files.write_text(root / f"ready-{name}", "")
    while not (root / "go").exists():
        time.sleep(0.001)
    order = list(range(n_runs))
    random.Random(name).shuffle(order)
    for _ in range(2):                      # a second pass finds everything done or busy
        for i in order:
            run = root / f"run-{i}"
            held = claim(run)
            if held is None:
                continue
            with held:
                if (run / "done").exists():
                    continue
                files.write_text(run / f"executed-by-{name}", name)
                time.sleep(0.002)
                files.write_text(run / "done", name)
""")


def _spawn(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_racing_processes_execute_disjoint_sets_covering_every_run(tmp_path):
    n_runs, n_workers = 30, 3
    workers = [_spawn(WORKER, str(tmp_path), f"w{k}", str(n_runs)) for k in range(n_workers)]
    deadline = time.time() + 120
    while len(list(tmp_path.glob("ready-*"))) < n_workers:  # all imported and waiting
        assert time.time() < deadline and all(p.poll() is None for p in workers)
        time.sleep(0.05)
    files.write_text(tmp_path / "go", "")
    for proc in workers:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    executed = {w: {int(p.parent.name.split("-")[1]) for p in tmp_path.glob(f"run-*/executed-by-w{w}")}
                for w in range(n_workers)}
    for a in range(n_workers):
        for b in range(a + 1, n_workers):
            assert not executed[a] & executed[b], (a, b, executed[a] & executed[b])
    assert set().union(*executed.values()) == set(range(n_runs))
    assert sum(len(s) for s in executed.values()) == n_runs
    assert sum(1 for s in executed.values() if s) >= 2, "the workers did not actually race"
    for run in tmp_path.glob("run-*"):          # every claim file valid JSON, all released
        state = current_claim(run)
        assert state is not None and state.released
        for path in run.glob("claim-*.json"):
            json.loads(path.read_text())


HOLDER = textwrap.dedent("""
    import sys, time
    from mlcl_lab.report.claims import claim
    held = claim(sys.argv[1])
    print("claimed" if held else "busy", flush=True)
    time.sleep(600)
""")


@pytest.mark.parametrize("reap", [True, False], ids=["reaped", "zombie"])
def test_a_killed_holders_claim_is_taken_over(tmp_path, reap):
    run = tmp_path / "run"
    holder = _spawn(HOLDER, str(run))
    assert holder.stdout.readline().strip() == "claimed"
    assert claim(run) is None                           # alive: busy
    os.kill(holder.pid, signal.SIGKILL)
    if reap:
        holder.wait()
    else:                                               # killed, not reaped: /proc says Z
        deadline = time.time() + 10
        while Path(f"/proc/{holder.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
            assert time.time() < deadline
            time.sleep(0.01)
    taken = claim(run)
    try:
        assert isinstance(taken, Claim)
        assert taken.took_over is not None and taken.took_over.pid == holder.pid
        assert [p.name for p in run.glob("claim-*.json")] == ["claim-2.json"]  # the stale one removed
        assert claim(run) is None                       # we hold it now
    finally:
        holder.wait()
    taken.release()
    again = claim(run)
    assert again is not None and again.path.name == "claim-3.json" and again.took_over is None


def test_claim_content_and_release(tmp_path, monkeypatch):
    monkeypatch.setenv("SLURM_JOB_ID", "41")
    monkeypatch.setenv("SLURM_ARRAY_JOB_ID", "40")
    monkeypatch.setenv("SLURM_ARRAY_TASK_ID", "3")
    with claim(tmp_path) as held:
        payload = files.read_json(held.path)
        assert payload["host"] == socket.gethostname() and payload["pid"] == os.getpid()
        assert payload["slurm_job_id"] == "40_3"
        assert abs(payload["started"] - time.time()) < 60
        assert not current_claim(tmp_path).released
    assert current_claim(tmp_path).released
    held.release()                                      # idempotent


def test_a_reused_pid_is_not_the_holder(tmp_path):
    mine = ClaimInfo.here()
    assert holder_alive(mine)[0]
    assert not holder_alive(replace(mine, pid_start="1"))[0]   # same pid, another process start


def test_a_holder_on_another_host_without_a_job_is_assumed_alive(tmp_path):
    other = replace(ClaimInfo.here(), host="elsewhere.invalid", slurm_job_id=None)
    files.write_json(tmp_path / "claim-1.json", asdict(other))
    alive, reason = holder_alive(other)
    assert alive and "cannot be checked" in reason
    assert claim(tmp_path) is None


def test_a_corrupt_claim_file_names_itself(tmp_path):
    files.write_text(tmp_path / "claim-1.json", '{"host": 1}')
    with pytest.raises(files.CorruptFileError, match="claim-1.json"):
        claim(tmp_path)


def _sbatch(*args: str) -> str:
    out = subprocess.run(["sbatch", "--parsable", "--mem=100M", "-o", "/dev/null", *args],
                         capture_output=True, text=True, timeout=60, check=True)
    return out.stdout.strip().split(";")[0]


def _wait_state(job: str, ended: bool) -> None:
    from mlcl_lab.report.claims import slurm_job_ended
    deadline = time.time() + 60
    while slurm_job_ended(job) is not ended:
        assert time.time() < deadline, f"job {job} never became ended={ended}"
        time.sleep(0.2)


@needs_slurm
def test_a_claim_of_an_ended_slurm_job_is_taken_over(tmp_path):
    job = _sbatch("--wrap", "sleep 300")
    remote = replace(ClaimInfo.here(), host="node-elsewhere.invalid", slurm_job_id=job)
    files.write_json(tmp_path / "claim-1.json", asdict(remote))
    try:
        _wait_state(job, ended=False)
        assert claim(tmp_path) is None                  # the job still runs
    finally:
        subprocess.run(["scancel", job], check=True, timeout=60)
    _wait_state(job, ended=True)
    taken = claim(tmp_path)
    assert taken is not None and taken.took_over.slurm_job_id == job
    taken.release()


GRID = """
name: race
datasets: [yeast]
losses: [bce, base]
seeds: [0]
train_fractions: [0.25]
parameters: {epochs: 1, probe_epochs: 1, make_figures: false}
"""
INVOCATION = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from mlcl_lab.report.grid import load_grid
    from mlcl_lab.report.runner import run_grid
    root = Path(sys.argv[1])
    spec = load_grid(root / "race.yaml")
    (root / f"ready-{sys.argv[2]}").touch()
    while not (root / "go").exists():
        time.sleep(0.01)
    outcome = run_grid(spec, root / "grid", jobs=1, device="cpu", progress=False)
    print(repr((sorted(outcome.executed), sorted(outcome.skipped), outcome.failed)), flush=True)
""")


def test_two_concurrent_report_invocations_execute_every_run_once(tmp_path):
    from mlcl_lab.report.grid import load_grid
    from mlcl_lab.report.runs import GridRuns

    (tmp_path / "race.yaml").write_text(GRID)
    procs = [_spawn(INVOCATION, str(tmp_path), str(k)) for k in range(2)]
    deadline = time.time() + 120
    while len(list(tmp_path.glob("ready-*"))) < 2:
        assert time.time() < deadline and all(p.poll() is None for p in procs)
        time.sleep(0.05)
    (tmp_path / "go").touch()
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-3000:]
        outputs.append(out)
    records = list(GridRuns(load_grid(tmp_path / "race.yaml"), tmp_path / "grid"))
    assert len(records) == 2
    (ex_a, skip_a, failed_a), (ex_b, skip_b, failed_b) = (ast.literal_eval(out.strip().splitlines()[-1])
                                                          for out in outputs)
    # "executed" includes a run the other invocation finished while this one waited for it
    assert set(ex_a) | set(ex_b) | set(skip_a) | set(skip_b) == {r.spec.name for r in records}
    for error in [*failed_a.values(), *failed_b.values()]:  # the only failure allowed: busy elsewhere
        assert "claimed by another invocation" in error, error
    for record in records:
        statuses = [a for a in record.attempts if a.state != "incomplete"]
        assert [a.state for a in statuses] == ["done"], (record.spec.name, record.attempts, outputs)
        assert len(list(record.folder.glob("attempt-*/study.ipynb"))) == 1  # executed exactly once
        for status in record.folder.glob("attempt-*/status.json"):
            json.loads(status.read_text())


TINY_NOTEBOOK = '''# %% tags=["parameters"]
value = 1

# %%
from pathlib import Path

Path("ran.txt").write_text(str(value))
'''


def test_execute_claimed_never_reuses_a_used_attempt_folder(tmp_path):
    from mlcl_lab.report.claims import execute_claimed
    from mlcl_lab.report.execute import PlannedRun, RunTask

    source = tmp_path / "tiny.py"
    source.write_text(TINY_NOTEBOOK)
    run_dir = tmp_path / "run"
    used = run_dir / "attempt-1"
    used.mkdir(parents=True)
    files.write_text(used / "study.ipynb", "left by a try that was preempted")
    task = RunTask(notebook=source, runs=(PlannedRun("run", used, {"value": 3}, "abc"),), kernel="python3",
                   device="cpu")
    [outcome] = execute_claimed(task)
    assert outcome.ok and outcome.attempt == run_dir / "attempt-2", outcome
    assert (run_dir / "attempt-2" / "ran.txt").read_text() == "3"
    assert (used / "study.ipynb").read_text() == "left by a try that was preempted"

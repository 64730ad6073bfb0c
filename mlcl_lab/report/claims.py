"""Atomic per-run claims: two grid invocations (or a local one next to a SLURM array) never run
the same run at the same time.

A claim is a JSON file ``<run_dir>/claim-<generation>.json`` holding who runs the run: host,
pid, the pid's kernel start time (so a reused pid is not mistaken for the holder), the wall
clock start, and the SLURM job id when the claimer runs inside a job. It is created with
:func:`mlcl_lab.files.write_json` without ``overwrite``: complete content, and the final
``os.link`` fails when the file exists, so exactly one of any number of racing processes
creates a given generation.

Protocol (:func:`claim`), on the newest generation ``n`` of the run's claim files:

* no claim file: create generation 1;
* ``n`` is released (``claim-<n>.released`` exists): create ``n + 1``;
* ``n`` is held by a live process: the run is busy, return ``None``;
* ``n`` is **stale** — its local pid is dead (or a zombie, or another process now wears the
  pid) on this host, or its SLURM job has ended per ``squeue``/``sacct`` — create ``n + 1``.

Creating ``n + 1`` is exclusive, and the one winner then deletes the generations below it.
Releasing (leaving the ``with`` block, or :meth:`Claim.release`) adds the ``.released``
marker and keeps the file, so the newest generation number never goes down: a claimer that
stalled between reading ``n`` and creating ``n + 1`` can only fail to create it, never
create a generation below a live one. Hence at most one live holder per run, unless a
holder is wrongly judged dead.

A holder on another host without a SLURM job id cannot be checked and is treated as alive
(the documented conservative choice: a run is never run twice at once; delete its claim
file by hand if that host is gone).

The caller re-checks the run's state *after* obtaining a claim: a run that the previous
holder finished between the caller's check and its claim is then skipped.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .. import files

if TYPE_CHECKING:
    from .execute import RunOutcome, RunTask  # noqa: F401 (annotations; imported at call time: no cycle)

__all__ = ["Claim", "ClaimInfo", "ClaimState", "claim", "current_claim", "execute_claimed", "holder_alive", "slurm_job_ended", "CLAIM_GLOB"]

CLAIM_GLOB = "claim-*.json"
RELEASED_SUFFIX = ".released"
_CLAIM_RE = re.compile(r"^claim-(\d+)\.json$")
_SLURM_ENDED = {"BOOT_FAIL", "CANCELLED", "COMPLETED", "DEADLINE", "FAILED", "NODE_FAIL", "OUT_OF_MEMORY",
                "PREEMPTED", "REVOKED", "TIMEOUT", "SPECIAL_EXIT"}


@dataclass(frozen=True)
class ClaimInfo:
    """Who holds a run: the content of a claim file."""

    host: str
    pid: int
    pid_start: str | None     # /proc/<pid>/stat start time (clock ticks since boot); None off Linux
    started: float            # time.time() when claimed
    slurm_job_id: str | None  # "123" or "123_4" (array task) inside a SLURM job
    token: str                # random: tells the holder's own file from a successor's

    @classmethod
    def here(cls) -> ClaimInfo:
        pid = os.getpid()
        return cls(host=socket.gethostname(), pid=pid, pid_start=_pid_start(pid), started=time.time(),
                   slurm_job_id=_slurm_job_id(), token=secrets.token_hex(8))

    @classmethod
    def from_json(cls, payload: Any, path: Path) -> ClaimInfo:
        fields = {"host": str, "pid": int, "pid_start": (str, type(None)), "started": (int, float),
                  "slurm_job_id": (str, type(None)), "token": str}
        if not isinstance(payload, dict) or set(payload) != set(fields):
            raise files.CorruptFileError(path, f"is not a claim (expected the keys {sorted(fields)})")
        for key, kind in fields.items():
            if not isinstance(payload[key], kind) or isinstance(payload[key], bool):
                raise files.CorruptFileError(path, f"claim field {key!r} has the wrong type")
        return cls(**payload)


def _slurm_job_id() -> str | None:
    array_job, array_task = os.environ.get("SLURM_ARRAY_JOB_ID"), os.environ.get("SLURM_ARRAY_TASK_ID")
    if array_job and array_task:
        return f"{array_job}_{array_task}"
    return os.environ.get("SLURM_JOB_ID") or None


def _pid_start(pid: int) -> str | None:
    """Field 22 of /proc/<pid>/stat (start time), or None without procfs / for no such pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _local_pid_alive(pid: int, pid_start: str | None) -> bool:
    """Alive = exists, not a zombie, and (with procfs) the same process that claimed."""
    stat_path = Path(f"/proc/{pid}/stat")
    if Path("/proc/self/stat").exists():
        try:
            stat = stat_path.read_text()
        except OSError:
            return False
        after_comm = stat.rsplit(")", 1)[1].split()
        if after_comm[0] == "Z":            # killed, not yet reaped: dead
            return False
        return pid_start is None or after_comm[19] == pid_start
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def slurm_job_ended(job_id: str) -> bool | None:
    """True when SLURM says the job ended, False while it is queued/running, None if no one can tell."""
    try:
        queued = subprocess.run(["squeue", "-h", "-j", job_id, "-o", "%T"], capture_output=True, text=True,
                                timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        queued = None
    if queued is not None and queued.returncode == 0 and queued.stdout.strip():
        states = set(queued.stdout.split())
        return states <= _SLURM_ENDED  # squeue still lists a job that just finished (MinJobAge)
    try:
        acct = subprocess.run(["sacct", "-n", "-X", "-P", "-j", job_id, "-o", "State"], capture_output=True,
                              text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if acct.returncode != 0 or not acct.stdout.strip():
        # an unknown id after squeue answered "invalid job id": the job is long gone
        if queued is not None and "Invalid job id" in (queued.stderr or ""):
            return True
        return None
    states = {line.split()[0] for line in acct.stdout.strip().splitlines() if line.strip()}
    return states <= _SLURM_ENDED


def holder_alive(info: ClaimInfo) -> tuple[bool, str]:
    """Whether a claim's holder may still run the run, with the reason (for status displays)."""
    if info.host == socket.gethostname():
        if _local_pid_alive(info.pid, info.pid_start):
            return True, f"pid {info.pid} on {info.host} is running"
        return False, f"pid {info.pid} on {info.host} has ended"
    if info.slurm_job_id is not None:
        ended = slurm_job_ended(info.slurm_job_id)
        if ended:
            return False, f"SLURM job {info.slurm_job_id} has ended"
        if ended is None:
            return True, f"SLURM job {info.slurm_job_id}: the scheduler cannot be asked, assumed running"
        return True, f"SLURM job {info.slurm_job_id} is queued or running"
    return True, f"pid {info.pid} on another host ({info.host}) cannot be checked, assumed running"


def _generations(run_dir: Path) -> list[tuple[int, Path]]:
    found = []
    for path in run_dir.glob(CLAIM_GLOB):
        match = _CLAIM_RE.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return sorted(found)


def _released_marker(path: Path) -> Path:
    return path.with_name(path.stem + RELEASED_SUFFIX)


@dataclass(frozen=True)
class ClaimState:
    """The newest claim generation of a run: its file, holder, and whether it was released."""

    generation: int
    path: Path
    holder: ClaimInfo
    released: bool


def current_claim(run_dir: str | Path) -> ClaimState | None:
    """The newest claim generation of a run, or None when the run was never claimed.

    Raises ``FileNotFoundError`` when the newest file vanished while it was read (a takeover
    cleaning up); callers retry.
    """
    generations = _generations(Path(run_dir))
    if not generations:
        return None
    number, path = generations[-1]
    holder = ClaimInfo.from_json(files.read_json(path), path)
    return ClaimState(number, path, holder, _released_marker(path).exists())


class Claim:
    """A held claim; a context manager that releases it on exit."""

    def __init__(self, path: Path, info: ClaimInfo, took_over: ClaimInfo | None) -> None:
        self.path = path
        self.info = info
        self.took_over = took_over  # the stale holder replaced, if any
        self._held = True

    def release(self) -> None:
        """Mark this claim released (idempotent). The claim file stays, so generation numbers
        only grow; the next claimer's takeover removes it."""
        if not self._held:
            return
        self._held = False
        if self.path.exists():
            try:
                files.write_text(_released_marker(self.path), f"released {time.time()}\n")
            except FileExistsError:
                pass

    def __enter__(self) -> Claim:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


def claim(run_dir: str | Path, *, attempts: int = 50) -> Claim | None:
    """Claim ``run_dir`` for this process: a :class:`Claim`, or None while a live holder has it.

    ``attempts`` bounds the retries when generations change under us (other claimers racing).
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    for _ in range(attempts):
        try:
            newest = current_claim(run_dir)
        except FileNotFoundError:
            continue
        stale: ClaimInfo | None = None
        number = 1
        if newest is not None:
            if not newest.released:
                alive, _ = holder_alive(newest.holder)
                if alive:
                    return None
                stale = newest.holder
            number = newest.generation + 1
        info = ClaimInfo.here()
        target = run_dir / f"claim-{number}.json"
        try:
            files.write_json(target, asdict(info))
        except FileExistsError:
            continue  # another claimer won this generation: look again
        for older, path in _generations(run_dir):
            if older < number:
                _released_marker(path).unlink(missing_ok=True)
                path.unlink(missing_ok=True)
        return Claim(target, info, stale)
    raise RuntimeError(f"{run_dir}: could not settle a claim after {attempts} attempts (claim files keep changing)")


def _drop_if_empty(attempt: Path) -> None:
    """Remove a planned attempt folder that was never used (another invocation ran the run)."""
    try:
        attempt.rmdir()
    except OSError:
        pass


def execute_claimed(task: RunTask) -> list[RunOutcome]:
    """:func:`execute_task` for the runs of ``task`` that this process can claim.

    A run claimed by a live holder (another invocation executing it now) is not executed;
    its outcome says so (failed in this invocation, not retried here). A run whose folder
    gained a done attempt meanwhile is not redone: its outcome points at that attempt. In
    both cases the unused planned attempt folder is removed. A planned attempt folder that is
    not empty (a SLURM job requeued after preemption runs its task again) is left as it is
    and the run executes in a new attempt. The runs claimed are executed
    together, one kernel for all (a batch, :mod:`mlcl_lab.report.batch`); each claim is
    held until that kernel has ended. Every executor runs this.
    """
    from .execute import RunOutcome, execute_task
    from .runs import attempts, new_attempt, read_attempt

    outcomes: list[RunOutcome] = []
    with ExitStack() as held_claims:
        claimed = []
        for run in task.runs:
            run_dir = Path(run.attempt).parent
            held = claim(run_dir)
            if held is None:
                _drop_if_empty(Path(run.attempt))
                try:
                    state = current_claim(run_dir)
                except FileNotFoundError:  # taken over and cleaned up while we looked
                    state = None
                holder = holder_alive(state.holder)[1] if state is not None else "a holder that just changed"
                outcomes.append(RunOutcome(run.name, Path(run.attempt), False,
                                           f"not executed: the run is claimed by another invocation ({holder})", 0.0))
                continue
            done = [a for a in attempts(run_dir) if a != Path(run.attempt) and read_attempt(a).state == "done"]
            if done:
                held.release()
                _drop_if_empty(Path(run.attempt))
                outcomes.append(RunOutcome(run.name, done[-1], True, "", 0.0))
                continue
            held_claims.enter_context(held)
            attempt = Path(run.attempt)
            if attempt.is_dir() and any(attempt.iterdir()):  # an earlier try of this task (a requeued job)
                run = replace(run, attempt=new_attempt(run_dir))
            claimed.append(run)
        if claimed:  # the claimed runs of the task in one kernel (a batch), each claim held until it ends
            outcomes.extend(execute_task(replace(task, runs=tuple(claimed))))
    return outcomes

"""Is the single-node SLURM of ``scripts/slurm_cluster.sh`` (or any SLURM with accounting) up?

Tests that need it use ``needs_slurm``: a skip with the reason on a laptop without SLURM, a
failure under CI=true (``.ci/run`` starts the cluster before ``make test``).
"""

from __future__ import annotations

import functools
import shutil
import subprocess

from tests.requirements_marks import needs

__all__ = ["SCRIPT", "needs_slurm", "slurm_status"]

from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "slurm_cluster.sh"


def _answer(*cmd: str) -> tuple[bool, str]:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as error:
        return False, str(error)
    return proc.returncode == 0, (proc.stdout + proc.stderr).strip()


@functools.lru_cache(maxsize=1)
def slurm_status() -> tuple[bool, str]:
    """``(True, "")`` when sinfo shows a node and sacct answers (accounting on), else the reason."""
    if shutil.which("sinfo") is None:
        return False, "no SLURM here (sinfo not on PATH); start one with: sudo bash scripts/slurm_cluster.sh start"
    ok, out = _answer("sinfo", "-h", "-o", "%t")
    if not ok or not out:
        return False, f"SLURM does not answer (sinfo: {out!r}); sudo bash scripts/slurm_cluster.sh start"
    ok, out = _answer("sacct", "-n", "-X", "-S", "now")
    if not ok:
        return False, f"SLURM accounting is off (sacct: {out!r}); cancelled jobs would never be seen"
    try:
        import submitit  # noqa: F401
    except ImportError:
        return False, "submitit is not installed (pip install mlcl-lab[slurm])"
    return True, ""


needs_slurm = needs(*slurm_status())

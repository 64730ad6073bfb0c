"""The local executor: ``jobs`` kernel processes at a time on this machine.

Each job holds a device slot while its task runs: on CUDA one GPU per job
(round-robin over the visible GPUs), otherwise the CPU, with ``cpu_count // jobs``
threads per kernel so that parallel jobs do not oversubscribe the cores.
"""

from __future__ import annotations

import os
import queue
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import replace

from ...runtime import resolve_device
from ..claims import execute_claimed
from ..execute import RunOutcome, RunTask

__all__ = ["LocalExecutor", "default_jobs", "device_slots"]

#: The most parallel kernels :func:`default_jobs` gives on a CPU.
MAX_CPU_JOBS = 4


def default_jobs(device: str = "auto") -> int:
    """One job per GPU when ``device`` resolves to CUDA, else the CPU cores up to
    :data:`MAX_CPU_JOBS`."""
    if resolve_device(device).type == "cuda":
        import torch

        return torch.cuda.device_count()
    return max(1, min(MAX_CPU_JOBS, os.cpu_count() or 1))


def device_slots(device: str, jobs: int) -> list[str]:
    """One device per parallel job: ``auto``/``cuda`` with CUDA present round-robin over the
    GPUs; an explicit device (``cpu``, ``cuda:1``) for every job."""
    resolved = resolve_device(device)
    if resolved.type == "cuda" and device.strip().lower() in ("auto", "cuda"):
        import torch

        return [f"cuda:{i % torch.cuda.device_count()}" for i in range(jobs)]
    return [str(resolved)] * jobs


class LocalExecutor:
    """A pool of ``jobs`` threads, each running one kernel process at a time."""

    def __init__(self, jobs: int = 1, device: str = "auto", threads: int | None = None) -> None:
        if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
            raise ValueError(f"jobs must be an integer >= 1, got {jobs!r}")
        self.jobs = jobs
        self.slots = device_slots(device, jobs)
        self.threads = threads if threads is not None else max(1, (os.cpu_count() or 1) // jobs)

    def run(self, tasks: Iterable[RunTask]) -> Iterator[list[RunOutcome]]:
        free: queue.Queue[str] = queue.Queue()
        for slot in self.slots:
            free.put(slot)

        def in_slot(task: RunTask) -> list[RunOutcome]:
            slot = free.get()  # a device no other running job holds
            try:
                return execute_claimed(replace(task, device=slot, threads=self.threads))
            finally:
                free.put(slot)

        with ThreadPoolExecutor(max_workers=self.jobs) as pool:
            futures = [pool.submit(in_slot, task) for task in tasks]
            for future in as_completed(futures):
                yield future.result()

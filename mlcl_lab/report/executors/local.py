"""The local executor: ``jobs`` kernel processes at a time on this machine.

Each job holds a device slot while its task runs: on CUDA a GPU handed out through
``CUDA_VISIBLE_DEVICES`` (``--jobs-per-gpu`` kernels may share one), otherwise the CPU. Each kernel computes with its
runs' ``threads`` study parameter (default 1: the same numbers from every entry point),
unless ``threads`` is given here.
"""

from __future__ import annotations

import os
import queue
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace

from ...runtime import resolve_device
from ..claims import execute_claimed
from ..execute import RunOutcome, RunTask

__all__ = ["LocalExecutor", "Slot", "default_jobs", "device_slots", "visible_gpus"]

#: The most parallel kernels :func:`default_jobs` gives on a CPU.
MAX_CPU_JOBS = 4


def visible_gpus() -> list[str]:
    """The GPUs this process may use, as ``CUDA_VISIBLE_DEVICES`` names them (its entries
    when set, else ``0 .. device_count - 1``); [] without CUDA."""
    import torch

    if not torch.cuda.is_available():
        return []
    listed = os.environ.get("CUDA_VISIBLE_DEVICES")
    if listed is not None:
        return [g.strip() for g in listed.split(",") if g.strip()][:torch.cuda.device_count()]
    return [str(i) for i in range(torch.cuda.device_count())]


def _uses_all_gpus(device: str, gpus: Sequence[str]) -> bool:
    return bool(gpus) and device.strip().lower() in ("auto", "cuda")


def default_jobs(device: str = "auto", *, jobs_per_gpu: int = 1, gpus: Sequence[str] | None = None) -> int:
    """``jobs_per_gpu`` jobs per visible GPU when ``device`` is ``auto``/``cuda`` and CUDA is
    present, else the CPU cores up to :data:`MAX_CPU_JOBS` (one for an explicit ``cuda:N``
    takes the CPU rule too: pass ``--jobs``). ``gpus`` overrides :func:`visible_gpus` (tests)."""
    gpus = visible_gpus() if gpus is None else list(gpus)
    if _uses_all_gpus(device, gpus):
        return len(gpus) * jobs_per_gpu
    resolve_device(device)  # an unavailable device is an error here, before any kernel starts
    return max(1, min(MAX_CPU_JOBS, os.cpu_count() or 1))


@dataclass(frozen=True)
class Slot:
    """Where one parallel job computes: the kernel's device and its environment
    (``CUDA_VISIBLE_DEVICES`` naming the one GPU the slot hands out)."""

    device: str
    env: Mapping[str, str] = field(default_factory=dict)


def device_slots(device: str, jobs: int, *, jobs_per_gpu: int = 1, gpus: Sequence[str] | None = None) -> list[Slot]:
    """One slot per parallel job. ``auto``/``cuda`` with GPUs visible: each GPU is a slot
    ``jobs_per_gpu`` times, handed out through ``CUDA_VISIBLE_DEVICES`` (the kernel sees one
    GPU, ``cuda``), the GPUs filled in turn, at most ``len(gpus) * jobs_per_gpu`` slots.
    An explicit device (``cpu``, ``cuda:1``) or no GPU: every job on that device."""
    if isinstance(jobs_per_gpu, bool) or not isinstance(jobs_per_gpu, int) or jobs_per_gpu < 1:
        raise ValueError(f"jobs_per_gpu must be an integer >= 1, got {jobs_per_gpu!r}")
    gpus = visible_gpus() if gpus is None else list(gpus)
    if _uses_all_gpus(device, gpus):
        packed = [Slot("cuda", {"CUDA_VISIBLE_DEVICES": gpu}) for _ in range(jobs_per_gpu) for gpu in gpus]
        return packed[:jobs]
    return [Slot(str(resolve_device(device)))] * jobs


class LocalExecutor:
    """A pool of ``jobs`` threads, each running one kernel process at a time in a device
    slot (:func:`device_slots`; ``jobs_per_gpu`` kernels share a GPU)."""

    def __init__(self, jobs: int = 1, device: str = "auto", threads: int | None = None, *, jobs_per_gpu: int = 1,
                 gpus: Sequence[str] | None = None) -> None:
        if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
            raise ValueError(f"jobs must be an integer >= 1, got {jobs!r}")
        self.slots = device_slots(device, jobs, jobs_per_gpu=jobs_per_gpu, gpus=gpus)
        self.jobs = len(self.slots)
        self.threads = threads

    def run(self, tasks: Iterable[RunTask]) -> Iterator[list[RunOutcome]]:
        free: queue.Queue[Slot] = queue.Queue()
        for slot in self.slots:
            free.put(slot)

        def in_slot(task: RunTask) -> list[RunOutcome]:
            slot = free.get()  # a slot no other running job holds
            try:
                return execute_claimed(replace(task, device=slot.device, threads=self.threads,
                                               env={**task.env, **slot.env}))
            finally:
                free.put(slot)

        with ThreadPoolExecutor(max_workers=self.jobs) as pool:
            futures = [pool.submit(in_slot, task) for task in tasks]
            for future in as_completed(futures):
                yield future.result()

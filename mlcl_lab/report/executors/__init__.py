"""Executors place :class:`~mlcl_lab.report.execute.RunTask` s on machines.

Every executor runs the same picklable entry, :func:`mlcl_lab.report.execute.execute_task`,
and yields each task's outcomes as it ends. ``local`` is a pool of kernel processes on
this machine (one device slot per job).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from ..execute import RunOutcome, RunTask

__all__ = ["Executor"]


class Executor(Protocol):
    """Runs tasks and yields the outcomes of each task as it ends (in any order)."""

    def run(self, tasks: Iterable[RunTask]) -> Iterator[list[RunOutcome]]: ...

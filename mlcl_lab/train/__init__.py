"""Training protocol: stage 1 (contrastive or supervised), stage 2 (linear probe), studies.

Layout: ``config`` (+ ``checks``) the run's knobs; ``sources`` the batch sources;
``prepared`` split + inputs of a study; ``study`` → ``runs`` (one function per run kind)
→ ``contrastive`` / ``supervised`` (stages over the shared ``loop``, ``optim``,
``schedule``, ``models``, ``memory_queue``) and ``probe``; ``timings`` seconds per phase.
"""

from .config import ConfigError, ProbeConfig, TrainConfig
from .contrastive import train_contrastive
from .device import resolve_device, seed_everything
from .loop import StageData
from .probe import ProbeResult, fit_linear_probe
from .sources import Batch, BatchSource, TensorSource
from .study import (
    PreparedData,
    RunResult,
    StudyResult,
    environment_info,
    prepare_inputs,
    run_one,
    run_study,
)
from .supervised import train_supervised

__all__ = [
    "Batch",
    "BatchSource",
    "ConfigError",
    "PreparedData",
    "ProbeConfig",
    "ProbeResult",
    "RunResult",
    "StageData",
    "StudyResult",
    "TensorSource",
    "TrainConfig",
    "environment_info",
    "fit_linear_probe",
    "prepare_inputs",
    "resolve_device",
    "run_one",
    "run_study",
    "seed_everything",
    "train_contrastive",
    "train_supervised",
]

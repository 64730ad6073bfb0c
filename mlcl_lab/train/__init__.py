"""Training protocol: stage 1 (contrastive or supervised), stage 2 (linear probe), studies."""

from .config import ProbeConfig, TrainConfig
from .contrastive import train_contrastive
from .device import resolve_device, seed_everything
from .probe import ProbeResult, fit_linear_probe
from .study import RunResult, StudyResult, environment_info, prepare_inputs, run_one, run_study
from .supervised import train_supervised

__all__ = [
    "ProbeConfig", "TrainConfig", "train_contrastive", "train_supervised", "resolve_device", "seed_everything",
    "ProbeResult", "fit_linear_probe", "RunResult", "StudyResult", "environment_info", "prepare_inputs",
    "run_one", "run_study",
]

"""Name → loss class registry behind ``get_loss``, ``available_losses`` and ``loss_kind``."""
from __future__ import annotations

from typing import Any

from ._module import LossBase

_REGISTRY: dict[str, type[LossBase]] = {}


def register(cls: type[LossBase]) -> type[LossBase]:
    """Class decorator adding a loss under ``cls.name``."""
    _REGISTRY[cls.name] = cls
    return cls


def _lookup(name: str) -> type[LossBase]:
    if not isinstance(name, str) or name not in _REGISTRY:
        raise ValueError(f"unknown loss {name!r}; valid names are {sorted(_REGISTRY)}")
    return _REGISTRY[name]


def get_loss(name: str, **hyper: Any) -> LossBase:
    """Instantiate loss ``name`` with keyword hyper-parameters (validated, errors list valid ones)."""
    return _lookup(name)(**hyper)


def available_losses() -> dict[str, str]:
    """name → one-line description, in registration order."""
    return {n: c.description for n, c in _REGISTRY.items()}


def loss_kind(name: str) -> str:
    """'contrastive' or 'supervised'."""
    return _lookup(name).kind


def loss_class(name: str) -> type[LossBase]:
    """The class registered under ``name`` (hyper-parameter spec in ``.HYPER``)."""
    return _lookup(name)

"""Field checks of the run configuration: type, finiteness and range, with errors naming all three.

One helper per kind of value (integer, real number, choice, flag, optional text); every
:class:`~mlcl_lab.train.config.TrainConfig` / ``ProbeConfig`` field goes through one of
them. ``bool`` is not accepted where a number is expected (``True`` is not ``1`` epoch),
``1.5`` is not an integer, NaN and ±inf are never a valid real number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral, Real

__all__ = ["ConfigError", "check_choice", "check_flag", "check_int", "check_real", "check_reals", "check_text"]


class ConfigError(TypeError, ValueError):
    """A configuration field with a wrong type, a non-finite value or a value out of range.

    Both a ``TypeError`` and a ``ValueError``, so callers catching either see it.
    """


def _where(owner: str, name: str) -> str:
    return f"{owner}.{name}"


def _interval(lo: float | None, hi: float | None, lo_open: bool, hi_open: bool) -> str:
    left = "(" if lo_open or lo is None else "["
    right = ")" if hi_open or hi is None else "]"
    return f"{left}{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}{right}"


def check_int(owner: str, name: str, value: object, lo: int, hi: int | None = None, *, optional: bool = False) -> None:
    """``value`` is an integer (not a bool) in [lo, hi] (``None`` allowed when ``optional``)."""
    if optional and value is None:
        return
    kind = "an integer or None" if optional else "an integer"
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ConfigError(f"{_where(owner, name)} must be {kind} in {_interval(lo, hi, False, False)}, "
                        f"got {value!r} ({type(value).__name__})")
    if value < lo or (hi is not None and value > hi):
        raise ConfigError(f"{_where(owner, name)} must be {kind} in {_interval(lo, hi, False, False)}, got {value!r}")


def check_real(owner: str, name: str, value: object, lo: float | None = None, hi: float | None = None, *,
               lo_open: bool = False, hi_open: bool = False, optional: bool = False) -> None:
    """``value`` is a finite real number (not a bool) in the interval given by lo/hi and their openness."""
    if optional and value is None:
        return
    span = _interval(lo, hi, lo_open, hi_open)
    kind = "a finite number or None" if optional else "a finite number"
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ConfigError(f"{_where(owner, name)} must be {kind} in {span}, got {value!r} ({type(value).__name__})")
    v = float(value)
    below = lo is not None and (v <= lo if lo_open else v < lo)
    above = hi is not None and (v >= hi if hi_open else v > hi)
    if not math.isfinite(v) or below or above:
        raise ConfigError(f"{_where(owner, name)} must be {kind} in {span}, got {value!r}")


def check_reals(owner: str, name: str, values: object, lo: float, *, lo_open: bool) -> tuple[float, ...]:
    """A non-empty list/tuple of finite numbers, each in (lo, inf) or [lo, inf); returned as a tuple."""
    span = _interval(lo, None, lo_open, True)
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or len(values) == 0:
        raise ConfigError(f"{_where(owner, name)} must be a non-empty tuple of finite numbers in {span}, "
                        f"got {values!r} ({type(values).__name__})")
    for i, v in enumerate(values):
        check_real(owner, f"{name}[{i}]", v, lo, lo_open=lo_open)
    return tuple(values)


def check_choice(owner: str, name: str, value: object, choices: Sequence[str]) -> None:
    """``value`` is one of the strings ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise ConfigError(f"{_where(owner, name)} must be one of {', '.join(repr(c) for c in choices)}, got {value!r}")


def check_flag(owner: str, name: str, value: object) -> None:
    """``value`` is exactly True or False (not 0/1, not a string)."""
    if not isinstance(value, bool):
        raise ConfigError(f"{_where(owner, name)} must be True or False, got {value!r} ({type(value).__name__})")


def check_text(owner: str, name: str, value: object, *, optional: bool = False) -> None:
    """``value`` is a non-empty string (or None when ``optional``)."""
    if optional and value is None:
        return
    if not isinstance(value, str) or not value.strip():
        kind = "a non-empty string or None" if optional else "a non-empty string"
        raise ConfigError(f"{_where(owner, name)} must be {kind}, got {value!r} ({type(value).__name__})")

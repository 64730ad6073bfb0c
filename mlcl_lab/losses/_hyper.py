"""Hyper-parameter specifications shared by every loss (validation with clear errors)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping


@dataclass(frozen=True)
class Hyper:
    """One hyper-parameter: default value, a predicate and a human description of its range."""

    default: Any
    check: Callable[[Any], bool]
    valid: str
    doc: str = ""


def positive(doc: str = "") -> Callable[[Any], Hyper]:
    return lambda d: Hyper(d, lambda v: _is_real(v) and v > 0, "a float > 0", doc)


def non_negative(doc: str = "") -> Callable[[Any], Hyper]:
    return lambda d: Hyper(d, lambda v: _is_real(v) and v >= 0, "a float >= 0", doc)


def real(doc: str = "") -> Callable[[Any], Hyper]:
    return lambda d: Hyper(d, _is_real, "a finite float", doc)


def choice(*options: Any, doc: str = "") -> Callable[[Any], Hyper]:
    return lambda d: Hyper(d, lambda v: v in options, "one of " + ", ".join(repr(o) for o in options), doc)


def boolean(doc: str = "") -> Callable[[Any], Hyper]:
    return lambda d: Hyper(d, lambda v: isinstance(v, bool), "True or False", doc)


def _is_real(v: Any) -> bool:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    return v == v and abs(v) != float("inf")


def resolve(loss_name: str, spec: Mapping[str, Hyper], given: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``given`` into the defaults of ``spec``; unknown names or invalid values raise ValueError."""
    unknown = sorted(set(given) - set(spec))
    if unknown:
        raise ValueError(
            f"loss {loss_name!r}: unknown hyper-parameter(s) {unknown}; "
            f"valid ones are {sorted(spec)}"
        )
    out = {}
    for name, h in spec.items():
        value = given.get(name, h.default)
        if not h.check(value):
            raise ValueError(
                f"loss {loss_name!r}: hyper-parameter {name}={value!r} is invalid; expected {h.valid}"
            )
        out[name] = value
    return out
